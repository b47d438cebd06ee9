"""Preflight for MariaDB and MySQL: the plan's data checks, then what would make an ALTER wait
for its metadata lock (long transactions in information_schema.innodb_trx, sessions already
waiting for a table metadata lock in the process list) and the table sizes
(information_schema.tables) for the estimates. Run with a mysql:// DSN in READ ONLY
transactions with a statement time limit; the password never appears in the report or errors."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import unquote, urlsplit

from ..defaults import CHECK_TIMEOUT_S, CONNECT_TIMEOUT_S, MYSQL_IO_TIMEOUT_S
from ..errors import DatabaseError, InputError
from ..model import Dialect, Plan, TableStats
from .model import CheckResult, PreflightCheck, PreflightReport, Status


def checks_for_mysql(plan: Plan, long_transaction_seconds: int = 60) -> list[PreflightCheck]:
    out = [
        PreflightCheck(kind="data", migration=i, description=c.description, sql=c.sql, expect=c.expect)
        for i, m in enumerate(plan.migrations, start=1)
        for c in m.checks
    ]
    tables = []
    for op in plan.operations:
        table = getattr(op, "table", None)
        if table and op.op != "create_table" and table not in tables:
            tables.append(table)
    out.append(
        PreflightCheck(
            kind="activity",
            description=f"no transaction open for over {long_transaction_seconds} s (an ALTER waits for it to end "
            "before it gets its metadata lock, and every query on the table waits behind the ALTER)",
            sql="SELECT trx_mysql_thread_id, trx_started, left(trx_query, 80) FROM information_schema.innodb_trx "
            f"WHERE trx_started < now() - INTERVAL {int(long_transaction_seconds)} SECOND",
            expect="no rows",
        )
    )
    out.append(
        PreflightCheck(
            kind="activity",
            description="no session is waiting for a table metadata lock right now",
            sql="SELECT id, user, time, left(info, 80) FROM information_schema.processlist "
            "WHERE state LIKE 'Waiting for table metadata lock%'",
            expect="no rows",
        )
    )
    for table in tables:
        out.append(
            PreflightCheck(
                kind="size",
                table=table,
                description=f"size of {table} (feeds the time estimates, and the choice of gh-ost over a copy)",
                sql="SELECT table_rows, data_length, data_length + index_length FROM information_schema.tables "
                f"WHERE table_schema = database() AND table_name = '{table.replace(chr(39), chr(39) * 2)}'",
                expect="report",
            )
        )
    return out


def _connect(dsn: str, dialect: Dialect) -> Any:
    import pymysql

    parts = urlsplit(dsn)
    if parts.scheme not in ("mysql", "mariadb", "mysql+pymysql"):
        raise InputError(
            f"give a mysql://user@host:port/database DSN for {dialect.value} (got a {parts.scheme}:// one)"
        )
    secret = unquote(parts.password) if parts.password else None
    shown = _shown(dsn)
    conn = pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=secret or "",
        database=(parts.path or "/").lstrip("/") or None,
        autocommit=True,
        # PyMySQL bounds only the TCP connect by connect_timeout and then waits for the server's
        # greeting with the read timeout (none by default: a server that accepts and never
        # answers was waited for forever). The start-up gets CONNECT_TIMEOUT_S for each.
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=CONNECT_TIMEOUT_S,
        write_timeout=CONNECT_TIMEOUT_S,
        defer_connect=True,
    )
    try:
        conn.connect()
    except pymysql.err.MySQLError as exc:
        reason = str(exc.args[-1] if exc.args else exc)
        if "timed out" in reason:
            raise DatabaseError(
                f"cannot connect to {shown}: no answer within {CONNECT_TIMEOUT_S} s (connect timeout). Check the host "
                "and port: something there accepts connections but does not answer as MariaDB / MySQL, or the "
                "network drops the packets"
            ) from None
        if secret:
            reason = reason.replace(secret, "********")
        raise DatabaseError(f"cannot connect to {shown}: {reason}. Check the host, port and credentials") from None
    # Connected: queries may take up to their server-side limit, so the client waits a little
    # longer than that for an answer (PyMySQL reads this attribute before every read and write).
    conn._read_timeout = conn._write_timeout = MYSQL_IO_TIMEOUT_S
    return conn


def _shown(dsn: str) -> str:
    parts = urlsplit(dsn)
    return f"{parts.hostname}:{parts.port or 3306}{parts.path}"


_LOST = (2006, 2013, 2055)  # server gone away, lost connection (a read or write timed out), lost at reading


def _lost(dsn: str, exc: Exception) -> DatabaseError:
    reason = str(exc.args[-1] if exc.args else exc)
    secret = urlsplit(dsn).password
    if secret:
        reason = reason.replace(unquote(secret), "********")
    return DatabaseError(
        f"lost the connection to {_shown(dsn)}: {reason} (a query gets {CHECK_TIMEOUT_S} s on the server and "
        f"{MYSQL_IO_TIMEOUT_S} s for its answer to arrive). Check that the server is up, then run again"
    )


def run_mysql(plan: Plan, dsn: str, long_transaction_seconds: int = 60) -> PreflightReport:
    import pymysql

    checks = checks_for_mysql(plan, long_transaction_seconds)
    conn = _connect(dsn, plan.target.dialect)
    limit = (
        f"SET SESSION max_statement_time = {CHECK_TIMEOUT_S}"
        if plan.target.dialect is Dialect.MARIADB
        else f"SET SESSION max_execution_time = {CHECK_TIMEOUT_S * 1000}"
    )
    results: list[CheckResult] = []
    try:
        with conn.cursor() as cur:
            try:
                cur.execute("SELECT version()")
                release = str(cur.fetchone()[0])
                cur.execute(limit)
                cur.execute("SET SESSION lock_wait_timeout = 1")
            except pymysql.err.OperationalError as exc:
                raise _lost(dsn, exc) from None
            for check in checks:
                started = time.perf_counter()
                try:
                    cur.execute("START TRANSACTION READ ONLY")
                    cur.execute(check.sql)
                    rows = [list(r) for r in cur.fetchmany(10)]
                    cur.execute("COMMIT")
                except pymysql.err.MySQLError as exc:
                    code = exc.args[0] if exc.args else 0
                    if code in _LOST:
                        raise _lost(dsn, exc) from None
                    cur.execute("ROLLBACK")
                    status: Status = "pending" if code in (1054, 1146) and (check.migration or 1) > 1 else "error"
                    message = str(exc.args[-1])
                    if code == 1205:
                        message += ": the table's metadata lock is held or queued (see the activity checks); run again"
                    results.append(
                        CheckResult(check=check, status=status, message=message, seconds=time.perf_counter() - started)
                    )
                    continue
                seconds = time.perf_counter() - started
                if check.expect == "report":
                    results.append(CheckResult(check=check, status="info", rows=rows, seconds=seconds))
                    continue
                ok = not rows if check.expect == "no rows" else bool(rows) and rows[0][0] == 0
                results.append(
                    CheckResult(
                        check=check,
                        status="pass" if ok else "fail",
                        rows=rows,
                        seconds=seconds,
                        message=None if ok else f"expected {check.expect}",
                    )
                )
    finally:
        conn.close()
    stats = {
        r.check.table: TableStats(rows=int(r.rows[0][0] or 0), bytes=int(r.rows[0][1] or 0))
        for r in results
        if r.check.kind == "size" and r.status == "info" and r.rows and r.check.table
    }
    return PreflightReport(
        server=_shown(dsn),
        server_version=int(release.split(".")[0]),
        results=results,
        stats=stats,
    )
