"""Squashed Django migrations (`replaces = [...]`), and the tables lint takes as new in them.

Django runs a squashed migration only on a database where none of the migrations it replaces
has run: where all have, it is marked applied and never runs, and a database where only some
have runs those replaced migrations instead (with their files gone, the loader refuses it). So
the rule: a migration with `replaces` treats as new (empty, unseen by the application) the tables
created by the squashed migrations of its own app that it depends on (directly, through a name
they replace, as netbox's 0002_squashed_0029 depends on ("circuits", "0001_initial"), or through
other migrations of the app). This holds when the squashes of an app were made together from one
history, as `squashmigrations` splits one around a circular dependency (netbox: the foreign keys
out of 0001_squashed into 0002_squashed_0029): a database that runs one of them runs them all.
An app squashed twice at different times (0001-0010, later 0011-0020) breaks it: a database at
0010 runs the second squash on tables with rows; remove `replaces` from the first once every
database is past it (it is then a plain migration, and the second no longer takes its tables as
new).
"""

from __future__ import annotations

import ast
from contextlib import suppress
from dataclasses import dataclass, field

from .pyread import Unknown, literal

Key = tuple[str, str]  # (app label, migration name)


def keys(node: ast.expr | None) -> list[Key]:
    """The (app, name) pairs of `dependencies` / `replaces` written out; the computed ones
    (swappable_dependency(...)) are left out."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return []
    out = []
    for item in node.elts:
        with suppress(Unknown):
            value = literal(item)
            if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, str) for v in value):
                out.append((str(value[0]), str(value[1])))
    return out


@dataclass
class Squashes:
    """The migrations linted so far: what each depends on and replaces, and which made each table."""

    depends: dict[Key, list[Key]] = field(default_factory=dict)
    replaces: dict[Key, list[Key]] = field(default_factory=dict)  # of the squashed ones
    replaced_by: dict[Key, Key] = field(default_factory=dict)
    created: dict[str, Key] = field(default_factory=dict)  # table -> the migration whose CreateModel made it

    def add(self, key: Key, dependencies: list[Key], replaces: list[Key]) -> None:
        self.depends[key] = dependencies
        if replaces:
            self.replaces[key] = replaces
            self.replaced_by.update((r, key) for r in replaces)

    def fresh(self, key: Key) -> frozenset[str]:
        """The tables `key` takes as new: none unless it is squashed (see the module's text)."""
        if key not in self.replaces:
            return frozenset()
        seen: set[Key] = set()
        todo = list(self.depends.get(key, []))
        while todo:
            dependency = todo.pop()
            one = self.replaced_by.get(dependency, dependency)  # a replaced name: its squashed migration
            if one in seen or one[0] != key[0]:
                continue
            seen.add(one)
            todo.extend(self.depends.get(one, []))
        squashed = {k for k in seen if k in self.replaces}
        return frozenset(t for t, by in self.created.items() if by in squashed)
