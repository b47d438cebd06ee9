"""Django renderings whose SQL references another app's table depend on that app's latest migration,
proved by Django's own `migrate` on a fresh PostgreSQL 18 database: the referencing app sorts first
(Django runs the apps' chains in label order when nothing orders them), so without the dependency
the foreign key is added before the referenced table exists."""

from __future__ import annotations

from pathlib import Path

import repos
from conftest import Server
from migration_manager.discover import find_migrations
from migration_manager.model import ChangeRequest, Plan, Target
from migration_manager.planner import plan
from migration_manager.render import write_files
from migration_manager.render.choose import choose, render, state_notes
from test_render_django import manage

SETTINGS = """import json, os
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", **json.loads(os.environ["MM_DB"])}}
INSTALLED_APPS = ["alerts", "catalog"]
USE_TZ = True
"""
CATALOG_MODELS = """from django.db import models


class Product(models.Model):
    sku = models.TextField()


class Supplier(models.Model):
    name = models.TextField()

    class Meta:
        db_table = "suppliers"
"""
ALERTS_MODELS = """from django.db import models


class Job(models.Model):
    product_id = models.BigIntegerField(null=True)
    supplier_id = models.BigIntegerField(null=True)
"""


def site(root: Path) -> Path:
    return repos.write(
        root,
        {
            "settings.py": SETTINGS,
            "alerts/__init__.py": "",
            "alerts/migrations/__init__.py": "",
            "alerts/models.py": ALERTS_MODELS,
            "catalog/__init__.py": "",
            "catalog/migrations/__init__.py": "",
            "catalog/models.py": CATALOG_MODELS,
        },
    )


def fk_plan(ref_table: str, column: str = "product_id") -> Plan:
    ops = [
        {
            "op": "add_foreign_key",
            "table": "alerts_job",
            "columns": [column],
            "ref_table": ref_table,
            "ref_columns": ["id"],
        }
    ]
    return plan(ChangeRequest.model_validate({"operations": ops}).operations, Target(version=18))


def test_a_foreign_key_to_another_apps_table_runs_after_it(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    _, db, _ = pg18_pair
    root = site(tmp_path / "site")
    for app in ("catalog", "alerts"):
        made = manage(root, db, "makemigrations", app, "--no-input")
        assert made.returncode == 0, made.stdout + made.stderr
    destination = choose(find_migrations(root), "auto", "alerts/migrations")
    assert destination.app == "alerts"
    p = fk_plan("catalog_product")
    files = render(p, destination)
    migration = next(f for f in files if f.path.endswith(".py"))
    assert "dependencies = [('alerts', '0001_initial'), ('catalog', '0001_initial')]" in migration.content
    assert [n for n in state_notes(p, destination) if n.startswith("Django dependencies")] == []
    write_files(files, root / "alerts/migrations")

    done = manage(root, db, "migrate", "--no-input")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.index("Applying catalog.0001_initial") < done.stdout.index("Applying alerts.0002")


def test_db_table_and_unknown_tables(tmp_path: Path) -> None:
    """A model's db_table names its table; a table no app's migrations create is a warning naming it."""
    root = site(tmp_path / "site")
    repos.write(
        root,
        {
            "catalog/migrations/0001_initial.py": "from django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n"
            "    operations = [\n        migrations.CreateModel(\n            name='Supplier',\n"
            "            fields=[('id', models.BigAutoField(primary_key=True))],\n"
            "            options={'db_table': 'suppliers'},\n        ),\n    ]\n",
            "alerts/migrations/0001_initial.py": repos.django_migration([]),
        },
    )
    destination = choose(find_migrations(root), "auto", "alerts/migrations")
    supplied = next(f for f in render(fk_plan("suppliers", "supplier_id"), destination) if f.path.endswith(".py"))
    assert "dependencies = [('alerts', '0001_initial'), ('catalog', '0001_initial')]" in supplied.content

    p = fk_plan("catalog_product")  # Product has no migration yet
    unknown = next(f for f in render(p, destination) if f.path.endswith(".py"))
    assert "dependencies = [('alerts', '0001_initial')]" in unknown.content
    assert "# NOT ORDERED: the foreign key references catalog_product" in unknown.content
    compile(unknown.content, "unknown.py", "exec")
    (note,) = [n for n in state_notes(p, destination) if n.startswith("Django dependencies")]
    assert note.startswith("Django dependencies: the foreign key references catalog_product, which no migration")
