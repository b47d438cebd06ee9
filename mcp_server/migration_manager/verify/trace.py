"""Run a migration file statement by statement, the way psql runs it, and record what each
statement did on the server: the locks it took (pg_locks: read by the session itself inside a
transaction, sampled by a second session while a statement runs outside one), the tables it
rewrote (relfilenode) and read in full (the transaction's tuple counters), and its time."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from ..lint.source import statements
from ..model import LockMode
from ..render.lock_retry import unwrap
from ..render.units import must_run_alone
from .model import Direction, FileTrace, StatementTrace

_TABLES = """SELECT c.oid, c.relname, c.relfilenode FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'm')"""
_READS = "SELECT relid, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
_LOCKS = """SELECT relation, mode FROM pg_locks WHERE pid = %s AND locktype = 'relation'
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
_NO_TABLE = re.compile(r"\s*(SET|RESET|SHOW|BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE)\b", re.I)
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE)\b", re.I)
_ROWS = "SELECT c.oid, greatest(c.reltuples, 0) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"


def _strongest(a: str | None, b: str) -> str:
    if a is None or a not in LockMode._value2member_map_:
        return b
    if b not in LockMode._value2member_map_:
        return a
    return a if LockMode(a).strength >= LockMode(b).strength else b


class _Sampler:
    """Polls pg_locks for one backend from another session while a statement runs."""

    def __init__(self, uri: str, pid: int) -> None:
        self.conn = psycopg.connect(uri, autocommit=True)
        self.pid = pid
        self.seen: dict[int, str] = {}
        self._stop = threading.Event()
        self._polling = threading.Event()
        self._thread: threading.Thread | None = None

    def watching(self, needed: bool) -> _Sampler:
        """Sample only where the session cannot read its own locks afterwards (outside a transaction)."""
        self.needed = needed
        return self

    def __enter__(self) -> _Sampler:
        self._stop.clear()
        self.seen = {}
        self._thread = None
        if getattr(self, "needed", True):
            self._polling.clear()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
            # the statement starts only once the sampler has polled once: a thread still starting when
            # a quick statement (CREATE INDEX CONCURRENTLY on a small table) was already done saw nothing
            self._polling.wait(5)
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            for rel, mode in self.conn.execute(_LOCKS, (self.pid,)).fetchall():
                if rel is not None:
                    self.seen[rel] = _strongest(self.seen.get(rel), mode)
            self._polling.set()
            self._stop.wait(0.002)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def close(self) -> None:
        self.conn.close()


def trace_file(uri: str, path: Path, direction: Direction, label: str | None = None) -> FileTrace:
    """Run every statement of `path`; stop at the first error (psql -v ON_ERROR_STOP=1 does),
    rolling back an open transaction as the server would."""
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    traces: list[StatementTrace] = []
    with psycopg.connect(uri, autocommit=True) as conn:
        sampler = _Sampler(uri, conn.info.backend_pid)
        try:
            names: dict[int, str] = {}
            for st in statements(text):
                # A lock-retry block runs statement by statement: one query at a time, as its
                # attempt would on a database where no one else holds a lock.
                parts = unwrap(st.text) or [st.text]
                for sql in parts:
                    trace = _one(conn, sampler, sql, st.line, names)
                    traces.append(trace)
                    if trace.error:
                        break
                if trace.error:
                    if conn.info.transaction_status != TransactionStatus.IDLE:
                        conn.execute("ROLLBACK")
                    break
        finally:
            sampler.close()
    return FileTrace(
        path=label or path.name, direction=direction, seconds=time.perf_counter() - started, statements=traces
    )


def _one(
    conn: psycopg.Connection[Any], sampler: _Sampler, sql: str, line: int, names: dict[int, str]
) -> StatementTrace:
    before_files = {oid: (name, node) for oid, name, node in conn.execute(_TABLES).fetchall()}
    names.update({oid: name for oid, (name, _) in before_files.items()})
    in_transaction = conn.info.transaction_status == TransactionStatus.INTRANS
    wrapped = not in_transaction and not must_run_alone(sql) and not _TRANSACTION_CONTROL.match(sql)
    if wrapped:  # a statement on its own is its own transaction: open it here to read what it holds at the end
        conn.execute("BEGIN")
        in_transaction = True
    reads_before = dict(conn.execute(_READS).fetchall()) if in_transaction else {}
    rows = dict(conn.execute(_ROWS).fetchall())
    error = None
    started = time.perf_counter()
    with sampler.watching(not in_transaction):
        try:
            conn.execute(sql)
        except psycopg.errors.LockNotAvailable as exc:
            error = (
                f"{str(exc).strip().splitlines()[0]}: another session holds a lock this statement needs. "
                "Let it finish (SELECT pid, state, query FROM pg_stat_activity WHERE pid IN (SELECT "
                "unnest(pg_blocking_pids(pid)) FROM pg_stat_activity)), then run the migration again"
            )
        except psycopg.Error as exc:
            error = str(exc).strip().splitlines()[0]
    seconds = time.perf_counter() - started
    locks: dict[int, str] = dict(sampler.seen)
    status = conn.info.transaction_status
    rewritten: list[str] = []
    scanned: list[str] = []
    if status == TransactionStatus.INTRANS:
        for rel, mode in conn.execute(_LOCKS, (conn.info.backend_pid,)).fetchall():
            if rel is not None:
                locks[rel] = _strongest(locks.get(rel), mode)
        after = {oid: node for oid, _, node in conn.execute(_TABLES).fetchall()}
        rewritten = [name for oid, (name, node) in before_files.items() if after.get(oid, node) != node]
        if in_transaction:
            reads_after = dict(conn.execute(_READS).fetchall())
            scanned = [
                before_files[oid][0]
                for oid in before_files
                if rows.get(oid, 0) > 0 and reads_after.get(oid, 0) - reads_before.get(oid, 0) >= rows[oid]
            ]
    elif status == TransactionStatus.IDLE and error is None:
        after = {oid: node for oid, _, node in conn.execute(_TABLES).fetchall()}
        rewritten = [name for oid, (name, node) in before_files.items() if after.get(oid, node) != node]
    if wrapped:
        conn.execute("COMMIT" if conn.info.transaction_status == TransactionStatus.INTRANS else "ROLLBACK")
    tables = {names[rel]: mode for rel, mode in locks.items() if rel in names}
    return StatementTrace(
        line=line,
        sql=sql.strip()[:200],
        seconds=seconds,
        locks=tables,
        rewritten=rewritten,
        scanned=scanned,
        error=error,
    )
