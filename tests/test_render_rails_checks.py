"""Rails renderings for applications that run strong_migrations: found from the Gemfile or
Gemfile.lock, the bodies of up and down go in safety_assured and constant defaults are Ruby literals,
so the migrations run under the gem's checks, in ActiveRecord 6.1 on PostgreSQL 18.

The gem is not installed here (no network for gems), so STAND_IN plays it: like strong_migrations
(lib/strong_migrations/migration.rb), it prepends a module to ActiveRecord::Migration whose
method_missing, which every schema statement of a migration goes through, raises
StrongMigrations::UnsafeMigration for `execute` (check_execute) and for a callable default on
add_column (add_column_default_callable) unless inside safety_assured. It checks the way down too
(the gem's check_down setting), so that an unwrapped down fails as well."""

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
from migration_manager.model import Target
from migration_manager.planner import plan
from migration_manager.render import write_files
from migration_manager.render.choose import choose, render
from migration_manager.render.rails import render_rails
from support import apply_sql_rendering, prepared_plan
from test_render_rails import EXISTING, migrate, ruby, schema

STAND_IN = """\
module StrongMigrations
  class UnsafeMigration < StandardError; end

  module Migration
    def safety_assured
      previous = @safe
      @safe = true
      yield
    ensure
      @safe = previous
    end

    def method_missing(method, *args, &block)
      unless @safe
        raise UnsafeMigration, "check_execute: #{args.first}" if method == :execute
        options = args.last.is_a?(Hash) ? args.last : {}
        if method == :add_column && options[:default].is_a?(Proc)
          raise UnsafeMigration, "add_column_default_callable"
        end
      end
      super
    end
    ruby2_keywords(:method_missing)
  end
end
ActiveRecord::Migration.prepend(StrongMigrations::Migration)
"""
GEMFILE = 'source "https://rubygems.org"\n\ngem "rails", "~> 6.1"\ngem "pg"\ngem "strong_migrations"\n'
LOCK = "GEM\n  remote: https://rubygems.org/\n  specs:\n    pg (1.5.4)\n    strong_migrations (1.6.4)\n"
PICKED = ["add_column_constant_default_not_null", "add_column_volatile_not_null", "add_index", "add_foreign_key"]


def test_strong_migrations_is_read_from_the_gemfile_or_its_lock(tmp_path: Path) -> None:
    plain = repos.write(tmp_path / "plain", {**EXISTING, "Gemfile": 'gem "pg"\n# gem "strong_migrations"\n'})
    gemfile = repos.write(tmp_path / "gemfile", {**EXISTING, "Gemfile": GEMFILE})
    locked = repos.write(tmp_path / "locked", {**EXISTING, "Gemfile": 'gem "pg"\n', "Gemfile.lock": LOCK})
    nested = repos.write(
        tmp_path / "nested",
        {"Gemfile": GEMFILE, **{f"apps/shop/{rel}": text for rel, text in EXISTING.items()}},
    )
    for root, expected in ((plain, []), (gemfile, ["strong_migrations"]), (locked, ["strong_migrations"])):
        (found,) = find_migrations(root).frameworks
        assert found.checked_by == expected, root
        assert choose(find_migrations(root), "auto", None).safety_assured is bool(expected)
    (found,) = find_migrations(nested).frameworks
    assert found.folder == "apps/shop/db/migrate" and found.checked_by == ["strong_migrations"]


def test_constant_defaults_are_ruby_literals() -> None:
    """A lambda only where the default is an expression: strong_migrations cannot inspect one."""
    (constant,) = [c for c in CASES if c.id == "add_column_constant_default_not_null"]
    (volatile,) = [c for c in CASES if c.id == "add_column_volatile_not_null"]
    text = "".join(f.content for f in render_rails(plan(constant.ops, Target(version=18))))
    assert "add_column :orders, :status, :text, default: 'new', null: false" in text and "-> {" not in text
    text = "".join(f.content for f in render_rails(plan(volatile.ops, Target(version=18))))
    assert "-> { 'gen_random_uuid()' }" in text


@pytest.mark.parametrize("case_id", PICKED)
def test_rails_files_run_under_strong_migrations(
    case_id: str, pg18_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    ruby()
    server, db, twin_db = pg18_pair
    (case,) = [c for c in CASES if c.id == case_id]
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None
    start = schema(db)
    apply_sql_rendering(server.bin_dir, db, p, tmp_path / "sql")
    expected = schema(db)
    stand_in = tmp_path / "strong_migrations.rb"
    stand_in.write_text(STAND_IN)

    # The stand-in bites: the same plan rendered without safety_assured stops at its first statement.
    bare = repos.write(tmp_path / "bare", EXISTING)
    write_files(render_rails(p), bare / "db/migrate")
    with pytest.raises(AssertionError, match="StrongMigrations::UnsafeMigration"):
        migrate(twin_db, bare / "db/migrate", "up", require=stand_in)
    assert differences(start, schema(twin_db)) == []

    app = repos.write(tmp_path / "app", {**EXISTING, "Gemfile": GEMFILE})
    destination = choose(find_migrations(app), "auto", None)
    files = render(p, destination)
    write_files(files, app / destination.folder)
    for rendered in files:
        if rendered.path.endswith(".rb"):
            assert "safety_assured do" in rendered.content
            checked = subprocess.run(
                [ruby(), "-wc", str(app / destination.folder / rendered.path)], capture_output=True, text=True
            )
            assert checked.returncode == 0 and "warning" not in checked.stderr, checked.stderr
    migrate(twin_db, app / "db/migrate", "up", require=stand_in)
    assert differences(expected, schema(twin_db)) == []
    with psycopg.connect(twin_db, autocommit=True) as conn:
        case.check(conn)
    migrate(twin_db, app / "db/migrate", "down", "20200101000000", require=stand_in)
    assert differences(start, schema(twin_db)) == []


def test_mariadb_files_go_in_safety_assured_too(tmp_path: Path) -> None:
    """The MariaDB / MySQL template runs everything with execute: both bodies are wrapped (ruby -wc)."""
    (case,) = [c for c in CASES if c.id == "add_index"]
    (migration,) = [
        f
        for f in render_rails(plan(case.ops, Target(dialect="mariadb")), safety_assured=True)
        if f.path.endswith(".rb")
    ]
    assert migration.content.count("    safety_assured do\n") == 2
    path = tmp_path / migration.path
    path.write_text(migration.content)
    checked = subprocess.run([ruby(), "-wc", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0 and "warning" not in checked.stderr, checked.stderr
