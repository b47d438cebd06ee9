"""lint --framework-sql: the SQL Alembic (offline `upgrade --sql`), Django (`manage.py sqlmigrate`)
and Liquibase (offline `update-sql`) print for small projects, linted at the migrations' files,
gives the findings of the static reading, and --compare finds no difference; a project the
framework cannot load is skipped with the command tried and its error, never read another way."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IN_CI, Server
from migration_manager.lint import LintConfig, LintReport, lint_paths
from migration_manager.lint.framework_sql import FrameworkLint, lint_framework
from test_lint_python import django
from test_render_liquibase import JAVA_OPTS, LIQUIBASE, _class_archive

BIN = Path(sys.executable).parent

ALEMBIC_INI = """[alembic]
script_location = migrations
sqlalchemy.url = postgresql://app@127.0.0.1/app
"""

ENV_PY = """from alembic import context

config = context.config
{imports}

def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    raise SystemExit("this fixture runs offline only")
"""

REVISIONS = {
    "0001_orders.py": '''"""orders

Revision ID: 0001
Revises:
"""

from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=True),
    )
    op.create_index("ix_orders_code", "orders", ["code"])


def downgrade() -> None:
    op.drop_table("orders")
''',
    "0002_change.py": '''"""change orders

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("orders", sa.Column("note", sa.String(200), nullable=False))
    op.create_index("ix_orders_note", "orders", ["note"])
    op.alter_column("orders", "code", nullable=False)
    op.execute("UPDATE orders SET code = 'x'")
    op.drop_column("orders", "note")


def downgrade() -> None:
    pass
''',
}


def alembic_project(root: Path, imports: str = "") -> Path:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(ALEMBIC_INI)
    (root / "migrations" / "env.py").write_text(ENV_PY.format(imports=imports))
    for name, text in REVISIONS.items():
        (root / "migrations" / "versions" / name).write_text(text)
    return root / "migrations" / "versions"


def hits(report: LintReport) -> list[tuple[str, int, str]]:
    return sorted((f.path, f.line, f.rule) for f in report.findings)


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The venv's alembic on PATH, as in a project's activated virtualenv."""
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")


def framework(paths: list[Path], root: Path, compare: bool = True) -> FrameworkLint:
    return lint_framework(paths, LintConfig(pg_version=16), root, compare=compare)


def test_alembic_sql_gives_the_static_findings(tmp_path: Path, on_path: None) -> None:
    versions = alembic_project(tmp_path)
    static = lint_paths([versions], LintConfig(pg_version=16), tmp_path)
    asked = framework([versions], tmp_path)
    assert asked.report.skipped == []
    assert (
        asked.report.files
        == static.files
        == ["migrations/versions/0001_orders.py", "migrations/versions/0002_change.py"]
    )
    assert len(static.findings) >= 5
    assert hits(asked.report) == hits(static)
    assert asked.differences == []


def test_compare_reports_what_differs(tmp_path: Path, on_path: None) -> None:
    """A revision whose upgrade() builds its SQL at run time: the static reading cannot see it,
    Alembic prints it, and --compare says so."""
    versions = alembic_project(tmp_path)
    path = versions / "0002_change.py"
    path.write_text(
        path.read_text().replace(
            "op.execute(\"UPDATE orders SET code = 'x'\")", 'op.execute("UPDATE orders SET code = " + repr("x"))'
        )
    )
    asked = framework([versions], tmp_path)
    assert any("only in the framework's SQL: UPDATE orders SET code = 'x'" in d for d in asked.differences), (
        asked.differences
    )
    assert ("migrations/versions/0002_change.py", "unbatched-dml") in {(f.path, f.rule) for f in asked.report.findings}


def test_an_alembic_project_that_does_not_load_is_skipped_with_the_command(tmp_path: Path, on_path: None) -> None:
    versions = alembic_project(tmp_path, imports="import no_such_module_here")
    asked = framework([versions], tmp_path)
    assert asked.report.files == [] and asked.report.findings == []
    notes = [s for s in asked.report.skipped if s.startswith("migrations/versions/0001_orders.py: ")]
    assert len(notes) == 1, asked.report.skipped
    assert "alembic -c alembic.ini upgrade heads --sql" in notes[0]
    assert notes[0].endswith("ModuleNotFoundError: No module named 'no_such_module_here'")


def test_the_cli_exits_5_when_no_framework_could_be_asked(tmp_path: Path, on_path: None) -> None:
    alembic_project(tmp_path, imports="import no_such_module_here")
    done = subprocess.run(
        [str(BIN / "migration-manager"), "lint", "--framework-sql", "migrations/versions"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 5, done.stdout + done.stderr
    assert "No module named 'no_such_module_here'" in done.stdout


# --- Django -------------------------------------------------------------------------------------

MANAGE_PY = """import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

SETTINGS = """SECRET_KEY = "fixture"
INSTALLED_APPS = ["shop"]
USE_TZ = True
DATABASES = {{"default": {database!r}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""

DJANGO_CHANGE = [
    'migrations.AddIndex(model_name="order", index=models.Index(fields=["amount"], name="shop_order_amount_idx")),',
    'migrations.AddField(model_name="order", name="paid", field=models.BooleanField()),',
    'migrations.AddField(model_name="order", name="ref", field=models.IntegerField(null=True, db_index=True)),',
    'migrations.AlterField(model_name="order", name="code", field=models.CharField(max_length=20)),',
    'migrations.AddConstraint(model_name="order", constraint=models.CheckConstraint('
    'condition=models.Q(amount__gte=0), name="amount_gte_0")),',
    'migrations.RemoveField(model_name="order", name="note"),',
    'migrations.RunSQL("UPDATE shop_order SET amount = 1", reverse_sql=migrations.RunSQL.noop),',
]


def django_project(root: Path, server: Server, settings: str | None = None) -> Path:
    from test_lint_python import django_database

    database = django_database(server.admin_uri)
    (root / "manage.py").write_text(MANAGE_PY)
    (root / "proj").mkdir()
    (root / "proj" / "__init__.py").write_text("")
    (root / "proj" / "settings.py").write_text(settings or SETTINGS.format(database=database))
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    folder = django(root, *DJANGO_CHANGE).parent
    return folder


def test_django_sqlmigrate_gives_the_static_findings(tmp_path: Path, pg15: Server) -> None:
    folder = django_project(tmp_path, pg15)
    static = lint_paths([folder], LintConfig(pg_version=16), tmp_path)
    asked = framework([folder], tmp_path)
    assert asked.report.skipped == [], asked.report.skipped
    assert asked.report.files == static.files == ["shop/migrations/0001_initial.py", "shop/migrations/0002_change.py"]
    assert len(static.findings) >= 5
    assert hits(asked.report) == hits(static)
    assert asked.differences == []


def test_a_django_project_whose_settings_do_not_import_is_skipped(tmp_path: Path, pg15: Server) -> None:
    folder = django_project(tmp_path, pg15, settings="import no_such_settings_module\n")
    asked = framework([folder], tmp_path)
    assert asked.report.files == []
    assert len(asked.report.skipped) == 2, asked.report.skipped
    for note, name in zip(asked.report.skipped, ("0001_initial", "0002_change"), strict=True):
        assert note.startswith(f"shop/migrations/{name}.py: Django's SQL: `")
        assert f"manage.py sqlmigrate shop {name}` (in {tmp_path}) failed: " in note
        assert note.endswith("No module named 'no_such_settings_module'")


def test_a_squashed_django_migration_keeps_its_new_tables_with_sqlmigrate(tmp_path: Path, pg15: Server) -> None:
    """Django's SQL for a squash (its replaced migrations gone) is linted as the static reading is:
    the tables of the squash before it are new (lint/django_squash.py), no error on the NOT NULL column."""
    folder = django_project(tmp_path, pg15)
    initial = (folder / "0001_initial.py").read_text()
    (folder / "0001_initial.py").unlink()
    (folder / "0002_change.py").unlink()
    (folder / "0001_squashed.py").write_text(
        initial.replace("    initial = True\n", '    initial = True\n    replaces = [("shop", "0001_initial")]\n')
    )
    (folder / "0002_squashed_0009.py").write_text(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_squashed")]\n'  # sqlmigrate does not map replaced names
        '    replaces = [("shop", "0002_change"), ("shop", "0009_paid")]\n'
        "    operations = [\n"
        '        migrations.AddField(model_name="order", name="paid", field=models.BooleanField()),\n'
        "    ]\n"
    )
    static = lint_paths([folder], LintConfig(pg_version=16), tmp_path)
    asked = framework([folder], tmp_path)
    assert asked.report.skipped == [], asked.report.skipped
    assert asked.report.files == ["shop/migrations/0001_squashed.py", "shop/migrations/0002_squashed_0009.py"]
    assert hits(asked.report) == hits(static) == []
    assert asked.differences == []


# --- Liquibase ----------------------------------------------------------------------------------

CHANGELOG = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.28.xsd">
{body}
</databaseChangeLog>
"""

LIQUIBASE_FILES = {
    "db/master.xml": CHANGELOG.format(
        body='    <include file="changelog/001_orders.xml" relativeToChangelogFile="true"/>\n'
        '    <include file="changelog/002_change.xml" relativeToChangelogFile="true"/>\n'
        '    <include file="changelog/003_events.xml" relativeToChangelogFile="true"/>'
    ),
    "db/changelog/001_orders.xml": CHANGELOG.format(
        body="""    <changeSet id="1" author="tests">
        <createTable tableName="orders">
            <column name="id" type="bigint"><constraints primaryKey="true"/></column>
            <column name="code" type="varchar(20)"/>
        </createTable>
    </changeSet>"""
    ),
    "db/changelog/002_change.xml": CHANGELOG.format(
        body="""    <changeSet id="2" author="tests">
        <addColumn tableName="orders">
            <column name="note" type="varchar(200)"><constraints nullable="false"/></column>
        </addColumn>
        <createIndex tableName="orders" indexName="ix_orders_code">
            <column name="code"/>
        </createIndex>
    </changeSet>
    <changeSet id="3" author="tests">
        <addNotNullConstraint tableName="orders" columnName="code"/>
        <dropColumn tableName="orders" columnName="note"/>
        <sql>UPDATE orders SET code = 'x'</sql>
    </changeSet>"""
    ),
    # one file, two changeSets: the second may run years after the first created the table
    "db/changelog/003_events.xml": CHANGELOG.format(
        body="""    <changeSet id="4" author="tests">
        <createTable tableName="events">
            <column name="id" type="bigint"><constraints primaryKey="true"/></column>
            <column name="kind" type="text"/>
        </createTable>
    </changeSet>
    <changeSet id="5" author="tests">
        <createIndex tableName="events" indexName="ix_events_kind">
            <column name="kind"/>
        </createIndex>
    </changeSet>"""
    ),
}


@pytest.fixture(scope="module")
def liquibase_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LintReport, FrameworkLint]:
    """One `liquibase update-sql` over a small project (its node_modules: the repository's)."""
    if not LIQUIBASE.exists():
        message = f"{LIQUIBASE} is missing: run ./scripts/setup (npm ci installs liquibase@4.28.1)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("framework_liquibase")
    for name, text in LIQUIBASE_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "node_modules").symlink_to(LIQUIBASE.parents[3])
    static = lint_paths([root / "db"], LintConfig(pg_version=16), root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAVA_OPTS", f"{JAVA_OPTS} {_class_archive()}".strip())  # a quicker JVM start
        asked = framework([root / "db"], root)
    return root, static, asked


def test_liquibase_update_sql_gives_the_static_findings(liquibase_run: tuple[Path, LintReport, FrameworkLint]) -> None:
    _, static, asked = liquibase_run
    assert asked.report.skipped == [], asked.report.skipped
    assert (
        asked.report.files
        == static.files
        == [
            "db/master.xml",
            "db/changelog/001_orders.xml",
            "db/changelog/002_change.xml",
            "db/changelog/003_events.xml",
        ]
    )
    for report in (static, asked.report):  # each changeSet a migration of its own, either way
        assert ("db/changelog/003_events.xml", "index-without-concurrently") in {
            (f.path, f.rule) for f in report.findings
        }
    assert {f.rule for f in static.findings} >= {"index-without-concurrently", "drop-loses-data", "unbatched-dml"}
    assert hits(asked.report) == hits(static)
    assert asked.differences == []


def test_the_mcp_tool_never_runs_the_projects_code(tmp_path: Path, on_path: None) -> None:
    """lint_sql is read-only and closed-world (its annotations say so): asking the framework runs the
    project's env.py / settings, so that stays with the CLI (`lint --framework-sql`)."""
    from migration_manager.server import lint_sql

    assert "framework_sql" not in inspect.signature(lint_sql).parameters
    ran = tmp_path / "RAN"
    versions = alembic_project(tmp_path, imports=f"import pathlib; pathlib.Path({str(ran)!r}).write_text('x')")
    report = lint_sql(paths=["migrations/versions"], root=str(tmp_path))
    assert report.files and not ran.exists()
    framework([versions], tmp_path)  # the CLI's mode does run it: the marker proves env.py was imported
    assert ran.exists()


def test_the_cli_prints_the_differences(tmp_path: Path, on_path: None) -> None:
    versions = alembic_project(tmp_path)
    path = versions / "0002_change.py"
    path.write_text(
        path.read_text().replace("\"UPDATE orders SET code = 'x'\"", '"UPDATE orders SET code = " + repr("x")')
    )
    done = subprocess.run(
        [str(BIN / "migration-manager"), "lint", "--compare", "migrations/versions"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # errors found
    assert (
        "differences between the static reading and the framework's SQL:\n"
        "migrations/versions/0002_change.py: only in the framework's SQL: UPDATE orders SET code = 'x';\n"
    ) in done.stdout
