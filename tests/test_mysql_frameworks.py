"""MariaDB plans rendered for Alembic, Liquibase and Rails, run by the real tools against the
machine's MariaDB 10.11: the same schema as the SQL rendering applied with the mysql client on a
twin database, and back to the start on the way down."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import repos
from conftest import IN_CI, MariaDatabase
from migration_manager.catalog_mysql import Snapshot, differences, snapshot
from migration_manager.model import Target
from migration_manager.planner import plan
from migration_manager.render import (
    RenderedFile,
    render_alembic,
    render_liquibase,
    render_rails,
    render_sql,
    write_files,
)
from test_mysql_plans import CASES, MyCase
from test_render_liquibase import liquibase_command, write_master
from test_render_rails import RUNNER, ruby

BIN = Path(sys.executable).parent
PICKED = [
    c
    for c in CASES
    if c.id
    in {
        "add_column_expression_default_not_null",
        "add_index",
        "add_foreign_key",
        "rename_column",
        "widen_varchar",
        "add_check_small_table",
    }
]
TOOL_TABLES = {
    "alembic_version",
    "DATABASECHANGELOG",
    "DATABASECHANGELOGLOCK",
    "schema_migrations",
    "ar_internal_metadata",
}


def schema(db: MariaDatabase) -> Snapshot:
    with db.connect() as conn:
        snap = snapshot(conn, db.name)
    return {k: [r for r in rows if r[0] not in TOOL_TABLES] for k, rows in snap.items()}


def expected_after(case: MyCase, db: MariaDatabase, tmp_path: Path) -> tuple[Snapshot, Snapshot]:
    p = plan(case.ops, Target(dialect="mariadb", release=db.release), pause_ms=0)
    start = schema(db)
    write_files(render_sql(p), tmp_path / "sql")
    for f in sorted(f for f in (tmp_path / "sql").glob("*.sql") if not f.name.endswith("_down.sql")):
        db.run_file(f)
    return start, schema(db)


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, f"{' '.join(args[:3])} failed:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("case", PICKED, ids=lambda c: c.id)
def test_alembic_on_mariadb(case: MyCase, maria_db: MariaDatabase, maria_twin: MariaDatabase, tmp_path: Path) -> None:
    from test_render_alembic import ENV_PY

    start, expected = expected_after(case, maria_db, tmp_path)
    url = f"mysql+pymysql://root@127.0.0.1:3306/{maria_twin.name}"
    root = repos.write(
        tmp_path / "app",
        {
            "alembic.ini": f"[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = {url}\n",
            "migrations/env.py": ENV_PY,
            "migrations/script.py.mako": "",
        },
    )
    p = plan(case.ops, Target(dialect="mariadb", release=maria_twin.release), pause_ms=0)
    files = render_alembic(p)
    write_files(files, root / "migrations" / "versions")
    for f in files:
        if f.path.endswith(".py"):
            compile(f.content, f.path, "exec")
    # a later revision of the project's, run on the same connection: it must find the session's own
    # lock_wait_timeout (the server's default), not the 1 s the plan's revisions set for their ALTERs
    last = [f.path for f in files if f.path.endswith(".py")][-1].split("_")[0]
    (root / "migrations" / "versions" / "ffffffffffff_later.py").write_text(
        f"import sqlalchemy as sa\nfrom alembic import op\nrevision = 'ffffffffffff'\ndown_revision = {last!r}\n"
        "def upgrade():\n"
        "    q = 'SELECT @@SESSION.lock_wait_timeout, @@GLOBAL.lock_wait_timeout'\n"
        "    seen, own = op.get_bind().execute(sa.text(q)).one()\n"
        "    assert seen == own, f'lock_wait_timeout left at {seen} by the revisions before'\n"
        "def downgrade():\n    pass\n"
    )
    env = {**os.environ, "PYTHONPATH": ""}
    run([str(BIN / "alembic"), "upgrade", "head"], root, env)
    assert differences(expected, schema(maria_twin)) == []
    run([str(BIN / "alembic"), "downgrade", "base"], root, env)
    assert differences(start, schema(maria_twin)) == []


@pytest.mark.parametrize("case", PICKED, ids=lambda c: c.id)
def test_liquibase_on_mariadb(case: MyCase, maria_db: MariaDatabase, maria_twin: MariaDatabase, tmp_path: Path) -> None:
    start, expected = expected_after(case, maria_db, tmp_path)
    p = plan(case.ops, Target(dialect="mariadb", release=maria_twin.release), pause_ms=0)
    folder = tmp_path / "changelog"
    files = render_liquibase(p)
    write_files(files, folder)
    # a later changeSet of the project's, on the same connection: it halts unless the session's own
    # lock_wait_timeout is back (the plan's changeSets set 1 s for their ALTERs)
    later = RenderedFile(
        path="later.xml",
        content='<?xml version="1.0" encoding="UTF-8"?>\n'
        '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"\n'
        '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
        '    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog\n'
        '        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.28.xsd">\n'
        '  <changeSet id="later" author="app">\n'
        '    <preConditions onFail="HALT" onFailMessage="lock_wait_timeout was left changed">\n'
        '      <sqlCheck expectedResult="1">\n'
        "        SELECT @@SESSION.lock_wait_timeout = @@GLOBAL.lock_wait_timeout</sqlCheck>\n"
        "    </preConditions>\n"
        "    <sql>SELECT 1</sql>\n    <rollback/>\n  </changeSet>\n</databaseChangeLog>\n",
    )
    write_files([later], folder)
    write_master(folder, [*files, later])
    base, env = liquibase_command(f"jdbc:mariadb://127.0.0.1:3306/{maria_twin.name}", "root")
    run([*base, "update"], folder, env)
    assert differences(expected, schema(maria_twin)) == []
    run([*base, "rollback-count", f"--count={sum(len(m.steps) for m in p.migrations) + 1}"], folder, env)
    assert differences(start, schema(maria_twin)) == []


@pytest.mark.parametrize("case", PICKED, ids=lambda c: c.id)
def test_activerecord_on_mariadb(
    case: MyCase, maria_db: MariaDatabase, maria_twin: MariaDatabase, tmp_path: Path
) -> None:
    binary = ruby()
    mysql2 = subprocess.run([binary, "-e", "require 'mysql2'"], capture_output=True)
    if mysql2.returncode != 0:
        message = "ruby-mysql2 is missing (apt-get install ruby-mysql2; scripts/setup does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    start, expected = expected_after(case, maria_db, tmp_path)
    p = plan(case.ops, Target(dialect="mariadb", release=maria_twin.release), pause_ms=0)
    folder = tmp_path / "db" / "migrate"
    files = render_rails(p)
    write_files(files, folder)
    for f in files:
        if f.path.endswith(".rb"):
            run([binary, "-c", str(folder / f.path)], tmp_path)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "MM_MYSQL_DATABASE": maria_twin.name}
    run([binary, str(RUNNER), "up", str(folder)], tmp_path, env)
    assert differences(expected, schema(maria_twin)) == []
    run([binary, str(RUNNER), "down", str(folder), "0"], tmp_path, env)
    assert differences(start, schema(maria_twin)) == []


@pytest.mark.parametrize("case", PICKED, ids=lambda c: c.id)
def test_flyway_files_on_mariadb(
    case: MyCase, maria_db: MariaDatabase, maria_twin: MariaDatabase, tmp_path: Path
) -> None:
    """No Flyway binary here (see test_render_flyway.py): the V files in version order and the U files
    in reverse, each through the mysql client, whose DELIMITER handling Flyway's MySQL parser shares."""
    from migration_manager.naming import version_key
    from migration_manager.render import render_flyway

    start, expected = expected_after(case, maria_db, tmp_path)
    p = plan(case.ops, Target(dialect="mariadb", release=maria_twin.release), pause_ms=0)
    write_files(render_flyway(p, first_version="2"), tmp_path / "fw")

    def ordered(prefix: str, reverse: bool = False) -> list[Path]:
        found = list((tmp_path / "fw").glob(f"{prefix}*__*.sql"))
        return sorted(found, key=lambda f: version_key(f.name[1:].split("__")[0]), reverse=reverse)

    for f in ordered("V"):
        maria_twin.run_file(f)
    assert differences(expected, schema(maria_twin)) == []
    for f in ordered("U", reverse=True):
        maria_twin.run_file(f)
    assert differences(start, schema(maria_twin)) == []
