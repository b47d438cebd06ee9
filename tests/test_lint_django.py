"""Django migrations as real projects write them, read by lint: the index classes of
django.contrib.postgres, indexes and unique constraints on expressions lint cannot read, fields
of classes from other packages (taggit, mptt) or the project's own, squashed migrations and
AlterModelTable back to the default name. Each app is a folder with migrations/ and its files,
linted as a whole (the migrations in the order Django runs them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Server
from migration_manager.lint import LintConfig, LintReport, lint_paths
from migration_manager.lint.compare import normalized

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


POSTGRES_INDEXES = ["BloomIndex", "BrinIndex", "BTreeIndex", "GinIndex", "GistIndex", "HashIndex", "SpGistIndex"]


@pytest.mark.parametrize("kind", POSTGRES_INDEXES)
def test_every_index_class_of_django_contrib_postgres_is_read(tmp_path: Path, kind: str) -> None:
    """django.contrib.postgres.indexes (netbox, saleor): each sends CREATE INDEX ... USING its method,
    a blocking build on a table an earlier migration created."""
    app = tmp_path / "shop"
    migration(app, "0001_initial", INITIAL)
    second = migration(
        app,
        "0002_index",
        [
            "migrations.RunSQL(\"SET lock_timeout = '1s'\"),",
            f'migrations.AddIndex(model_name="order", index={kind}(fields=["code"], name="order_code_idx")),',
        ],
        dependencies='[("shop", "0001_initial")]',
    )
    second.write_text(f"from django.contrib.postgres.indexes import {kind}\n" + second.read_text())
    report = lint(tmp_path)
    assert report.skipped == []
    (finding,) = [f for f in report.findings if f.path == "shop/migrations/0002_index.py"]
    assert (finding.line, finding.rule) == (first_line(second) + 1, "index-without-concurrently")
    method = kind.removesuffix("Index").lower()
    assert finding.statement == f"CREATE INDEX order_code_idx ON shop_order USING {method} (code)"


def test_an_index_on_an_expression_not_read_is_still_a_blocking_build(tmp_path: Path) -> None:
    """netbox ipam 0094: models.Index(Host('address')), a lookup of the project's own. Whatever the
    expression, a plain AddIndex builds the index under a lock that blocks writes: flagged, with the
    expression said to be unknown; a UniqueConstraint on an expression builds a unique index."""
    app = tmp_path / "ipam"
    address = [*INITIAL[:1], '    name="IPAddress",', *INITIAL[2:]]
    migration(app, "0001_initial", address)
    second = migration(
        app,
        "0002_host_index",
        [
            "migrations.RunSQL(\"SET lock_timeout = '1s'\"),",
            'migrations.AddIndex(model_name="ipaddress", index=models.Index(Host("code"), name="ipam_host")),',
            "migrations.AddConstraint(",
            '    model_name="ipaddress",',
            '    constraint=models.UniqueConstraint(Lower("code"), name="ipam_code_lower_uniq"),',
            "),",
            "migrations.AddConstraint(",
            '    model_name="ipaddress",',
            '    constraint=models.UniqueConstraint(fields=["code"], condition=models.Q(id__gt=10), name="big_uniq"),',
            "),",
        ],
        dependencies='[("ipam", "0001_initial")]',
    )
    second.write_text(
        "from django.db.models.functions import Lower\nfrom ipam.lookups import Host\n" + second.read_text()
    )
    report = lint(tmp_path)
    first = first_line(second)
    found = [(f.line, f.rule, f.statement) for f in report.findings if f.path.endswith("0002_host_index.py")]
    assert found == [
        (
            first + 1,
            "index-without-concurrently",
            "CREATE INDEX ipam_host ON ipam_ipaddress (\"<expression Host('code')>\")",
        ),
        (
            first + 2,
            "index-without-concurrently",
            "CREATE UNIQUE INDEX ipam_code_lower_uniq ON ipam_ipaddress (\"<expression Lower('code')>\")",
        ),
        (
            first + 6,
            "index-without-concurrently",
            "CREATE UNIQUE INDEX big_uniq ON ipam_ipaddress (code) WHERE id > 10",
        ),
    ]
    name = "ipam/migrations/0002_host_index.py"
    assert report.skipped == [
        f"{name}:{first + 1}: Index: the expression Host('code') is not read: linted as an index on an unknown "
        "expression",
        f"{name}:{first + 4}: UniqueConstraint: the expression Lower('code') is not read: linted as an index on an "
        "unknown expression",
    ]


def test_the_index_classes_read_equal_what_sqlmigrate_sends(tmp_path: Path, pg15: Server) -> None:
    """Django's schema editor (as `manage.py sqlmigrate` runs it, connected to PostgreSQL 15) on the
    same migrations: the same statements, but for the names Django derives."""

    from test_lint_python import DJANGO_SQLMIGRATE, django_database, read_statements

    app = tmp_path / "shop"
    first = migration(app, "0001_initial", INITIAL)
    indexes = [
        f'migrations.AddIndex(model_name="order", index={kind}(fields=["code"], name="o_{kind.lower()}")),'
        for kind in POSTGRES_INDEXES
    ]
    unique = (
        'migrations.AddConstraint(model_name="order", constraint=models.UniqueConstraint(fields=["code"], '
        'condition=models.Q(id__gt=10), name="big_uniq")),'
    )
    second = migration(app, "0002_index", [*indexes, unique], dependencies='[("shop", "0001_initial")]')
    imports = ", ".join(POSTGRES_INDEXES)
    second.write_text(f"from django.contrib.postgres.indexes import {imports}\n" + second.read_text())
    database = django_database(pg15.admin_uri)
    done = subprocess.run(
        [sys.executable, "-c", DJANGO_SQLMIGRATE, json.dumps(database), str(first), str(second)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    sent = json.loads(done.stdout)
    read = read_statements([first, second], tmp_path)
    assert len(sent["0002_index.py"]) == len(POSTGRES_INDEXES) + 1
    assert normalized(read["0002_index.py"], names=False) == normalized(sent["0002_index.py"], names=False)


def test_a_field_of_an_unknown_class_does_not_hide_the_new_table(tmp_path: Path) -> None:
    """netbox circuits 0044: a CreateModel with django-taggit's TaggableManager (no column) and mptt's
    TreeForeignKey (a ForeignKey) was skipped whole, so the AddConstraint three operations later was
    on a table not known to be new (constraint-builds-index, missing-lock-timeout). The table is
    created; a field lint cannot read is left out, and said so; one of a class of the project's own
    is a column of an unknown type. What later migrations do to those fields is read."""
    app = tmp_path / "circuits"
    first = migration(
        app,
        "0001_initial",
        [
            "migrations.CreateModel(",
            '    name="CircuitGroup",',
            "    fields=[",
            '        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),',
            '        ("name", models.CharField(max_length=100)),',
            '        ("parent", mptt.fields.TreeForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, '
            'to="circuits.circuitgroup")),',
            '        ("tags", taggit.managers.TaggableManager(through="extras.TaggedItem", to="extras.Tag")),',
            '        ("color", utilities.fields.ColorField(max_length=6, null=True)),',
            '        ("slug", models.SlugField(max_length=SLUG_LENGTH)),',
            "    ],",
            "),",
            'migrations.AddIndex(model_name="circuitgroup", index=models.Index(fields=["name"], name="cg_name")),',
            'migrations.AddConstraint(model_name="circuitgroup", constraint=models.UniqueConstraint('
            'fields=["name"], name="cg_name_uniq")),',
        ],
    )
    first.write_text("import mptt.fields\nimport taggit.managers\nimport utilities.fields\n" + first.read_text())
    second = migration(
        app,
        "0002_alter",
        [
            "migrations.RunSQL(\"SET lock_timeout = '1s'\"),",
            'migrations.AlterField(model_name="circuitgroup", name="color", '
            "field=utilities.fields.ColorField(max_length=6)),",
            'migrations.AlterField(model_name="circuitgroup", name="slug", field=models.SlugField(max_length=50)),',
            'migrations.AddField(model_name="circuitgroup", name="owner", field=mptt.fields.TreeForeignKey('
            'null=True, on_delete=django.db.models.deletion.CASCADE, to="circuits.circuitgroup")),',
        ],
        dependencies='[("circuits", "0001_initial")]',
    )
    second.write_text("import mptt.fields\nimport utilities.fields\n" + second.read_text())
    report = lint(tmp_path)
    assert rules_at(report, first, tmp_path) == []  # all on the table 0001 creates
    top = first_line(first)
    at = first_line(second)
    assert rules_at(report, second, tmp_path) == [
        (at + 1, "set-not-null-scan"),
        (at + 3, "add-column-references"),
        (at + 3, "index-without-concurrently"),
    ]
    one, two = "circuits/migrations/0001_initial.py", "circuits/migrations/0002_alter.py"
    assert report.skipped == [
        f"{one}:{top + 7}: the class ColorField of field color is not one of Django's: linted as a column of "
        "unknown type (a change of its type is not checked)",
        f"{one}:{top + 8}: field slug: its arguments are computed, not written out: created without it",
        f"{two}:{at + 1}: the class ColorField of field color is not one of Django's: linted as a column of "
        "unknown type (a change of its type is not checked)",
        f"{two}:{at + 2}: AlterField: what it changes is unknown: the field's definition in 0001_initial:{top + 8} "
        "was not read",
    ]


def test_a_squashed_migration_takes_the_tables_of_the_squashes_before_it_as_new(tmp_path: Path) -> None:
    """netbox's circuits 0002_squashed_0029 adds the foreign keys split out of 0001_squashed, which
    creates the tables: Django runs a squash only where none of what it replaces ran, so on a fresh
    database, where those tables are empty (no add-column-not-null-without-default error on an
    untouched tree). A plain migration after them, or a squash on the tables of a plain
    migration, is on tables that may have rows."""
    circuits = tmp_path / "circuits"
    circuit = [*INITIAL[:1], '    name="Circuit",', *INITIAL[2:]]
    provider = [*INITIAL[:1], '    name="Provider",', *INITIAL[2:]]
    squashed = 'replaces = [("circuits", "0001_initial")]'
    renamed = 'migrations.RenameModel(old_name="Provider", new_name="Carrier"),'  # the table is renamed too
    migration(circuits, "0001_squashed", [*circuit, *provider, renamed], body=f"    initial = True\n    {squashed}\n")
    not_null_fk = (
        'migrations.AddField(model_name="circuit", name="carrier", field=models.ForeignKey('
        'on_delete=django.db.models.deletion.PROTECT, to="circuits.carrier")),'
    )
    second = migration(
        circuits,
        "0002_squashed_0029",
        [
            not_null_fk,
            'migrations.AddField(model_name="carrier", name="paid", field=models.BooleanField()),',
            'migrations.AddConstraint(model_name="circuit", constraint=models.UniqueConstraint('
            'fields=["carrier", "code"], name="circuit_carrier_code")),',
        ],
        body='    replaces = [("circuits", "0002_auto_20160622_1821"), ("circuits", "0029_circuit_tracing")]\n',
        dependencies='[("circuits", "0001_initial"), ("dcim", "0001_initial")]',
    )
    later = migration(
        circuits,
        "0030_paid",
        ['migrations.AddField(model_name="circuit", name="paid", field=models.BooleanField()),'],
        dependencies='[("circuits", "0002_squashed_0029")]',
    )
    tenancy = tmp_path / "tenancy"
    migration(tenancy, "0001_initial", INITIAL)
    plain = migration(
        tenancy,
        "0002_squashed_0005",
        ['migrations.AddField(model_name="order", name="paid", field=models.BooleanField()),'],
        body='    replaces = [("tenancy", "0002_a"), ("tenancy", "0005_b")]\n',
        dependencies='[("tenancy", "0001_initial")]',
    )
    report = lint(tmp_path)
    assert rules_at(report, second, tmp_path) == []
    assert (first_line(later), "add-column-not-null-without-default") in rules_at(report, later, tmp_path)
    assert (first_line(plain), "add-column-not-null-without-default") in rules_at(report, plain, tmp_path)
    assert report.errors == 2 and report.skipped == []


def test_a_field_made_by_a_function_is_not_a_class(tmp_path: Path) -> None:
    """Only a class (CapWords) is read as a field of an unknown type: a function's result is
    computed; django.contrib.postgres' SearchVectorField is a tsvector column."""
    app = tmp_path / "shop"
    migration(app, "0001_initial", INITIAL)
    second = migration(
        app,
        "0002_fields",
        [
            "migrations.RunSQL(\"SET lock_timeout = '1s'\"),",
            'migrations.AddField(model_name="order", name="made", field=build_field()),',
            'migrations.AddField(model_name="order", name="search", field=SearchVectorField(null=True)),',
        ],
        dependencies='[("shop", "0001_initial")]',
    )
    at = first_line(second)
    report = lint(tmp_path)
    assert report.skipped == [
        f"shop/migrations/0002_fields.py:{at + 1}: AddField: its arguments are computed, not written out"
    ]
    assert report.statements == 3 and report.findings == []  # 0001: CREATE TABLE; 0002: SET, ADD COLUMN


def test_rename_model_by_keywords_renames_the_models_table(tmp_path: Path) -> None:
    """RenameModel(old_name=..., new_name=...), as makemigrations writes it: the old model's table
    (it was read as a model named None: shop_none)."""
    app = tmp_path / "shop"
    migration(app, "0001_initial", INITIAL)
    migration(
        app,
        "0002_rename",
        [
            "migrations.RunSQL(\"SET lock_timeout = '1s'\"),",
            'migrations.RenameModel(old_name="Order", new_name="Purchase"),',
        ],
        dependencies='[("shop", "0001_initial")]',
    )
    (finding,) = lint(tmp_path).findings
    assert finding.rule == "rename-breaks-running-code"
    assert finding.statement == "ALTER TABLE shop_order RENAME TO shop_purchase"
