"""Django: the other apps a new migration must come after because its SQL references their tables.

A migration that adds a foreign key to `product_product` must depend on the migration that creates
that table, or on a fresh database `migrate` may run it first (Django orders apps only by the
dependencies). The tables each app of the repository creates are read from its migrations as
makemigrations writes them: CreateModel(name=...) makes `<app_label>_<model name, lower case>`
unless its options give `db_table`; AlterModelTable sets one, DeleteModel removes it. The new
migration then depends on that app's latest migration (its one leaf)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pglast import ast as pg
from pglast import parse_sql

from ..discover import FrameworkFindings
from ..model import Migration


@dataclass(frozen=True)
class AppTables:
    """What one app of the repository creates: its label, its leaf (None: none or several), its tables."""

    label: str
    head: str | None
    tables: frozenset[str] = field(default_factory=frozenset)


def _label(finding: FrameworkFindings) -> str:
    """The app label find read (from apps.py), as its naming line says it; else the package's name."""
    text = finding.naming
    start = text.find(" in ") + 4
    end = text.find("/migrations", start)
    return text[start:end] if start >= 4 and end > start else Path(finding.folder).parent.name


def _keyword(call: ast.Call, name: str, position: int | None = None) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[position] if position is not None and len(call.args) > position else None


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _db_table(options: ast.expr | None) -> str | None:
    if isinstance(options, ast.Dict):
        for key, value in zip(options.keys, options.values, strict=True):
            if key is not None and _text(key) == "db_table":
                return _text(value)
    return None


def tables_created(label: str, sources: list[str]) -> set[str]:
    """The tables that the migrations (their source, in order) leave created."""
    tables: dict[str, str] = {}  # model name, lower case -> table
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            kind = _called(node)
            model = _text(_keyword(node, "name", 0))
            if model is None or kind not in ("CreateModel", "AlterModelTable", "DeleteModel"):
                continue
            key = model.lower()
            if kind == "CreateModel":
                tables[key] = _db_table(_keyword(node, "options")) or f"{label}_{key}"
            elif kind == "AlterModelTable":
                tables[key] = _text(_keyword(node, "table", 1)) or f"{label}_{key}"
            else:
                tables.pop(key, None)
    return set(tables.values())


def read_app(root: Path, finding: FrameworkFindings) -> AppTables:
    sources = []
    for entry in finding.migrations:
        try:
            sources.append((root / entry.path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    label = _label(finding)
    head = finding.heads[0] if len(finding.heads) == 1 else None
    return AppTables(label, head, frozenset(tables_created(label, sources)))


def _nodes(node: Any) -> list[Any]:
    """Every pglast node under `node`, itself included."""
    out: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, tuple | list):
            stack.extend(current)
        elif isinstance(current, pg.Node):
            out.append(current)
            stack.extend(getattr(current, name) for name in getattr(type(current), "__slots__", ()))
    return out


def _in_public(relation: Any) -> str | None:
    """The table's name when it is unqualified or in public (where Django puts its tables)."""
    if relation.schemaname in (None, "public"):
        return str(relation.relname)
    return None


def referenced_and_created(migration: Migration) -> tuple[list[str], set[str]]:
    """(tables the migration's up statements reference by foreign key, in order; tables they create)."""
    referenced: list[str] = []
    created: set[str] = set()
    for step in migration.steps:
        for sql in step.up:
            try:
                statements = parse_sql(sql)
            except Exception:  # a statement pglast cannot read references nothing we can tell
                continue
            for node in _nodes(statements):
                if isinstance(node, pg.CreateStmt) and (name := _in_public(node.relation)):
                    created.add(name)
                if isinstance(node, pg.Constraint) and node.pktable is not None:
                    name = _in_public(node.pktable)
                    if name and name not in referenced:
                        referenced.append(name)
    return referenced, created


def dependencies(
    migrations: list[Migration], app: str, own: frozenset[str], others: tuple[AppTables, ...]
) -> tuple[dict[int, list[tuple[str, str]]], dict[int, list[str]]]:
    """Per migration index: the (app, migration) pairs to add to its dependencies, and the warnings
    for referenced tables no app of the repository is seen to create. `own`: the app's own tables."""
    deps: dict[int, list[tuple[str, str]]] = {}
    warnings: dict[int, list[str]] = {}
    made: set[str] = set(own)
    for index, migration in enumerate(migrations):
        referenced, created = referenced_and_created(migration)
        for table in referenced:
            if table in made or table in created:
                continue
            owners = [a for a in others if table in a.tables and a.label != app]
            if not owners:
                warnings.setdefault(index, []).append(
                    f"the foreign key references {table}, which no migration of a Django app in the repository "
                    f"creates: if an app outside it (or hand-written SQL) makes {table}, add that migration to "
                    "dependencies, or a fresh database may run this one first and fail"
                )
                continue
            owner = owners[0]
            if owner.head is None:
                warnings.setdefault(index, []).append(
                    f"the foreign key references {table} of app {owner.label}, which has no single latest "
                    f"migration: add ({owner.label!r}, <the migration that creates {table}>) to dependencies"
                )
                continue
            pair = (owner.label, owner.head)
            if pair not in deps.setdefault(index, []):
                deps[index].append(pair)
        made |= created
    return deps, warnings
