"""Lint's severity from the tables' sizes (lint/sizes.py), the empty table after DELETE / TRUNCATE,
the wording of index and sequence locks, and the column of SQL written in a Python string.

A whole-table statement on a small table is a note, on a big one an error, on one of unknown size
a warning saying so and how to give it. Sizes come from a stats file or from a live database's
planner estimates (read here from the machine's PostgreSQL 15, the locks too)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import Server, _fresh
from migration_manager.defaults import LINT_SMALL_ROWS
from migration_manager.lint import LintConfig, lint_paths, lint_text
from migration_manager.lint.engine import Source
from migration_manager.lint.linter import Linter
from migration_manager.lint.model import Finding
from migration_manager.lint.sizes import Sizes, TableSize, sizes_from_dsn

EXISTING = "CREATE TABLE services (id bigint PRIMARY KEY, from_config boolean, code text);\n"


def lint_after(sql: str, sizes: Sizes | None = None, earlier: str = EXISTING) -> list[Finding]:
    """`sql` as the newest file, after a first one that creates the tables: with sizes given the
    tables are deployed ones; without, they were created in this run."""
    linter = Linter(LintConfig(pg_version=16, sizes=sizes))
    linter.lint_source(Source("0001_init.sql", earlier))
    return linter.lint_source(Source("0002_change.sql", sql))


def severities(findings: list[Finding], rule: str) -> list[str]:
    return [f.severity for f in findings if f.rule == rule]


WHOLE_TABLE = [
    ("UPDATE services SET from_config = true;", "unbatched-dml"),
    ("DELETE FROM services;", "unbatched-dml"),
    ("CREATE INDEX services_code ON services (code);", "index-without-concurrently"),
    ("ALTER TABLE services ALTER COLUMN code SET NOT NULL;", "set-not-null-scan"),
    ("ALTER TABLE services ADD CONSTRAINT c CHECK (id > 0);", "constraint-missing-not-valid"),
    ("ALTER TABLE services ALTER COLUMN id TYPE int;", "change-column-type"),
    ("ALTER TABLE services ADD COLUMN u text UNIQUE;", "add-column-unique"),
    ("VACUUM FULL services;", "table-rewrite-command"),
    ("REINDEX TABLE services;", "reindex-without-concurrently"),
]


@pytest.mark.parametrize(("sql", "rule"), WHOLE_TABLE)
def test_small_table_is_a_note_big_an_error_unknown_a_warning(sql: str, rule: str) -> None:
    small = lint_after(sql, Sizes({"services": TableSize(12, 8192)}, "--stats s.json"))
    big = lint_after(sql, Sizes({"services": TableSize(LINT_SMALL_ROWS * 100)}, "--stats s.json"))
    by_bytes = lint_after(sql, Sizes({"services": TableSize(100, 50 * 2**20)}, "--stats s.json"))
    unknown = lint_text(EXISTING.replace("CREATE TABLE", "-- ") + sql, LintConfig()).findings
    assert severities(small, rule) == ["note"]
    assert "services is small: 12 rows" in next(f.message for f in small if f.rule == rule)
    assert severities(big, rule) == ["error"] and severities(by_bytes, rule) == ["error"]
    assert severities(unknown, rule) == ["warning"]
    said = next(f.message for f in unknown if f.rule == rule)
    assert "the size of services is unknown: give --stats FILE" in said and "--dsn" in said


def test_a_table_created_earlier_in_the_run_is_of_unknown_size() -> None:
    """An earlier migration may have run years ago: the table it created can be big by now (a
    whole-history lint must not pass an index build on it as harmless)."""
    created = lint_after("UPDATE services SET from_config = true;")
    assert severities(created, "unbatched-dml") == ["warning"]
    assert "size of services is unknown; it is created by 0001_init.sql" in created[0].message
    copied = lint_after(
        "CREATE INDEX ON services (code);", earlier="CREATE TABLE services AS SELECT 1 AS id, 'x' AS code;\n"
    )
    assert severities(copied, "index-without-concurrently") == ["warning"]
    # sizes given say what production holds
    sized = lint_after("UPDATE services SET from_config = true;", Sizes({"services": TableSize(10**7)}, "t"))
    assert severities(sized, "unbatched-dml") == ["error"]
    small = lint_after("UPDATE services SET from_config = true;", Sizes({"services": TableSize(10)}, "t"))
    assert severities(small, "unbatched-dml") == ["note"]


def test_a_lookup_in_the_stats_by_schema() -> None:
    sizes = Sizes({"public.services": TableSize(5), "app.orders": TableSize(10**7)}, "t")
    assert sizes.of("services") == TableSize(5) and sizes.of("public.services") == TableSize(5)
    assert sizes.of("orders") == TableSize(10**7) and sizes.of("other.orders") is None
    assert Sizes({"a": TableSize(1)}, "x").fingerprint() != Sizes({"a": TableSize(2)}, "x").fingerprint()


@pytest.mark.parametrize("empties", ["DELETE FROM services;", "TRUNCATE services;"])
def test_after_delete_or_truncate_in_the_same_transaction_the_table_is_empty(empties: str) -> None:
    add = "ALTER TABLE services ADD COLUMN status text NOT NULL;"
    rule = "add-column-not-null-without-default"
    assert severities(lint_after(add), rule) == ["error"]  # the table may have rows: the ALTER fails
    assert severities(lint_after(f"{empties}\n{add}"), rule) == []
    assert severities(lint_after(f"BEGIN;\n{empties}\n{add}\nCOMMIT;"), rule) == []
    # committed in between, or only some rows deleted: rows may be there again
    assert severities(lint_after(f"BEGIN;\n{empties}\nCOMMIT;\n{add}"), rule) == ["error"]
    assert severities(lint_after(f"DELETE FROM services WHERE id < 5;\n{add}"), rule) == ["error"]
    refilled = f"{empties}\nINSERT INTO services VALUES (1, true, 'a');\n{add}"
    assert severities(lint_after(refilled), rule) == ["error"]
    # a whole-table statement after it is a note: nothing to work through
    after = lint_after(f"{empties}\nUPDATE services SET code = 'x';", Sizes({"services": TableSize(10**7)}, "t"))
    assert [f.severity for f in after if f.statement.startswith("UPDATE")] == ["note"]
    # the next file is another transaction
    linter = Linter(LintConfig())
    linter.lint_source(Source("1.sql", f"{empties}\n"))
    assert severities(linter.lint_source(Source("2.sql", add)), rule) == ["error"]


def test_emptied_then_not_null_runs_on_the_server(pg15: Server) -> None:
    """What the finding left out is true: after DELETE of every row the NOT NULL add succeeds."""
    for uri in _fresh(pg15, "template0"):
        with psycopg.connect(uri) as conn:
            conn.execute("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100)")
            conn.commit()
            with pytest.raises(psycopg.errors.NotNullViolation):
                conn.execute("ALTER TABLE t ADD COLUMN s text NOT NULL")
            conn.rollback()
            conn.execute("DELETE FROM t")
            conn.execute("ALTER TABLE t ADD COLUMN s text NOT NULL")  # same transaction: no row to fill
            conn.rollback()


@pytest.fixture
def sized_db(pg15: Server) -> Iterator[str]:
    for uri in _fresh(pg15, "template0"):
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute("CREATE TABLE lookup (id int PRIMARY KEY, name text)")
            conn.execute("INSERT INTO lookup SELECT g, 'n' || g FROM generate_series(1, 50) g")
            conn.execute("CREATE TABLE events (id bigint PRIMARY KEY, kind text)")
            conn.execute("INSERT INTO events SELECT g, 'k' FROM generate_series(1, 30000) g")
            conn.execute("CREATE TABLE fresh (id int)")  # never analyzed: reltuples -1
            conn.execute("ANALYZE lookup")
            conn.execute("ANALYZE events")
        yield uri


def test_sizes_from_a_database_set_the_severity(sized_db: str, tmp_path: Path) -> None:
    sizes = sizes_from_dsn(sized_db)
    assert sizes.of("lookup") is not None and sizes.of("lookup").rows == 50  # type: ignore[union-attr]
    assert sizes.of("events").rows == 30000  # type: ignore[union-attr]
    config = LintConfig(sizes=sizes)
    sql = "UPDATE lookup SET name = upper(name);\nUPDATE events SET kind = 'x';\nUPDATE fresh SET id = 1;\n"
    found = {f.statement.split()[1]: f for f in lint_text(sql, config).findings if f.rule == "unbatched-dml"}
    assert (found["lookup"].severity, found["events"].severity, found["fresh"].severity) == (
        "note",
        "error",
        "warning",
    )
    assert "never analyzed" in found["fresh"].message
    # the same through the command line
    (tmp_path / "1.sql").write_text(sql)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "migration-manager"), "lint", "1.sql", "--dsn", sized_db],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1.sql:1:1: note [unbatched-dml]" in done.stdout and "1.sql:2:1: error [unbatched-dml]" in done.stdout


def test_bad_size_sources_are_named(tmp_path: Path) -> None:
    (tmp_path / "1.sql").write_text("UPDATE t SET a = 1;\n")
    (tmp_path / "stats.json").write_text(json.dumps({"t": {"rows": "many"}}))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(Path(sys.executable).parent / "migration-manager"), "lint", "1.sql", *args]
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)

    bad = run("--stats", "stats.json")
    assert bad.returncode == 2 and "table stats" in bad.stderr and "rows" in bad.stderr
    missing = run("--stats", "nope.json")
    assert missing.returncode == 2 and "--stats nope.json: cannot read it" in missing.stderr
    mysql = run("--dsn", "mysql://root@127.0.0.1/x")
    assert mysql.returncode == 2 and "for MariaDB / MySQL give --stats FILE" in mysql.stderr
    both = run("--stats", "stats.json", "--dsn", "postgresql://x@127.0.0.1/x")
    assert both.returncode == 2 and "not allowed with" in both.stderr


def _locks(conn: psycopg.Connection[tuple[object, ...]], sql: str) -> dict[str, str]:
    conn.execute(sql)
    rows = conn.execute(
        "SELECT relation::regclass::text, mode FROM pg_locks WHERE pid = pg_backend_pid() "
        "AND locktype = 'relation' AND relation::regclass::text <> 'pg_locks'"
    ).fetchall()
    conn.rollback()
    return {str(r[0]): str(r[1]) for r in rows}


def test_index_and_sequence_locks_are_worded_as_such(pg15: Server) -> None:
    """missing-lock-timeout names what is locked, with the lock the server takes (read from pg_locks)."""
    for uri in _fresh(pg15, "template0"):
        with psycopg.connect(uri) as conn:
            conn.execute("CREATE TABLE t (id bigserial PRIMARY KEY, a int); CREATE INDEX t_a ON t (a)")
            conn.commit()
            renamed_seq = _locks(conn, "ALTER SEQUENCE t_id_seq RENAME TO t_id_seq2")
            renamed_index = _locks(conn, "ALTER INDEX t_a RENAME TO t_a2")
            dropped = _locks(conn, "DROP INDEX t_a")
            built = _locks(conn, "CREATE INDEX t_b ON t (a)")
    assert renamed_seq == {"t_id_seq2": "AccessExclusiveLock"}  # the sequence alone
    assert renamed_index == {"t_a2": "ShareUpdateExclusiveLock"}  # 12+: the index alone, no DML waits
    assert dropped["t"] == "AccessExclusiveLock"
    assert built["t"] == "ShareLock"

    def lock_finding(sql: str, version: int = 15) -> Finding | None:
        found = lint_text(sql, LintConfig(pg_version=version)).findings
        return next((f for f in found if f.rule == "missing-lock-timeout"), None)

    seq = lock_finding("ALTER SEQUENCE t_id_seq RENAME TO t_id_seq2;")
    assert seq is not None and "lock on sequence t_id_seq" in seq.message and "nextval()" in seq.message
    assert seq.lock is not None and seq.lock.startswith("ACCESS EXCLUSIVE on the sequence")
    assert lock_finding("ALTER INDEX t_a RENAME TO t_a2;") is None
    old = lock_finding("ALTER INDEX t_a RENAME TO t_a2;", version=11)
    assert old is not None and "lock on index t_a" in old.message and "table" not in old.message
    drop = lock_finding("DROP INDEX t_a;")
    assert drop is not None and "lock on index t_a" in drop.message and "on the table too" in drop.message
    index = lock_finding("CREATE INDEX t_b ON t (a);")
    assert index is not None and index.lock == "SHARE: blocks writes" and "lock on table t" in index.message


def test_sql_in_a_python_string_is_reported_at_its_column(tmp_path: Path) -> None:
    (tmp_path / "a1_x.py").write_text(
        'revision = "a1"\ndown_revision = None\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n'
        "def upgrade():\n"
        '    op.execute("UPDATE services SET from_config = true")\n'
        "    op.execute(sa.text(r'DELETE FROM auth_group'))\n"
        '    op.execute("""\n        UPDATE registry SET a = 1""")\n'
    )
    migrations = tmp_path / "app" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "0002_y.py").write_text(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    operations = [migrations.RunSQL("SELECT 1; UPDATE registry SET b = 2")]\n'
    )
    report = lint_paths([tmp_path / "a1_x.py", migrations / "0002_y.py"], LintConfig(), tmp_path)
    got = {(f.path, f.line, f.column) for f in report.findings if f.rule == "unbatched-dml"}
    assert got == {
        ("a1_x.py", 8, 17),  # after `    op.execute("`
        ("a1_x.py", 9, 26),  # after `    op.execute(sa.text(r'`
        ("a1_x.py", 11, 9),  # its own line of a triple-quoted string
        ("app/migrations/0002_y.py", 5, 48),  # the second statement of the string
    }


def test_sql_in_a_ruby_string_is_reported_at_its_column(tmp_path: Path) -> None:
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    (folder / "20240101000000_x.rb").write_text(
        "class X < ActiveRecord::Migration[7.0]\n  def up\n"
        '    execute "UPDATE services SET a = 1"\n'
        "    execute(%q{DELETE FROM auth_group})\n"
        "  end\nend\n"
    )
    report = lint_paths([folder], LintConfig(), tmp_path)
    got = {(f.line, f.column) for f in report.findings if f.rule == "unbatched-dml"}
    assert got == {(3, 14), (4, 16)}  # after `    execute "` and `    execute(%q{`
