"""Rails renderings run by ActiveRecord 6.1 (Debian ruby-activerecord, ruby-pg) on PostgreSQL 18
and 15: migrating up gives the same catalog as the SQL rendering applied with psql on a twin
database, migrating down returns the starting schema, and every file passes `ruby -c`."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import repos
from cases import CASES, RENDER_ALL, Case
from conftest import IN_CI, Server
from migration_manager.catalog import Snapshot, differences
from migration_manager.discover import find_migrations
from migration_manager.model import Plan, Target
from migration_manager.planner import plan
from migration_manager.render import render_rails, write_files
from migration_manager.render.choose import choose, render
from support import apply_sql_rendering, assert_back_to_start, prepared_plan, schema_without

RUNNER = Path(__file__).resolve().parent / "runners" / "activerecord_migrate.rb"
EXISTING: repos.Files = {
    "db/migrate/20200101000000_create_orders.rb": "class CreateOrders < ActiveRecord::Migration[6.1]\n"
    "  def change\n  end\nend\n",
    "config/database.yml": "production:\n  adapter: postgresql\n",
}


@functools.cache
def _ruby_with_activerecord() -> str | None:
    """The ruby that loads ActiveRecord and pg, else None: asked once per process (each ask starts a
    ruby that loads ActiveRecord, and the Rails tests ask before every runner they start)."""
    found = shutil.which("ruby")
    ok = (
        found
        and subprocess.run([found, "-e", "require 'active_record'; require 'pg'"], capture_output=True).returncode == 0
    )
    return found if ok else None


def ruby() -> str:
    found = _ruby_with_activerecord()
    if found is None:
        message = "ruby with ActiveRecord and pg is missing (apt-get install ruby-activerecord ruby-pg; .ci/run does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def activerecord_command(uri: str, direction: str, folder: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """The ActiveRecord runner migrating `folder` up or down on the database `uri`: argv, env."""
    params = conninfo_to_dict(uri)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PGDATABASE": str(params["dbname"])}
    env.update({f"PG{k.upper()}": str(params[k]) for k in ("host", "port", "user") if params.get(k)})
    return [ruby(), str(RUNNER), direction, str(folder), *args], env


def migrate(uri: str, folder: Path, *args: str, require: Path | None = None) -> None:
    """`require`: a Ruby file the runner loads after ActiveRecord (a gem's stand-in)."""
    argv, env = activerecord_command(uri, args[0], folder, *args[1:])
    if require is not None:
        env["MM_REQUIRE"] = str(require)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, f"ActiveRecord {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def schema(uri: str) -> Snapshot:
    return schema_without(uri, "schema_migrations", "ar_internal_metadata")


@pytest.mark.parametrize("case", RENDER_ALL, ids=lambda c: c.id)
def test_rails_rendering_matches_sql_and_rolls_back(
    case: Case, server: Server, db: str, twin_db: str, tmp_path: Path
) -> None:
    ruby()
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None  # every rendered case runs on both versions
    run_rails_case(case, p, server, db, twin_db, tmp_path)


@pytest.mark.parametrize("case", [c for c in CASES if c not in RENDER_ALL], ids=lambda c: c.id)
def test_every_other_case_through_activerecord_on_pg18(
    case: Case, pg18_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    """Breadth for the schema-statement idioms: every planner case, on the newest server."""
    ruby()
    server, db, twin_db = pg18_pair
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None
    run_rails_case(case, p, server, db, twin_db, tmp_path)


def test_schema_statements_come_first() -> None:
    """ActiveRecord's own calls where one emits the planned statement; execute for the rest."""
    texts = {
        c.id: "".join(f.content for f in render_rails(plan(c.ops, Target(version=18))) if f.path.endswith(".rb"))
        for c in CASES
        if c.min_version <= 18
    }
    assert "add_column :orders, :token, :uuid\n" in texts["add_column_volatile_not_null"]
    assert "change_column_null :orders, :token, false" in texts["add_column_volatile_not_null"]
    index = texts["add_index"]
    assert (
        "add_index :orders, :user_id, name: 'orders_user_id_idx', algorithm: :concurrently, if_not_exists: true"
        in index
    )
    assert "remove_index :orders, name: 'orders_user_id_idx', algorithm: :concurrently, if_exists: true" in index
    fk = texts["add_foreign_key"]
    assert "add_foreign_key :orders, :users, column: :user_id, primary_key: :id" in fk and "validate: false" in fk
    assert "validate_foreign_key :orders, name: 'orders_user_id_fkey'" in fk
    check = texts["add_check"]
    assert "add_check_constraint :orders, 'amount > 0', name: 'orders_amount_positive', validate: false" in check
    assert "validate_check_constraint :orders, name: 'orders_amount_positive'" in check


def run_rails_case(case: Case, p: Plan, server: Server, db: str, twin_db: str, tmp_path: Path) -> None:
    start = schema(db)
    apply_sql_rendering(server.bin_dir, db, p, tmp_path / "sql")
    expected = schema(db)

    app = repos.write(tmp_path / "app", EXISTING)
    destination = choose(find_migrations(app), "auto", None)
    assert destination.format == "rails" and destination.folder == "db/migrate" and destination.rails_version == "6.1"
    files = render(p, destination)
    write_files(files, app / destination.folder)
    for rendered in files:
        if rendered.path.endswith(".rb"):
            checked = subprocess.run(
                [ruby(), "-c", str(app / destination.folder / rendered.path)], capture_output=True, text=True
            )
            assert checked.returncode == 0, checked.stderr
    after = find_migrations(app).frameworks[0]
    assert [pr for pr in after.problems if pr.severity == "error"] == []

    migrate(twin_db, app / "db/migrate", "up")
    assert differences(expected, schema(twin_db)) == []
    with psycopg.connect(twin_db, autocommit=True) as conn:
        case.check(conn)
    migrate(twin_db, app / "db/migrate", "down", "20200101000000")
    back = schema(twin_db)
    assert_back_to_start(case, start, back)


def test_a_renamed_column_keeps_the_names_of_its_indexes(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    """ActiveRecord's rename_column also renames every index named the Rails way after the column
    (index_orders_on_amount -> index_orders_on_amount_old); the plan's RENAME COLUMN does not, and its
    later statements name indexes as the SQL left them. Up to the type change's swap (where a column is
    renamed), the Rails files must leave the catalog the SQL files leave."""
    ruby()
    server, db, twin_db = pg18_pair
    (case,) = [c for c in CASES if c.id == "change_type_int_to_bigint"]
    setup = "CREATE INDEX index_orders_on_amount ON orders (amount);"
    for uri in (db, twin_db):
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute(setup)
    full = plan(case.ops, Target(version=server.version))
    swap = next(i for i, m in enumerate(full.migrations) if any("RENAME COLUMN" in s for st in m.steps for s in st.up))
    p = full.model_copy(update={"migrations": full.migrations[: swap + 1]})
    apply_sql_rendering(server.bin_dir, db, p, tmp_path / "sql")
    expected = schema(db)
    assert any("index_orders_on_amount" in str(row) for row in expected["indexes"])

    app = repos.write(tmp_path / "app", EXISTING)
    write_files(render(p, choose(find_migrations(app), "auto", None)), app / "db/migrate")
    migrate(twin_db, app / "db/migrate", "up")
    assert differences(expected, schema(twin_db)) == []


def test_class_names_follow_the_apps_acronyms(tmp_path: Path) -> None:
    """An app with `inflect.acronym "OIDC"`: Rails loads add_x_to_oidc_providers.rb as AddXToOIDCProviders
    (ActiveSupport's camelize with the app's inflections, asked of ActiveSupport itself here), so the
    rendered class must be named so; it was AddXToOidcProviders, which Rails does not find."""
    import re

    files: repos.Files = {
        **EXISTING,
        "config/initializers/inflections.rb": "ActiveSupport::Inflector.inflections(:en) do |inflect|\n"
        '  inflect.acronym "OIDC"\nend\n',
    }
    root = repos.write(tmp_path, files)
    found = find_migrations(root)
    from migration_manager.server import render_migration

    result = render_migration(root=str(root), sql="ALTER TABLE oidc_providers ADD COLUMN x text", write=False)
    (rb,) = [f for f in result.files if f.path.endswith(".rb")]
    stem = Path(rb.path).stem.split("_", 1)[1]
    declared = re.search(r"^class (\w+) <", rb.content, re.M)
    assert declared is not None and declared.group(1) == "AddXToOIDCProviders", rb.content[:300]
    script = "require 'active_support'; require 'active_support/core_ext/string'; load ARGV[0]; puts ARGV[1].camelize"
    done = subprocess.run(
        [ruby(), "-e", script, str(root / "config/initializers/inflections.rb"), stem],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == declared.group(1)
    assert found.frameworks and found.frameworks[0].framework == "rails"


def test_the_readme_says_schema_rb_loses_the_sync_trigger(tmp_path: Path) -> None:
    """A type change keeps the new column in sync with a trigger while it is in flight, and db/schema.rb
    dumps no triggers: the README says to dump SQL until the change is complete; not where the app
    already keeps db/structure.sql, and not for a change without a trigger."""
    from migration_manager.server import render_migration

    def readme(files: repos.Files, sql: str) -> str:
        root = repos.write(tmp_path / str(len(list(tmp_path.iterdir()))), files)
        result = render_migration(root=str(root), sql=sql, write=False)
        return "\n".join(f.content for f in result.files if f.path.endswith("README.md"))

    retype = "ALTER TABLE orders ALTER COLUMN id TYPE bigint"
    assert "db/schema.rb holds no triggers" in readme(EXISTING, retype)
    assert "db/schema.rb holds no triggers" not in readme({**EXISTING, "db/structure.sql": "SELECT 1;\n"}, retype)
    assert "db/schema.rb holds no triggers" not in readme(EXISTING, "CREATE INDEX ON orders (id)")
