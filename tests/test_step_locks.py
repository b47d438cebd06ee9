"""What each step claims about locks, rewrites and scans, measured on the server (18 and 15).

Every step of every case is run on its own, in order, and measured:
- a transactional step runs inside BEGIN ... COMMIT; before COMMIT we read `pg_locks` for our
  backend, the tables' `relfilenode`, and the per-transaction tuple counters;
- a step that must run outside a transaction (CONCURRENTLY, batched backfills) runs while
  another session holds SHARE on its table, so it has to stop at the first lock that lets
  writes or index builds through; a third session reads its locks (held and requested) from
  `pg_locks` at that moment.

The claim must be the strongest mode the server took on each claimed table, tables the step
does not claim may only be read (ACCESS SHARE), and "rewrites" must match a relfilenode change.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from cases import CASES, Case
from conftest import Server
from migration_manager.model import LockMode, Step
from migration_manager.planner.base import TableRef
from support import Measured, measure_concurrent, measure_in_transaction, prepared_plan

Conn = psycopg.Connection[Any]

_USER_TABLES = """SELECT c.oid FROM pg_class c
                   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'p')"""


def _oid(conn: Conn, name: str, schema: str | None) -> int | None:
    qualified = TableRef(name, schema).sql
    row = conn.execute("SELECT to_regclass(%s)::oid", (qualified,)).fetchone()
    return row[0] if row and row[0] is not None else None


def _claimed(conn: Conn, step: Step) -> dict[int, LockMode]:
    """Claimed mode per relation oid (names resolved now, so call it before and after the step)."""
    out: dict[int, LockMode] = {}
    for claim in step.locks:
        oid = _oid(conn, claim.relation, claim.schema_name)
        if oid is not None and (oid not in out or claim.mode.strength > out[oid].strength):
            out[oid] = claim.mode
    return out


def _is_leftover_recovery(step: Step) -> bool:
    # Does nothing (and locks nothing) unless a failed build left an INVALID index behind;
    # test_invalid_leftover_recovery_lock measures the case where it acts.
    return step.description.startswith("Drop an INVALID")


def _measure(db: str, step: Step) -> Measured:
    if step.transactional or not step.locks:  # no table lock claimed: nothing for a blocker to hold up
        with psycopg.connect(db, autocommit=True) as conn:
            return measure_in_transaction(conn, step)
    claim = step.locks[0]
    return measure_concurrent(db, step, TableRef(claim.relation, claim.schema_name))


def _check_step(db: str, step: Step, where: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        claimed = _claimed(conn, step)
        tables = {row[0] for row in conn.execute(_USER_TABLES).fetchall()}
    measured = _measure(db, step)
    with psycopg.connect(db, autocommit=True) as conn:
        for oid, m in _claimed(conn, step).items():  # tables created by the step
            claimed.setdefault(oid, m)

    in_transaction = step.transactional or not step.locks
    observed = bool(measured.locks) or in_transaction
    if not observed:
        assert _is_leftover_recovery(step), f"{where}: never saw the step wait, so its locks were not measured"
    if observed:
        for oid, mode in claimed.items():
            took = measured.locks.get(oid)
            assert took == mode, f"{where}: claims {mode.sql_name} on {oid}, the server took {took}"
        for oid in tables - claimed.keys():
            took = measured.locks.get(oid)
            assert took is None or took.strength <= LockMode.ACCESS_SHARE.strength, (
                f"{where}: takes unclaimed {took} on table {oid}"
            )
    rewritten = measured.rewritten & claimed.keys()
    assert measured.rewritten <= claimed.keys(), f"{where}: rewrote a table it does not claim"
    assert step.rewrites == bool(rewritten), f"{where}: claims rewrites={step.rewrites}, relfilenode says otherwise"
    if in_transaction:
        read = sum(measured.tuples_read.get(oid, 0) for oid in claimed)
        if step.scans:
            assert read > 0, f"{where}: claims a scan but read no tuples"
        if read > 0:
            assert step.scans or step.rewrites, f"{where}: read {read} tuples under its lock, claims no scan"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_claims_match_the_server(case: Case, server: Server, db: str) -> None:
    p = prepared_plan(case, server.version, db)
    if p is None:  # too old a server: the planner refused, as it must
        return
    measured_steps = 0
    for m_index, migration in enumerate(p.migrations, 1):
        for s_index, step in enumerate(migration.steps, 1):
            where = f"{case.id} pg{server.version} migration {m_index} step {s_index} ({step.description})"
            _check_step(db, step, where)
            measured_steps += 1
    assert measured_steps > 0
