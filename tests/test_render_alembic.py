"""Alembic renderings run by the real Alembic on PostgreSQL 18 and 15.

In an Alembic project with an existing revision, the plan is rendered as revisions chained to
its head (found with find_migrations), `alembic upgrade head` must give the same schema as the
plain SQL rendering applied with psql on a twin database, and `alembic downgrade` back to the
old head must give the starting schema. The generated files compile and pass ruff.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

import repos
from cases import RENDER_ALL, Case
from conftest import Server
from migration_manager.catalog import Snapshot, differences
from migration_manager.discover import find_migrations
from migration_manager.render import render_alembic, write_files
from support import apply_sql_rendering, assert_back_to_start, prepared_plan, schema_without

BIN = Path(sys.executable).parent
ENV_PY = """from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
section = config.get_section(config.config_ini_section)
engine = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
"""


def project(root: Path, url: str) -> Path:
    return repos.write(
        root,
        {
            "alembic.ini": f"[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = {url}\n",
            "migrations/env.py": ENV_PY,
            "migrations/script.py.mako": "",
            "migrations/versions/000000000001_start.py": repos.alembic_revision(
                "000000000001", None, downgrade="pass"
            ).replace('op.create_table("t", sa.Column("id", sa.Integer))', "pass"),
        },
    )


def alembic(root: Path, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "alembic"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert done.returncode == 0, f"alembic {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def sqlalchemy_url(uri: str) -> str:
    return "postgresql+psycopg://" + uri.split("://", 1)[1].replace("%", "%%")


def schema(uri: str) -> Snapshot:
    return schema_without(uri, "alembic_version")


@pytest.mark.parametrize("case", RENDER_ALL, ids=lambda c: c.id)
def test_alembic_rendering_matches_sql_and_rolls_back(
    case: Case, server: Server, db: str, twin_db: str, tmp_path: Path
) -> None:
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None  # every rendered case runs on both versions
    start = schema(db)

    sql_dir = tmp_path / "sql"
    apply_sql_rendering(server.bin_dir, db, p, sql_dir)
    expected = schema(db)

    root = project(tmp_path / "app", sqlalchemy_url(twin_db))
    (found,) = find_migrations(root).frameworks
    assert found.framework == "alembic" and found.heads == ["000000000001"]
    files = render_alembic(p, head=found.heads[0])
    write_files(files, root / found.folder)
    for rendered in files:
        if rendered.path.endswith(".py"):
            compile(rendered.content, rendered.path, "exec")
    generated = [str(root / found.folder / r.path) for r in files if r.path.endswith(".py")]
    lint = subprocess.run(
        [str(BIN / "ruff"), "check", "--isolated", "--select", "E4,E7,E9,F,I,W", *generated],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout

    after = find_migrations(root).frameworks[0]
    assert len(after.heads) == 1
    assert all(pr.code == "missing_down" for pr in after.problems), after.problems
    assert len(after.migrations) == 1 + len(p.migrations)

    alembic(root, "upgrade", "head")
    got = schema(twin_db)
    assert differences(expected, got) == []
    with psycopg.connect(twin_db, autocommit=True) as conn:
        case.check(conn)

    alembic(root, "downgrade", "000000000001")
    back = schema(twin_db)
    assert_back_to_start(case, start, back)


def test_render_defaults_to_the_repositorys_alembic_and_chains_to_its_head(tmp_path: Path) -> None:
    from test_mcp_tools import SQL, call, error

    root = repos.write(tmp_path / "two", repos.ALEMBIC_TWO_HEADS)
    assert "2 Alembic heads" in error("render_migration", {"root": str(root), "sql": SQL})

    root = repos.write(tmp_path / "merged", repos.ALEMBIC_MERGED)
    result = call("render_migration", {"root": str(root), "sql": SQL, "write": True})
    assert result.structured_content is not None, result
    written = result.structured_content["written"]
    assert written and all(w.startswith("alembic/versions/") for w in written)
    after = find_migrations(root).frameworks[0]
    assert len(after.heads) == 1 and len(after.migrations) == 5 + 5
    first = next(m for m in after.migrations if m.depends_on == ["5e6f708192a3"])
    assert first.path in written

    cli = [str(BIN / "migration-manager"), "render", "--sql", SQL, "--root", str(root), "--format", "sql", "--json"]
    shown = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and '"format": "sql"' in shown.stdout
