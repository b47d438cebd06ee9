"""lint reads Python migrations: Alembic's op.* calls and Django's operations become the SQL they
send, only on the way up, each finding at the line of its call with a fix in the framework's
words; bind parameters parse; what cannot be read is a skipped note; a run that reads nothing
is its own outcome (exit 5). The static reading is compared with what Alembic (offline --sql
mode) and Django (the schema editor sqlmigrate uses) send for the same files."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import Server
from migration_manager.lint import LintConfig, LintReport, lint_paths
from migration_manager.lint.compare import normalized
from migration_manager.lint.sizes import Sizes, TableSize

BIN = Path(sys.executable).parent

ALEMBIC_HEAD = '''"""a revision

Revision ID: a1b2c3
Revises:
"""

from alembic import op
import sqlalchemy as sa

revision = "a1b2c3"
down_revision = None


def upgrade() -> None:
'''
ALEMBIC_FIRST = ALEMBIC_HEAD.count("\n") + 1  # the line of upgrade()'s first statement

DJANGO_HEAD = """from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
"""
DJANGO_FIRST = DJANGO_HEAD.count("\n") + 1

DJANGO_INITIAL = """from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=20, null=True)),
                ("amount", models.IntegerField(default=0)),
                ("note", models.TextField(blank=True)),
            ],
        ),
        migrations.AddIndex(model_name="order", index=models.Index(fields=["code"], name="shop_order_code_idx")),
    ]
"""


def alembic(tmp_path: Path, *body: str, downgrade: str = "    pass\n") -> Path:
    path = tmp_path / "versions" / "a1b2c3_change.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        ALEMBIC_HEAD + "".join(f"    {line}\n" for line in body) + "\n\ndef downgrade() -> None:\n" + downgrade
    )
    return path


def django(tmp_path: Path, *operations: str, atomic: bool = True) -> Path:
    folder = tmp_path / "shop" / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text("")
    (folder / "0001_initial.py").write_text(DJANGO_INITIAL)
    head = DJANGO_HEAD if atomic else DJANGO_HEAD.replace("    dependencies", "    atomic = False\n    dependencies")
    path = folder / "0002_change.py"
    path.write_text(head + "".join(f"        {op}\n" for op in operations) + "    ]\n")
    return path


def lint(tmp_path: Path, *paths: Path) -> LintReport:
    return lint_paths(list(paths) or [tmp_path], LintConfig(pg_version=16), tmp_path)


def hits(report: LintReport) -> set[tuple[int, str]]:
    return {(f.line, f.rule) for f in report.findings}


# (op.* call, the rule its SQL sets off): each on an existing table
ALEMBIC_RULES = [
    (
        'op.add_column("orders", sa.Column("note", sa.String(200), nullable=False))',
        "add-column-not-null-without-default",
    ),
    (
        'op.add_column("orders", sa.Column("uid", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))',
        "add-column-rewrite",
    ),
    ('op.add_column("orders", sa.Column("doc", sa.JSON()))', "json-column"),
    ('op.add_column("orders", sa.Column("code2", sa.Text(), unique=True))', "constraint-builds-index"),
    (
        'op.add_column("orders", sa.Column("owner_id", sa.BigInteger(), sa.ForeignKey("users.id")))',
        "constraint-missing-not-valid",
    ),
    ('op.create_index("ix_orders_code", "orders", ["code"])', "index-without-concurrently"),
    (
        'op.create_index("ix_orders_code", "orders", ["code"], postgresql_concurrently=True)',
        "concurrently-in-transaction",
    ),
    ('op.drop_index("ix_orders_code", table_name="orders")', "drop-index-without-concurrently"),
    ('op.alter_column("orders", "code", nullable=False)', "set-not-null-scan"),
    ('op.alter_column("orders", "amount", type_=sa.BigInteger())', "change-column-type"),
    ('op.alter_column("orders", "code", new_column_name="reference")', "rename-breaks-running-code"),
    (
        'op.create_foreign_key("fk_orders_users", "orders", "users", ["user_id"], ["id"])',
        "constraint-missing-not-valid",
    ),
    ('op.create_check_constraint("ck_amount", "orders", "amount > 0")', "constraint-missing-not-valid"),
    ('op.create_unique_constraint("uq_orders_code", "orders", ["code"])', "constraint-builds-index"),
    ('op.drop_column("orders", "code")', "drop-loses-data"),
    ('op.drop_table("orders")', "drop-loses-data"),
    ('op.rename_table("orders", "purchases")', "rename-breaks-running-code"),
    ('op.execute("UPDATE orders SET code = NULL")', "unbatched-dml"),
    ('op.execute(sa.text("LOCK TABLE orders"))', "lock-table"),
    ('op.execute("ALTER TABLE orders ALTER COLUMN code SET NOT NULL")', "set-not-null-scan"),
    ("op.add_column('orders', sa.Column('n', sa.Integer()))", "missing-lock-timeout"),
    ('op.execute("REINDEX INDEX orders_pkey")', "reindex-without-concurrently"),
    ('op.execute("TRUNCATE orders")', "truncate"),
    ('op.execute("VACUUM FULL orders")', "table-rewrite-command"),
    ('op.execute("ALTER TABLE orders ADD COLUMN")', "parse-error"),
]


@pytest.mark.parametrize(("call", "rule"), ALEMBIC_RULES, ids=[f"{r}-{i}" for i, (_, r) in enumerate(ALEMBIC_RULES)])
def test_each_rule_fires_from_the_alembic_call_at_its_line(tmp_path: Path, call: str, rule: str) -> None:
    path = alembic(tmp_path, "pass", call)
    report = lint(tmp_path, path)
    assert (ALEMBIC_FIRST + 1, rule) in hits(report), report.findings
    assert all(f.line == ALEMBIC_FIRST + 1 for f in report.findings)
    assert report.skipped == []


DJANGO_RULES = [
    (
        'migrations.AddIndex(model_name="order", index=models.Index(fields=["amount"], name="shop_order_amount_idx")),',
        "index-without-concurrently",
    ),
    (
        'migrations.AddField(model_name="order", name="paid", field=models.BooleanField()),',
        "add-column-not-null-without-default",
    ),
    (
        'migrations.AddField(model_name="order", name="ref", field=models.IntegerField(null=True, db_index=True)),',
        "index-without-concurrently",
    ),
    (
        'migrations.AddField(model_name="order", name="ref", '
        "field=models.CharField(max_length=9, null=True, unique=True)),",
        "add-column-unique",
    ),
    (
        'migrations.AddField(model_name="order", name="parent", field=models.ForeignKey(null=True, '
        'on_delete=django.db.models.deletion.CASCADE, to="shop.order")),',
        "add-column-references",
    ),
    (
        'migrations.AlterField(model_name="order", name="code", field=models.CharField(max_length=20)),',
        "set-not-null-scan",
    ),
    (
        'migrations.AlterField(model_name="order", name="amount", field=models.BigIntegerField(default=0)),',
        "change-column-type",
    ),
    (
        'migrations.RenameField(model_name="order", old_name="code", new_name="reference"),',
        "rename-breaks-running-code",
    ),
    ('migrations.RemoveField(model_name="order", name="code"),', "drop-loses-data"),
    ('migrations.DeleteModel(name="Order"),', "drop-loses-data"),
    ('migrations.RenameModel(old_name="Order", new_name="Purchase"),', "rename-breaks-running-code"),
    (
        'migrations.AddConstraint(model_name="order", constraint=models.CheckConstraint('
        'condition=models.Q(amount__gte=0), name="amount_gte_0")),',
        "constraint-missing-not-valid",
    ),
    (
        'migrations.AddConstraint(model_name="order", constraint=models.UniqueConstraint('
        'fields=["code"], name="code_uniq")),',
        "constraint-builds-index",
    ),
    ('migrations.AlterUniqueTogether(name="order", unique_together={("code", "amount")}),', "constraint-builds-index"),
    ('migrations.RunSQL("UPDATE shop_order SET code = NULL", reverse_sql=migrations.RunSQL.noop),', "unbatched-dml"),
    (
        'migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL("LOCK TABLE shop_order")]),',
        "lock-table",
    ),
]


@pytest.mark.parametrize(("operation", "rule"), DJANGO_RULES, ids=[f"{r}-{i}" for i, (_, r) in enumerate(DJANGO_RULES)])
def test_each_rule_fires_from_the_django_operation_at_its_line(tmp_path: Path, operation: str, rule: str) -> None:
    """The table is <app label>_<model>: shop_order, created by 0001 (an earlier migration: it exists)."""
    path = django(tmp_path, "migrations.AlterModelOptions(name='order', options={}),", operation)
    report = lint(tmp_path)
    mine = {(f.line, f.rule) for f in report.findings if f.path == str(path.relative_to(tmp_path))}
    assert (DJANGO_FIRST + 1, rule) in mine, report.findings
    assert report.skipped == []


def test_a_table_created_in_the_same_migration_is_new(tmp_path: Path) -> None:
    """0001's AddIndex is on the table its CreateModel makes: nothing to report (as for SQL)."""
    django(tmp_path)
    report = lint(tmp_path)
    assert [f for f in report.findings if "0001" in f.path and f.rule != "missing-lock-timeout"] == []


def test_only_the_up_direction_is_read(tmp_path: Path) -> None:
    path = alembic(
        tmp_path,
        "op.execute(\"SET lock_timeout = '1s'\")",
        'op.add_column("orders", sa.Column("note", sa.Text()))',
        downgrade='    op.drop_column("orders", "note")\n    op.execute("DROP TABLE orders")\n',
    )
    assert lint(tmp_path, path).findings == []
    django(
        tmp_path,
        "migrations.RunSQL(",
        '    sql=["SET lock_timeout = \'1s\'", "ALTER TABLE shop_order ADD COLUMN n text"],',
        '    reverse_sql=["ALTER TABLE shop_order DROP COLUMN n", "DROP TABLE shop_order"],',
        "),",
    )
    report = lint(tmp_path, tmp_path / "shop")
    assert [f for f in report.findings if "0002" in f.path] == []


def test_bind_parameters_parse_and_are_shown_as_written(tmp_path: Path) -> None:
    path = alembic(
        tmp_path,
        "op.execute(\"SET lock_timeout = '1s'\")",
        'op.execute(sa.text("UPDATE orders SET code = :code WHERE id = :id"))',
        'op.execute(sa.text("UPDATE orders SET code = :code, amount = amount::bigint"))',
        "op.execute(sa.text(\"UPDATE orders SET code = 'a:b' WHERE code = :old\"))",
    )
    report = lint(tmp_path, path)
    assert [(f.line, f.rule) for f in report.findings] == [(ALEMBIC_FIRST + 2, "unbatched-dml")]
    assert report.findings[0].statement == "UPDATE orders SET code = :code, amount = amount::bigint"
    django(tmp_path, 'migrations.RunSQL([("UPDATE shop_order SET code = %s", ["x"])]),')
    report = lint(tmp_path, tmp_path / "shop")
    (finding,) = [f for f in report.findings if "0002" in f.path and f.rule == "unbatched-dml"]
    assert finding.statement == "UPDATE shop_order SET code = %s" and finding.line == DJANGO_FIRST


def test_transactions_as_the_frameworks_run_them(tmp_path: Path) -> None:
    """Alembic runs upgrade() in a transaction, except an autocommit_block; Django a migration,
    unless `atomic = False`. CONCURRENTLY needs to be outside."""
    path = alembic(
        tmp_path,
        "op.execute(\"SET lock_timeout = '1s'\")",
        "with op.get_context().autocommit_block():",
        '    op.create_index("ix_a", "orders", ["code"], postgresql_concurrently=True)',
        '    op.drop_index("ix_b", postgresql_concurrently=True)',
        'op.create_index("ix_c", "orders", ["amount"], postgresql_concurrently=True)',
    )
    assert hits(lint(tmp_path, path)) == {(ALEMBIC_FIRST + 4, "concurrently-in-transaction")}
    concurrently = (
        "AddIndexConcurrently(model_name='order', index=models.Index(fields=['amount'], name='shop_order_amount_idx')),"
    )
    head = "from django.contrib.postgres.operations import AddIndexConcurrently\n"
    path = django(tmp_path, concurrently, atomic=False)
    path.write_text(head + path.read_text())
    assert [f for f in lint(tmp_path, tmp_path / "shop").findings if "0002" in f.path] == []
    path = django(tmp_path, concurrently)
    path.write_text(head + path.read_text())
    mine = [f for f in lint(tmp_path, tmp_path / "shop").findings if "0002" in f.path]
    assert [(f.line, f.rule) for f in mine] == [(DJANGO_FIRST + 1, "concurrently-in-transaction")]
    assert mine[0].fix == "set `atomic = False` on the Migration class"


def test_fixes_speak_the_framework(tmp_path: Path) -> None:
    path = alembic(tmp_path, "op.execute(\"SET lock_timeout = '1s'\")", 'op.create_index("ix", "orders", ["code"])')
    (finding,) = lint(tmp_path, path).findings
    assert finding.fix is not None
    first, *sql = finding.fix.splitlines()
    assert "op.create_index(..., postgresql_concurrently=True)" in first and "autocommit_block()" in first
    assert sql[0].startswith("CREATE INDEX CONCURRENTLY ix ON orders (code);")

    django(tmp_path, 'migrations.AddIndex(model_name="order", index=models.Index(fields=["amount"], name="amt")),')
    fixes = [f.fix or "" for f in lint(tmp_path, tmp_path / "shop").findings if f.rule == "index-without-concurrently"]
    assert len(fixes) == 1 and "AddIndexConcurrently" in fixes[0] and "atomic = False" in fixes[0]

    path = alembic(
        tmp_path, "op.execute(\"SET lock_timeout = '1s'\")", 'op.alter_column("orders", "code", nullable=False)'
    )
    (finding,) = lint(tmp_path, path).findings
    assert (finding.fix or "").startswith("-- Alembic: op.execute() the SQL below in place of the op.* call\n")
    assert "CHECK (code IS NOT NULL) NOT VALID" in (finding.fix or "")


def test_what_cannot_be_read_is_a_note_naming_the_line(tmp_path: Path) -> None:
    path = alembic(
        tmp_path,
        "table = 'orders'",
        'op.add_column(table, sa.Column("n", sa.Integer()))',
        "op.bulk_insert(orders_table, [])",
        "_backfill()",
        'orders = table("orders", column("id"))  # a value built: no SQL sent',
        "print('done')",
        'op.add_column("orders", sa.Column("doc", JSONDict, nullable=False))',
        "with op.batch_alter_table(name) as batch_op:",
        '    batch_op.drop_column("x")',
    )
    report = lint(tmp_path, path)
    name = "versions/a1b2c3_change.py"
    assert report.skipped == [
        f"{name}:{ALEMBIC_FIRST + 1}: op.add_column(...): its arguments are computed, not written out",
        f"{name}:{ALEMBIC_FIRST + 2}: op.bulk_insert(...): not read yet",
        f"{name}:{ALEMBIC_FIRST + 3}: calls _backfill(): lint does not follow calls into other code",
        f"{name}:{ALEMBIC_FIRST + 6}: the type JSONDict of column doc is the project's own: read as a type named "
        "jsondict",
        f"{name}:{ALEMBIC_FIRST + 8}: batch_op.drop_column(...): its arguments are computed, not written out",
    ]
    # the column of a type of the project's own is still linted
    assert (ALEMBIC_FIRST + 6, "add-column-not-null-without-default") in hits(report)
    django(
        tmp_path,
        "migrations.RunPython(forwards, migrations.RunPython.noop),",
        'migrations.AlterField(model_name="customer", name="x", field=models.TextField()),',
        'migrations.AddField(model_name="order", name="owner", field=models.ForeignKey(on_delete=models.CASCADE, '
        "to=target_model)),",
    )
    report = lint(tmp_path, tmp_path / "shop")
    name = "shop/migrations/0002_change.py"
    assert report.skipped == [
        f"{name}:{DJANGO_FIRST}: RunPython: Python code, not read",
        f"{name}:{DJANGO_FIRST + 1}: AlterField: what it changes is unknown: the earlier definition is not among "
        "the migrations linted",
        f"{name}:{DJANGO_FIRST + 2}: AddField: its arguments are computed, not written out",
    ]


def test_the_user_model_of_settings_is_djangos_default(tmp_path: Path) -> None:
    django(
        tmp_path,
        'migrations.AddField(model_name="order", name="owner", field=models.ForeignKey(null=True, '
        "on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL)),",
    )
    report = lint(tmp_path, tmp_path / "shop")
    (finding,) = [f for f in report.findings if f.rule == "add-column-references"]
    assert finding.line == DJANGO_FIRST and "REFERENCES auth_user(id)" in finding.statement
    assert "owner_id integer NULL" in finding.statement and report.skipped == []


def test_the_app_label_is_known_from_inside_the_app(tmp_path: Path) -> None:
    """`lint migrations` run in the app's folder: the app is still the folder above migrations/."""
    django(tmp_path, 'migrations.RemoveField(model_name="order", name="code"),')
    done = run("migrations", "--format", "json", cwd=tmp_path / "shop")
    findings = json.loads(done.stdout)["findings"]
    assert any(
        f["rule"] == "drop-loses-data" and f["statement"] == "ALTER TABLE shop_order DROP COLUMN code CASCADE"
        for f in findings
    )


def test_separate_database_and_state_reads_only_what_the_database_gets(tmp_path: Path) -> None:
    django(
        tmp_path,
        "migrations.SeparateDatabaseAndState(",
        '    state_operations=[migrations.AlterField(model_name="order", name="code", '
        "field=models.CharField(max_length=20))],",
        '    database_operations=[migrations.AlterField(model_name="order", name="code", '
        "field=models.CharField(max_length=20))],",
        "),",
        "migrations.SeparateDatabaseAndState(",
        '    state_operations=[migrations.RemoveField(model_name="order", name="note")]',
        "),",
    )
    report = lint(tmp_path)
    mine = [(f.line, f.rule) for f in report.findings if "0002" in f.path and f.rule != "missing-lock-timeout"]
    assert mine == [(DJANGO_FIRST + 2, "set-not-null-scan")]  # the database operation's own line


def test_a_django_migration_outside_an_app_says_its_table_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "0002_x.py").write_text(
        DJANGO_HEAD + '        migrations.RemoveField(model_name="order", name="code"),\n    ]\n'
    )
    report = lint(tmp_path, tmp_path / "0002_x.py")
    assert report.files == ["0002_x.py"] and report.findings == []
    assert report.skipped == [
        f"0002_x.py:{DJANGO_FIRST}: RemoveField: the table is unknown: the file is not in an app's migrations/ folder"
    ]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "migration-manager"), "lint", *args], cwd=cwd, capture_output=True, text=True)


def test_nothing_lintable_is_not_a_clean_pass(tmp_path: Path) -> None:
    migrate = tmp_path / "db" / "migrate"
    migrate.mkdir(parents=True)
    (migrate / "20240101000000_add_code.js").write_text(  # Knex: lint does not read it (Rails: test_lint_rails.py)
        "exports.up = (knex) => knex.schema.alterTable('orders', (t) => { t.index('code') });\n"
    )
    done = run("db/migrate", cwd=tmp_path)
    assert done.returncode == 5, done.stdout + done.stderr
    assert "skipped: db/migrate/20240101000000_add_code.js: JavaScript migration" in done.stdout
    assert "nothing lintable" in done.stdout and "parse-error" not in done.stdout
    one = run("db/migrate/20240101000000_add_code.js", cwd=tmp_path)
    assert one.returncode == 5 and "parse-error" not in one.stdout

    (tmp_path / "helpers.py").write_text("def f():\n    return 1\n")
    done = run("helpers.py", "--format", "json", cwd=tmp_path)
    report = json.loads(done.stdout)
    assert done.returncode == 5 and report["files"] == [] and report["statements"] == 0
    assert report["skipped"] == [
        "helpers.py: Python, but neither an Alembic revision (upgrade()) nor a Django migration (Migration.operations)"
    ]

    assert run("helpers.py", "--allow-nothing", cwd=tmp_path).returncode == 0  # the pre-commit hook's way
    hook = (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text()
    assert "args: [--allow-nothing]" in hook

    (migrate / "20240102000000_b.sql").write_text("SET lock_timeout = '1s';\nALTER TABLE orders ADD COLUMN n text;\n")
    mixed = run("db/migrate", cwd=tmp_path)
    assert mixed.returncode == 0 and "skipped: db/migrate/20240101000000_add_code.js" in mixed.stdout


def test_the_mcp_tool_reports_what_it_skipped(tmp_path: Path) -> None:
    from migration_manager.server import lint_sql

    (tmp_path / "20240101000000_a.exs").write_text("defmodule A do\nend\n")
    out = lint_sql(paths=["."], root=str(tmp_path))
    assert out.files == [] and out.skipped == ["20240101000000_a.exs: Elixir (Ecto) migration: not read yet"]


# --- the static reading against what the frameworks send -----------------------------------------


def read_statements(report_paths: list[Path], tmp_path: Path) -> dict[str, list[str]]:
    """The SQL the readers make of each file, by file."""
    from migration_manager.lint.read_django import DjangoState
    from migration_manager.lint.read_python import read_python

    state = DjangoState()
    out = {}
    for path in report_paths:
        found = read_python(str(path.relative_to(tmp_path)), path.read_text(), state)
        assert found.skipped == [], found.skipped
        out[path.name] = [p.shown or p.sql for p in found.pieces]
    return out


ALEMBIC_OFFLINE = """
import importlib.util, io, json, sys
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
spec = importlib.util.spec_from_file_location("rev", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
buffer = io.StringIO()
context = MigrationContext.configure(dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer})
with Operations.context(context):
    module.upgrade()
print(json.dumps([s for s in buffer.getvalue().split(";\\n\\n") if s.strip()]))
"""


def test_alembic_reading_equals_what_alembic_sends(tmp_path: Path) -> None:
    """`alembic upgrade --sql` (offline mode): the same statements, parsed, as the static reading."""
    path = alembic(
        tmp_path,
        'op.add_column("orders", sa.Column("note", sa.String(200), nullable=False, server_default="x"))',
        'op.add_column("orders", sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), index=True))',
        'op.add_column("orders", sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now()))',
        'op.add_column("orders", sa.Column("price", sa.Numeric(10, 2), server_default=sa.text("0")))',
        'op.create_index("ix_code", "orders", ["code"], unique=True, postgresql_where=sa.text("code IS NOT NULL"))',
        'op.alter_column("orders", "code", nullable=False, type_=sa.Text(), server_default=None, new_column_name="c")',
        'op.create_foreign_key("fk_o_u", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE")',
        'op.create_check_constraint("ck_amount", "orders", "amount > 0", postgresql_not_valid=True)',
        'op.create_unique_constraint("uq_code", "orders", ["code", "b"])',
        'op.drop_index("ix_old", table_name="orders")',
        'op.drop_column("orders", "old")',
        'op.drop_constraint("ck_old", "orders")',
        'op.rename_table("orders", "orders2")',
        'op.create_table("t", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("j", sa.JSON()))',
        'op.drop_table("x")',
        "with op.get_context().autocommit_block():",
        '    op.create_index("ix_b", "orders", ["b"], postgresql_concurrently=True)',
        'with op.batch_alter_table("orders") as batch_op:',
        '    batch_op.add_column(sa.Column("y", sa.Boolean(), server_default=sa.true(), nullable=False))',
        '    batch_op.create_index("ix_y", ["y"])',
        '    batch_op.alter_column("y", nullable=True)',
        "op.execute(\"UPDATE orders SET a = 'x' WHERE b = 1\")",
    )
    done = subprocess.run([sys.executable, "-c", ALEMBIC_OFFLINE, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    (read,) = read_statements([path], tmp_path).values()
    assert len(read) == len([s for s in sent if s.strip() not in ("BEGIN", "COMMIT")])
    assert normalized(read) == normalized(sent)


def django_database(uri: str) -> dict[str, str]:
    """Django's DATABASES entry for a server's URI."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(uri)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": str(info.get("dbname", "postgres")),
        "USER": str(info.get("user", "postgres")),
        "HOST": str(info.get("host", "127.0.0.1")),
        "PORT": str(info.get("port", 5432)),
        "PASSWORD": str(info.get("password", "")),
    }


DJANGO_SQLMIGRATE = """
import importlib.util, json, sys
import django
from django.conf import settings
settings.configure(DATABASES={"default": json.loads(sys.argv[1])}, INSTALLED_APPS=[], USE_TZ=True)
django.setup()
from django.db import connection
from django.db.migrations.state import ProjectState
state, out = ProjectState(), {}
for path in sys.argv[2:]:
    spec = importlib.util.spec_from_file_location("m", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    migration = module.Migration(path.rsplit("/", 1)[-1][:-3], path.split("/")[-3])
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:  # what sqlmigrate collects
        state = migration.apply(state, editor, collect_sql=True)
    out[path.rsplit("/", 1)[-1]] = [s for s in editor.collected_sql if not s.startswith("--")]
print(json.dumps(out))
"""


def test_django_reading_equals_what_sqlmigrate_sends(tmp_path: Path, pg15: Server) -> None:
    """The schema editor `manage.py sqlmigrate` runs (it connects: psycopg, the machine's PostgreSQL),
    on the same migrations: the same statements, parsed, but for the names Django derives."""

    path = django(
        tmp_path,
        'migrations.AddIndex(model_name="order", index=models.Index(fields=["-code", "amount"], name="o_idx")),',
        'migrations.AlterField(model_name="order", name="code", field=models.CharField(max_length=20)),',
        'migrations.AlterField(model_name="order", name="amount", field=models.BigIntegerField(default=0)),',
        'migrations.AddField(model_name="order", name="total", field=models.IntegerField(default=0)),',
        'migrations.AddField(model_name="order", name="placed", field=models.DateTimeField(null=True)),',
        'migrations.AddField(model_name="order", name="seen", '
        "field=models.DateTimeField(db_default=models.functions.Now())),",
        'migrations.AddField(model_name="order", name="flag", field=models.BooleanField(db_default=True)),',
        'migrations.AddField(model_name="order", name="parent", field=models.ForeignKey(null=True, '
        'on_delete=django.db.models.deletion.CASCADE, to="shop.order")),',
        'migrations.AddField(model_name="order", name="slug", field=models.SlugField(null=True, unique=True)),',
        'migrations.AddConstraint(model_name="order", constraint=models.CheckConstraint('
        'condition=models.Q(total__gte=0), name="total_gte_0")),',
        'migrations.AddConstraint(model_name="order", constraint=models.UniqueConstraint('
        'fields=["code", "total"], name="code_total_uniq")),',
        'migrations.RenameField(model_name="order", old_name="total", new_name="sum"),',
        'migrations.RemoveField(model_name="order", name="placed"),',
        'migrations.RemoveIndex(model_name="order", name="o_idx"),',
        'migrations.RunSQL(["UPDATE shop_order SET sum = 1 WHERE id = 1"], reverse_sql="DROP TABLE x"),',
    )
    database = django_database(pg15.admin_uri)
    files = [path.parent / "0001_initial.py", path]
    done = subprocess.run(
        [sys.executable, "-c", DJANGO_SQLMIGRATE, json.dumps(database), *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    read = read_statements(files, tmp_path)

    for name in ("0001_initial.py", "0002_change.py"):
        # without the hashed names Django derives (<table>_<column>_<hash>[_fk_...|_like|_uniq])
        assert normalized(read[name], names=False) == normalized(sent[name], names=False), name


def test_a_real_revision_reads_whole(tmp_path: Path) -> None:
    """A revision as `alembic revision --autogenerate` writes it: every call read, nothing skipped."""
    path = tmp_path / "versions" / "1f2e3d_add_orders_state.py"
    path.parent.mkdir(parents=True)
    path.write_text(
        textwrap.dedent(
            '''\
            """add orders.state

            Revision ID: 1f2e3d
            Revises: a1b2c3
            Create Date: 2024-05-01 10:00:00.000000

            """
            from typing import Sequence, Union

            from alembic import op
            import sqlalchemy as sa
            from sqlalchemy.dialects import postgresql

            # revision identifiers, used by Alembic.
            revision: str = "1f2e3d"
            down_revision: Union[str, None] = "a1b2c3"
            branch_labels: Union[str, Sequence[str], None] = None
            depends_on: Union[str, Sequence[str], None] = None


            def upgrade() -> None:
                # ### commands auto generated by Alembic - please adjust! ###
                op.add_column("orders", sa.Column("state", sa.String(length=16), nullable=True))
                op.add_column("orders", sa.Column("meta", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
                op.create_index(op.f("ix_orders_state"), "orders", ["state"], unique=False)
                # ### end Alembic commands ###


            def downgrade() -> None:
                op.drop_index(op.f("ix_orders_state"), table_name="orders")
                op.drop_column("orders", "meta")
                op.drop_column("orders", "state")
            '''
        )
    )
    report = lint_paths([path], LintConfig(sizes=Sizes({"orders": TableSize(5_000_000)}, "test")), tmp_path)
    assert report.skipped == []
    assert {(f.line, f.rule) for f in report.findings if f.severity == "error"} == {(25, "index-without-concurrently")}


def test_on_mariadb_the_sql_written_out_is_linted_at_its_line(tmp_path: Path) -> None:
    """The op.* calls are read as PostgreSQL's SQL: on MariaDB only op.execute's SQL is linted, and
    the note says so."""
    path = alembic(
        tmp_path,
        'op.add_column("orders", sa.Column("n", sa.Integer()))',
        'op.execute("SELECT 1")',
        'op.execute("ALTER TABLE orders ADD COLUMN c INT")',
    )
    report = lint_paths([path], LintConfig(dialect="mariadb"), tmp_path)
    assert report.statements == 2
    assert {f.line for f in report.findings} == {ALEMBIC_FIRST + 2}
    assert "mysql-missing-lock-wait-timeout" in {f.rule for f in report.findings}
    assert report.skipped == ["versions/a1b2c3_change.py: its Alembic operations are read for PostgreSQL only"]


def test_revisions_are_linted_in_down_revision_order(tmp_path: Path) -> None:
    """Hex ids say nothing of the order: a revision after the one it revises, whatever its name.
    The CHECK validated by the first makes the second's SET NOT NULL a catalog change."""
    versions = tmp_path / "versions"
    versions.mkdir()
    head = ALEMBIC_HEAD.replace(
        'revision = "a1b2c3"\ndown_revision = None', "revision = {rev!r}\ndown_revision = {down!r}"
    )
    first = head.format(rev="ffff01", down=None) + (
        "    op.execute(\"SET lock_timeout = '1s'\")\n"
        "    op.create_check_constraint('c_nn', 'orders', sa.text('code IS NOT NULL'), postgresql_not_valid=True)\n"
        "    op.execute('ALTER TABLE orders VALIDATE CONSTRAINT c_nn')\n"
    )
    second = head.format(rev="0000aa", down="ffff01") + (
        "    op.execute(\"SET lock_timeout = '1s'\")\n    op.alter_column('orders', 'code', nullable=False)\n"
    )
    (versions / "ffff01_check.py").write_text(first)
    (versions / "0000aa_not_null.py").write_text(second)
    report = lint(tmp_path, versions)
    assert report.files == ["versions/ffff01_check.py", "versions/0000aa_not_null.py"]
    assert report.findings == []


def test_a_python_comment_switches_a_rule_off(tmp_path: Path) -> None:
    path = alembic(
        tmp_path,
        "op.execute(\"SET lock_timeout = '1s'\")",
        "# invoices is empty: created by this change",
        "# migration-manager: ignore index-without-concurrently",
        'op.create_index("ix_a", "orders", ["code"])',
        'op.create_index("ix_b", "orders", ["amount"])  # migration-manager: ignore all',
        'op.create_index("ix_c", "orders", ["user_id"])',
    )
    assert hits(lint(tmp_path, path)) == {(ALEMBIC_FIRST + 5, "index-without-concurrently")}


def _alembic_cases() -> list[Any]:
    from cases import CASES

    return [pytest.param(case, id=case.id) for case in CASES if case.min_version <= 16]


@pytest.mark.parametrize("case", _alembic_cases())
def test_every_plan_rendered_for_alembic_lints_without_errors(case: Any, tmp_path: Path) -> None:
    """As for the SQL renderings (test_lint.py): the revisions the planner writes, read as Alembic
    runs them (upgrade() -> with_lock_retries(_upgrade)), in down_revision order."""
    from conftest import FIXTURE_SCHEMA
    from migration_manager.model import Target
    from migration_manager.planner import plan
    from migration_manager.render.alembic import render_alembic

    (tmp_path / "0000_schema.sql").write_text(FIXTURE_SCHEMA + "\n" + case.setup + ";\n")
    versions = tmp_path / "versions"
    versions.mkdir()
    for rendered in render_alembic(plan(case.ops, Target(version=16)), head="000000000001"):
        if rendered.path.endswith(".py"):
            (versions / Path(rendered.path).name).write_text(rendered.content)
    report = lint_paths([tmp_path / "0000_schema.sql", versions], LintConfig(pg_version=16), tmp_path)
    assert report.statements > 0 and report.skipped == []
    assert [f for f in report.findings if f.severity == "error"] == []


@pytest.mark.parametrize("case", [pytest.param(c.values[0], id=c.id) for c in _alembic_cases()])
def test_every_plan_rendered_for_django_lints_without_errors(case: Any, tmp_path: Path) -> None:
    """The migrations the planner writes into a Django app, read as Django runs them."""
    from conftest import FIXTURE_SCHEMA
    from migration_manager.discover import find_migrations
    from migration_manager.model import Target
    from migration_manager.planner import plan
    from migration_manager.render.choose import choose, render
    from test_render_django import django_site

    root = django_site(tmp_path / "site")
    destination = choose(find_migrations(root), "auto", None)
    for rendered in render(plan(case.ops, Target(version=16)), destination):
        target = root / destination.folder / rendered.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rendered.content)
    (root / "0000_schema.sql").write_text(FIXTURE_SCHEMA + "\n" + case.setup + ";\n")
    report = lint_paths([root / "0000_schema.sql", root / "shop"], LintConfig(pg_version=16), root)
    assert report.statements > 1 and report.skipped == []
    assert [f for f in report.findings if f.severity == "error"] == []
