"""The safe alternative to a flagged statement, written by the planner: the same change as the
migrations migration-manager would generate, so a finding's fix is as proven as a plan.

A repository's migrations repeat a few shapes with different names (ALTER TABLE <t> ALTER COLUMN
<c> TYPE bigint), so fixes are planned once per shape: the statement's table, column and
constraint names become placeholders, the planner plans that, and the names go back in. A shape
is trusted only after its first statement planned both ways gave the same SQL; names the planner
itself treats specially (the default key column `id`, its own `mm_` names) are kept as they are,
and quoted or upper-case names keep a statement out of the cache: it is planned as written.

A placeholder is at least as long as the name it stands for (lengths rounded up to 7, 11, 15 ...
63), so a name the planner derives from it (`<table>_<column>_new`) is at least as long as the
real one: when the template's derived names stay under PostgreSQL's 63-byte limit, those of every
statement of that shape do too. A template with a name of 63 bytes (a derived name the planner may
have cut to fit) is never trusted (_cut).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pglast.parser import ParseError, parse_sql_json, scan

from ..errors import MigrationManagerError
from .tree import Tree

# tree keys whose string values are names, and node-list keys whose String items are names
_NAME_KEYS = frozenset({"relname", "schemaname", "colname", "conname", "name", "subname", "newname", "idxname"})
_NAME_LISTS = frozenset({"fields", "fk_attrs", "pk_attrs", "keys"})
_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")
_PLACEHOLDER = re.compile(r"mmq(\d{3})z*q")  # mmq000q, mmq000zzzzzzzzq ...
_KEPT = frozenset({"id"})  # the planner's default key column: a name it reads, so never a placeholder
_LONGEST = 63  # PostgreSQL's identifier limit, in bytes: a longer name is cut by the server itself


def _placeholder(number: int, name: str) -> str:
    """The placeholder for the `number`-th name: 7 bytes, or the name's length rounded up to 11,
    15, ... 63 bytes. Steps of 4 overstate a name by 3 bytes at most: coarser steps share more
    shapes, but more of their templates reach the 63-byte limit and are not trusted (Lemmy's 342
    migrations: 177 plans with steps of 6, 195 with 4, 199 with 8, 300 with exact lengths; with 6
    or 8 its newest migration's renames of tables of 16 to 22 bytes reach the limit, with 4 not)."""
    length = 7 if len(name) <= 7 else 7 + -(-(len(name) - 7) // 4) * 4
    return f"mmq{number:03d}" + "z" * (length - 7) + "q"


@dataclass(frozen=True)
class PlannedFix:
    """A fix for the planner to write, and what to say where it cannot. A lint run resolves all of
    them at once (resolve), so the planner can load in a helper process while the files are read."""

    sql: str
    version: int
    tree: Tree | None = field(default=None, compare=False, hash=False)
    fallback: str | None = None


Requests = list[tuple[str, int]]
PlanMany = Callable[[Requests], dict[tuple[str, int], str | None]]


def plan_here(requests: Requests) -> dict[tuple[str, int], str | None]:
    """Plan each (sql, version) in this process."""
    return {(sql, version): _plan(sql, version) for sql, version in requests}


Key = tuple[str, int]  # a shape (or a statement) and the PostgreSQL version


@dataclass
class Shapes:
    """What resolve has learnt of shapes: whether each tried one plans as its first statement did,
    and the shapes met in one statement so far (that statement and its names)."""

    trusted: dict[Key, bool] = field(default_factory=dict)
    seen: dict[Key, tuple[str, list[str]]] = field(default_factory=dict)

    def clear(self) -> None:
        self.trusted.clear()
        self.seen.clear()


_MEMORY = Shapes()  # the process's own: the MCP server lints for as long as it runs


def resolve(fixes: list[PlannedFix], plan_many: PlanMany = plan_here, memory: Shapes | None = None) -> list[str | None]:
    """Each fix's SQL (or its fallback), asking `plan_many` for each shape once: the template, and
    the first statement of a shape not tried before as written, to decide whether to trust it. A
    shape met in one statement only is planned as written, and remembered (Shapes.seen): its
    template is planned when a second statement of that shape comes, in this call or a later one."""
    trusted, met = (memory or _MEMORY).trusted, (memory or _MEMORY).seen
    shapes = [_shape(f.sql, f.tree) for f in fixes]
    untried: dict[tuple[str, int], list[tuple[str, list[str]]]] = {}  # its statements, met's first
    for fix, shape in zip(fixes, shapes, strict=True):
        if shape is not None and (key := (shape[0], fix.version)) not in trusted:
            seen = untried.setdefault(key, [met[key]] if key in met else [])
            if all(sql != fix.sql for sql, _ in seen):
                seen.append((fix.sql, shape[1]))
    if len(met) > 4096:
        met.clear()
    met.update((key, seen[0]) for key, seen in untried.items() if len(seen) == 1)
    shapes = [
        None if s is not None and len(untried.get((s[0], f.version), ())) == 1 else s
        for f, s in zip(fixes, shapes, strict=True)
    ]
    trust: dict[tuple[str, int], bool] = {}  # this call's verdicts: another thread may clear trusted
    wanted: set[tuple[str, int]] = set()
    first: dict[tuple[str, int], tuple[str, list[str]]] = {}  # untried shape -> its first statement
    for fix, shape in zip(fixes, shapes, strict=True):
        if shape is None:
            wanted.add((fix.sql, fix.version))
            continue
        key = (shape[0], fix.version)
        wanted.add(key)
        known = trusted.get(key)
        if known is not None:
            trust[key] = known
        elif key not in first:
            first[key] = untried[key][0]
            wanted.add((first[key][0], fix.version))
    plans = plan_many(sorted(wanted)) if wanted else {}
    for key, (sql, names) in first.items():
        trust[key] = _fill(plans[key], names) == plans[(sql, key[1])] and not _cut(plans[key])
    if len(trusted) > 4096:  # bounded, like _plan's cache: the shapes are tried again
        trusted.clear()
    trusted.update(trust)
    again = {(f.sql, f.version) for f, s in zip(fixes, shapes, strict=True) if s and not trust[(s[0], f.version)]}
    if again - plans.keys():  # shapes that did not plan as their first statement did: as written
        plans.update(plan_many(sorted(again - plans.keys())))
    out: list[str | None] = []
    for fix, shape in zip(fixes, shapes, strict=True):
        if shape is not None and trust[(shape[0], fix.version)]:
            text = _fill(plans[(shape[0], fix.version)], shape[1])
        else:
            text = plans[(fix.sql, fix.version)]
        out.append(text or fix.fallback)
    return out


_WORD = re.compile(r"[A-Za-z0-9_$]{63,}")


def _cut(template: str | None) -> bool:
    """Whether the planner may have cut a name it derived in this template: a cut name is exactly
    63 bytes (ident.derived_name, truncate_identifier; a template is ASCII). A template cut only in
    its literal text still fills back in for a first statement whose names are as long as their
    placeholders, but a statement of shorter names is not cut at all: such a shape is never trusted."""
    return template is not None and _WORD.search(template) is not None


def _fill(text: str | None, names: list[str]) -> str | None:
    """The template with the names put back; a placeholder cut short (by the 63-byte limit) stays
    as it is, so the fill differs from the statement's own plan."""
    if text is None:
        return None
    return _PLACEHOLDER.sub(lambda m: names[int(m.group(1))] if int(m.group(1)) < len(names) else m.group(0), text)


def _shape(sql: str, tree: Tree | None) -> tuple[str, list[str]] | None:
    """The statement with each name replaced by a numbered placeholder, and the names; None when
    the statement must be planned as written."""
    if _PLACEHOLDER.search(sql):
        return None
    try:
        tree = json.loads(parse_sql_json(sql)) if tree is None else tree
        tokens = scan(sql)
    except ParseError:
        return None
    names: set[str] = set()
    others: set[str] = set()
    _collect(tree, names, others, in_names=False)
    mappable = {n for n in names if n not in others and n not in _KEPT and not n.startswith("mm")}
    if not mappable or any(len(n.encode()) > _LONGEST for n in names):
        return None
    index: dict[str, int] = {}  # numbered as they first appear, so one shape is one template
    out: list[str] = []
    at = 0
    for token in tokens:
        if token.name != "IDENT":
            continue
        text = sql[token.start : token.end + 1]
        if not _PLAIN.fullmatch(text):  # quoted, or folded to lower case by the server
            return None
        if text in mappable:
            number = index.setdefault(text, len(index))
            out.append(sql[at : token.start])
            out.append(_placeholder(number, text))
            at = token.end + 1
    out.append(sql[at:])
    if len(index) > 999:
        return None
    return "".join(out), list(index)


def _collect(node: Any, names: set[str], others: set[str], in_names: bool) -> None:
    """Sort the strings of a parse tree into names (of tables, columns, constraints) and the rest
    (types, functions, options): a string found in both is never replaced."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                if key == "sval":
                    (names if in_names else others).add(value)
                elif key in _NAME_KEYS:
                    names.add(value)
                else:
                    others.add(value)
            elif key != "location":
                _collect(value, names, others, in_names or key in _NAME_LISTS)
    elif isinstance(node, list):
        for item in node:
            _collect(item, names, others, in_names)


@lru_cache(maxsize=4096)  # bounded: the MCP server lints for as long as it runs
def _plan(sql: str, version: int) -> str | None:
    from ..model import Target
    from ..planner import plan
    from ..sql.postgres import parse_operations

    try:
        p = plan(parse_operations(sql), Target(version=max(10, min(version, 18))))
    except (MigrationManagerError, ValueError):
        return None
    parts: list[str] = []
    for index, migration in enumerate(p.migrations, start=1):
        head = f"-- migration {index} of {len(p.migrations)}: {migration.title}"
        if not migration.transactional:
            head += " (outside a transaction)"
        if migration.gate_before:
            head += f"\n-- first: {migration.gate_before}"
        body = "\n".join(s.rstrip().rstrip(";") + ";" for step in migration.steps for s in step.up)
        parts.append(f"{head}\n{body}")
    return "\n".join(parts)
