"""preflight on PostgreSQL 18 and 15: each kind of check passes on clean data and fails on the
data or activity it guards against, runs read-only, recomputes the estimate from the sizes it
finds, and never shows the DSN's password."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from conftest import Server
from migration_manager.errors import DatabaseError
from migration_manager.model import Target
from migration_manager.preflight import PreflightCheck, preflight
from migration_manager.preflight.run import connect, run_check
from migration_manager.request import request_from_sql

BIN = Path(sys.executable).parent


def statuses(sql: str, db: str, version: int, **kw: Any) -> dict[str, str]:
    from migration_manager.planner import plan

    report = preflight(plan(request_from_sql(sql).operations, Target(version=version)), db, **kw)
    return {r.check.description: r.status for r in report.results}


def only(found: dict[str, str], words: str) -> str:
    (status,) = [s for d, s in found.items() if words in d]
    return status


def execute(db: str, sql: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(sql)


def test_data_checks_pass_on_clean_data_and_fail_on_what_they_guard(server: Server, db: str) -> None:
    v = server.version
    assert only(statuses("ALTER TABLE orders ALTER COLUMN code SET NOT NULL", db, v), "no NULL left") == "pass"
    execute(db, "UPDATE orders SET code = NULL WHERE id = 7")
    assert only(statuses("ALTER TABLE orders ALTER COLUMN code SET NOT NULL", db, v), "no NULL left") == "fail"

    unique = "CREATE UNIQUE INDEX orders_code_key ON orders (code)"
    assert only(statuses(unique, db, v), "no duplicate") == "pass"
    execute(db, "UPDATE orders SET code = 'c1' WHERE id = 8")
    assert only(statuses(unique, db, v), "no duplicate") == "fail"

    fk = "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)"
    assert only(statuses(fk, db, v), "has its users row") == "pass"
    execute(db, "UPDATE orders SET user_id = 999999 WHERE id = 9")
    assert only(statuses(fk, db, v), "has its users row") == "fail"

    narrow = "ALTER TABLE users ALTER COLUMN note TYPE varchar(5)"
    assert only(statuses(narrow, db, v), "converts to") == "pass"  # 'n' || 1..2000 fits in 5
    execute(db, "UPDATE users SET note = 'far too long' WHERE id = 3")
    assert only(statuses(narrow, db, v), "converts to") == "fail"
    to_int = "ALTER TABLE users ALTER COLUMN note TYPE integer USING note::integer"
    assert only(statuses(to_int, db, v), "converts to") == "fail"


def test_activity_checks_see_long_transactions_waiters_and_invalid_indexes(server: Server, db: str) -> None:
    v = server.version
    change = "ALTER TABLE events ADD COLUMN seen boolean"
    found = statuses(change, db, v, long_transaction_seconds=0)
    assert only(found, "no transaction open") == "pass" and only(found, "waiting for a lock") == "pass"
    assert only(found, "no INVALID index") == "pass"

    holder = psycopg.connect(db)
    holder.execute("SELECT count(*) FROM events")  # ACCESS SHARE, held until the transaction ends
    waiter = psycopg.connect(db)
    thread = threading.Thread(target=lambda: waiter.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))
    thread.start()
    try:
        time.sleep(0.3)
        found = statuses(change, db, v, long_transaction_seconds=0)
        assert only(found, "no transaction open") == "fail"
        assert only(found, "waiting for a lock") == "fail"
    finally:
        holder.rollback()
        thread.join(10)
        holder.close()
        waiter.close()

    with pytest.raises(psycopg.errors.UniqueViolation):
        execute(db, "CREATE UNIQUE INDEX CONCURRENTLY events_kind_key ON events (kind)")
    assert only(statuses(change, db, v), "no INVALID index") == "fail"


def test_checks_run_read_only_and_a_bad_one_does_not_stop_the_rest(server: Server, db: str) -> None:
    with connect(db) as conn:
        write = run_check(
            conn, PreflightCheck(kind="data", description="w", sql="CREATE TABLE x ()", expect="zero"), db
        )
        after = run_check(conn, PreflightCheck(kind="data", description="r", sql="SELECT 0", expect="zero"), db)
    assert write.status == "error" and "read-only" in (write.message or "")
    assert after.status == "pass"


def test_sizes_feed_the_estimate_and_later_checks_wait_for_earlier_migrations(server: Server, db: str) -> None:
    from migration_manager.planner import plan

    p = plan(request_from_sql("ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()").operations)
    report = preflight(p, db)
    assert report.stats["orders"].rows == 5000 and (report.stats["orders"].bytes or 0) > 0
    assert report.estimate_seconds is not None and report.server_version == server.version
    pending = [r for r in report.results if r.status == "pending"]
    assert pending and all(r.check.migration and r.check.migration > 1 for r in pending)  # token does not exist yet
    assert not report.failed


def test_the_password_never_shows(pg15: Server, tmp_path: Path) -> None:
    """The machine's PostgreSQL trusts local TCP, so a DSN with any password connects."""
    secret = "Sup3r-S3cret-pw"
    params = conninfo_to_dict(pg15.admin_uri)
    good = make_conninfo(**{**{k: str(v) for k, v in params.items()}, "password": secret})
    bad = make_conninfo(**{**{k: str(v) for k, v in params.items()}, "password": secret, "dbname": "no_such_db_mm"})
    sql = "ALTER TABLE orders ALTER COLUMN code SET NOT NULL"
    for dsn in (good, bad):
        for fmt in ([], ["--json"]):
            done = subprocess.run(
                [str(BIN / "migration-manager"), "preflight", "--sql", sql, "--dsn", dsn, *fmt],
                capture_output=True,
                text=True,
            )
            assert secret not in done.stdout + done.stderr
            assert done.returncode == (4 if dsn is bad else 0), done.stderr
    with pytest.raises(DatabaseError) as caught:
        connect(bad)
    assert secret not in str(caught.value) and "no_such_db_mm" in str(caught.value)
    refused = subprocess.run(
        [str(BIN / "migration-manager"), "preflight", "--sql", sql, "--dsn", "postgresql://x:pw@127.0.0.1:1/db"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 4 and "cannot connect to" in refused.stderr and "pw@" not in refused.stderr
