"""Alembic renderings run by the real Alembic on PostgreSQL 18 and 15.

In an Alembic project with an existing revision, the plan is rendered as revisions chained to
its head (found with find_migrations), `alembic upgrade head` must give the same schema as the
plain SQL rendering applied with psql on a twin database, and `alembic downgrade` back to the
old head must give the starting schema. The generated files compile and pass ruff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

import repos
from cases import CASES, RENDER_ALL, Case
from conftest import Server
from migration_manager.catalog import Snapshot, differences
from migration_manager.discover import find_migrations
from migration_manager.model import Plan, Target
from migration_manager.planner import plan
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
    run_alembic_case(case, p, server, db, twin_db, tmp_path)


@pytest.mark.parametrize("case", [c for c in CASES if c not in RENDER_ALL], ids=lambda c: c.id)
def test_every_other_case_through_alembic_on_pg18(
    case: Case, pg18_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    """Breadth for the op-call idioms: every planner case, on the newest server."""
    server, db, twin_db = pg18_pair
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None
    run_alembic_case(case, p, server, db, twin_db, tmp_path)


def test_idioms_come_first() -> None:
    """Alembic's own constructs, where it has one for the statement; op.execute only where not."""
    texts = {
        c.id: "".join(f.content for f in render_alembic(plan(c.ops, Target(version=18))) if f.path.endswith(".py"))
        for c in CASES
        if c.min_version <= 18
    }
    assert "op.add_column('orders', sa.Column('token', sa.Uuid()))" in texts["add_column_volatile_not_null"]
    assert "postgresql_concurrently=True,\n            if_not_exists=True" in texts["add_index"]
    assert "op.drop_index('orders_user_id_idx', postgresql_concurrently=True, if_exists=True)" in texts["add_index"]
    assert "postgresql_not_valid=True" in texts["add_foreign_key"]
    assert "op.create_check_constraint(" in texts["add_check"]
    assert "op.alter_column('orders', 'token', nullable=False)" in texts["add_column_volatile_not_null"]
    executed = {
        sql.split(" (")[0]
        for text in texts.values()
        for _, sql in re.findall(r"op\.execute\(sa\.text\((['\"])(.*?)\1\)\)", text)
    }
    idiomatic: tuple[str, ...] = (
        "ADD COLUMN",
        "DROP COLUMN",
        "CREATE INDEX",
        "CREATE UNIQUE INDEX",
        "DROP INDEX",
        "NOT NULL",
    )
    idiomatic += ("FOREIGN KEY", "RENAME COLUMN", "TABLE orders RENAME TO")
    left = [sql for sql in executed if any(word in sql for word in idiomatic) and "GENERATED" not in sql]
    assert not left  # (a virtual generated column has no Alembic construct; it stays SQL)
    assert "op.alter_column('orders', 'amount', new_column_name='amount_old')" in texts["change_type_int_to_bigint"]


def run_alembic_case(case: Case, p: Plan, server: Server, db: str, twin_db: str, tmp_path: Path) -> None:
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


def test_render_chooses_the_real_folder_when_script_location_is_a_placeholder(tmp_path: Path) -> None:
    """JupyterHub's `script_location = {alembic_dir}` is no folder: render goes to the one laid out as
    `alembic init` makes it, chained to its head, and (no write=true) writes nothing."""
    from test_mcp_tools import SQL, call

    root = repos.write(tmp_path, repos.ALEMBIC_TEMPLATED)
    before = sorted(p for p in root.rglob("*"))
    result = call("render_migration", {"root": str(root), "sql": SQL})
    assert result.structured_content is not None, result
    files = result.structured_content["files"]
    assert files and all(f["path"].startswith("hubapp/alembic/versions/") for f in files)
    first = next(f["content"] for f in files if f["path"].endswith(".py"))
    assert re.search(r"^down_revision = ['\"]aa00000000a3['\"]$", first, re.M), first
    assert result.structured_content["written"] == [] and sorted(root.rglob("*")) == before


@pytest.mark.parametrize("shape", ["two_locations", "recursive"])
def test_render_chains_onto_the_head_alembic_sees_across_version_locations(tmp_path: Path, shape: str) -> None:
    """With version_locations (and recursive_version_locations) the real Alembic sees one head; the
    rendered revisions follow it, go where `alembic revision` would put them, and leave one head."""
    from test_mcp_tools import SQL, call

    files = repos.ALEMBIC_TWO_LOCATIONS if shape == "two_locations" else repos.neutron_like(recursive=True)
    root = repos.write(tmp_path / "repo", files)
    config = next(p for p in files if p.endswith("alembic.ini"))
    where = (root / config).parent
    head = "b2b2b2b2b2b2" if shape == "two_locations" else "e2e2e2e2e2e2"
    assert re.search(rf"^{head} \(head\)$", alembic(where, "heads"), re.M)
    folder = "alembic/more" if shape == "two_locations" else "net/db/migration/alembic_migrations/versions"
    # the real `alembic revision` (in a copy) puts its file there too
    copy = repos.write(tmp_path / "copy", files)
    mako = next(p for p in files if p.endswith("env.py")).replace("env.py", "script.py.mako")
    (copy / mako).write_text("revision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n")
    made = re.search(r"Generating (\S+\.py)", alembic(copy / Path(config).parent, "revision", "-m", "x"))
    assert made and Path(made.group(1)).parent == copy / folder, made

    result = call("render_migration", {"root": str(root), "sql": SQL, "write": True})
    assert result.structured_content is not None, result
    written = result.structured_content["written"]
    assert written and all(w.startswith(folder + "/") and w.count("/") == folder.count("/") + 1 for w in written)
    first = (root / next(w for w in written if w.endswith(".py"))).read_text()
    assert re.search(rf"^down_revision = ['\"]{head}['\"]$", first, re.M), first
    heads = alembic(where, "heads")
    assert len(re.findall(r"\(head\)", heads)) == 1 and head not in heads, heads


def test_render_names_revisions_by_the_file_template_of_a_named_section(tmp_path: Path) -> None:
    """Dispatch's [core] section takes [alembic]'s file_template: the rendered revisions are named
    <date>_<rev>.py like the 2 already there, and `alembic -n core` sees one head, the last of them."""
    from test_mcp_tools import SQL, call

    root = repos.write(tmp_path, repos.dispatch_like())
    folder = "src/dispatch/database/revisions/core/versions"
    result = call("render_migration", {"root": str(root), "sql": SQL, "write": True, "out_dir": folder})
    assert result.structured_content is not None, result
    written = [w for w in result.structured_content["written"] if w.endswith(".py")]
    assert written and all(re.fullmatch(rf"{folder}/\d{{4}}-\d\d-\d\d_[0-9a-f]{{12}}\.py", w) for w in written)
    first = (root / written[0]).read_text()
    assert re.search(r"^down_revision = ['\"]c2c2c2c2c2c2['\"]$", first, re.M), first
    heads = alembic(root / "src/dispatch", "-n", "core", "heads")
    assert len(re.findall(r"\(head\)", heads)) == 1 and written[-1].rsplit("_", 1)[1][:12] in heads, heads
