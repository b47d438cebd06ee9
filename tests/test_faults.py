"""Faults on a real server, and how the generated migrations come through them.

- A CREATE INDEX CONCURRENTLY killed midway (pg_terminate_backend) leaves an INVALID index;
  running the same migration again drops it and ends with a valid index.
- A batched backfill killed at about 40% resumes where it stopped: the rows it had done are
  not written again (their xmin is unchanged), none is skipped, and the column's checksum
  equals a clean run's.
- Another session holds the table: the migration gives up after its lock retries with PostgreSQL's
  message and its file says what to do; nothing of the transactional file is applied (not even
  the sequence its first statement creates); once the holder commits, the same file succeeds.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from cases import cases_named
from conftest import Server
from migration_manager.model import AddIndex, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files
from migration_manager.request import request_from_sql
from support import psql_file


def one(uri: str, sql: str, *params: Any) -> Any:
    with psycopg.connect(uri, autocommit=True) as conn:
        row = conn.execute(sql, params or None).fetchone()
    return row[0] if row else None


def up_files(p: Any, folder: Path) -> list[Path]:
    write_files(render_sql(p), folder)
    return sorted(f for f in folder.glob("*.sql") if not f.name.endswith("_down.sql"))


def start_psql(server: Server, uri: str, path: Path) -> subprocess.Popen[str]:
    psql = str(server.bin_dir / "psql") if server.bin_dir else "psql"
    return subprocess.Popen(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", uri, "-f", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(uri: str, sql: str, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = one(uri, sql)
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_concurrent_index_build_is_recovered_by_running_again(pg18: Server, big_db: str, tmp_path: Path) -> None:
    (path,) = up_files(
        plan([AddIndex(table="orders", columns=["code"], name="orders_code_idx")], Target(version=18)), tmp_path
    )
    writer = psycopg.connect(big_db)  # an open write transaction: the build must wait for it after creating its entry
    writer.execute("UPDATE orders SET code = code WHERE id = 1")
    run = start_psql(pg18, big_db, path)
    try:
        pid = wait_for(
            big_db,
            "SELECT pid FROM pg_stat_progress_create_index WHERE relid = 'orders'::regclass "
            "AND datid = (SELECT oid FROM pg_database WHERE datname = current_database())",
            "the concurrent build to start",
        )
        wait_for(big_db, "SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('orders_code_idx')", "its entry")
        assert one(big_db, "SELECT pg_terminate_backend(%s)", pid)
        run.wait(60)
    finally:
        writer.rollback()
        writer.close()
    assert run.returncode != 0
    assert one(big_db, "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = 'orders_code_idx'::regclass")

    psql_file(pg18.bin_dir, big_db, path)  # the same migration, again
    assert one(big_db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_code_idx'::regclass")
    assert one(big_db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0


FILL = """
CREATE TABLE fill (id bigint PRIMARY KEY, n integer NOT NULL, doubled integer);
INSERT INTO fill SELECT g, g % 977, NULL FROM generate_series(1, 20000) AS g;
"""
CHECKSUM = "SELECT count(doubled) || ':' || md5(string_agg(doubled::text, ',' ORDER BY id)) FROM fill"


def test_backfill_killed_at_40_percent_resumes_without_redoing_or_skipping(
    server: Server, db: str, twin_db: str, tmp_path: Path
) -> None:
    for uri in (db, twin_db):
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute(FILL)
    p = plan(
        request_from_sql("UPDATE fill SET doubled = n * 2").operations,
        Target(version=server.version),
        batch_size=500,
        pause_ms=10,
    )
    (path,) = up_files(p, tmp_path)
    psql_file(server.bin_dir, twin_db, path)  # the clean run
    clean = one(twin_db, CHECKSUM)
    assert clean.startswith("20000:")

    run = start_psql(server, db, path)
    wait_for(db, "SELECT count(*) >= 8000 FROM fill WHERE doubled IS NOT NULL", "40% of the rows")
    mine = "AND datname = current_database()"  # not another test's backfill on the same server
    pid = one(db, f"SELECT pid FROM pg_stat_activity WHERE query LIKE 'DO $mm$%' AND pid <> pg_backend_pid() {mine}")
    assert one(db, "SELECT pg_terminate_backend(%s)", pid)
    run.wait(60)
    assert run.returncode != 0
    with psycopg.connect(db, autocommit=True) as conn:
        done_before: dict[int, str] = dict(
            conn.execute("SELECT id, xmin::text FROM fill WHERE doubled IS NOT NULL").fetchall()
        )
    assert 8000 <= len(done_before) < 20000

    psql_file(server.bin_dir, db, path)  # run it again
    assert one(db, CHECKSUM) == clean
    with psycopg.connect(db, autocommit=True) as conn:
        after: dict[int, str] = dict(conn.execute("SELECT id, xmin::text FROM fill").fetchall())
    assert all(after[i] == xmin for i, xmin in done_before.items()), "rows done before the kill were written again"
    assert one(db, "SELECT count(*) FROM fill WHERE doubled IS DISTINCT FROM n * 2") == 0


def test_a_held_lock_makes_the_migration_give_up_cleanly_and_succeed_later(
    server: Server, db: str, tmp_path: Path
) -> None:
    # Two attempts: the retries are tested in test_lock_retries; here, what giving up leaves.
    p = plan(cases_named("add_column_identity")[0].ops, Target(version=server.version), lock_retries=2)
    first = up_files(p, tmp_path)[0]
    text = first.read_text()
    assert "CREATE SEQUENCE" in text.split("ALTER TABLE events ADD COLUMN")[0]  # something changes before the wait
    assert "lock timeout" in text and "run it again" in text  # the file says what to do

    holder = psycopg.connect(db)
    holder.execute("SELECT count(*) FROM events")  # ACCESS SHARE until the transaction ends
    try:
        started = time.monotonic()
        run = start_psql(server, db, first)
        _, err = run.communicate(timeout=60)
        waited = time.monotonic() - started
        assert run.returncode != 0 and "canceling statement due to lock timeout" in err
        assert waited < 30  # a hang guard, not a timing: two attempts of 200 ms and a sleep
        assert one(db, "SELECT to_regclass('events_seq_seq')") is None  # the sequence went with the rollback
        assert one(db, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'seq'") == 0
    finally:
        holder.commit()
        holder.close()
    psql_file(server.bin_dir, db, first)
    assert one(db, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'seq'") == 1


def test_backfill_ends_while_the_application_keeps_inserting(server: Server, db: str, tmp_path: Path) -> None:
    """Rows keep arriving (with the column still NULL) at the end of the key while the backfill
    runs: it fills every row that existed when it started, ends, and warns about the newer ones
    instead of chasing the growing key for ever."""
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(FILL)
    p = plan(
        request_from_sql("UPDATE fill SET doubled = n * 2").operations,
        Target(version=server.version),
        batch_size=1000,
        pause_ms=50,
    )
    (path,) = up_files(p, tmp_path)
    stop = threading.Event()

    def inserter() -> None:
        with psycopg.connect(db, autocommit=True) as conn:
            next_id = 20001
            while not stop.is_set():
                conn.execute("INSERT INTO fill (id, n) VALUES (%s, 1)", (next_id,))
                next_id += 1
                time.sleep(0.003)

    thread = threading.Thread(target=inserter, daemon=True)
    thread.start()
    try:
        run = start_psql(server, db, path)
        try:
            _, err = run.communicate(timeout=120)  # a hang guard: the walk used to chase new keys
        except subprocess.TimeoutExpired:
            run.kill()
            raise AssertionError("the backfill never ended while rows kept arriving") from None
    finally:
        stop.set()
        thread.join(timeout=30)
    assert run.returncode == 0, err
    assert one(db, "SELECT count(*) FROM fill WHERE id <= 20000 AND doubled IS DISTINCT FROM n * 2") == 0
    assert "rows added since it started still need the value" in err
