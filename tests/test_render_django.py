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
from migration_manager.render import write_files
from migration_manager.render.choose import choose, render
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
