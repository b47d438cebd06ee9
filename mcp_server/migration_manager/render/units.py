"""A plan cut into files for tools that send each file to the server as one query string
(dbmate, golang-migrate, Diesel).

PostgreSQL runs a multi-statement query string as one implicit transaction, so CREATE INDEX
CONCURRENTLY, DROP INDEX CONCURRENTLY and a batched backfill (a DO block that COMMITs) fail
there even when the tool is told not to open a transaction (dbmate issue #285). So:
- a transactional migration is one file: SET LOCAL statement_timeout, then its statements in the
  lock-retry loop of lock_retry.py, inside the tool's transaction (or an explicit BEGIN ... COMMIT);
- a non-transactional migration becomes one file per statement that must run on its own; its
  other statements (an INVALID-index cleanup, say) run in small transactions of their own with
  the lock_timeout. A statement that must run alone runs with the connection's lock_timeout:
  such statements take SHARE UPDATE EXCLUSIVE or row locks only, and a timeout would cut short
  a CONCURRENTLY build that is waiting harmlessly.

A step's down statements go with the unit of its last up statement; extra down statements that
must run alone get units of their own, placed so that going down runs them in the step's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pglast import ast, parse_sql

from ..model import Migration, Plan, Step
from .context import statement_timeout
from .lock_retry import RetryPolicy, do_block, plpgsql_statement

_COMMIT = re.compile(r"\bCOMMIT\b", re.IGNORECASE)


@dataclass(frozen=True)
class Piece:
    statements: tuple[str, ...]
    transactional: bool


@dataclass(frozen=True)
class Unit:
    name: str
    title: str
    migration: int  # index of the plan migration it comes from
    up: Piece | None
    down: Piece | None


def must_run_alone(sql: str) -> bool:
    """PostgreSQL refuses this statement inside a transaction block (implicit ones included)."""
    try:
        (raw,) = parse_sql(sql)
    except Exception:
        return False
    stmt = raw.stmt
    if isinstance(stmt, (ast.IndexStmt, ast.DropStmt, ast.ReindexStmt)):
        return bool(getattr(stmt, "concurrent", False)) or "CONCURRENTLY" in sql.upper().split("(")[0]
    if isinstance(stmt, (ast.VacuumStmt, ast.AlterEnumStmt)):
        return True
    if isinstance(stmt, ast.DoStmt):
        return bool(_COMMIT.search(sql))
    return False


def _transactional(plan: Plan, statements: list[str], up: bool, timeout: str) -> Piece:
    head = [f"SET LOCAL statement_timeout = '{timeout}'"] if up else []
    body = "\n".join(plpgsql_statement(sql) for sql in statements)
    return Piece(tuple([*head, do_block(body, RetryPolicy.of(plan))]), True)


def _pieces(plan: Plan, statements: list[str], up: bool, timeout: str) -> list[Piece]:
    """Consecutive statements that can share a transaction share one piece."""
    pieces: list[Piece] = []
    batch: list[str] = []
    for sql in statements:
        if must_run_alone(sql):
            if batch:
                pieces.append(_transactional(plan, batch, up, timeout))
                batch = []
            pieces.append(Piece((sql,), False))
        else:
            batch.append(sql)
    if batch:
        pieces.append(_transactional(plan, batch, up, timeout))
    return pieces


def _step_units(plan: Plan, migration: Migration, index: int, step: Step, timeout: str) -> list[Unit]:
    ups = _pieces(plan, step.up, True, timeout)
    downs = _pieces(plan, step.down, False, timeout)
    pairs: list[tuple[Piece | None, Piece | None]] = [(None, d) for d in reversed(downs[1:])]
    pairs += [(u, None) for u in ups[:-1]]
    pairs.append((ups[-1] if ups else None, downs[0] if downs else None))
    return [Unit(migration.name, step.description, index, u, d) for u, d in pairs if u or d]


def units(plan: Plan) -> list[Unit]:
    """The files to write, in order; unit names are unique (a numeric suffix where a migration
    needs several files)."""
    out: list[Unit] = []
    for index, migration in enumerate(plan.migrations):
        timeout = statement_timeout(plan, migration)
        if migration.transactional:
            up = [sql for step in migration.steps for sql in step.up]
            down = [sql for step in reversed(migration.steps) for sql in step.down]
            out.append(
                Unit(
                    migration.name,
                    migration.title,
                    index,
                    _transactional(plan, up, True, timeout),
                    _transactional(plan, down, False, timeout) if down else None,
                )
            )
            continue
        parts = [u for step in migration.steps for u in _step_units(plan, migration, index, step, timeout)]
        if len(parts) == 1:
            out.append(parts[0])
        else:
            out.extend(Unit(f"{u.name}_{k}", u.title, u.migration, u.up, u.down) for k, u in enumerate(parts, start=1))
    return out
