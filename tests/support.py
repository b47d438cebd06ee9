"""Helpers the server tests share: apply rendered files with psql, measure what a step does."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cases import Case
from migration_manager.catalog import Snapshot, differences, snapshot
from migration_manager.errors import PlanningError
from migration_manager.model import LockMode, Plan, Step, Target
from migration_manager.planner import plan
from migration_manager.planner.base import TableRef
from migration_manager.render import render_sql, write_files


def psql_file(bin_dir: Path | None, uri: str, path: Path) -> str:
    """Run one file exactly as its README says: psql -v ON_ERROR_STOP=1 -f FILE."""
    psql = str(bin_dir / "psql") if bin_dir else "psql"
    done = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", uri, "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise AssertionError(f"psql failed on {path.name}:\n{done.stderr}")
    return done.stderr


def strongest(modes: list[str]) -> LockMode | None:
    known = [LockMode(m) for m in modes if m in LockMode._value2member_map_]
    return max(known, key=lambda m: m.strength, default=None)


@dataclass
class Measured:
    locks: dict[int, LockMode] = field(default_factory=dict)  # relation oid -> strongest mode
    rewritten: set[int] = field(default_factory=set)  # table oids whose relfilenode changed
    tuples_read: dict[int, int] = field(default_factory=dict)  # per table: seq_tup_read + idx_tup_fetch
    seconds: float = 0.0


_TABLES = """SELECT c.oid, c.relfilenode FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'p')"""
_READS = """SELECT relid, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"""
_MY_LOCKS = """SELECT relation, mode FROM pg_locks
                WHERE pid = %s AND locktype = 'relation' AND granted AND database =
                      (SELECT oid FROM pg_database WHERE datname = current_database())"""


_HELD_OR_WANTED = """SELECT relation, mode FROM pg_locks
                      WHERE pid = %s AND locktype = 'relation' AND database =
                            (SELECT oid FROM pg_database WHERE datname = current_database())"""


def _group(rows: list[tuple[Any, ...]]) -> dict[int, LockMode]:
    by_rel: dict[int, list[str]] = {}
    for rel, m in rows:
        by_rel.setdefault(rel, []).append(m)
    return {rel: s for rel, ms in by_rel.items() if (s := strongest(ms)) is not None}


def measure_in_transaction(conn: psycopg.Connection[Any], step: Step) -> Measured:
    """Run a transactional step in its own transaction and read what it did before COMMIT."""
    conn.execute("BEGIN")
    files_before: dict[int, int] = dict(conn.execute(_TABLES).fetchall())
    reads_before: dict[int, int] = dict(conn.execute(_READS).fetchall())
    started = time.perf_counter()
    for sql in step.up:
        conn.execute(sql)
    seconds = time.perf_counter() - started
    locks = _group(conn.execute(_MY_LOCKS, (conn.info.backend_pid,)).fetchall())
    files_after: dict[int, int] = dict(conn.execute(_TABLES).fetchall())
    reads_after: dict[int, int] = dict(conn.execute(_READS).fetchall())
    conn.execute("COMMIT")
    return Measured(
        locks=locks,
        rewritten={oid for oid, node in files_before.items() if files_after.get(oid, node) != node},
        tuples_read={oid: reads_after.get(oid, 0) - reads_before.get(oid, 0) for oid in files_before},
        seconds=seconds,
    )


def measure_concurrent(uri: str, step: Step, table: TableRef) -> Measured:
    """Run a step that cannot run in a transaction block while another session holds SHARE on
    `table` (which conflicts with every lock that lets a write or an index build through), so
    the step has to stop and wait; read its locks, held and requested, from a third session at
    that moment, then release the blocker and let the step finish."""
    blocker = psycopg.connect(uri)
    observer = psycopg.connect(uri, autocommit=True)
    runner = psycopg.connect(uri, autocommit=True)
    files_before: dict[int, int] = dict(observer.execute(_TABLES).fetchall())
    blocker.execute(f"LOCK TABLE {table.sql} IN SHARE MODE")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for sql in step.up:
                runner.execute(sql)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    pid = runner.info.backend_pid
    thread = threading.Thread(target=run)
    started = time.perf_counter()
    thread.start()
    locks: dict[int, LockMode] = {}
    deadline = time.monotonic() + 20
    while thread.is_alive() and time.monotonic() < deadline:
        waiting = observer.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
        if waiting and waiting[0] == "Lock":
            locks = _group(observer.execute(_HELD_OR_WANTED, (pid,)).fetchall())
            break
        time.sleep(0.01)
    blocker.commit()
    thread.join(60)
    seconds = time.perf_counter() - started
    files_after: dict[int, int] = dict(observer.execute(_TABLES).fetchall())
    for c in (blocker, observer, runner):
        c.close()
    if errors:
        raise errors[0]
    return Measured(
        locks=locks,
        rewritten={oid for oid, node in files_before.items() if files_after.get(oid, node) != node},
        seconds=seconds,
    )


def apply_sql_rendering(bin_dir: Path | None, uri: str, plan: Plan, folder: Path) -> None:
    """Render `plan` as plain SQL into `folder` and apply the up files in order with psql: the
    reference every other format's rendering is compared with."""
    write_files(render_sql(plan), folder)
    for f in sorted(x for x in folder.glob("*.sql") if not x.name.endswith("_down.sql")):
        psql_file(bin_dir, uri, f)


def schema_without(uri: str, *markers: str, schema: str | None = "public") -> Snapshot:
    """The catalog snapshot without the rows of a tool's own bookkeeping tables (alembic_version,
    databasechangelog, schema_migrations ...), named by `markers`; schema=None: every user schema."""
    with psycopg.connect(uri, autocommit=True) as conn:
        snap = snapshot(conn, schema)

    def bookkeeping(row: tuple[Any, ...]) -> bool:
        return any(isinstance(v, str) and any(m in v for m in markers) for v in row)

    return {kind: [row for row in rows if not bookkeeping(row)] for kind, rows in snap.items()}


def prepared_plan(case: Case, server_version: int, *uris: str) -> Plan | None:
    """The case's plan for this server after running its setup on each database; None (after
    checking that the planner refuses, naming the version it needs) when the server is too old."""
    if server_version < case.min_version:
        with pytest.raises(PlanningError, match=f"PostgreSQL {case.min_version}"):
            plan(case.ops, Target(version=server_version))
        return None
    for uri in uris:
        if case.setup:
            with psycopg.connect(uri, autocommit=True) as conn:
                conn.execute(case.setup)
    return plan(case.ops, Target(version=server_version))


def assert_back_to_start(case: Case, start: Snapshot, back: Snapshot) -> None:
    """After the downs: the starting schema, or, for a change that cannot be undone, a trace of it."""
    diff = differences(start, back)
    if case.reversible:
        assert diff == [], "\n".join(diff)
    else:
        assert diff, "an irreversible change left no trace: the test is not measuring it"
