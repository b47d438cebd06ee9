"""A down that cannot undo its step refuses instead of "succeeding": a type change planned without
old_type retires the old column in a contract migration whose down cannot build it again. Rolled
back with ActiveRecord 6.1 or Django 5.2 on PostgreSQL 18, the rendered files stop at that migration
and leave the schema as the way up left it; before, the empty down was recorded as reverted and the
migration before it failed (PG::UndefinedColumn: column "amount_old")."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

import repos
from cases import CASES
from conftest import Server
from migration_manager.catalog import differences
from migration_manager.discover import find_migrations
from migration_manager.model import (
    AddEnumValue,
    ChangeColumnType,
    ChangeRequest,
    Column,
    DropIndex,
    DropTable,
    Plan,
    Target,
)
from migration_manager.planner import plan
from migration_manager.render import write_files
from migration_manager.render.choose import choose, render
from migration_manager.render.rails import render_rails
from migration_manager.render.reversal import irreversible
from support import schema_without
from test_render_django import MODELS_START, SHOP_SETTINGS, manage
from test_render_rails import EXISTING, migrate, ruby, schema

RETIRED = "Drop the retired column amount_old and its trigger"
NOTE = "old_type not given: the down cannot re-add the retired column"


def retype_plan(version: int) -> Plan:
    """orders.amount to bigint with no old_type: the last migration's down cannot undo it."""
    p = plan(
        [ChangeColumnType(table="orders", column="amount", new_type="bigint", not_null=True, default="0")],
        Target(version=version),
    )
    refusing = [i for i, m in enumerate(p.migrations) if any(irreversible(s) for s in m.steps)]
    assert refusing == [len(p.migrations) - 1]
    return p


def test_only_a_down_that_does_nothing_useful_refuses() -> None:
    """An added enum value (PostgreSQL cannot remove one; leaving it is the undo), a backfill (its
    down has nothing to do) and a table the down recreates empty keep their downs; an index dropped
    without its columns cannot be rebuilt."""
    (backfill,) = [c for c in CASES if c.id == "backfill"]
    ops = [
        *backfill.ops,
        AddEnumValue(enum="mood", value="meh"),
        DropTable(table="events", columns=[Column(name="id", type="bigint")]),
        DropIndex(name="orders_note_idx"),
    ]
    p = plan(ops, Target(version=18))
    refusing = [s.description for m in p.migrations for s in m.steps if irreversible(s)]
    assert refusing == ["Drop index orders_note_idx concurrently"]
    assert RETIRED in [s.description for m in retype_plan(18).migrations for s in m.steps if irreversible(s)]


def test_rails_down_raises_irreversible_migration(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    ruby()
    server, db, _ = pg18_pair
    app = repos.write(tmp_path / "app", EXISTING)
    destination = choose(find_migrations(app), "auto", None)
    files = render(retype_plan(server.version), destination)
    write_files(files, app / destination.folder)
    last = [f for f in files if f.path.endswith(".rb")][-1]
    readme = next(f for f in files if f.path == last.path.replace(".rb", "_README.md"))
    assert f"**Not reversible:** {RETIRED}: {NOTE}" in readme.content
    assert f"raise ActiveRecord::IrreversibleMigration, '{RETIRED}: {NOTE}" in last.content
    checked = subprocess.run([ruby(), "-wc", str(app / destination.folder / last.path)], capture_output=True, text=True)
    assert checked.returncode == 0 and "warning" not in checked.stderr, checked.stderr

    migrate(db, app / "db/migrate", "up")
    after = schema(db)
    with pytest.raises(AssertionError) as refused:
        migrate(db, app / "db/migrate", "down", "20200101000000")
    assert "ActiveRecord::IrreversibleMigration" in str(refused.value) and NOTE in str(refused.value)
    assert "UndefinedColumn" not in str(refused.value)
    assert differences(after, schema(db)) == []


def test_django_migrate_back_refuses(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    """Both shapes: the retype's contract (a plain RunSQL without reverse_sql) and a migration whose
    RunSQL sits in SeparateDatabaseAndState (its state learns the new column), which Django would
    reverse regardless, so a no-op RunSQL without reverse_sql stands beside it."""
    server, db, _ = pg18_pair
    root = repos.write(
        tmp_path / "site",
        {
            "settings.py": SHOP_SETTINGS,
            "shop/__init__.py": "",
            "shop/migrations/__init__.py": "",
            "shop/models.py": MODELS_START,
        },
    )
    made = manage(root, db, "makemigrations", "shop", "--no-input")
    assert made.returncode == 0, made.stdout + made.stderr
    first = manage(root, db, "migrate", "shop", "--no-input")
    assert first.returncode == 0, first.stdout + first.stderr
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("ALTER TABLE shop_product ADD CONSTRAINT sku_short CHECK (length(sku) < 100)")
    ops = [
        {"op": "add_column", "table": "shop_product", "column": {"name": "note", "type": "text"}},
        {"op": "drop_constraint", "table": "shop_product", "name": "sku_short"},
    ]
    stated = plan(ChangeRequest.model_validate({"operations": ops}).operations, Target(version=server.version))
    for p in (retype_plan(server.version), stated):
        destination = choose(find_migrations(root), "auto", None)
        files = render(p, destination)
        write_files(files, root / destination.folder)
        last = [f for f in files if f.path.endswith(".py")][-1]
        assert "# NOT REVERSIBLE: " in last.content
        assert ("SeparateDatabaseAndState" in last.content) is (p is stated)
        up = manage(root, db, "migrate", "shop", "--no-input")
        assert up.returncode == 0, up.stdout + up.stderr
        after = schema_without(db, "django_migrations")
        back = manage(root, db, "migrate", "shop", "0001_initial", "--no-input")
        assert back.returncode != 0 and "IrreversibleError" in back.stderr, back.stdout + back.stderr
        assert f"{last.path.removesuffix('.py')}" in back.stderr
        assert differences(after, schema_without(db, "django_migrations")) == []


def test_rails_down_refuses_on_mariadb_too(tmp_path: Path) -> None:
    """The MariaDB / MySQL template: an index dropped without its columns (ruby -wc; the raise is
    ActiveRecord's, as on PostgreSQL above)."""
    p = plan([DropIndex(name="orders_note_idx", table="orders")], Target(dialect="mariadb"))
    (migration,) = [f for f in render_rails(p) if f.path.endswith(".rb")]
    expected = "raise ActiveRecord::IrreversibleMigration, 'Drop index orders_note_idx on orders: give columns"
    assert expected in migration.content
    path = tmp_path / migration.path
    path.write_text(migration.content)
    checked = subprocess.run([ruby(), "-wc", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0 and "warning" not in checked.stderr, checked.stderr
