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

import subprocess
from pathlib import Path

import psycopg
import pytest

import repos
from blocker import BUSY_TABLE, run_behind_blocker
from conftest import Server
from migration_manager.discover import find_migrations
from migration_manager.model import AddColumn, Column, Plan, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files
from migration_manager.render.choose import choose, render
from test_render_alembic import BIN, project, sqlalchemy_url
from test_render_rails import EXISTING, RUNNER, ruby


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


def _has_note(db: str) -> bool:
    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname = 'note'"
        ).fetchone()
    return bool(row and row[0])


def test_naive_alter_stops_every_write_while_a_reader_holds_the_table(server: Server, db: str) -> None:
    _setup(db)
    outcome = run_behind_blocker(
        db,
        lambda: subprocess.Popen(
            [
                _psql(server),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                db,
                "-c",
                "ALTER TABLE busy ADD COLUMN note text",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
    )
    assert outcome.returncode == 0, outcome.output
    assert outcome.writes_while_blocked == 0  # the control: the queue stays closed


def test_sql_file_lets_writes_through_and_completes_after_the_reader(server: Server, db: str, tmp_path: Path) -> None:
    _setup(db)
    write_files(render_sql(_plan(server)), tmp_path)
    (up,) = sorted(f for f in tmp_path.glob("*.sql") if not f.name.endswith("_down.sql"))
    outcome = run_behind_blocker(
        db,
        lambda: subprocess.Popen(
            [_psql(server), "-X", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", str(up)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
    )
    assert outcome.returncode == 0, outcome.output
    assert "lock not available (attempt 1 of 20), retrying" in outcome.output
    assert outcome.writes_while_blocked > 0
    assert _has_note(db)


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
    outcome = run_behind_blocker(
        db,
        lambda: subprocess.Popen(
            [str(BIN / "alembic"), "upgrade", "head"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ""},
        ),
    )
    assert outcome.returncode == 0, outcome.output
    assert outcome.writes_while_blocked > 0
    assert _has_note(db)


def test_rails_migration_retries_in_savepoints(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    server, db, _ = pg18_pair
    _setup(db)
    app = repos.write(tmp_path / "app", EXISTING)
    destination = choose(find_migrations(app), "auto", None)
    write_files(render(_plan(server), destination), app / destination.folder)
    source = next((app / destination.folder).glob("*note*.rb")).read_text()
    assert "connection.transaction(requires_new: true)" in source and "rescue ActiveRecord::LockWaitTimeout" in source
    params = psycopg.conninfo.conninfo_to_dict(db)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PGDATABASE": str(params["dbname"])}
    env.update({f"PG{k.upper()}": str(params[k]) for k in ("host", "port", "user") if params.get(k)})
    outcome = run_behind_blocker(
        db,
        lambda: subprocess.Popen(
            [ruby(), str(RUNNER), "up", str(app / "db/migrate")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        ),
    )
    assert outcome.returncode == 0, outcome.output
    assert outcome.writes_while_blocked > 0
    assert _has_note(db)


@pytest.mark.parametrize("attempts", [0, 101])
def test_lock_retries_out_of_range_is_refused(attempts: int) -> None:
    from migration_manager.errors import InputError

    with pytest.raises(InputError, match="lock_retries must be 1-100"):
        plan([AddColumn(table="busy", column=Column(name="note", type="text"))], lock_retries=attempts)


def test_django_migration_retries_in_one_block(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    import json
    import sys

    from test_render_django import SETTINGS

    server, db, _ = pg18_pair
    _setup(db)
    root = repos.write(
        tmp_path / "site",
        {
            "settings.py": SETTINGS,
            "shop/__init__.py": "",
            "shop/migrations/__init__.py": "",
            "shop/migrations/0001_initial.py": repos.django_migration([]),
        },
    )
    destination = choose(find_migrations(root), "auto", None)
    write_files(render(_plan(server), destination), root / destination.folder)
    source = next((root / destination.folder).glob("0002_*.py")).read_text()
    assert source.count("migrations.RunSQL(") == 1 and "EXCEPTION WHEN lock_not_available" in source
    params = psycopg.conninfo.conninfo_to_dict(db)
    settings = {"NAME": params["dbname"], "HOST": params.get("host", ""), "PORT": str(params.get("port", ""))}
    settings["USER"] = str(params.get("user", ""))
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "settings",
        "PYTHONPATH": str(root),
        "MM_DB": json.dumps(settings),
    }
    outcome = run_behind_blocker(
        db,
        lambda: subprocess.Popen(
            [sys.executable, "-m", "django", "migrate", "shop", "--no-input"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
    )
    assert outcome.returncode == 0, outcome.output
    assert outcome.writes_while_blocked > 0
    assert _has_note(db)


def test_liquibase_changeset_retries(tcp_db_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    import os

    from migration_manager.render import render_liquibase
    from test_render_liquibase import LIQUIBASE, liquibase

    server, db, _ = tcp_db_pair
    _setup(db)
    folder = tmp_path / "changelog"
    files = render_liquibase(_plan(server))
    write_files(files, folder)
    (xml,) = [f.path for f in files if f.path.endswith(".xml")]
    assert "EXCEPTION WHEN lock_not_available" in (folder / xml).read_text()
    (folder / "master.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"\n'
        '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
        '    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog\n'
        '        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.28.xsd">\n'
        f'    <include file="{xml}" relativeToChangelogFile="true"/>\n</databaseChangeLog>\n'
    )
    liquibase(folder, db, "validate")  # skips (locally) or fails (CI) when Liquibase is missing
    dbname = db.rsplit("/", 1)[1].split("?")[0]
    outcome = run_behind_blocker(
        db,
        lambda: subprocess.Popen(
            [
                "bash",
                str(LIQUIBASE),
                "--show-banner=false",
                "--log-level=WARNING",
                "--changelog-file=master.xml",
                f"--url=jdbc:postgresql://127.0.0.1:5432/{dbname}",
                "--username=postgres",
                "update",
            ],
            cwd=folder,
            env={**os.environ, "JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
    )
    assert outcome.returncode == 0, outcome.output
    assert outcome.writes_while_blocked > 0
    assert _has_note(db)
