"""lint --dialect mariadb: each rule's examples flagged as declared, and measured on MariaDB 10.11
(a claimed table copy changes the InnoDB table id, a claimed online change does not; a file with
several DDL statements that fails midway keeps its first change); every MariaDB plan's SQL lints
without errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import MARIADB, MariaDatabase
from migration_manager.lint import LintConfig, lint_text
from migration_manager.lint.mysql_rules import MY_RULES, MyExample, MyRule
from migration_manager.model import TableStats, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql
from test_mysql_plans import CASES

EXAMPLES = [(r, e) for r in MY_RULES for e in r.examples]
IDS = [f"{r.id}-{'bad' if e.flagged else 'good'}{i}" for i, (r, e) in enumerate(EXAMPLES)]
CONFIG = LintConfig(dialect="mariadb")


@pytest.mark.parametrize(("rule", "example"), EXAMPLES, ids=IDS)
def test_example_is_flagged_as_declared(rule: MyRule, example: MyExample) -> None:
    found = {f.rule for f in lint_text(example.sql, CONFIG).findings}
    assert (rule.id in found) == example.flagged, found


def test_every_rule_has_a_bad_and_a_good_example() -> None:
    for rule in MY_RULES:
        assert any(e.flagged for e in rule.examples) and any(not e.flagged for e in rule.examples), rule.id


MEASURED = [(r, e) for r, e in EXAMPLES if e.measured]


@pytest.mark.parametrize(
    ("rule", "example"), MEASURED, ids=[i for i, (r, e) in zip(IDS, EXAMPLES, strict=True) if e.measured]
)
def test_example_does_on_mariadb_what_the_rule_says(
    rule: MyRule, example: MyExample, maria_db: MariaDatabase, tmp_path: Path
) -> None:
    def table_id() -> int:
        with maria_db.connect() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT table_id FROM information_schema.innodb_sys_tables WHERE name = %s",
                (f"{maria_db.name}/orders",),
            )
            return int(cur.fetchone()[0])

    script = tmp_path / "m.sql"
    if example.partial:  # the second statement fails (the column exists): the first stays applied
        script.write_text(example.sql)
        done = subprocess.run(
            ["mysql", f"--host={MARIADB['host']}", "--user=root", f"--database={maria_db.name}"],
            stdin=script.open("rb"),
            capture_output=True,
        )
        assert done.returncode != 0
        with maria_db.connect() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s AND "
                "table_name = 'orders' AND column_name = 'seen'",
                (maria_db.name,),
            )
            assert cur.fetchone()[0] == 1
        return
    before = table_id()
    script.write_text(example.sql)
    maria_db.run_file(script)
    assert (table_id() != before) == example.rebuilds


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_mariadb_plan_lints_without_errors(case: object) -> None:
    """With table stats (small tables): a copy the stats show to be short is accepted in the file
    with a reason. Without stats the same copy is an error: nothing says the table is small."""
    ops = case.ops  # type: ignore[attr-defined]
    stats = {t: TableStats(rows=5_000) for t in ("orders", "users", "events")}
    for f in render_sql(plan(ops, Target(dialect="mariadb"), stats)):
        if f.path.endswith(".sql") and not f.path.endswith("_down.sql"):  # downs are rollbacks, not linted
            findings = lint_text(f.content, CONFIG, f.path).findings
            assert [x for x in findings if x.severity == "error"] == [], findings
            assert {x.rule for x in findings} <= {"mysql-breaks-running-code"}
    unknown = plan(ops, Target(dialect="mariadb"))
    copies = [s for m in unknown.migrations for s in m.steps if (s.algorithm or "").startswith("COPY") and s.up]
    flagged = [
        x
        for f in render_sql(unknown)
        if f.path.endswith(".sql") and not f.path.endswith("_down.sql")
        for x in lint_text(f.content, CONFIG, f.path).findings
        if x.rule == "mysql-alter-copies"
    ]
    assert len(flagged) == len(copies)
    assert bool(copies) == any("no table stats were given" in w for w in unknown.warnings)


def test_sql_sqlglot_cannot_read_leaves_stderr_quiet(tmp_path: Path) -> None:
    """A CALL (or another statement sqlglot reads as a bare Command) is linted as what it is; sqlglot's
    own 'contains unsupported syntax' warning was printed once per such statement on stderr."""
    import sys

    (tmp_path / "1.sql").write_text("CALL refresh_totals();\nALTER TABLE t ADD COLUMN a int, ALGORITHM=INSTANT;\n")
    cli = Path(sys.executable).parent / "migration-manager"
    done = subprocess.run(
        [str(cli), "lint", "--dialect", "mysql", "--no-cache", str(tmp_path / "1.sql")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "2 statement(s)" in done.stdout, done.stdout + done.stderr
    assert done.stderr == ""
