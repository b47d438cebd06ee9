"""Django renderings run by Django's own `migrate` (PyPI django 5.2, psycopg 3) on PostgreSQL 18
and 15: migrating forward gives the same catalog as the plain SQL rendering, migrating back to
the app's old leaf returns the starting schema, and the generated files compile and pass ruff."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import repos
from cases import RENDER_ALL, Case
from conftest import Server
from migration_manager.catalog import differences
from migration_manager.discover import find_migrations
from migration_manager.model import ChangeRequest, Target
from migration_manager.planner import plan
from migration_manager.render import write_files
from migration_manager.render.choose import choose, render, state_notes
from support import apply_sql_rendering, assert_back_to_start, prepared_plan, schema_without

BIN = Path(sys.executable).parent
SETTINGS = """import json, os
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", **json.loads(os.environ["MM_DB"])}}
INSTALLED_APPS = ["shop"]
USE_TZ = True
"""


def django_site(root: Path) -> Path:
    """A Django project with one app, `shop`, whose only migration is an empty 0001_initial."""
    return repos.write(
        root,
        {
            "settings.py": SETTINGS,
            "shop/__init__.py": "",
            "shop/migrations/__init__.py": "",
            "shop/migrations/0001_initial.py": repos.django_migration([]),
        },
    )


def django_command(root: Path, uri: str, *target: str) -> tuple[list[str], dict[str, str]]:
    """`manage.py migrate shop [target]` for the site at `root` on the database `uri`: argv, env."""
    params = conninfo_to_dict(uri)
    db = {"NAME": params["dbname"], "HOST": params.get("host", ""), "PORT": str(params.get("port", ""))}
    db["USER"] = str(params.get("user", ""))
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "settings",
        "PYTHONPATH": str(root),
        "MM_DB": json.dumps(db),
    }
    return [sys.executable, "-m", "django", "migrate", "shop", *target, "--no-input"], env


def django_migrate(root: Path, uri: str, *target: str) -> None:
    args, env = django_command(root, uri, *target)
    done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"django migrate {' '.join(target)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("case", RENDER_ALL, ids=lambda c: c.id)
def test_django_rendering_matches_sql_and_migrates_back(
    case: Case, server: Server, db: str, twin_db: str, tmp_path: Path
) -> None:
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None
    start = schema_without(db)
    apply_sql_rendering(server.bin_dir, db, p, tmp_path / "sql")
    expected = schema_without(db)

    root = django_site(tmp_path / "site")
    destination = choose(find_migrations(root), "auto", None)
    assert destination.format == "django" and destination.app == "shop" and destination.head == "0001_initial"
    files = render(p, destination)
    write_files(files, root / destination.folder)
    generated = [str(root / destination.folder / f.path) for f in files if f.path.endswith(".py")]
    assert Path(generated[0]).name.startswith("0002_")
    lint = subprocess.run(
        [str(BIN / "ruff"), "check", "--isolated", "--select", "E4,E7,E9,F,W", *generated],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    after = find_migrations(root).frameworks[0]
    assert len(after.heads) == 1 and [pr for pr in after.problems if pr.severity == "error"] == []

    django_migrate(root, twin_db)
    got = schema_without(twin_db, "django_migrations")
    assert differences(expected, got) == []
    with psycopg.connect(twin_db, autocommit=True) as conn:
        case.check(conn)
    django_migrate(root, twin_db, "0001")
    assert_back_to_start(case, start, schema_without(twin_db, "django_migrations"))


SHOP_SETTINGS = SETTINGS + 'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"\n'
MODELS_START = """from django.db import models


class Product(models.Model):
    sku = models.TextField()
"""
# What the developer writes in models.py for the change (the README of each migration says it)
MODELS_END = (
    MODELS_START
    + """    note = models.TextField(null=True)
    status = models.CharField(max_length=20, db_default="new")

    class Meta:
        indexes = [models.Index(fields=["sku"], name="shop_product_sku_idx")]
        constraints = [models.UniqueConstraint(fields=["sku"], name="shop_product_sku_key")]
"""
)
STATE_OPS = [
    {"op": "add_index", "table": "shop_product", "columns": ["sku"]},
    {"op": "add_column", "table": "shop_product", "column": {"name": "note", "type": "text"}},
    {
        "op": "add_column",
        "table": "shop_product",
        "column": {"name": "status", "type": "varchar(20)", "nullable": False, "default": "'new'"},
    },
    {"op": "add_unique", "table": "shop_product", "columns": ["sku"]},
]


def manage(root: Path, uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m django <args>` for the site at `root` on the database `uri`."""
    _, env = django_command(root, uri)
    return subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def test_django_state_matches_the_database(server: Server, empty_db: str, tmp_path: Path) -> None:
    """An index, a nullable column, a NOT NULL column with a default and a unique constraint, rendered into an app whose
    0001 makemigrations wrote: migrate applies them, makemigrations --check then finds no change
    against the models.py the README describes, and migrating back returns the start catalog."""
    root = repos.write(
        tmp_path / "site",
        {
            "settings.py": SHOP_SETTINGS,
            "shop/__init__.py": "",
            "shop/migrations/__init__.py": "",
            "shop/models.py": MODELS_START,
        },
    )
    made = manage(root, empty_db, "makemigrations", "shop", "--no-input")
    assert made.returncode == 0 and (root / "shop/migrations/0001_initial.py").exists(), made.stdout + made.stderr
    done = manage(root, empty_db, "migrate", "shop", "--no-input")
    assert done.returncode == 0, done.stdout + done.stderr
    start = schema_without(empty_db, "django_migrations")

    destination = choose(find_migrations(root), "auto", None)
    assert destination.app == "shop" and destination.head == "0001_initial"
    assert destination.models is not None and destination.models["shop_product"].name == "Product"
    request = ChangeRequest.model_validate({"operations": STATE_OPS})
    p = plan(request.operations, Target(version=server.version))
    files = render(p, destination)
    write_files(files, root / destination.folder)
    generated = [root / destination.folder / f.path for f in files if f.path.endswith(".py")]
    lint = subprocess.run(
        [str(BIN / "ruff"), "check", "--isolated", "--select", "E4,E7,E9,F,W", *map(str, generated)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    texts = "\n".join(path.read_text() for path in generated)
    wrapped = [path.name for path in generated if "migrations.SeparateDatabaseAndState(" in path.read_text()]
    assert wrapped == [  # the unique index build (0004) changes no model state: its constraint (0005) does
        "0002_create_shop_product_sku_idx.py",
        "0003_add_note_to_shop_product_add_status_to_shop_product.py",
        "0005_add_unique_shop_product_sku_key.py",
    ]
    assert "migrations.AddIndex(model_name='product'" in texts
    assert "migrations.AddField(model_name='product', name='note', field=models.TextField(null=True))" in texts
    assert "models.CharField(max_length=20, db_default='new')" in texts
    assert "NOT IN DJANGO'S STATE" not in texts
    [constraint] = [path for path in generated if "UniqueConstraint" in path.read_text()]
    assert "ADD CONSTRAINT shop_product_sku_key UNIQUE USING INDEX" in constraint.read_text()  # not the build
    readmes = "\n".join(f.content for f in files if f.path.endswith("_README.md"))
    assert "`Product.status = models.CharField(max_length=20, db_default='new')`" in readmes

    done = manage(root, empty_db, "migrate", "shop", "--no-input")
    assert done.returncode == 0, done.stdout + done.stderr
    with psycopg.connect(empty_db, autocommit=True) as conn:
        valid = conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('shop_product_sku_idx')"
        ).fetchone()
        status = conn.execute(
            "SELECT is_nullable, column_default FROM information_schema.columns "
            "WHERE table_name = 'shop_product' AND column_name = 'status'"
        ).fetchone()
    assert valid == (True,) and status is not None and status[0] == "NO" and "'new'" in str(status[1])

    # the state is in effect: models.py not yet updated, Django sees the change as one to undo
    stale = manage(root, empty_db, "makemigrations", "shop", "--check", "--dry-run")
    assert stale.returncode == 1, stale.stdout + stale.stderr
    (root / "shop/models.py").write_text(MODELS_END)
    check = manage(root, empty_db, "makemigrations", "shop", "--check", "--dry-run")
    assert check.returncode == 0 and "No changes detected" in check.stdout, check.stdout + check.stderr

    back = manage(root, empty_db, "migrate", "shop", "0001_initial", "--no-input")
    assert back.returncode == 0, back.stdout + back.stderr
    assert differences(start, schema_without(empty_db, "django_migrations")) == []


def test_django_state_not_derived_is_said(tmp_path: Path) -> None:
    """A table no model has, a type no Django field states exactly: the RunSQL stays alone and the
    file and README say what Django's state does not learn."""
    root = django_site(tmp_path / "site")
    (root / "shop/models.py").write_text(MODELS_START)
    destination = choose(find_migrations(root), "auto", None)
    ops = [
        {"op": "add_index", "table": "audit_log", "columns": ["at"]},
        {"op": "add_column", "table": "shop_product", "column": {"name": "tags", "type": "text[]"}},
        {"op": "add_index", "table": "shop_product", "columns": ["sku"], "unique": True},
    ]
    p = plan(ChangeRequest.model_validate({"operations": ops}).operations, Target(version=16))
    files = {f.path: f.content for f in render(p, destination)}
    last = [path for path in files if path.endswith(".py")][-1]
    assert "NOT IN DJANGO'S STATE" in files[last]
    assert "no model of app 'shop' has the table 'audit_log'" in files[last]
    assert "no Django field maps exactly to the SQL type 'text[]'" in files[last]
    assert "SeparateDatabaseAndState" not in "".join(c for path, c in files.items() if path.endswith(".py"))
    readme = files[last.replace(".py", "_README.md")]
    assert "NOT IN DJANGO'S STATE" in readme and "audit_log" in readme
    assert state_notes(p, destination) == [
        "Django model state not derived: no model of app 'shop' has the table 'audit_log' (read from its models.py)",
        "Django model state not derived: column shop_product.tags: no Django field maps exactly to the SQL type "
        "'text[]'",
        "Django model state not derived: index shop_product_sku_key: a unique index is no Django Index, and a "
        "UniqueConstraint in the state would be dropped with DROP CONSTRAINT; plan add_unique for a constraint "
        "Django can model",
    ]
    (tmp_path / "ops.json").write_text(json.dumps({"operations": ops}))
    cli = [sys.executable, "-m", "migration_manager.cli", "render", "--ops", str(tmp_path / "ops.json")]
    done = subprocess.run([*cli, "--no-schema", "--root", str(root)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "warning: Django model state not derived: no model of app 'shop' has the table 'audit_log'" in done.stderr


def test_django_renders_into_an_app_of_the_healthchecks_shape(tmp_path: Path) -> None:
    """Each app of a swappable_dependency project has one leaf, so render picks it up (it refused before)."""
    root = repos.write(tmp_path, repos.DJANGO_HEALTHCHECKS)
    destination = choose(find_migrations(root), "auto", "hc/api/migrations")
    assert (destination.app, destination.head, destination.version) == ("api", "0004_alter_channel_kind", "0005")
    p = plan(ChangeRequest.model_validate({"operations": STATE_OPS[:1]}).operations, Target(version=16))
    [migration, _] = render(p, destination)
    assert migration.path == "0005_create_shop_product_sku_idx.py"
    assert "dependencies = [('api', '0004_alter_channel_kind')]" in migration.content
