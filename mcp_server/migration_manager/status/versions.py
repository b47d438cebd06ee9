"""The migration frameworks' own records of what has run: match a plan's migrations to their rows.

Where the table holds names (Flyway's script, Django's name, Liquibase's changeSet ids) a plan's
migrations are found by name. Where it holds only versions (Alembic, Rails, dbmate,
golang-migrate, Diesel), the repository's files (find_migrations) say which version each plan
migration was rendered as: without them the table cannot be matched and the objects decide.
A plan migration rendered as several files (dbmate, golang-migrate, Diesel cut it in units
named NAME_1, NAME_2 ...) has run when all of them have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import psycopg

from ..discover import FrameworkFindings, RepoMigrations
from ..ident import qualified
from ..model import Plan
from ..render.liquibase import changesets
from .model import State, VersionTable

TABLES = {
    "alembic_version": "alembic",
    "schema_migrations": "rails",  # also dbmate's; golang-migrate's has a `dirty` column
    "flyway_schema_history": "flyway",
    "databasechangelog": "liquibase",
    "django_migrations": "django",
    "__diesel_schema_migrations": "diesel",
}

_FIND = """
SELECT n.nspname, c.relname,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'dirty' AND NOT a.attisdropped)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relname = ANY (%s)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_t%%'
 ORDER BY pg_table_is_visible(c.oid) DESC, n.nspname
"""


@dataclass
class Verdict:
    state: State
    version: str | None
    note: str | None = None


@dataclass
class Versions:
    tables: list[VersionTable] = field(default_factory=list)
    verdicts: dict[int, Verdict] = field(default_factory=dict)  # by 0-based migration index


def _units(name: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(name)}(?:_\d+)?")


def _entries(plan: Plan, fw: FrameworkFindings) -> dict[int, list[str]]:
    """Plan migration index -> the ids of the repository's files it was rendered as."""
    out: dict[int, list[str]] = {}
    for index, m in enumerate(plan.migrations):
        pattern = _units(m.name)
        ids = [e.id for e in fw.migrations if pattern.fullmatch(e.name)]
        if ids:
            out[index] = ids
    return out


def _combine(states: list[bool | None], ids: list[str]) -> Verdict:
    version = ", ".join(ids)
    if all(s is True for s in states):
        return Verdict("applied", version)
    if all(s is False for s in states):
        return Verdict("not_applied", version)
    done = sum(s is True for s in states)
    return Verdict("partly", version, f"{done} of its {len(states)} files have run")


def _rows(conn: psycopg.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    return list(conn.execute(sql).fetchall())


def _alembic(conn: psycopg.Connection[Any], table: str, plan: Plan, fw: FrameworkFindings) -> dict[int, Verdict]:
    heads = {str(r[0]) for r in _rows(conn, f"SELECT version_num FROM {table}")}
    parents = {e.id: e.depends_on for e in fw.migrations}
    applied: set[str] = set()
    todo = list(heads)
    while todo:  # a head's ancestors have run too: alembic_version keeps only the heads
        rev = todo.pop()
        if rev not in applied:
            applied.add(rev)
            todo.extend(parents.get(rev, []))
    return {i: _combine([x in applied for x in ids], ids) for i, ids in _entries(plan, fw).items()}


def _listed(conn: psycopg.Connection[Any], table: str, plan: Plan, fw: FrameworkFindings) -> dict[int, Verdict]:
    """Rails, dbmate, Diesel: one row per version that has run."""
    versions = {str(r[0]) for r in _rows(conn, f"SELECT version::text FROM {table}")}
    return {i: _combine([x in versions for x in ids], ids) for i, ids in _entries(plan, fw).items()}


def _golang(conn: psycopg.Connection[Any], table: str, plan: Plan, fw: FrameworkFindings) -> dict[int, Verdict]:
    """golang-migrate keeps one row: the current version, and `dirty` when it failed half-way."""
    row = conn.execute(f"SELECT version, dirty FROM {table} LIMIT 1").fetchone()
    current, dirty = (int(row[0]), bool(row[1])) if row else (-1, False)
    out = {}
    for i, ids in _entries(plan, fw).items():
        states: list[bool | None] = []
        for x in ids:
            v = int(x) if x.isdigit() else -2
            states.append(None if v == current and dirty else v < current or (v == current and not dirty))
        verdict = _combine(states, ids)
        if None in states:
            verdict = Verdict("partly", verdict.version, f"golang-migrate marks version {current} dirty: it failed")
        out[i] = verdict
    return out


def _flyway(conn: psycopg.Connection[Any], table: str, plan: Plan, fw: FrameworkFindings | None) -> dict[int, Verdict]:
    rows = _rows(conn, f"SELECT version, script, success, type FROM {table} ORDER BY installed_rank")
    latest: dict[str, tuple[bool, str]] = {}  # script of the V file -> (success, type) of its newest row
    for version, script, success, kind in rows:
        base = re.sub(r"^U", "V", str(script or ""))
        latest[base] = (bool(success), str(kind or ""))
        if version is not None:
            latest[f"#{version}"] = latest[base]
    out = {}
    for i, m in enumerate(plan.migrations):
        ids = _entries(plan, fw).get(i, []) if fw else []
        keys = [f"#{x}" for x in ids] or [s for s in latest if re.fullmatch(rf"V[^_]+__{re.escape(m.name)}\.sql", s)]
        found = [latest[k] for k in keys if k in latest]
        if not found:
            if ids:
                out[i] = Verdict("not_applied", ", ".join(ids))
            continue
        success, kind = found[-1]
        version = ", ".join(ids) or keys[-1]
        if kind.startswith("UNDO"):
            out[i] = Verdict("not_applied", version, "undone (flyway undo)")
        elif not success:
            out[i] = Verdict("partly", version, "flyway_schema_history records it as failed")
        else:
            out[i] = Verdict("applied", version)
    return out


def _django(conn: psycopg.Connection[Any], table: str, plan: Plan, fw: FrameworkFindings | None) -> dict[int, Verdict]:
    rows = {(str(a), str(n)) for a, n in _rows(conn, f"SELECT app, name FROM {table}")}
    out = {}
    for i, m in enumerate(plan.migrations):
        if fw is not None:
            app = fw.folder.rstrip("/").split("/")[-2] if "/" in fw.folder else ""
            ids = _entries(plan, fw).get(i, [])
            if ids:
                out[i] = _combine([(app, x) in rows if app else any(n == x for _, n in rows) for x in ids], ids)
            continue
        names = [n for _, n in rows if re.fullmatch(rf"\d+_{re.escape(m.name)}", n)]
        if names:
            out[i] = Verdict("applied", names[-1])
    return out


def _liquibase(conn: psycopg.Connection[Any], table: str, plan: Plan) -> dict[int, Verdict]:
    ids = [str(r[0]) for r in _rows(conn, f"SELECT id FROM {table} WHERE author = 'migration-manager'")]
    out = {}
    for i, m in enumerate(plan.migrations):
        pattern = re.compile(rf"(\d+_{re.escape(m.name)})-(\d+)")
        parts = {int(g[2]) for x in ids if (g := pattern.fullmatch(x))}
        bases = sorted({g[1] for x in ids if (g := pattern.fullmatch(x))})
        if not parts:
            continue
        # the renderer writes one changeSet for a transactional migration, one per step for the others;
        # a changelog rendered before that had one per step for every migration
        total = len(m.steps) if max(parts) > 1 else changesets(plan, m)
        if len(parts) >= total:
            out[i] = Verdict("applied", bases[-1])
        else:
            out[i] = Verdict("partly", bases[-1], f"{len(parts)} of its {total} changeSets have run")
    return out


_BY_NAME = ("flyway", "django", "liquibase")  # tables whose rows name the migration


def read_versions(conn: psycopg.Connection[Any], plan: Plan, found: RepoMigrations | None) -> Versions:
    """What the frameworks' version tables say of each plan migration (read in the caller's transaction)."""
    result = Versions()
    present = conn.execute(_FIND, (list(TABLES),)).fetchall()
    seen: set[str] = set()
    for schema, name, dirty in present:
        framework = TABLES[name]
        if name == "schema_migrations" and dirty:
            framework = "golang-migrate"
        if name in seen:
            continue  # the one on the search_path (listed first) is the one the framework uses
        seen.add(name)
        table = qualified(name, schema)
        candidates = [f for f in (found.frameworks if found else []) if f.framework == framework]
        if framework == "rails" and found is not None:
            candidates += [f for f in found.frameworks if f.framework == "dbmate"]
        fw = next((f for f in candidates if _entries(plan, f)), None)
        label = f"{schema}.{name}"
        if fw is None and framework not in _BY_NAME:
            why = (
                "none of the plan's migrations is among the repository's files"
                if found is not None
                else "it holds versions only: give --root (the repository) to match them to the plan's migrations"
            )
            result.tables.append(VersionTable(framework=framework, table=label, matched=False, note=why))
            continue
        if framework == "alembic":
            assert fw is not None
            verdicts = _alembic(conn, table, plan, fw)
        elif framework == "golang-migrate":
            assert fw is not None
            verdicts = _golang(conn, table, plan, fw)
        elif framework in ("rails", "diesel"):
            assert fw is not None
            verdicts = _listed(conn, table, plan, fw)
        elif framework == "flyway":
            verdicts = _flyway(conn, table, plan, fw)
        elif framework == "django":
            verdicts = _django(conn, table, plan, fw)
        else:
            verdicts = _liquibase(conn, table, plan)
        if fw is None and not verdicts:
            note = "holds none of the plan's migrations (if they ran by another way, the objects tell)"
            result.tables.append(VersionTable(framework=framework, table=label, matched=False, note=note))
            continue
        where = f"files in {fw.folder}" if fw is not None else "names"
        result.tables.append(VersionTable(framework=framework, table=label, matched=True, note=f"matched by {where}"))
        for i, v in verdicts.items():
            result.verdicts.setdefault(i, v)
    return result
