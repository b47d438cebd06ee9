"""Lock retries: a transactional migration behind a long-running reader.

A naive ALTER queues behind the reader and every write queues behind the ALTER until the reader
ends. The plan's migrations take their locks with a short lock_timeout in a savepoint and retry
with backoff: between attempts the queue is given back, so writes go on while the reader holds
the table, and the migration completes once the reader ends. Measured on the real server, as
the plain SQL file (psql), the Alembic revision (alembic upgrade), the Rails migration
(ActiveRecord), the Django migration (manage.py migrate) and the Liquibase changelog (update)
run it. The naive ALTER is the control: the same measurement shows no write
getting through, so the count can tell the two apart.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

import repos
from blocker import BUSY_TABLE, Outcome, run_behind_blocker
from conftest import Server
from migration_manager.discover import find_migrations
from migration_manager.errors import InputError
from migration_manager.model import AddColumn, Column, Plan, Target
from migration_manager.planner import plan
from migration_manager.render import render_liquibase, render_sql, write_files
from migration_manager.render.choose import choose, render
from test_render_alembic import BIN, project, sqlalchemy_url
from test_render_django import django_command, django_site
from test_render_liquibase import liquibase, liquibase_command, pg_jdbc, write_master
from test_render_rails import EXISTING, activerecord_command


def _plan(server: Server, attempts: int = 20) -> Plan:
    return plan(
        [AddColumn(table="busy", column=Column(name="note", type="text"))],
        Target(version=server.version),
        lock_retries=attempts,
    )


def _psql(server: Server) -> str:
    return str(server.bin_dir / "psql") if server.bin_dir else "psql"


def _setup(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(BUSY_TABLE)


def _popen(
    args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> Callable[[], subprocess.Popen[str]]:
    return lambda: subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _assert_retried_and_done(db: str, outcome: Outcome) -> None:
    assert outcome.returncode == 0, outcome.output
    assert outcome.writes_while_blocked > 0
    assert _has_note(db)


def _has_note(db: str) -> bool:
    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname = 'note'"
        ).fetchone()
    return bool(row and row[0])


def test_naive_alter_stops_every_write_while_a_reader_holds_the_table(server: Server, db: str) -> None:
    _setup(db)
    naive = [_psql(server), "-X", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", "ALTER TABLE busy ADD COLUMN note text"]
    outcome = run_behind_blocker(db, _popen(naive))
    assert outcome.returncode == 0, outcome.output
    assert outcome.writes_while_blocked == 0  # the control: the queue stays closed


def test_sql_file_lets_writes_through_and_completes_after_the_reader(server: Server, db: str, tmp_path: Path) -> None:
    _setup(db)
    write_files(render_sql(_plan(server)), tmp_path)
    (up,) = sorted(f for f in tmp_path.glob("*.sql") if not f.name.endswith("_down.sql"))
    outcome = run_behind_blocker(db, _popen([_psql(server), "-X", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", str(up)]))
    assert "lock not available (attempt 1 of 20), retrying" in outcome.output
    _assert_retried_and_done(db, outcome)


def test_sql_file_gives_up_after_its_attempts_with_nothing_applied(server: Server, db: str, tmp_path: Path) -> None:
    _setup(db)
    write_files(render_sql(_plan(server, attempts=3)), tmp_path)
    (up,) = sorted(f for f in tmp_path.glob("*.sql") if not f.name.endswith("_down.sql"))
    holder = psycopg.connect(db)
    holder.execute("SELECT count(*) FROM busy")
    try:
        done = subprocess.run(
            [_psql(server), "-X", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", str(up)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode != 0
    assert "attempt 2 of 3" in done.stderr and "canceling statement due to lock timeout" in done.stderr
    assert not _has_note(db)


def test_alembic_revision_retries_in_savepoints(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    server, db, _ = pg18_pair
    _setup(db)
    root = project(tmp_path / "proj", sqlalchemy_url(db))
    destination = choose(find_migrations(root), "auto", None)
    write_files(render(_plan(server), destination), root / destination.folder)
    source = next((root / destination.folder).glob("*note*.py")).read_text()
    assert "with_lock_retries(_upgrade)" in source and "begin_nested()" in source
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ""}
    _assert_retried_and_done(db, run_behind_blocker(db, _popen([str(BIN / "alembic"), "upgrade", "head"], root, env)))


def test_rails_migration_retries_in_savepoints(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    server, db, _ = pg18_pair
    _setup(db)
    app = repos.write(tmp_path / "app", EXISTING)
    destination = choose(find_migrations(app), "auto", None)
    write_files(render(_plan(server), destination), app / destination.folder)
    source = next((app / destination.folder).glob("*note*.rb")).read_text()
    assert "connection.transaction(requires_new: true)" in source and "rescue ActiveRecord::LockWaitTimeout" in source
    args, env = activerecord_command(db, "up", app / "db/migrate")
    _assert_retried_and_done(db, run_behind_blocker(db, _popen(args, env=env)))


def test_django_migration_retries_in_one_block(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    server, db, _ = pg18_pair
    _setup(db)
    root = django_site(tmp_path / "site")
    destination = choose(find_migrations(root), "auto", None)
    write_files(render(_plan(server), destination), root / destination.folder)
    source = next((root / destination.folder).glob("0002_*.py")).read_text()
    assert source.count("migrations.RunSQL(") == 1 and "EXCEPTION WHEN lock_not_available" in source
    args, env = django_command(root, db)
    _assert_retried_and_done(db, run_behind_blocker(db, _popen(args, root, env)))


def test_liquibase_changeset_retries(tcp_db_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    server, db, _ = tcp_db_pair
    _setup(db)
    folder = tmp_path / "changelog"
    files = render_liquibase(_plan(server))
    write_files(files, folder)
    write_master(folder, files)
    assert all(
        "EXCEPTION WHEN lock_not_available" in (folder / f.path).read_text() for f in files if f.path.endswith(".xml")
    )
    liquibase(folder, db, "validate")
    args, env = liquibase_command(pg_jdbc(db), "postgres", "update")
    _assert_retried_and_done(db, run_behind_blocker(db, _popen(args, folder, env)))


@pytest.mark.parametrize("attempts", [0, 101])
def test_lock_retries_out_of_range_is_refused(attempts: int) -> None:
    with pytest.raises(InputError, match="lock_retries must be 1-100"):
        plan([AddColumn(table="busy", column=Column(name="note", type="text"))], lock_retries=attempts)


def test_verify_unwraps_a_retry_block_into_the_plan_statements() -> None:
    """verify traces a retry block statement by statement: the same statements the plan holds
    (SELECT turned PERFORM and back; a PERFORM inside a nested DO left alone)."""
    from migration_manager.render.lock_retry import RetryPolicy, do_block, plpgsql_statement, unwrap

    inner = ["SELECT setval('s', 1)", "DO $mm$\nBEGIN\nPERFORM pg_sleep(0);\nEND\n$mm$", "ALTER TABLE t ADD c int"]
    block = do_block("\n".join(plpgsql_statement(sql) for sql in inner), RetryPolicy("200ms", 3))
    assert unwrap(block) == ["SET LOCAL lock_timeout = '200ms';", *(sql + ";" for sql in inner)]
    assert unwrap("DO $mm$ BEGIN END $mm$") is None


def test_the_plan_summary_states_the_lock_policy() -> None:
    from migration_manager.summary import format_plan

    p = plan([AddColumn(table="busy", column=Column(name="note", type="text"))], lock_timeout="150ms", lock_retries=7)
    assert "lock_timeout 150ms per attempt" in format_plan(p) and "7 attempts" in format_plan(p)


def test_retries_outlast_the_plans_statement_timeout(server: Server, db: str, tmp_path: Path) -> None:
    """statement_timeout counts from the start of the top-level statement, and the retry block is
    one statement: the file gives it room for every attempt, so retrying for 3 s completes under
    a 1 s statement_timeout. Control: the same block under a bare 1 s statement_timeout is cut."""
    _setup(db)
    p = plan(
        [AddColumn(table="busy", column=Column(name="note", type="text"))],
        Target(version=server.version),
        statement_timeout="1s",
    )
    write_files(render_sql(p), tmp_path)
    (up,) = sorted(f for f in tmp_path.glob("*.sql") if not f.name.endswith("_down.sql"))
    text = up.read_text()
    assert "SET LOCAL statement_timeout = '1s'" not in text  # widened by the retry budget
    outcome = run_behind_blocker(db, _popen([_psql(server), "-X", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", str(up)]))
    _assert_retried_and_done(db, outcome)

    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("ALTER TABLE busy DROP COLUMN note")
    bare = tmp_path / "bare.sql"
    bare.write_text(re.sub(r"SET LOCAL statement_timeout = '[^']*'", "SET LOCAL statement_timeout = '1s'", text))
    control = run_behind_blocker(db, _popen([_psql(server), "-X", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", str(bare)]))
    assert control.returncode != 0 and "canceling statement due to statement timeout" in control.output
    assert not _has_note(db)
