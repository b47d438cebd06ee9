"""Run preflight checks on a live database, read-only.

Each check runs in its own READ ONLY transaction with a statement_timeout and a lock_timeout,
so a slow or blocked query cannot hold anything up and one failure does not stop the rest. The
password of a DSN never appears in the report, the logs or an error message.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..defaults import CONNECT_TIMEOUT_S
from ..errors import DatabaseError
from ..model import TableStats
from .model import CheckResult, PreflightCheck, PreflightReport, Status


def _password(dsn: str) -> str | None:
    try:
        value = conninfo_to_dict(dsn).get("password")
    except psycopg.ProgrammingError:
        return None
    return str(value) if value else None


def redact(dsn: str) -> str:
    """The DSN as it may be shown: without its password."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<a DSN that does not parse>"
    params.pop("password", None)
    shown = {k: v for k, v in params.items() if k in ("host", "port", "dbname", "user", "sslmode")}
    return make_conninfo(**{k: str(v) for k, v in shown.items()})


def scrub(message: str, dsn: str) -> str:
    secret = _password(dsn)
    return message.replace(secret, "********") if secret else message


def connect(dsn: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    try:
        conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise DatabaseError(
            "the DSN does not parse: give postgresql://user@host:port/dbname or 'host=... dbname=...'"
        ) from None
    try:
        return psycopg.connect(
            dsn, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S, application_name="migration-manager"
        )
    except errors.ConnectionTimeout:
        raise DatabaseError(
            f"cannot connect to {redact(dsn)}: no answer within {CONNECT_TIMEOUT_S} s (connect timeout). Check the "
            "host and port: something there accepts connections but does not answer as PostgreSQL, or the network "
            "drops the packets"
        ) from None
    except psycopg.OperationalError as exc:
        reason = scrub(" ".join(line.strip() for line in str(exc).splitlines() if line.strip()), dsn)
        raise DatabaseError(
            f"cannot connect to {redact(dsn)}: {reason or type(exc).__name__}. Check the host and port, that "
            "the server is running, and the user's credentials (a password can come from PGPASSWORD or "
            "~/.pgpass instead of the DSN)"
        ) from None


_PENDING = (errors.UndefinedColumn, errors.UndefinedTable, errors.UndefinedObject, errors.UndefinedFunction)


def run_check(conn: psycopg.Connection[Any], check: PreflightCheck, dsn: str) -> CheckResult:
    started = time.perf_counter()
    try:
        with conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            conn.execute("SET LOCAL statement_timeout = '30s'")
            conn.execute("SET LOCAL lock_timeout = '1s'")
            cur = conn.execute(check.sql)
            rows = [list(r) for r in cur.fetchmany(10)] if cur.description else []
    except errors.RaiseException as exc:  # a guard of the plan said no: what it assumed does not hold
        message = scrub(str(exc).splitlines()[0], dsn)
        status_ = "fail" if check.kind == "assumption" else "error"
        return CheckResult(check=check, status=status_, message=message, seconds=time.perf_counter() - started)
    except _PENDING as exc:
        status: Status = "pending" if (check.migration or 1) > 1 else "error"
        message = scrub(str(exc).splitlines()[0], dsn)
        if status == "pending":
            message = f"{message}: an earlier migration of the plan creates it; run this check again after that one"
        return CheckResult(check=check, status=status, message=message, seconds=time.perf_counter() - started)
    except psycopg.Error as exc:
        message = scrub(str(exc).splitlines()[0], dsn)
        return CheckResult(check=check, status="error", message=message, seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if check.expect == "report":
        return CheckResult(check=check, status="info", rows=rows, seconds=seconds)
    ok = not rows if check.expect == "no rows" else bool(rows) and rows[0][0] == 0
    got = str(rows[0][0]) if check.expect == "zero" and rows else f"{len(rows)}+ row(s)"
    failure: str | None = None if ok else f"expected {check.expect}, got {got}"
    return CheckResult(check=check, status="pass" if ok else "fail", rows=rows, message=failure, seconds=seconds)


def run_checks(dsn: str, checks: list[PreflightCheck]) -> PreflightReport:
    with connect(dsn) as conn:
        version = conn.info.server_version // 10000
        results = [run_check(conn, c, dsn) for c in checks]
    stats: dict[str, TableStats] = {}
    for r in results:
        if r.check.kind == "size" and r.status == "info" and r.rows and r.check.table:
            rows, heap, _ = r.rows[0]
            stats[r.check.table] = TableStats(rows=int(rows), bytes=int(heap))
    return PreflightReport(server=redact(dsn), server_version=version, results=results, stats=stats)
