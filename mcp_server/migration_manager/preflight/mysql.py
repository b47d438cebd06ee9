"""Preflight for MariaDB and MySQL: the plan's data checks, then what would make an ALTER wait
for its metadata lock (long transactions in information_schema.innodb_trx, sessions already
waiting for a table metadata lock in the process list; both scoped to the plan's tables with
the metadata_lock_info plugin, else to the DSN's database) and the table sizes
(information_schema.tables) for the estimates. Run with a mysql:// DSN in READ ONLY
transactions with a statement time limit; the password never appears in the report or errors."""

from __future__ import annotations

import time
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from ..defaults import CHECK_TIMEOUT_S, CONNECT_TIMEOUT_S, MYSQL_IO_TIMEOUT_S
from ..errors import DatabaseError, InputError
from ..ident import mysql_string
from ..model import Dialect, Plan, TableStats
from .model import CheckResult, PreflightCheck, PreflightReport, Status

LockScope = Literal["metadata_lock_info", "database"]
_TRANSACTIONS = (
    "SELECT t.trx_mysql_thread_id, t.trx_started, left(t.trx_query, 80) FROM information_schema.innodb_trx AS t "
)


def plan_tables(plan: Plan) -> list[tuple[str | None, str]]:
    """The existing tables (database or None for the DSN's, name) the plan's ALTERs take a
    metadata lock on: each changed table, and the parent of each foreign key added (the ALTER
    locks it too)."""
    tables: list[tuple[str | None, str]] = []
    for op in plan.operations:
        schema = getattr(op, "schema_name", None)
        named = [] if op.op == "create_table" else [(schema, getattr(op, "table", None))]
        named.append((getattr(op, "ref_schema", None) or schema, getattr(op, "ref_table", None)))
        for database, name in named:
            if name and (database, name) not in tables:
                tables.append((database, name))
    return tables


def _shown_table(database: str | None, name: str) -> str:
    return f"{database}.{name}" if database else name


def checks_for_mysql(
    plan: Plan, long_transaction_seconds: int = 60, scope: LockScope = "database"
) -> list[PreflightCheck]:
    """The checks, with the activity ones scoped to what can block this plan: with the
    metadata_lock_info plugin, sessions holding a metadata lock on one of the plan's tables;
    without it, sessions using the DSN's database (a transaction elsewhere on a shared server
    does not hold these tables' locks, and used to fail the check)."""
    out = [
        PreflightCheck(kind="data", migration=i, description=c.description, sql=c.sql, expect=c.expect)
        for i, m in enumerate(plan.migrations, start=1)
        for c in m.checks
    ]
    tables = plan_tables(plan)
    mine = "t.trx_mysql_thread_id <> connection_id() AND "
    if scope == "metadata_lock_info" and tables:
        pairs = ", ".join(f"({mysql_string(d) if d else 'database()'}, {mysql_string(t)})" for d, t in tables)
        holders = (
            "SELECT m.thread_id FROM information_schema.METADATA_LOCK_INFO AS m "
            f"WHERE (m.table_schema, m.table_name) IN ({pairs})"
        )
        named = ", ".join(_shown_table(d, t) for d, t in tables)
        long_sql = (
            _TRANSACTIONS + f"WHERE {mine}t.trx_mysql_thread_id IN ({holders}) "
            f"AND t.trx_started < now() - INTERVAL {int(long_transaction_seconds)} SECOND"
        )
        long_words = f"no transaction open for over {long_transaction_seconds} s holds a metadata lock on {named}"
        waiting_sql = (
            "SELECT p.id, p.user, p.time, left(p.info, 80) FROM information_schema.processlist AS p "
            "WHERE p.state LIKE 'Waiting for table metadata lock%' "
            f"AND (p.db = database() OR p.id IN ({holders}))"
        )
        waiting_words = (
            f"no session in this database, or holding a lock on {named}, is waiting for a table metadata lock right now"
        )
    else:
        in_database = "SELECT p.id FROM information_schema.processlist AS p WHERE p.db = database()"
        long_sql = (
            _TRANSACTIONS + f"WHERE {mine}t.trx_mysql_thread_id IN ({in_database}) "
            f"AND t.trx_started < now() - INTERVAL {int(long_transaction_seconds)} SECOND"
        )
        long_words = (
            f"no transaction open for over {long_transaction_seconds} s in a session using this database (without "
            "the metadata_lock_info plugin the tables it holds are not known)"
        )
        waiting_sql = (
            "SELECT p.id, p.user, p.time, left(p.info, 80) FROM information_schema.processlist AS p "
            "WHERE p.state LIKE 'Waiting for table metadata lock%' AND p.db = database()"
        )
        waiting_words = "no session in this database is waiting for a table metadata lock right now"
    out.append(
        PreflightCheck(
            kind="activity",
            description=f"{long_words} (an ALTER waits for it to end before it gets its metadata lock, and every "
            "query on the table waits behind the ALTER)",
            sql=long_sql,
            expect="no rows",
        )
    )
    out.append(PreflightCheck(kind="activity", description=waiting_words, sql=waiting_sql, expect="no rows"))
    for database, table in tables:
        key = _shown_table(database, table)
        out.append(
            PreflightCheck(
                kind="size",
                table=key,
                description=f"size of {key} (feeds the time estimates, and the choice of gh-ost over a copy)",
                sql="SELECT table_rows, data_length, data_length + index_length FROM information_schema.tables "
                f"WHERE table_schema = {mysql_string(database) if database else 'database()'} "
                f"AND table_name = {mysql_string(table)}",
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


def lock_scope(cur: Any) -> LockScope:
    """metadata_lock_info when the plugin is installed (MariaDB ships it), else database."""
    cur.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'information_schema' AND table_name = 'METADATA_LOCK_INFO'"
    )
    return "metadata_lock_info" if cur.fetchone()[0] else "database"


def run_mysql(
    plan: Plan, dsn: str, long_transaction_seconds: int = 60, scope: LockScope | None = None
) -> PreflightReport:
    """Run the checks; `scope` None reads which one the server allows (lock_scope)."""
    import pymysql

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
                checks = checks_for_mysql(plan, long_transaction_seconds, scope or lock_scope(cur))
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
