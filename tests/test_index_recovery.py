"""A concurrent index build that fails leaves an INVALID index; running the migration again
must drop that leftover and build a valid index, and the drop takes the lock the plan claims."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from conftest import Server
from migration_manager.model import AddIndex, LockMode, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files
from support import measure_in_transaction, psql_file

OP = AddIndex(table="events", columns=["kind"], unique=True, name="events_kind_key")
INVALID = "SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('events_kind_key') AND NOT indisvalid"
VALID = "SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('events_kind_key') AND indisvalid"


def _count(db: str, sql: str) -> int:
    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_rerun_after_a_failed_build_drops_the_leftover(server: Server, db: str, tmp_path: Path) -> None:
    p = plan([OP], Target(version=server.version))
    write_files(render_sql(p), tmp_path)
    ups = sorted(f for f in tmp_path.glob("*.sql") if not f.name.endswith("_down.sql"))
    assert len(ups) == 1

    with pytest.raises(AssertionError, match="could not create unique index"):
        psql_file(server.bin_dir, db, ups[0])  # events.kind holds duplicates
    assert _count(db, INVALID) == 1, "the failed build should have left an INVALID index (the case we recover from)"

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("DELETE FROM events WHERE id > 5")
    psql_file(server.bin_dir, db, ups[0])
    assert _count(db, INVALID) == 0
    assert _count(db, VALID) == 1


def test_leftover_drop_takes_the_claimed_lock(server: Server, db: str) -> None:
    p = plan([OP], Target(version=server.version))
    recover = p.migrations[0].steps[0]
    assert recover.description.startswith("Drop an INVALID")
    with psycopg.connect(db, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY events_kind_key ON events (kind)")
        events = conn.execute("SELECT 'events'::regclass::oid").fetchone()
        assert events is not None
        measured = measure_in_transaction(conn, recover)
    assert _count(db, INVALID) == 0
    (claim,) = recover.locks
    assert claim.relation == "events" and claim.mode is LockMode.ACCESS_EXCLUSIVE
    assert measured.locks[events[0]] is claim.mode


def test_concurrent_build_outwaits_a_long_transaction(server: Server, db: str, tmp_path: Path) -> None:
    """CREATE INDEX CONCURRENTLY waits for transactions already writing the table; that wait holds
    up nobody, so the file must not let lock_timeout (here 1s) cut it short."""
    p = plan([AddIndex(table="orders", columns=["user_id"])], Target(version=server.version), lock_timeout="1s")
    write_files(render_sql(p), tmp_path)
    (up,) = sorted(f for f in tmp_path.glob("*.sql") if not f.name.endswith("_down.sql"))
    assert server.bin_dir is not None
    with psycopg.connect(db) as writer:
        writer.execute("UPDATE orders SET code = code WHERE id = 1")  # stays open: a running writer
        build = subprocess.Popen(
            [str(server.bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", str(up)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2.5)
        assert build.poll() is None, f"the build gave up while a writer was open: {build.communicate()[1]}"
        writer.commit()
    _, err = build.communicate(timeout=60)
    assert build.returncode == 0, err
    with psycopg.connect(db) as conn:
        row = conn.execute(VALID.replace("events_kind_key", "orders_user_id_idx")).fetchone()
    assert row == (1,)
