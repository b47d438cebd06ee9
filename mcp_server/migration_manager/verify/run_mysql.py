"""verify for MariaDB / MySQL: the migrations tried on a scratch database (scratch_mysql.py).

Load the schema (a mysqldump --no-data text), seed synthetic rows, then: up -> snapshot -> down ->
compare with the start (catalog_mysql: columns, indexes, constraints, foreign keys) and the row
counts -> up again (the same schema as the first time). Each statement is traced
(trace_mysql.py); a table rebuilt while its writes wait is a problem, because the wait grows with
the table. MySQL DDL is not transactional: a statement that fails leaves what the ones before it
did, and the report says so."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..catalog_mysql import Snapshot, differences, snapshot
from ..errors import InputError
from ..lint.mysql_source import my_statements
from ..model import Dialect
from .model import Direction, FileTrace, Problem, VerifyReport
from .scratch_mysql import MyScratch, scratch_mysql
from .seed_mysql import seed_mysql
from .trace_mysql import LockSource, lock_source, trace_mysql_file

Progress = Callable[[str], None]
_NOT_TRANSACTIONAL = (
    "; DDL on MariaDB / MySQL is not transactional: what the statements before this one did stays "
    "(check the table before running the file again)"
)
_LOCKS_FROM = {
    "metadata_lock_info": "information_schema.METADATA_LOCK_INFO (the metadata_lock_info plugin), polled by a "
    "second session while each statement ran",
    "probe": "not read: performance_schema and the metadata_lock_info plugin are not available here, so a second "
    "session tried a write (DELETE ... WHERE FALSE) on each table a statement names while it ran; "
    "INSTALL SONAME 'metadata_lock_info' to see the lock modes",
}


def _problems_in(trace: FileTrace) -> list[Problem]:
    found: list[Problem] = []
    for index, st in enumerate(trace.statements):
        if st.error:
            done = index > 0 and any(not s.sql.upper().startswith("SET") for s in trace.statements[:index])
            found.append(
                Problem(
                    kind="failed",
                    path=trace.path,
                    line=st.line,
                    message=f"{trace.direction}: {st.error}" + (_NOT_TRANSACTIONAL if done else ""),
                )
            )
        for table in st.rewritten:
            if table in st.writes_blocked:
                mode = st.locks.get(table, "")
                found.append(
                    Problem(
                        kind="blocks-writes-while-rewriting",
                        path=trace.path,
                        line=st.line,
                        message=f"{trace.direction}: rebuilds {table} while writes to it wait ({mode}): the wait "
                        "grows with the table",
                    )
                )
    return found


def _counts(conn: Any) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = database() "
            "AND table_type = 'BASE TABLE'"
        )
        names = [str(r[0]) for r in cur.fetchall()]
        out: dict[str, int] = {}
        for name in names:
            cur.execute(f"SELECT count(*) FROM `{name}`")
            out[name] = int(cur.fetchone()[0])
    return out


def _load(conn: Any, schema_sql: str) -> None:
    """Run the schema SQL with foreign key checks off, as mysqldump's own header does (in a
    /*!40014 ... */ comment the statement splitter drops): a dump lists its tables by name, a
    child often before its parent."""
    with conn.cursor() as cur:
        cur.execute("SET SESSION foreign_key_checks = 0")
        try:
            _run_schema(cur, schema_sql)
        finally:
            cur.execute("SET SESSION foreign_key_checks = 1")


def _run_schema(cur: Any, schema_sql: str) -> None:
    for st in my_statements(schema_sql):
        sql = st.text.strip().rstrip(";")
        if not sql.strip():
            continue
        try:
            cur.execute(sql)
            while cur.nextset():
                pass
        except Exception as exc:
            reason = exc.args[-1] if exc.args else exc
            raise InputError(
                f"the schema SQL fails at line {st.line}: {reason}; give a mysqldump --no-data of the database"
            ) from None


def verify_mysql(
    pairs: list[tuple[Path, Path | None]],
    *,
    dialect: Dialect,
    dsn: str | None = None,
    schema_sql: str | None = None,
    existing: list[Path] | None = None,
    rows: int = 0,
    progress: Progress | None = None,
    locks: LockSource | None = None,
) -> VerifyReport:
    """`pairs`: (up file, down file or None) in the order they run. `locks`: how to see metadata
    locks (default: the plugin's table when the server has it, else the write probe)."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    problems: list[Problem] = []
    files: list[FileTrace] = []
    say("creating the scratch database")
    with scratch_mysql(dsn, dialect) as db:
        conn = db.connect()
        try:
            source = locks or lock_source(conn)
            version = int(db.version.split()[-1].split(".")[0])

            def report() -> VerifyReport:
                return VerifyReport(
                    where=db.where,
                    server_version=version,
                    rows=rows,
                    files=files,
                    problems=problems,
                    seconds=time.perf_counter() - started,
                    locks_from=_LOCKS_FROM[source],
                )

            if schema_sql:
                say("loading the schema")
                _load(conn, schema_sql)

            def run(direction: Direction, items: list[tuple[Path, str]]) -> bool:
                for index, (path, label) in enumerate(items, start=1):
                    say(f"{direction} {index}/{len(items)} {label}")
                    trace = trace_mysql_file(db.connect, path, direction, source, label)
                    files.append(trace)
                    problems.extend(_problems_in(trace))
                    if any(st.error for st in trace.statements):
                        return False
                return True

            if not run("up", [(p, f"existing/{p.name}") for p in existing or []]):
                return report()
            if rows:
                say(f"seeding {rows} rows per table")
                problems.extend(Problem(kind="seed", message=m) for m in seed_mysql(conn, rows))
            start, start_rows = _snap(conn, db), _counts(conn)
            ups = [(up, up.name) for up, _ in pairs]
            if not run("up", ups):
                return report()
            after_up = _snap(conn, db)
            downs = [(down, down.name) for _, down in reversed(pairs) if down is not None]
            if len(downs) < len(pairs):
                missing = [up.name for up, down in pairs if down is None]
                problems.append(Problem(kind="down-does-not-restore", message=f"no down file for {', '.join(missing)}"))
            elif run("down", downs):
                back = differences(start, _snap(conn, db))
                if back:
                    problems.append(
                        Problem(
                            kind="down-does-not-restore",
                            message="after the downs the schema differs: " + "; ".join(back[:10]),
                        )
                    )
                now = _counts(conn)
                for table, before in start_rows.items():
                    if table in now and now[table] < before:
                        problems.append(
                            Problem(
                                kind="down-loses-rows",
                                message=f"{table} had {before} rows, {now[table]} after the downs",
                            )
                        )
                if run("up again", ups):
                    again = differences(after_up, _snap(conn, db))
                    if again:
                        problems.append(
                            Problem(
                                kind="not-rerunnable",
                                message="up after down gives another schema: " + "; ".join(again[:10]),
                            )
                        )
            return report()
        finally:
            conn.close()


def _snap(conn: Any, db: MyScratch) -> Snapshot:
    return snapshot(conn, db.name)
