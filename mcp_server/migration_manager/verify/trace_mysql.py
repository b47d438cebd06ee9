"""Run a MariaDB / MySQL migration file statement by statement, the way the mysql client runs it
(stopping at the first error), and record per statement: the metadata locks its session held,
whether a table was rebuilt (its InnoDB table_id changed) and its time.

Metadata locks come from information_schema.METADATA_LOCK_INFO (MariaDB's metadata_lock_info
plugin), polled by a second session while the statement runs. Without the plugin, a second
session probes instead: it deletes nothing (DELETE ... WHERE FALSE takes the metadata lock every
write takes) from each table the statement names, over and over while it runs; a probe left
waiting for most of the statement means writes were blocked."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any, Literal

from ..lint.mysql_source import my_statements
from .model import Direction, FileTrace, StatementTrace

LockSource = Literal["metadata_lock_info", "probe"]
# weakest to strongest; the modes from SHARED_READ_ONLY on keep writers out while they are held
MDL_ORDER = [
    "MDL_INTENTION_EXCLUSIVE",
    "MDL_SHARED",
    "MDL_SHARED_HIGH_PRIO",
    "MDL_SHARED_READ",
    "MDL_SHARED_WRITE",
    "MDL_SHARED_UPGRADABLE",
    "MDL_SHARED_READ_ONLY",
    "MDL_SHARED_NO_WRITE",
    "MDL_SHARED_NO_READ_WRITE",
    "MDL_EXCLUSIVE",
]
HELD_FOR_THE_COPY = {"MDL_SHARED_NO_WRITE", "MDL_SHARED_NO_READ_WRITE"}  # taken for a whole statement, not a moment
WRITES_BLOCKED = "a probing write waited"
WRITES_WENT_ON = "a probing write went through"
_LOCKS = """SELECT table_name, lock_mode FROM information_schema.METADATA_LOCK_INFO
             WHERE thread_id = %s AND table_schema = database() AND table_name <> ''"""
_TABLE_IN = re.compile(
    r"\b(?:ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE|ON|OPTIMIZE\s+TABLE|RENAME\s+TABLE|TRUNCATE(?:\s+TABLE)?)"
    r"\s+(?:IF\s+EXISTS\s+)?`?(\w+)`?",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"/\*.*?\*/|--[^\n]*|#[^\n]*", re.DOTALL)


def lock_source(conn: Any) -> LockSource:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'information_schema' AND table_name = 'METADATA_LOCK_INFO'"
        )
        return "metadata_lock_info" if cur.fetchone()[0] else "probe"


def in_order(modes: set[str]) -> str:
    """The modes a session held during a statement, weakest first (an ALTER moves through several)."""
    rank = {m: i for i, m in enumerate(MDL_ORDER)}
    return ", ".join(sorted(modes, key=lambda m: (rank.get(m, len(rank)), m)))


class _Sampler:
    """A second session watching the first one while a statement runs."""

    def __init__(self, conn: Any, source: LockSource, thread_id: int) -> None:
        self.conn, self.source, self.thread_id = conn, source, thread_id
        with conn.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 1")  # a probe gives up after a second
        self._stop = threading.Event()

    def start(self, tables: list[str]) -> None:
        self.tables: list[str] = tables
        self.seen: dict[str, set[str]] = {}
        self.blocking: dict[str, int] = {}
        self.samples, self.blocked, self.begun = 0, {t: 0.0 for t in tables}, time.perf_counter()
        self._stop.clear()
        self._thread = threading.Thread(target=self._locks if self.source != "probe" else self._probe, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        ended = time.perf_counter()
        self._stop.set()
        self._thread.join(10)
        return ended - self.begun

    def _locks(self) -> None:
        seen: dict[str, set[str]] = self.seen
        while not self._stop.is_set():
            with self.conn.cursor() as cur:
                cur.execute(_LOCKS, (self.thread_id,))
                rows = cur.fetchall()
            self.samples += 1
            for table, mode in rows:
                seen.setdefault(table, set()).add(mode)
                if mode == "MDL_EXCLUSIVE":
                    self.blocking[table] = self.blocking.get(table, 0) + 1
            self._stop.wait(0.001)

    def _probe(self) -> None:
        while not self._stop.is_set() and self.tables:
            for table in self.tables:
                started = time.perf_counter()
                try:
                    with self.conn.cursor() as cur:
                        cur.execute(f"DELETE FROM `{table}` WHERE FALSE")
                except Exception:  # a lock wait timeout, or the table is not there (yet, or any more)
                    pass
                waited = time.perf_counter() - started
                if waited > 0.005:
                    self.blocked[table] += waited
            self._stop.wait(0.001)


def _table_ids(conn: Any, innodb_tables: str) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute(
            f"SELECT SUBSTRING_INDEX(name, '/', -1), table_id FROM information_schema.{innodb_tables} "
            "WHERE name LIKE CONCAT(database(), '/%')"
        )
        return {str(name): int(tid) for name, tid in cur.fetchall()}


def innodb_tables_view(conn: Any) -> str:
    """INNODB_SYS_TABLES on MariaDB, INNODB_TABLES on MySQL 8."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'information_schema' "
            "AND table_name IN ('INNODB_SYS_TABLES', 'INNODB_TABLES') ORDER BY table_name DESC"
        )
        row = cur.fetchone()
    return str(row[0]) if row else "INNODB_SYS_TABLES"


def tables_named(sql: str) -> list[str]:
    return sorted({m[1] for m in _TABLE_IN.finditer(_COMMENT.sub(" ", sql))})


def trace_mysql_file(
    connect: Any, path: Path, direction: Direction, source: LockSource, label: str | None = None
) -> FileTrace:
    """Run every statement of `path` on a new session (`connect()`), stopping at the first error."""
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    traces: list[StatementTrace] = []
    conn, watcher = connect(), connect()
    try:
        view = innodb_tables_view(conn)
        sampler = _Sampler(watcher, source, conn.thread_id())
        for st in my_statements(text):
            sql = st.text.strip().rstrip(";").strip()
            if not _COMMENT.sub("", sql).strip():
                continue
            trace = _one(conn, sampler, view, sql, st.line)
            traces.append(trace)
            if trace.error:
                break
    finally:
        conn.close()
        watcher.close()
    return FileTrace(
        path=label or path.name, direction=direction, seconds=time.perf_counter() - started, statements=traces
    )


def _one(conn: Any, sampler: _Sampler, view: str, sql: str, line: int) -> StatementTrace:
    before = _table_ids(conn, view)
    named = [t for t in tables_named(sql) if t in before]
    sampler.start(named)
    error = None
    started = time.perf_counter()
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            while cur.nextset():
                pass
    except Exception as exc:
        code = exc.args[0] if exc.args else None
        error = f"{code}: {exc.args[-1]}" if len(exc.args) > 1 else str(exc)
        if code == 1205:
            error += " (another session holds a metadata lock this statement needs: let it finish, run again)"
    seconds = time.perf_counter() - started
    sampler.stop()
    after = _table_ids(conn, view)
    rebuilt = [t for t, tid in before.items() if t in after and after[t] != tid]
    if sampler.source == "probe":
        locks = {t: WRITES_BLOCKED if sampler.blocked[t] >= seconds / 2 else WRITES_WENT_ON for t in named}
        blocked = [t for t in named if locks[t] == WRITES_BLOCKED]
    else:
        locks = {t: in_order(modes) for t, modes in sampler.seen.items()}
        samples = max(sampler.samples, 1)
        # SHARED_NO_WRITE / NO_READ_WRITE are held for a whole copy; EXCLUSIVE mostly for a moment at
        # the start and end, so it counts when it is all the statement held (LOCK=EXCLUSIVE)
        blocked = [
            t
            for t, modes in sampler.seen.items()
            if modes & HELD_FOR_THE_COPY or sampler.blocking.get(t, 0) / samples >= 0.8
        ]
    return StatementTrace(
        line=line,
        sql=sql[:200],
        seconds=seconds,
        locks=locks,
        rewritten=sorted(rebuilt),
        writes_blocked=sorted(blocked),
        error=error,
    )
