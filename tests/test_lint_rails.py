"""lint reads Rails migrations: ActiveRecord's DSL calls become the PostgreSQL statements it sends,
on the way up only (change / up, reversible's up part), each finding at the line of its call with a
fix in Rails words; disable_ddl_transaction! runs outside a transaction; safety_assured is the
user's acknowledgement; what cannot be read is a skipped note naming file:line. The reading is the
same from Ruby's own parser and from the Python reader used where Ruby is missing, and equals what
ActiveRecord 6.1 (Debian ruby-activerecord, ruby-pg) sends to a scratch PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from conftest import IN_CI, Server
from migration_manager.lint import LintConfig, LintReport, lint_paths, rails_fallback, rails_ruby
from migration_manager.lint.compare import normalized
from migration_manager.lint.pyread import Read
from migration_manager.lint.read_rails import read_tree

RUNNER = Path(__file__).resolve().parent / "runners" / "activerecord_sql.rb"

BASE = """class CreateOrders < ActiveRecord::Migration[6.1]
  def change
    create_table :users do |t|
      t.string :name
    end
    create_table :orders do |t|
      t.string :code
      t.integer :amount
      t.bigint :user_id
      t.timestamps
    end
    add_index :orders, :code, name: "ix_orders_code"
  end
end
"""
HEAD = "class ChangeOrders < ActiveRecord::Migration[6.1]\n"
FIRST = 3  # the line of the first statement of change / up


def rails(tmp_path: Path, *body: str, method: str = "change", head: str = "", tail: str = "") -> Path:
    """db/migrate with the base migration and a second one whose `method` holds `body`."""
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "20240101000000_create_orders.rb").write_text(BASE)
    path = folder / "20240102000000_change_orders.rb"
    lines = "".join(f"    {line}\n" for line in body)
    path.write_text(f"{HEAD}{head}  def {method}\n{lines}  end\n{tail}end\n")
    return path


def lint(tmp_path: Path) -> LintReport:
    return lint_paths([tmp_path / "db" / "migrate"], LintConfig(pg_version=16), tmp_path)


def hits(report: LintReport, name: str = "20240102000000_change_orders.rb") -> set[tuple[int, str]]:
    return {(f.line, f.rule) for f in report.findings if f.path.endswith(name)}


def ruby() -> str:
    found = rails_ruby.ruby()
    if found is None:
        if IN_CI:
            pytest.fail("ruby is missing (apt-get install ruby; .ci/run does)")
        pytest.skip("ruby is missing")
    return found


def both(text: str) -> tuple[Read, Read]:
    """The file read from Ruby's parse and from the Python reader."""
    return read_tree(rails_ruby.parse_all([text], ruby())[0]), read_tree(rails_fallback.parse(text))


# (DSL call, the rule its SQL sets off): each on a table an earlier migration created
RULES = [
    ("add_column :orders, :note, :string, null: false", "add-column-not-null-without-default"),
    ('add_column :orders, :uid, :uuid, default: -> { "gen_random_uuid()" }', "add-column-rewrite"),
    ("add_column :orders, :doc, :json", "json-column"),
    ("add_column :orders, :k, :bigint, primary_key: true", "add-column-unique"),
    ('execute "ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES users (id)"', "add-column-references"),
    ("add_reference :orders, :buyer, foreign_key: { to_table: :users }, index: false", "constraint-missing-not-valid"),
    ("add_reference :orders, :buyer, index: true", "index-without-concurrently"),
    ("add_index :orders, [:user_id, :amount]", "index-without-concurrently"),
    ("add_index :orders, :amount, algorithm: :concurrently", "concurrently-in-transaction"),
    ('remove_index :orders, name: "ix_orders_code"', "drop-index-without-concurrently"),
    ("remove_index :orders, :code", "drop-index-without-concurrently"),
    ("change_column_null :orders, :code, false", "set-not-null-scan"),
    ('change_column_null :orders, :code, false, "none"', "set-not-null-scan"),  # after its UPDATE
    ("change_column :orders, :amount, :bigint", "change-column-type"),
    ("rename_column :orders, :code, :reference", "rename-breaks-running-code"),
    ("add_foreign_key :orders, :users", "constraint-missing-not-valid"),
    ('add_check_constraint :orders, "amount > 0"', "constraint-missing-not-valid"),
    ('execute "ALTER TABLE orders ADD CONSTRAINT uq_code UNIQUE (code)"', "constraint-builds-index"),
    ("remove_column :orders, :code", "drop-loses-data"),
    ("remove_columns :orders, :code, :amount", "drop-loses-data"),
    ("drop_table :orders", "drop-loses-data"),
    ("rename_table :orders, :purchases", "rename-breaks-running-code"),
    ('execute "UPDATE orders SET code = NULL"', "unbatched-dml"),
    ("execute 'LOCK TABLE orders'", "lock-table"),
    ("add_column :orders, :n, :integer", "missing-lock-timeout"),
    ('execute "REINDEX INDEX orders_pkey"', "reindex-without-concurrently"),
    ('execute "TRUNCATE orders"', "truncate"),
    ('execute "VACUUM FULL orders"', "table-rewrite-command"),
    ('execute "ALTER TABLE orders ADD COLUMN"', "parse-error"),
    ("change_table :orders do |t|\n      t.index :amount\n    end", "index-without-concurrently"),
    ("change_table :orders do |t|\n      t.remove :code\n    end", "drop-loses-data"),
]


@pytest.mark.parametrize(("call", "rule"), RULES, ids=[f"{r}-{i}" for i, (_, r) in enumerate(RULES)])
def test_each_rule_fires_from_the_rails_call_at_its_line(tmp_path: Path, call: str, rule: str) -> None:
    path = rails(tmp_path, 'execute "SELECT 1"', call)
    line = FIRST + 1 + ("change_table" in call)  # a change_table block's call is on the line below
    report = lint(tmp_path)
    assert (line, rule) in hits(report), report.findings
    assert all(line == f.line for f in report.findings if f.path.endswith(path.name)), report.findings
    once = 2 if "remove_columns" in call else 1  # once per statement: remove_columns sends one per column
    assert len([f for f in report.findings if f.rule == rule]) == once, report.findings
    assert report.skipped == []
    from_ruby, from_python = both(path.read_text())
    assert from_ruby == from_python


def test_the_lobsters_index_is_reported_with_a_fix_in_rails_words(tmp_path: Path) -> None:
    """lobsters/lobsters: add_index without algorithm: :concurrently went unreported (read nothing)."""
    rails(tmp_path, "add_index :orders, [:user_id, :amount]")
    report = lint(tmp_path)
    (finding,) = [f for f in report.findings if f.rule == "index-without-concurrently"]
    assert (finding.line, finding.column) == (FIRST, 5)
    assert finding.statement.startswith("CREATE INDEX index_orders_on_user_id_and_amount ON orders")
    assert finding.fix is not None and finding.fix.startswith(
        "-- Rails: add_index ..., algorithm: :concurrently and `disable_ddl_transaction!`"
    )
    assert report.files == ["db/migrate/20240101000000_create_orders.rb", "db/migrate/20240102000000_change_orders.rb"]
    fk = rails(tmp_path, "add_foreign_key :orders, :users")
    (finding,) = [f for f in lint(tmp_path).findings if f.path.endswith(fk.name) and f.rule != "missing-lock-timeout"]
    assert finding.fix is not None and "validate: false, then validate_foreign_key" in finding.fix
    column = rails(tmp_path, "add_column :orders, :state, :string, null: false")
    (finding,) = [f for f in lint(tmp_path).findings if f.path.endswith(column.name) and f.rule.startswith("add-col")]
    assert finding.fix is not None and finding.fix.startswith("-- Rails: add_column ..., null: false, default:")


def test_only_the_up_direction_is_read(tmp_path: Path) -> None:
    rails(
        tmp_path,
        "reversible do |dir|",
        "  dir.up { add_index :orders, :amount }",
        '  dir.down { execute "TRUNCATE orders" }',
        "end",
        tail="\n  def down\n    drop_table :orders\n  end\n",
    )
    assert {r for _, r in hits(lint(tmp_path))} == {"index-without-concurrently", "missing-lock-timeout"}
    assert {(line, r) for line, r in hits(lint(tmp_path)) if r != "missing-lock-timeout"} == {
        (FIRST + 1, "index-without-concurrently")
    }
    up = rails(tmp_path, "remove_column :orders, :code", method="up", tail="  def down\n    drop_table :x\n  end\n")
    report = lint(tmp_path)
    assert {r for _, r in hits(report, up.name)} == {"drop-loses-data", "missing-lock-timeout"}


def test_disable_ddl_transaction_and_safety_assured(tmp_path: Path) -> None:
    rails(
        tmp_path,
        "add_index :orders, :amount, algorithm: :concurrently",
        "safety_assured { remove_column :orders, :code }",
        "safety_assured do",
        '  execute "TRUNCATE orders; SET lock_timeout = 0;\\nLOCK TABLE orders"',
        "end",
        "rename_column :orders, :amount, :total",
        head="  disable_ddl_transaction!\n\n",
    )
    # outside a transaction: CONCURRENTLY is fine; what safety_assured holds is acknowledged
    # (CREATE INDEX CONCURRENTLY needs no lock_timeout: the first statement that does is the rename)
    assert hits(lint(tmp_path)) == {(FIRST + 7, "missing-lock-timeout"), (FIRST + 7, "rename-breaks-running-code")}


def test_what_cannot_be_read_is_a_note_naming_the_line(tmp_path: Path) -> None:
    path = rails(
        tmp_path,
        "columns = [:code, :amount]",
        "add_index :orders, columns",
        "Order.where(code: nil).update_all(code: 'x')",
        "execute \"UPDATE orders SET code = '#{Time.now}'\"",
        "add_index :orders, :amount unless index_exists?(:orders, :amount)",
        "create_join_table :orders, :users",
        "execute %{UPDATE orders SET code = '#{code}'}",
    )
    name = f"db/migrate/{path.name}"
    notes = lint(tmp_path).skipped
    assert notes == [
        f"{name}:{FIRST}: code lint does not read (only running it would tell what it sends)",
        f"{name}:{FIRST + 1}: add_index(...): its arguments are computed: not read",
        f"{name}:{FIRST + 2}: update_all(...) runs application code: not read",
        f"{name}:{FIRST + 3}: execute(...): its arguments are computed: not read",
        f"{name}:{FIRST + 4}: code lint does not read (only running it would tell what it sends)",
        f"{name}:{FIRST + 5}: create_join_table(...): its arguments are computed: not read",
        f"{name}:{FIRST + 6}: execute(...): its arguments are computed: not read",
    ]
    ruby_read, python_read = both(path.read_text())
    assert ruby_read == python_read
    (tmp_path / "db" / "seeds.rb").write_text("User.create!(name: 'x')\n")
    whole = lint_paths([tmp_path / "db"], LintConfig(pg_version=16), tmp_path)
    assert "db/seeds.rb: Ruby, but no class < ActiveRecord::Migration: not read" in whole.skipped


def test_without_ruby_the_python_reader_lints_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rails(tmp_path, *[c for c, _ in RULES])
    with_ruby = lint(tmp_path)
    monkeypatch.setattr(rails_ruby, "ruby", lambda: None)
    without = lint(tmp_path)
    assert [(f.line, f.rule, f.statement) for f in with_ruby.findings] == [
        (f.line, f.rule, f.statement) for f in without.findings
    ]
    assert with_ruby.skipped == without.skipped == []


# --- the static reading against what ActiveRecord sends --------------------------------------------

FIXTURES = {
    "20240101000000_create_base.rb": """class CreateBase < ActiveRecord::Migration[6.1]
  def change
    create_table :users do |t|
      t.string :name, null: false
      t.timestamps
    end
    create_table "stories" do |t|
      t.references :user, null: false, foreign_key: true
      t.integer :merged_story_id
      t.decimal :hotness, precision: 20, scale: 10, default: 0.0
      t.string :title, limit: 150, default: ""
      t.text :body
      t.boolean :flag, default: false, null: false
      t.jsonb :meta, default: {}
      t.datetime :at
      t.index [:title], unique: true
    end
    create_table :tags, id: false do |t|
      t.column :label, :string, null: false
    end
  end
end
""",
    "20240102000000_add_things.rb": """# frozen_string_literal: true

class AddThings < ActiveRecord::Migration[6.1]
  def change
    add_index :stories, [:merged_story_id, :hotness]
    add_column :stories, :code, :string, null: false, default: "x"
    add_column :stories, :score, :integer
    add_column :stories, :seen_at, :datetime
    add_column :stories, :doc, :json
    add_reference :stories, :editor, foreign_key: { to_table: :users }, index: true
    add_belongs_to :stories, :owner, polymorphic: true, index: { unique: true }
    add_foreign_key :stories, :users, column: :merged_story_id, validate: false, on_delete: :cascade
    add_check_constraint :stories, "score > 0", name: "score_positive", validate: false
    add_check_constraint :stories, "hotness >= 0"
    change_column_null :stories, :score, false, 0
    change_column_null :stories, :title, true
    change_column_default :stories, :score, from: nil, to: 1
    change_column_default :stories, :code, nil
    change_column :stories, :title, :text
    change_column :stories, :hotness, :float, null: true, default: 1.5
    rename_column :stories, :body, :content
    remove_column :stories, :flag, :boolean
    add_timestamps :tags, null: true, precision: 3
    change_table :tags do |t|
      t.string :color, default: "red"
      t.index :label, using: :btree, where: "color <> 'x'"
      t.rename :color, :colour
    end
    change_table :tags, bulk: true do |t|
      t.string :shade, null: false, default: "dark"
      t.remove :colour
      t.change_default :label, from: nil, to: "none"
      t.index :shade
      t.change :label, :text
      t.change_null :label, true
      t.timestamps null: true
      t.remove :created_at, :updated_at
    end
    reversible do |dir|
      dir.up do
        execute <<~SQL
          UPDATE stories
          SET code = 'y' WHERE id = 1
        SQL
      end
      dir.down { execute "DROP TABLE nothing" }
    end
    execute "UPDATE stories SET score = 2 WHERE id = 2"
  end
end
""",
    "20240102100000_old_forms.rb": """class OldForms < ActiveRecord::Migration[5.0]
  def change
    create_table :labels do |t|
      t.references :tag
      t.timestamps
    end
    add_reference :labels, :buyer, polymorphic: true
    change_column :labels, :tag_id, :bigint, default: 0, null: false
    add_reference :labels, :owner, polymorphic: true
  end
end
""",
    "20240102200000_older_forms.rb": """class OlderForms < ActiveRecord::Migration[4.2]
  def change
    create_table :notes do |t|
      t.references :tag
      t.string :text
    end
    create_table :memos do |t|
      t.timestamps
    end
    add_reference :labels, :maker
    add_timestamps :notes
  end
end
""",
    "20240102300000_newer_forms.rb": """class NewerForms < ActiveRecord::Migration[6.0]
  def change
    add_reference :labels, :seller, polymorphic: true
  end
end
""",
    "20240103000000_concurrently.rb": """class Concurrently < ActiveRecord::Migration[6.1]
  disable_ddl_transaction!

  def up
    add_index :stories, :code, algorithm: :concurrently, where: "code IS NOT NULL", name: "ix_code"
    remove_index :stories, name: "ix_code", algorithm: :concurrently
    validate_foreign_key :stories, :users, column: :merged_story_id
    validate_check_constraint :stories, name: "score_positive"
    remove_index :stories, column: [:merged_story_id, :hotness]
    remove_columns :stories, :score, :code
    remove_reference :stories, :editor, foreign_key: false
    safety_assured { remove_column :tags, :created_at }
    rename_table :users, :people
    drop_table :stories
  end

  def down
    raise ActiveRecord::IrreversibleMigration
  end
end
""",
}


@pytest.fixture
def scratch(pg15: Server) -> Iterator[str]:
    """A fresh empty database on the machine's PostgreSQL."""
    name = f"mm_rails_{id(pg15)}"
    with psycopg.connect(pg15.admin_uri, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    try:
        yield pg15.uri(name)
    finally:
        with psycopg.connect(pg15.admin_uri, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_reading_equals_what_activerecord_sends(tmp_path: Path, scratch: str) -> None:
    """One ActiveRecord run migrates the fixtures up, capturing each statement it sends; both readers
    give the same statements, parsed, file by file."""
    executable = ruby()
    if subprocess.run([executable, "-e", "require 'active_record'; require 'pg'"], capture_output=True).returncode:
        if IN_CI:
            pytest.fail("ActiveRecord is missing (apt-get install ruby-activerecord ruby-pg)")
        pytest.skip("ActiveRecord is missing (apt-get install ruby-activerecord ruby-pg)")
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    for name, text in FIXTURES.items():
        (folder / name).write_text(text)
    params = conninfo_to_dict(scratch)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PGDATABASE": str(params["dbname"])}
    env.update({f"PG{k.upper()}": str(params[k]) for k in ("host", "port", "user") if params.get(k)})
    done = subprocess.run([executable, str(RUNNER), str(folder)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    parsed = rails_ruby.parse_all(list(FIXTURES.values()), executable)  # one process for all files
    for (name, text), tree in zip(FIXTURES.items(), parsed, strict=True):
        from_ruby, from_python = read_tree(tree), read_tree(rails_fallback.parse(text))
        assert from_ruby == from_python, name
        assert from_ruby.skipped == [], (name, from_ruby.skipped)
        read = [p.sql for p in from_ruby.pieces]
        assert len(read) == len(sent[name]), (name, read, sent[name])
        assert normalized(read, public=False) == normalized(sent[name], public=False), (
            name
        )  # without the `public.` ActiveRecord puts on a sequence it renames


def test_a_rails_folder_lints_in_one_ruby_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lint db/migrate` on the fixtures: every file read by one `ruby`, findings at their calls,
    nothing from `def down`, nothing from what safety_assured holds, nothing skipped."""
    ruby()
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    for name, text in FIXTURES.items():
        (folder / name).write_text(text)
    runs: list[list[str]] = []
    real_run = subprocess.run

    def counted(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        runs.append(argv)
        return real_run(argv, **kwargs)

    monkeypatch.setattr(subprocess, "run", counted)
    report = lint(tmp_path)
    assert (
        len([argv for argv in runs if "ruby" in argv[0]]) == 1
        and report.skipped == []
        and len(report.files) == len(FIXTURES)
    )
    assert (5, "index-without-concurrently") in hits(report, "20240102000000_add_things.rb")
    last = FIXTURES["20240103000000_concurrently.rb"].splitlines()
    acknowledged = last.index("    safety_assured { remove_column :tags, :created_at }") + 1
    down = last.index("  def down") + 1
    lines = {line for line, _ in hits(report, "20240103000000_concurrently.rb")}
    assert acknowledged not in lines and not [line for line in lines if line >= down]
    assert (acknowledged + 1, "rename-breaks-running-code") in hits(report, "20240103000000_concurrently.rb")


def test_forms_real_projects_use(tmp_path: Path) -> None:
    """Forms from rubygems.org's db/migrate: class constants, a splat of a literal list, `.squish`
    on a string, `def self.up`; Rails 7's datetime precision. Both readers agree."""
    text = """class Forms < ActiveRecord::Migration[7.1]
  COLUMNS = %i[a b].freeze
  QUERY = "UPDATE orders SET amount = 0 WHERE id = 1".freeze

  def self.up
    add_index :orders, COLUMNS, name: "ix_ab"
    safety_assured do
      remove_columns :orders,
                     *%i[c d],
                     type: :boolean
    end
    execute %{
      UPDATE orders
      SET code = 'x' WHERE id = 2
    }.squish
    execute QUERY
    add_column :orders, :seen_at, :datetime
  end
end
"""
    from_ruby, from_python = both(text)
    assert from_ruby == from_python and from_ruby.skipped == []
    assert [(p.line, p.sql) for p in from_ruby.pieces] == [
        (6, "CREATE INDEX ix_ab ON orders (a, b)"),
        (8, "\n-- migration-manager: ignore all\nALTER TABLE orders DROP COLUMN c"),
        (8, "\n-- migration-manager: ignore all\nALTER TABLE orders DROP COLUMN d"),
        (13, "UPDATE orders SET code = 'x' WHERE id = 2"),
        (3, "UPDATE orders SET amount = 0 WHERE id = 1"),
        (17, "ALTER TABLE orders ADD seen_at timestamp(6)"),
    ]


def test_the_cli_reports_the_lobsters_index_in_db_migrate(tmp_path: Path) -> None:
    """`lint db/migrate` on a Rails project read nothing (exit 5); now the call is shown at its line."""
    rails(tmp_path, "add_index :orders, [:user_id, :amount]")
    (tmp_path / "stats.json").write_text('{"orders": {"rows": 5000000}}')  # deployed and big
    done = subprocess.run(
        [str(Path(sys.executable).parent / "migration-manager"), "lint", "db/migrate", "--stats", "stats.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "db/migrate/20240102000000_change_orders.rb:3:5: error [index-without-concurrently]" in done.stdout
    assert "    add_index :orders, [:user_id, :amount]" in done.stdout and "skipped" not in done.stdout


def test_a_migration_as_this_tools_rails_renderer_writes_it_is_read(tmp_path: Path) -> None:
    """Our own Rails files put the work in `with_lock_retries do` (as GitLab's helper does): lint read
    nothing inside it (0 statements, exit 0). It is read, with the lock_timeout each attempt sets."""
    from migration_manager.model import AddColumn, Column, Target
    from migration_manager.planner import plan
    from migration_manager.render import render_rails

    change = plan(
        [
            AddColumn(table="orders", column=Column(name="note", type="text")),
            AddColumn(table="orders", column=Column(name="state", type="text", nullable=False, default="'new'")),
        ],
        Target(version=16),
    )
    (rendered,) = [f for f in render_rails(change) if f.path.endswith(".rb")]
    assert "    with_lock_retries do\n" in rendered.content
    rails(tmp_path)
    (tmp_path / "db" / "migrate" / rendered.path).write_text(rendered.content)
    from_ruby, from_python = both(rendered.content)
    assert from_ruby == from_python and from_ruby.skipped == []
    planned = [sql for m in change.migrations for step in m.steps for sql in step.up]
    inside = [p for p in from_ruby.pieces if p.lock_timeout]
    assert normalized([p.sql for p in inside]) == normalized(planned)
    assert all(p.in_transaction for p in from_ruby.pieces)
    report = lint(tmp_path)
    assert report.skipped == [] and not hits(report, rendered.path), report.findings
    # the statements in the block are checked: the same calls without the retries are findings
    bare = rendered.content.replace("    with_lock_retries do\n", "    begin\n", 1)
    (tmp_path / "db" / "migrate" / rendered.path).write_text(bare)
    assert "missing-lock-timeout" in {rule for _, rule in hits(lint(tmp_path), rendered.path)}


@pytest.mark.parametrize("opener", ["connection.transaction do", "transaction(requires_new: true) do"])
def test_statements_in_a_transaction_block_are_read(tmp_path: Path, opener: str) -> None:
    path = rails(
        tmp_path,
        opener,
        "  add_index :orders, :amount, algorithm: :concurrently",
        "end",
        head="  disable_ddl_transaction!\n\n",
    )
    report = lint(tmp_path)
    assert report.skipped == []
    # a transaction block in a migration without one: CONCURRENTLY fails there
    assert (FIRST + 3, "concurrently-in-transaction") in hits(report), report.findings  # below the head
    from_ruby, from_python = both(path.read_text())
    assert from_ruby == from_python


# rubygems.org-shaped: config/initializers/strong_migrations.rb
STRONG_MIGRATIONS = """# Mark existing migrations as safe
StrongMigrations.start_after = 20180508223019

# Set timeouts for migrations
StrongMigrations.lock_timeout = 10.seconds
StrongMigrations.statement_timeout = 1.hour

# Set the version of the production database
StrongMigrations.target_version = {target}
"""


def strong_migrations(tmp_path: Path, target: str = "13") -> Path:
    path = tmp_path / "config" / "initializers" / "strong_migrations.rb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STRONG_MIGRATIONS.format(target=target))
    return path


def test_strong_migrations_lock_timeout_and_target_version(tmp_path: Path) -> None:
    """rubygems.org: 139 of 228 warnings were missing-lock-timeout, but its initializer sets
    StrongMigrations.lock_timeout, which applies to every migration."""
    rails(tmp_path, "add_column :orders, :note, :text")
    initializer = strong_migrations(tmp_path)
    report = lint(tmp_path)
    assert hits(report) == set() and report.pg_version == 13
    assert report.project_notes == [
        "linted for PostgreSQL 13: StrongMigrations.target_version in config/initializers/strong_migrations.rb "
        "(give --pg-version or pg-version in [tool.migration-manager] for another)",
        "config/initializers/strong_migrations.rb sets StrongMigrations.lock_timeout = 10.seconds: every Rails "
        "migration runs with a lock_timeout, so missing-lock-timeout is not reported for them",
    ]
    # a version given wins; the migration's own SET lock_timeout = 0 turns it off
    rails(tmp_path, 'execute "SET lock_timeout = 0"', "add_column :orders, :note, :text")
    given = lint_paths([tmp_path / "db" / "migrate"], LintConfig().override(pg_version=16), tmp_path)
    assert given.pg_version == 16 and hits(given) == {(FIRST + 1, "missing-lock-timeout")}
    assert [n for n in given.project_notes if "target_version" in n] == []
    strong_migrations(tmp_path, target='"12"')
    assert lint(tmp_path).pg_version == 12
    strong_migrations(tmp_path, target="9.6")
    assert (
        lint(tmp_path)
        .project_notes[0]
        .startswith(
            "StrongMigrations.target_version = 9 in config/initializers/strong_migrations.rb is not used (PostgreSQL 9"
        )
    )
    # none set (nil, 0), or no initializer: the warning is back
    rails(tmp_path, "add_column :orders, :note, :text")
    initializer.write_text("StrongMigrations.lock_timeout = nil\n")
    report = lint(tmp_path)
    assert hits(report) == {(FIRST, "missing-lock-timeout")} and report.project_notes == []
    initializer.unlink()
    assert hits(lint(tmp_path)) == {(FIRST, "missing-lock-timeout")}


def test_the_cli_reads_the_initializer_again_when_it_changes(tmp_path: Path) -> None:
    """The CLI keeps a run's output for the same files: the initializer is one of its inputs."""
    rails(tmp_path, "add_column :orders, :note, :text")
    initializer = strong_migrations(tmp_path)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home-cache")}  # a signing key of its own
    command = [sys.executable, "-m", "migration_manager.cli", "lint", "db/migrate"]
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "[missing-lock-timeout]" not in first.stdout and "for PostgreSQL 13" in first.stdout, first.stderr
    initializer.write_text("StrongMigrations.target_version = 14\n")
    second = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "[missing-lock-timeout]" in second.stdout and "for PostgreSQL 14" in second.stdout, second.stderr
