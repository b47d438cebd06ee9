"""Django migrations as real projects write them, read by lint: the index classes of
django.contrib.postgres, indexes and unique constraints on expressions lint cannot read, fields
of classes from other packages (taggit, mptt) or the project's own, squashed migrations and
AlterModelTable back to the default name. Each app is a folder with migrations/ and its files,
linted as a whole (the migrations in the order Django runs them)."""

from __future__ import annotations

from pathlib import Path

from migration_manager.lint import LintConfig, LintReport, lint_paths

HEAD = """from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
"""


def migration(app: Path, name: str, operations: list[str], body: str = "", dependencies: str = "[]") -> Path:
    """migrations/<name>.py of `app`: a Migration with `body` (replaces = ..., atomic = ...) and the operations."""
    folder = app / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("")
    lines = "".join(f"        {op}\n" for op in operations)
    path = folder / f"{name}.py"
    path.write_text(f"{HEAD}{body}    dependencies = {dependencies}\n    operations = [\n{lines}    ]\n")
    return path


INITIAL = [
    "migrations.CreateModel(",
    '    name="Order",',
    "    fields=[",
    '        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),',
    '        ("code", models.CharField(max_length=20, null=True)),',
    "    ],",
    "),",
]


def lint(root: Path) -> LintReport:
    return lint_paths([root], LintConfig(pg_version=16), root)


def rules_at(report: LintReport, path: Path, root: Path) -> list[tuple[int, str]]:
    name = str(path.relative_to(root))
    return sorted((f.line, f.rule) for f in report.findings if f.path == name)


def first_line(path: Path) -> int:
    """The line of the first operation."""
    return path.read_text().splitlines().index("    operations = [") + 2


def test_alter_model_table_to_none_goes_back_to_the_default_name(tmp_path: Path) -> None:
    """AlterModelTable(table=None) (saleor's account 0017): the table becomes <app>_<model> again,
    and what follows is on that table, not on the db_table it had."""
    app = tmp_path / "account"
    user = [*INITIAL[:1], '    name="User",', *INITIAL[2:-1], '    options={"db_table": "userprofile_user"},', "),"]
    migration(app, "0001_initial", user)
    migration(
        app,
        "0002_default_table",
        [
            'migrations.AlterModelTable(name="user", table=None),',
            'migrations.AddField(model_name="user", name="paid", field=models.BooleanField()),',
        ],
        dependencies='[("account", "0001_initial")]',
    )
    report = lint(tmp_path)
    statements = {f.rule: f.statement for f in report.findings if f.path.endswith("0002_default_table.py")}
    assert statements["rename-breaks-running-code"] == "ALTER TABLE userprofile_user RENAME TO account_user"
    assert statements["add-column-not-null-without-default"].startswith("ALTER TABLE account_user ADD COLUMN paid")
    assert report.skipped == []
