"""lint end to end: plans lint clean, migration order and new tables, versions, suppression,
configuration, every output format, exit codes, and the awkward inputs (parse errors, PL/pgSQL
bodies, non-UTF-8, a large file, SQL inside Alembic and Django migrations)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cases import CASES
from conftest import FIXTURE_SCHEMA
from migration_manager.lint import LintConfig, LintReport, lint_paths, lint_text
from migration_manager.lint.engine import Source
from migration_manager.lint.linter import Linter
from migration_manager.lint.sizes import Sizes, TableSize
from migration_manager.model import Target
from migration_manager.planner import plan
from migration_manager.render import render_sql

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def big_sizes(*tables: str) -> Sizes:
    """Sizes saying `tables` are big: a whole-table statement on them is an error, as it is in production."""
    return Sizes({t: TableSize(5_000_000, 2 * 10**9) for t in tables}, "test")


def big_stats(folder: Path, *tables: str) -> str:
    """A --stats file saying `tables` are big; returns its path."""
    path = folder / "stats.json"
    path.write_text(json.dumps({t: {"rows": 5_000_000} for t in tables}))
    return str(path)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "migration-manager"), "lint", *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.parametrize("version", [18, 15, 12])
def test_every_generated_plan_lints_without_errors(version: int) -> None:
    """The planner's own SQL, after the fixture schema: errors would be false alarms (or a bad plan).
    The warnings left are the renames and drops of expand/contract, each behind a gate."""
    warned: set[str] = set()
    for case in CASES:
        if version < case.min_version:
            continue
        p = plan(case.ops, Target(version=version))
        linter = Linter(LintConfig(pg_version=version))
        linter.lint_source(Source("0000_schema.sql", FIXTURE_SCHEMA + "\n" + case.setup + ";\n"))
        for f in sorted(render_sql(p), key=lambda f: f.path):
            if f.path.endswith(".sql") and not f.path.endswith("_down.sql"):
                for finding in linter.lint_source(Source(f.path, f.content)):
                    assert finding.severity == "warning", f"{case.id}: {finding}"
                    warned.add(finding.rule)
    assert warned <= {"rename-breaks-running-code", "drop-loses-data"}


def test_new_only_inside_the_file_that_creates_it(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "V1__init.sql").write_text("CREATE TABLE t (id bigint, code text);\nCREATE INDEX t_code ON t (code);\n")
    (folder / "V2__more.sql").write_text("CREATE INDEX t_id ON t (id);\n")
    (folder / "V10__last.sql").write_text("ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0);\n")
    report = lint_paths([folder], LintConfig(), tmp_path)
    assert report.files == ["migrations/V1__init.sql", "migrations/V2__more.sql", "migrations/V10__last.sql"]
    whole_table = {
        ("migrations/V2__more.sql", "index-without-concurrently"),
        ("migrations/V10__last.sql", "constraint-missing-not-valid"),
    }
    # created by V1 in this run: V1 may have run long ago, so t's size is unknown (warnings naming
    # V1); with sizes saying t is big, the same statements are errors
    warned = [f for f in report.findings if f.severity == "warning" and (f.path, f.rule) in whole_table]
    assert {(f.path, f.rule) for f in warned} == whole_table
    assert all("created by migrations/V1__init.sql" in f.message for f in warned)
    assert not any(f.severity == "error" for f in report.findings)
    big = lint_paths([folder], LintConfig(sizes=Sizes({"t": TableSize(5_000_000)}, "test")), tmp_path)
    assert {(f.path, f.rule) for f in big.findings if f.severity == "error"} == whole_table


def test_schema_knowledge_clears_safe_statements() -> None:
    sql = "SET lock_timeout = '2s';\nCREATE TABLE IF NOT EXISTS x (id int);\n"
    earlier = "CREATE TABLE accounts (id bigint, email varchar(100), note text, seen timestamp);\n"
    later = (
        "SET lock_timeout = '2s';\n"
        "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200);\n"
        "ALTER TABLE accounts ALTER COLUMN email TYPE text;\n"
        "ALTER TABLE accounts ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE accounts VALIDATE CONSTRAINT email_nn;\n"
        "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n"
        "CREATE UNIQUE INDEX CONCURRENTLY accounts_email ON accounts (email);\n"
        "ALTER TABLE accounts ADD CONSTRAINT accounts_email UNIQUE USING INDEX accounts_email;\n"
        "ALTER TABLE accounts ADD COLUMN kind text DEFAULT 'basic' NOT NULL;\n"
    )
    linter = Linter(LintConfig(pg_version=16))
    assert linter.lint_source(Source("1.sql", earlier + sql)) == []
    assert linter.lint_source(Source("2.sql", later)) == []
    # the same file on PostgreSQL 11: SET NOT NULL scans despite the check
    old = Linter(LintConfig(pg_version=11))
    old.lint_source(Source("1.sql", earlier))
    assert {f.rule for f in old.lint_source(Source("2.sql", later))} == {"set-not-null-scan"}
    # and on 10 a constant default is written into every row
    older = Linter(LintConfig(pg_version=10))
    older.lint_source(Source("1.sql", earlier))
    assert "add-column-rewrite" in {f.rule for f in older.lint_source(Source("2.sql", later))}


def test_parse_errors_are_findings_and_linting_goes_on() -> None:
    sql = (
        "ALTER TABLE orders ADD COLUMN;\n"
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE orders SET a = 1; END $$;\n"
        "DO $$ BEGIN DELETE FROM orders; END $$;\n"
        "SELECT 'it''s; fine';\n"
        "CREATE INDEX i ON orders (code);\n"
        "SELECT 'never closed\n"
    )
    report = lint_text(sql, LintConfig(), "m.sql")
    got = [(f.rule, f.line, f.column) for f in report.findings]
    assert got[0] == ("parse-error", 1, 30)
    assert ("index-without-concurrently", 5, 1) in got
    assert got[-1][0] == "parse-error" and got[-1][1] == 6
    # a function's body runs later, if at all; a DO block's runs now (lint/do_block.py)
    assert [f.line for f in report.findings if f.rule == "unbatched-dml"] == [3]
    assert report.statements == 6


def test_suppression_on_or_above_the_statement() -> None:
    sql = (
        "SET lock_timeout = '1s';\n"
        "-- migration-manager: ignore index-without-concurrently\n"
        "CREATE INDEX a ON orders (code);\n"
        "CREATE INDEX b ON orders (amount);  -- migration-manager: ignore index-without-concurrently\n"
        "CREATE INDEX c ON orders (user_id);\n"
    )
    report = lint_text(sql, LintConfig())
    assert [(f.rule, f.line) for f in report.findings] == [("index-without-concurrently", 5)]


def test_suppression_on_the_first_line_of_a_file() -> None:
    """The comment above the first statement is no trailing comment of a statement before it."""
    sql = "-- migration-manager: ignore all\nCREATE INDEX a ON orders (code);\n"
    assert lint_text(sql, LintConfig()).findings == []
    assert lint_text(sql.replace(" all", " missing-lock-timeout"), LintConfig()).findings[0].line == 2


def test_configuration_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-manager]\npg-version = 10\nignore = ["missing-lock-timeout"]\n'
        'severity = { drop-loses-data = "error" }\n'
    )
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "1.sql").write_text(
        "ALTER TABLE t ADD COLUMN k text DEFAULT 'x';\nALTER TABLE t DROP COLUMN z;\n"
    )
    done = run("db", "--format", "json", "--stats", big_stats(tmp_path, "t"), cwd=tmp_path)
    report = json.loads(done.stdout)
    assert report["pg_version"] == 10
    assert {(f["rule"], f["severity"]) for f in report["findings"]} == {
        ("add-column-rewrite", "error"),
        ("drop-loses-data", "error"),
    }
    assert done.returncode == 1
    (tmp_path / "pyproject.toml").write_text('[tool.migration-manager]\nignore = ["no-such-rule"]\n')
    bad = run("db", cwd=tmp_path)
    assert bad.returncode == 2 and "no-such-rule" in bad.stderr


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("pg-version = 9", "pg-version: PostgreSQL 9 is not supported"),
        ('pg-version = "16"', "pg-version: a major version number"),
        ('dialect = "oracle"', "dialect: one of postgresql, mariadb, mysql"),
        ('ignore = "drop-loses-data"', "ignore: a list of rule ids"),
        ('severity = { drop-loses-data = "fatal" }', 'severity: a table of rule id = "error", "warning" or "note"'),
        ("pg_version = 15", "pg_version: not a setting; the settings are pg-version"),
    ],
)
def test_a_bad_setting_is_named_with_what_it_should_be(tmp_path: Path, setting: str, named: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.migration-manager]\n{setting}\n")
    (tmp_path / "1.sql").write_text("SELECT 1;\n")
    done = run("1.sql", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "pyproject.toml [tool.migration-manager] " + named in done.stderr


@pytest.mark.parametrize("version", ["9", "19"])
def test_an_unsupported_version_on_the_command_line_exits_2(tmp_path: Path, version: str) -> None:
    (tmp_path / "1.sql").write_text("SELECT 1;\n")
    done = run("1.sql", "--pg-version", version, cwd=tmp_path)
    assert done.returncode == 2
    assert f"pg_version {version}: PostgreSQL {version} is not supported" in done.stderr


def test_outputs_and_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "0001_x.sql").write_text(
        "SET lock_timeout = '1s';\n"
        "ALTER TABLE orders ALTER COLUMN code SET NOT NULL;\n"
        "ALTER TABLE orders DROP COLUMN x;\n"
    )
    stats = big_stats(tmp_path, "orders")
    text = run("m", "--stats", stats, cwd=tmp_path)
    assert text.returncode == 1
    assert "m/0001_x.sql:2:1: error [set-not-null-scan]" in text.stdout
    assert "    2 | ALTER TABLE orders ALTER COLUMN code SET NOT NULL;" in text.stdout
    assert (
        "instead: ALTER TABLE orders ADD CONSTRAINT orders_code_not_null CHECK (code IS NOT NULL) NOT VALID;"
        in text.stdout
    )
    assert "1 error(s), 1 warning(s)" in text.stdout

    sarif = json.loads(run("m", "--format", "sarif", "--stats", stats, cwd=tmp_path).stdout)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    results = sarif["runs"][0]["results"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert {r["ruleId"] for r in results} == {"set-not-null-scan", "drop-loses-data"}
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"] and r["level"] in ("error", "warning")
        region = r["locations"][0]["physicalLocation"]["region"]
        assert (
            region["startLine"] >= 1
            and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "m/0001_x.sql"
        )

    github = run("m", "--format", "github", "--stats", stats, cwd=tmp_path).stdout.splitlines()
    assert re.fullmatch(r"::error file=m/0001_x\.sql,line=2,col=1,title=set-not-null-scan::.+", github[0])
    assert all("\n" not in line for line in github)

    assert run("m", "--fail-on", "never", "--stats", stats, cwd=tmp_path).returncode == 0
    # the size unknown: a warning that says so, and no error to fail on
    unknown = run("m", cwd=tmp_path)
    assert unknown.returncode == 0 and "m/0001_x.sql:2:1: warning [set-not-null-scan]" in unknown.stdout
    assert "the size of orders is unknown: give --stats FILE" in unknown.stdout
    (tmp_path / "m" / "0001_x.sql").write_text("SET lock_timeout = '1s';\nALTER TABLE orders DROP COLUMN x;\n")
    assert run("m", cwd=tmp_path).returncode == 0
    assert run("m", "--fail-on", "warning", cwd=tmp_path).returncode == 1
    missing = run("nope", cwd=tmp_path)
    assert missing.returncode == 2 and "nope: no such file or folder" in missing.stderr


def test_down_files_are_left_out_and_awkward_files_read(tmp_path: Path) -> None:
    (tmp_path / "20200101000000_a.sql").write_bytes("-- café\nCREATE INDEX i ON orders (code);\n".encode("latin-1"))
    (tmp_path / "20200101000000_a_down.sql").write_text("DROP INDEX i;\n")
    (tmp_path / "1_a.down.sql").write_text("DROP INDEX i;\n")
    big = "".join(f"ALTER TABLE t{i % 50} ADD COLUMN c{i} text;\n" for i in range(5000))
    (tmp_path / "20200102000000_big.sql").write_text("SET lock_timeout = '1s';\n" + big)
    report = lint_paths([tmp_path], LintConfig(sizes=big_sizes("orders")), tmp_path)
    assert report.files == ["20200101000000_a.sql", "20200102000000_big.sql"]
    assert report.statements == 2 + 5000
    assert [f.rule for f in report.findings if f.severity == "error"] == ["index-without-concurrently"]


def test_sql_inside_alembic_and_django_migrations(tmp_path: Path) -> None:
    (tmp_path / "a1b2_x.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
        "    op.execute(\"SET lock_timeout = '1s'\")\n"
        '    op.execute(sa.text("ALTER TABLE orders ALTER COLUMN code SET NOT NULL"))\n'
    )
    (tmp_path / "0002_y.py").write_text(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    operations = [migrations.RunSQL("CREATE INDEX i ON orders (code)")]\n'
    )
    report = lint_paths(
        [tmp_path / "a1b2_x.py", tmp_path / "0002_y.py"], LintConfig(sizes=big_sizes("orders")), tmp_path
    )
    got = {(f.path, f.line, f.rule) for f in report.findings if f.severity == "error"}
    assert got == {("a1b2_x.py", 7, "set-not-null-scan"), ("0002_y.py", 5, "index-without-concurrently")}


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "migration-manager-lint" and hook["entry"] == "migration-manager lint"
    assert hook["language"] == "python" and re.search(hook["files"], "db/migrate/0001_x.sql")


def test_the_mcp_report_mirrors_the_engine_report() -> None:
    """lint_sql returns server.LintReportOut (pydantic, with descriptions); the engine and the CLI
    use lint.model's dataclasses. The two must have the same fields, in the same order."""
    from dataclasses import fields

    from migration_manager.lint.model import Finding
    from migration_manager.server import FindingOut, LintReportOut

    assert list(FindingOut.model_fields) == [f.name for f in fields(Finding)]
    assert list(LintReportOut.model_fields) == [f.name for f in fields(LintReport)]
    report = lint_text("CREATE INDEX i ON t (c);", LintConfig())
    out = LintReportOut.model_validate(report.as_dict())
    assert out.model_dump() == report.as_dict() and out.findings[0].rule == "index-without-concurrently"


def test_the_cli_says_a_file_is_not_sql_without_quoting_it(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (tmp_path / "1.sql").write_text("ALTER TABLE orders ADD COLUMN;\n")  # SQL that fails to parse is still quoted
    done = subprocess.run(
        [sys.executable, "-m", "migration_manager.cli", "lint", str(tmp_path / "passwd"), str(tmp_path / "1.sql")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "passwd:1:1: error [parse-error] not SQL" in done.stdout and "not quoted" in done.stdout
    assert "root:x" not in done.stdout
    assert "ALTER TABLE orders ADD COLUMN;" in done.stdout
