"""find_migrations on fixture repositories shaped like real projects, one per framework and mixed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import repos
from migration_manager.cli import main
from migration_manager.discover import FrameworkFindings, RepoMigrations, find_migrations
from migration_manager.errors import InputError


def scan(tmp_path: Path, files: repos.Files) -> RepoMigrations:
    return find_migrations(repos.write(tmp_path, files))


def only(result: RepoMigrations, framework: str) -> FrameworkFindings:
    found = [f for f in result.frameworks if f.framework == framework]
    assert len(found) == 1, [(f.framework, f.folder) for f in result.frameworks]
    return found[0]


def codes(findings: FrameworkFindings) -> dict[str, list[str | None]]:
    out: dict[str, list[str | None]] = {}
    for p in findings.problems:
        out.setdefault(p.code, []).append(p.path)
    return out


def test_alembic_with_two_heads(tmp_path: Path) -> None:
    a = only(scan(tmp_path, repos.ALEMBIC_TWO_HEADS), "alembic")
    assert a.folder == "alembic/versions" and a.config == "alembic.ini" and a.dialect == "postgresql"
    assert [m.id for m in a.migrations][:2] == ["1a2b3c4d5e6f", "2b3c4d5e6f70"]
    assert a.heads == ["3c4d5e6f7081", "4d5e6f708192"] and a.bases == ["1a2b3c4d5e6f"]
    assert a.branch_points == ["2b3c4d5e6f70"] and a.merges == []
    problems = codes(a)
    assert "multiple_heads" in problems
    assert problems["missing_down"] == ["alembic/versions/4d5e6f708192_add_index.py"]
    assert re.fullmatch(r"[0-9a-f]{12}", a.next_id)
    assert a.next_file == f"alembic/versions/{a.next_id}_NAME.py"


def test_alembic_merge_resolves_the_heads(tmp_path: Path) -> None:
    a = only(scan(tmp_path, repos.ALEMBIC_MERGED), "alembic")
    assert a.heads == ["5e6f708192a3"] and a.merges == ["5e6f708192a3"]
    assert a.migrations[-1].kind == "merge" and a.migrations[-1].depends_on == ["3c4d5e6f7081", "4d5e6f708192"]
    assert "multiple_heads" not in codes(a)


def test_alembic_broken_files_become_problems(tmp_path: Path) -> None:
    result = scan(tmp_path, repos.ALEMBIC_BROKEN)
    a = only(result, "alembic")
    assert a.folder == "migrations/versions" and a.config is None
    problems = codes(a)
    assert problems["broken_down_revision"] == ["migrations/versions/bbb_second.py"]
    assert "migrations/versions/ccc_syntax.py" in problems["malformed"]
    assert problems["duplicate_id"] == ["migrations/versions/ddd_dup.py"]
    # only the header is parsed: a syntax error in a function body is Alembic's to report, and
    # does not hide the revision
    assert "fff" in [m.id for m in a.migrations]
    assert [p.path for p in result.problems if p.code == "binary"] == ["migrations/versions/eee_binary.py"]


def test_alembic_version_locations_are_one_graph(tmp_path: Path) -> None:
    """version_locations replaces versions/: both folders are read as one graph, the head is the
    revision in the second one, and the next file goes beside it (where `alembic revision` puts it)."""
    a = only(scan(tmp_path, repos.ALEMBIC_TWO_LOCATIONS), "alembic")
    assert [m.id for m in a.migrations] == ["a1a1a1a1a1a1", "b2b2b2b2b2b2"]
    assert a.heads == ["b2b2b2b2b2b2"] and a.bases == ["a1a1a1a1a1a1"] and a.problems == []
    assert a.folder == "alembic/more" and a.next_file.startswith("alembic/more/")
    assert "alembic/versions alembic/more" in a.naming


@pytest.mark.parametrize(
    ("separator", "listed"),
    [
        ("", "versions, more"),  # no separator: Alembic splits on spaces and commas
        ("path_separator = newline\n", "\n  versions\n  more files"),
        ("path_separator = ;\n", "versions;more files"),
        ("path_separator = :\n", "versions:more files"),
        ("path_separator = os\n", "versions:more files"),
        ("version_path_separator = space\n", "versions  more"),
    ],
)
def test_alembic_version_locations_split_as_path_separator_says(tmp_path: Path, separator: str, listed: str) -> None:
    """A folder name with a space stays one folder when the separator is not a space."""
    more = "more files" if "more files" in listed else "more"
    files: repos.Files = {
        "alembic.ini": f"[alembic]\nscript_location = db\n{separator}version_locations = {listed}\n",
        "db/env.py": "from alembic import context\n",
        "versions/a1a1a1a1a1a1_first.py": repos.alembic_revision("a1a1a1a1a1a1", None),
        f"{more}/b2b2b2b2b2b2_second.py": repos.alembic_revision("b2b2b2b2b2b2", "a1a1a1a1a1a1"),
    }
    a = only(scan(tmp_path, files), "alembic")
    assert a.heads == ["b2b2b2b2b2b2"] and len(a.migrations) == 2 and a.folder == more


def test_alembic_version_locations_in_pyproject(tmp_path: Path) -> None:
    """[tool.alembic] (Alembic 1.16+) lists version_locations as a TOML list, and can read subfolders."""
    files: repos.Files = {
        "pyproject.toml": '[tool.alembic]\nscript_location = "db"\nversion_locations = ["db/core", "db/extra"]\n'
        "recursive_version_locations = true\n",
        "db/env.py": "from alembic import context\n",
        "db/core/a1a1a1a1a1a1_first.py": repos.alembic_revision("a1a1a1a1a1a1", None),
        "db/extra/2025/b2b2b2b2b2b2_second.py": repos.alembic_revision("b2b2b2b2b2b2", "a1a1a1a1a1a1"),
    }
    a = only(scan(tmp_path, files), "alembic")
    assert a.config == "pyproject.toml" and a.heads == ["b2b2b2b2b2b2"] and len(a.migrations) == 2
    assert a.folder == "db/extra" and a.problems == []


def test_alembic_bad_path_separator_is_a_problem(tmp_path: Path) -> None:
    result = scan(
        tmp_path,
        {
            **repos.ALEMBIC_TWO_LOCATIONS,
            "alembic.ini": "[alembic]\nscript_location = alembic\n"
            "path_separator = comma\nversion_locations = alembic/versions alembic/more\n",
        },
    )
    assert only(result, "alembic").heads == ["b2b2b2b2b2b2"]
    [bad] = [p for p in result.problems if p.code == "malformed"]
    assert bad.path == "alembic.ini" and "path_separator = comma" in bad.message and "space, newline, os" in bad.message


def test_alembic_recursive_version_locations_reads_the_release_folders(tmp_path: Path) -> None:
    a = only(scan(tmp_path, repos.neutron_like(recursive=True)), "alembic")
    assert a.heads == ["e2e2e2e2e2e2"] and len(a.migrations) == 4 and a.problems == []
    assert a.folder == "net/db/migration/alembic_migrations/versions"  # one location: Alembic writes there


def test_alembic_subfolders_not_read_are_named(tmp_path: Path) -> None:
    """Without recursive_version_locations Alembic reads only c0 (as here); each folder whose
    revisions are left out is named, so the user knows the head shown is not the real one."""
    a = only(scan(tmp_path, repos.neutron_like(recursive=False)), "alembic")
    assert a.heads == ["c0c0c0c0c0c0"]
    base = "net/db/migration/alembic_migrations/versions"
    unread = [p for p in a.problems if p.code == "unread_folder"]
    assert [p.path for p in unread] == [f"{base}/2024.1/contract", f"{base}/2024.1/expand", f"{base}/2025.1/expand"]
    assert all("recursive_version_locations = true" in p.message for p in unread)


@pytest.mark.parametrize("configured", [True, False], ids=["in_alembic_section", "learned_from_names"])
def test_alembic_named_sections_take_the_file_template(tmp_path: Path, configured: bool) -> None:
    """[core] and [tenant] carry script_location, [alembic] the file_template: each section is its
    own graph named by that template; with no template anywhere, the names' <date>_<rev> is used."""
    result = scan(tmp_path, repos.dispatch_like(template=configured))
    found = {f.folder: f for f in result.frameworks if f.framework == "alembic"}
    base = "src/dispatch/database/revisions"
    assert sorted(found) == [f"{base}/core/versions", f"{base}/tenant/versions"]
    core, tenant = found[f"{base}/core/versions"], found[f"{base}/tenant/versions"]
    assert core.config == tenant.config == "src/dispatch/alembic.ini"
    assert core.heads == ["c2c2c2c2c2c2"] and tenant.heads == ["t2t2t2t2t2t2"]
    for f in (core, tenant):
        assert f.file_template == "%%(year)d-%%(month).2d-%%(day).2d_%%(rev)s", f.naming
        assert re.fullmatch(rf"{f.folder}/\d{{4}}-\d\d-\d\d_{f.next_id}\.py", f.next_file), f.next_file
        assert ("learned from the file names" in f.naming) is not configured


def test_alembic_names_that_do_not_agree_teach_no_template(tmp_path: Path) -> None:
    files = repos.dispatch_like(template=False)
    old = "src/dispatch/database/revisions/core/versions/2024-03-01_c1c1c1c1c1c1.py"
    files["src/dispatch/database/revisions/core/versions/c1c1c1c1c1c1_first.py"] = files.pop(old)
    core = next(f for f in scan(tmp_path, files).frameworks if f.folder.endswith("core/versions"))
    assert core.file_template is None and core.next_file.endswith(f"/{core.next_id}_NAME.py")


def test_rails_app_with_a_liquibase_folder(tmp_path: Path) -> None:
    result = scan(tmp_path, repos.RAILS_WITH_LIQUIBASE)
    rails = [f for f in result.frameworks if f.framework == "rails"]
    assert [r.folder for r in rails] == ["db/analytics_migrate", "db/migrate"]
    main = rails[1]
    assert [m.id for m in main.migrations] == ["20240101120000", "20240202120000", "20240303120000"]
    assert main.dialect == "postgresql" and main.heads == ["20240303120000"]
    problems = codes(main)
    assert problems["class_name"] == ["db/migrate/20240303120000_add_name_to_users.rb"]
    assert problems["missing_down"] == ["db/migrate/20240202120000_add_email_to_users.rb"]
    assert problems["schema_behind"] == ["db"]
    assert re.fullmatch(r"\d{14}", main.next_id) and main.next_id > "20240303120000"
    assert main.next_file == f"db/migrate/{main.next_id}_NAME.rb"

    lb = only(result, "liquibase")
    assert lb.config == "db/changelog/db.changelog-master.yaml" and lb.dialect == "postgresql"
    assert [m.id for m in lb.migrations] == ["1::alice", "2::alice", "3::bob", "10::ops"]
    assert [m.has_down for m in lb.migrations] == [True, False, True, True]
    assert lb.migrations[0].kind == "labels=audit" and lb.migrations[3].kind == "context=prod"
    problems = codes(lb)
    assert problems["broken_include"] == ["db/changelog/db.changelog-master.yaml"]
    assert problems["missing_down"] == ["db/changelog/changes/001-create-audit.xml"]


def rails_migration(cls: str, body: str = "  def change\n    create_table :t\n  end\n", version: str = "7.1") -> str:
    return f"class {cls} < ActiveRecord::Migration[{version}]\n{body}end\n"


# rubygems.org-shaped: an old self.up / self.down migration, inflection acronyms, and an engine's
# migration copied by `rails railties:install:migrations` (its scope before .rb)
RAILS_APP: repos.Files = {
    "Gemfile": "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\n",
    "config/database.yml": "production:\n  adapter: postgresql\n",
    "config/initializers/inflections.rb": "ActiveSupport::Inflector.inflections(:en) do |inflect|\n"
    "  inflect.acronym \"OIDC\"\n  inflect.acronym('API')\nend\n",
    "db/migrate/20090527120326_clearance_create_users.rb": "class ClearanceCreateUsers < ActiveRecord::Migration\n"
    "  def self.up\n    create_table(:users) do |t|\n      t.string :email\n    end\n  end\n\n"
    "  def self.down\n    drop_table :users\n  end\nend\n",
    "db/migrate/20230101000000_create_oidc_providers.rb": rails_migration("CreateOIDCProviders"),
    "db/migrate/20230102000000_add_api_key_roles.rb": rails_migration("AddAPIKeyRoles"),
    "db/migrate/20230103000000_create_maintenance_tasks_runs.maintenance_tasks.rb": rails_migration(
        "CreateMaintenanceTasksRuns"
    ),
    "db/migrate/20230104000000_add_index_to_runs.maintenance_tasks.rb": rails_migration("AddIndexToRun"),
}


def test_rails_old_style_down_acronyms_and_engine_scopes(tmp_path: Path) -> None:
    """rubygems.org: `def self.down`, class CreateOIDCProviders with `inflect.acronym "OIDC"` and
    maintenance_tasks' scoped migrations were false findings, or not counted."""
    result = scan(tmp_path, RAILS_APP)
    main = only(result, "rails")
    assert [m.id for m in main.migrations] == [
        "20090527120326",
        "20230101000000",
        "20230102000000",
        "20230103000000",
        "20230104000000",
    ]
    assert main.migrations[0].has_down is True
    assert main.migrations[3].name == "create_maintenance_tasks_runs"  # the scope is not part of the name
    # the one wrong class name, named as Rails camelizes (the scope ignored)
    assert [(p.code, p.path, p.message) for p in main.problems] == [
        (
            "class_name",
            "db/migrate/20230104000000_add_index_to_runs.maintenance_tasks.rb",
            "class AddIndexToRun does not match the file name (Rails expects AddIndexToRuns)",
        )
    ]
    (tmp_path / "db/migrate/20230104000000_add_index_to_runs.maintenance_tasks.rb").unlink()
    cli = [sys.executable, "-m", "migration_manager.cli", "find", str(tmp_path), "--strict"]
    done = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_rails_acronyms_that_cannot_be_read_compare_case_insensitively(tmp_path: Path) -> None:
    files: repos.Files = {
        "config/initializers/inflections.rb": "ActiveSupport::Inflector.inflections(:en) do |inflect|\n"
        "  %w[OIDC].each { |word| inflect.acronym word }\nend\n",
        "db/migrate/20230101000000_create_oidc_providers.rb": rails_migration("CreateOIDCProviders"),
        "db/migrate/20230102000000_create_users.rb": rails_migration("CreateUser"),
    }
    main = only(scan(tmp_path, files), "rails")
    assert [(p.code, p.path) for p in main.problems] == [("class_name", "db/migrate/20230102000000_create_users.rb")]
    # without the initializer Rails camelizes plainly: the acronym is an error
    (tmp_path / "config/initializers/inflections.rb").unlink()
    main = only(find_migrations(tmp_path), "rails")
    assert [p.path for p in main.problems if p.code == "class_name"] == [
        "db/migrate/20230101000000_create_oidc_providers.rb",
        "db/migrate/20230102000000_create_users.rb",
    ]
    (tmp_path / "config/initializers/inflections.rb").write_bytes(b"\xff\xfe not UTF-8")  # unreadable
    main = only(find_migrations(tmp_path), "rails")
    assert [p.path for p in main.problems if p.code == "class_name"] == ["db/migrate/20230102000000_create_users.rb"]


def test_flyway_versions_compare_as_numbers(tmp_path: Path) -> None:
    f = only(scan(tmp_path, repos.FLYWAY), "flyway")
    assert f.config == "flyway.conf" and f.dialect == "postgresql" and f.folder == "db/migration"
    versioned = [m.id for m in f.migrations if m.kind == "versioned"]
    assert versioned == ["1", "1.1", "1.9", "1.10", "2"]
    assert f.migrations[-1].kind == "repeatable"
    users = next(m for m in f.migrations if m.id == "2")
    assert users.has_down and users.down_path == "db/migration/U2__users.sql"
    problems = codes(f)
    assert problems["duplicate_id"] == ["db/migration/V1_1__same_version.sql"]
    assert problems["orphan_undo"] == ["db/migration/U7__nothing.sql"]
    assert f.next_id == "3" and f.next_file == "db/migration/V3__NAME.sql"


def test_plain_sql_pairs_ups_and_downs(tmp_path: Path) -> None:
    s = only(scan(tmp_path, repos.PLAIN_SQL), "sql")
    assert [m.id for m in s.migrations] == ["20260101000000", "20260102000000", "29990101000000"]
    assert s.migrations[0].down_path == "migrations/20260101000000_create_users_down.sql"
    problems = codes(s)
    assert problems["missing_down"] == ["migrations/20260102000000_add_email.sql"]
    assert problems["orphan_down"] == ["migrations/20260105000000_missing_up_down.sql"]
    assert problems["out_of_order"] == ["migrations/29990101000000_from_the_future.sql"]
    assert s.next_id > "29990101000000"  # still sorts last


def test_golang_migrate_dbmate_diesel_prisma(tmp_path: Path) -> None:
    result = scan(tmp_path, repos.GOLANG_DBMATE_DIESEL_PRISMA)
    go = only(result, "golang-migrate")
    assert [(m.id, m.has_down) for m in go.migrations] == [("000001", True), ("000002", False)]
    assert go.next_id == "000003" and go.next_file == "go/migrations/000003_NAME.up.sql"
    dbmate = only(result, "dbmate")
    assert [(m.name, m.has_down) for m in dbmate.migrations] == [("create_things", True), ("no_down", False)]
    diesel = only(result, "diesel")
    assert [m.name for m in diesel.migrations] == ["diesel_initial_setup", "create_posts"]
    assert re.fullmatch(r"rust/migrations/\d{4}-\d\d-\d\d-\d{6}_NAME/up.sql", diesel.next_file)
    prisma = only(result, "prisma")
    assert prisma.dialect == "postgresql" and [m.name for m in prisma.migrations] == ["init", "add_q"]
    assert not any(f.framework == "sql" for f in result.frameworks)


def test_django_apps_and_a_conflict(tmp_path: Path) -> None:
    result = scan(tmp_path, repos.DJANGO)
    apps = {f.folder: f for f in result.frameworks if f.framework == "django"}
    assert set(apps) == {"blog/migrations", "shop/migrations"}
    shop = apps["shop/migrations"]
    assert shop.dialect == "postgresql" and shop.heads == ["0003_a", "0003_b"]
    assert "multiple_heads" in codes(shop) and "duplicate_id" in codes(shop)
    assert shop.migrations[-1].depends_on == ["0002_product_price", "auth.0012_x"]
    assert shop.next_file == "shop/migrations/0004_NAME.py"
    assert apps["blog/migrations"].next_id == "0002"


def django_apps(result: RepoMigrations) -> dict[str, FrameworkFindings]:
    return {f.folder.split("/")[-2]: f for f in result.frameworks if f.framework == "django"}


DJANGO_LOADER = """import json, django
django.setup()
from django.db.migrations.loader import MigrationLoader
graph = MigrationLoader(None, ignore_no_migrations=True).graph
apps = sorted({app for app, _ in graph.nodes})
print(json.dumps({app: {"heads": sorted(n for _, n in graph.leaf_nodes(app)),
                        "order": [n for a, n in graph.forwards_plan(graph.leaf_nodes(app)[0]) if a == app],
                        "parents": {n: sorted(f"{p[0]}.{p[1]}" for p in graph.node_map[(a, n)].parents)
                                    for a, n in graph.nodes if a == app}}
                  for app in apps}))
"""


def django_graph(root: Path) -> dict[str, dict[str, Any]]:
    """Heads, order and parents per app as Django's own MigrationLoader builds them (from the files,
    no database; a squashed migration stands for the ones it replaces)."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "DJANGO_SETTINGS_MODULE": "hc.settings"}
    done = subprocess.run(
        [sys.executable, "-c", DJANGO_LOADER], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    graph: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return graph


def test_django_healthchecks_shape(tmp_path: Path) -> None:
    """swappable_dependency, cross-app dependencies, __first__, run_before, a squashed migration beside
    the ones it replaces, two files numbered 0004 in a line: one head per app, as Django sees it."""
    root = repos.write(tmp_path, repos.DJANGO_HEALTHCHECKS)
    result = find_migrations(root)
    apps = django_apps(result)
    assert set(apps) == {"accounts", "api", "logs", "payments"}  # front's migrations package is empty
    assert {app: f.heads for app, f in apps.items()} == {
        "accounts": ["0005_alter_profile_user"],
        "api": ["0004_alter_channel_kind"],
        "logs": ["0004_merge_20260101_1200"],
        "payments": ["0004_alter_subscription_user"],
    }
    assert {app: len(f.migrations) for app, f in apps.items()} == {"accounts": 6, "api": 2, "logs": 5, "payments": 4}
    assert {app: f.next_file for app, f in apps.items()} == {
        "accounts": "hc/accounts/migrations/0006_NAME.py",
        "api": "hc/api/migrations/0005_NAME.py",
        "logs": "hc/logs/migrations/0005_NAME.py",
        "payments": "hc/payments/migrations/0005_NAME.py",
    }
    assert [p for f in apps.values() for p in f.problems] == [] and result.problems == []
    accounts = apps["accounts"]
    assert [m.id for m in accounts.migrations][3:5] == ["0004_profile_tz", "0004_profile_theme"]  # by dependency
    assert accounts.migrations[0].depends_on == ["auth.__first__"]  # AUTH_USER_MODEL not set: auth.User
    assert accounts.migrations[-1].depends_on == ["0004_profile_theme", "auth.__first__"]
    squashed, after = apps["api"].migrations
    assert squashed.id == "0001_squashed_0003_channel" and after.depends_on == ["0001_squashed_0003_channel"]
    assert squashed.kind == "squashed (replaces 0001_initial, 0002_check_grace, 0003_channel)"
    assert squashed.depends_on == ["auth.__first__", "accounts.0003_member"]
    assert apps["logs"].migrations[0].depends_on == ["api.__first__"]
    assert apps["logs"].merges == ["0004_merge_20260101_1200"]  # two 0003s a merge joins: no duplicate_id
    payments = apps["payments"]  # 0002 runs before 0003 (run_before), so it is no leaf
    assert payments.migrations[2].depends_on == ["0001_initial", "0002_subscription_plan_id"]

    truth = django_graph(root)
    for app, f in apps.items():
        assert truth[app]["heads"] == f.heads, app
        assert sorted(truth[app]["order"]) == sorted(m.id for m in f.migrations), app
        for m in f.migrations:  # the same edges, "app.name" for another app's migration
            ours = sorted(d if "." in d else f"{app}.{d}" for d in m.depends_on)
            theirs = truth[app]["parents"][m.id]
            assert [d for d in ours if not d.endswith("__first__")] == [d for d in theirs if d in ours], m.id
            assert len(theirs) == len(ours), (m.id, theirs, ours)  # __first__ is the app's first node there
        # both are orders Django accepts; where the graph leaves a choice find takes the lower name
        position = {m.id: i for i, m in enumerate(f.migrations)}
        assert all(position[p] < position[m.id] for m in f.migrations for p in m.depends_on if p in position)

    cli = [sys.executable, "-m", "migration_manager.cli", "find", str(root), "--strict"]
    done = subprocess.run(cli, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_django_custom_user_model_from_the_settings(tmp_path: Path) -> None:
    root = repos.write(tmp_path, repos.DJANGO_CUSTOM_USER)
    apps = django_apps(find_migrations(root))
    assert apps["users"].heads == ["0001_initial"]
    assert apps["accounts"].migrations[0].depends_on == ["users.__first__"]
    assert apps["api"].migrations[0].depends_on == ["users.__first__", "accounts.0003_member"]
    assert [p for f in apps.values() for p in f.problems] == []
    truth = django_graph(root)
    assert {app: truth[app]["heads"] for app in apps} == {app: f.heads for app, f in apps.items()}


def test_django_entries_that_are_not_migrations_are_problems(tmp_path: Path) -> None:
    result = scan(tmp_path, repos.DJANGO_ODD_ENTRIES)
    apps = django_apps(result)
    found = {(p.severity, p.code, p.path) for f in apps.values() for p in f.problems}
    assert found == {
        ("warning", "not_a_migration", "hc/accounts/migrations/README.md"),
        ("warning", "not_a_migration", "hc/accounts/migrations/_helpers.py"),
        ("warning", "not_a_migration", "hc/accounts/migrations/sql"),
        ("warning", "not_a_migration", "hc/accounts/migrations/tasks"),  # a package: Django skips it
        ("error", "malformed", "hc/accounts/migrations/utils.py"),
        ("error", "malformed", "hc/accounts/migrations/0006_broken.py"),
        ("warning", "malformed", "hc/payments/migrations/0005_dynamic.py"),  # EXTRA_DEPENDENCY
        ("error", "broken_dependency", "hc/payments/migrations/0005_dynamic.py"),  # accounts.0099_missing
        ("warning", "malformed", "hc/logs/migrations/0005_computed.py"),  # dependencies = computed()
        ("error", "malformed", "hc/logs/migrations/0006_binary.py"),
    }
    assert [(p.code, p.path) for p in result.problems] == [("binary", "hc/logs/migrations/0006_binary.py")]
    messages = {p.path: p.message for f in apps.values() for p in f.problems if p.code == "broken_dependency"}
    assert "accounts.0099_missing" in messages["hc/payments/migrations/0005_dynamic.py"]
    # what could be read still counts: the unreadable entry is dropped, the rest of the list kept
    assert apps["payments"].heads == ["0005_dynamic"]
    assert apps["payments"].migrations[-1].depends_on == ["0004_alter_subscription_user", "accounts.0099_missing"]
    assert apps["logs"].heads == ["0005_computed"]
    assert apps["logs"].migrations[-1].depends_on == ["0004_merge_20260101_1200"]
    assert apps["accounts"].heads == ["0005_alter_profile_user"] and len(apps["accounts"].migrations) == 6


def test_ignored_folders_and_symlinks_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    repos.write(outside, {"migrations/20260101000000_secret.sql": "SELECT 1;"})
    root = repos.write(tmp_path / "repo", {**repos.NOISE, "README.md": "x"})
    (root / "linked").symlink_to(outside)
    (root / "db").mkdir()
    (root / "db" / "20260101000000_link.sql").symlink_to(outside / "migrations/20260101000000_secret.sql")
    result = find_migrations(root)
    assert result.frameworks == []
    assert result.files_scanned == 1  # README.md only


def test_not_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = scan(
        tmp_path,
        {"db/migrate/20240101000000_latin.rb": b"class Latin < ActiveRecord::Migration; end" + b"\xe9\xff"},
    )
    assert [p.code for p in result.problems] == ["not_utf8"]
    assert only(result, "rails").migrations[0].has_down is None


def test_missing_path_and_file_instead_of_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        find_migrations(tmp_path / "absent")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        find_migrations(tmp_path / "file.txt")


def test_cli_find_json_and_exit_codes(tmp_path: Path) -> None:
    root = repos.write(tmp_path / "repo", repos.ALEMBIC_TWO_HEADS)
    cli = [sys.executable, "-m", "migration_manager.cli", "find"]
    done = subprocess.run([*cli, str(root), "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["frameworks"][0]["heads"] == ["3c4d5e6f7081", "4d5e6f708192"]
    human = subprocess.run([*cli, str(root)], capture_output=True, text=True, timeout=60)
    assert "alembic" in human.stdout and "multiple_heads" in human.stdout
    strict = subprocess.run([*cli, str(root), "--strict"], capture_output=True, text=True, timeout=60)
    assert strict.returncode == 1  # errors found: CI can fail on them
    missing = subprocess.run([*cli, str(tmp_path / "nope")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "no such folder" in missing.stderr


def test_diesel_1x_and_2x_names_in_the_folder_diesel_toml_names(tmp_path: Path) -> None:
    """Lemmy's shape: diesel_cli 2.x names (-0000) after 1.x ones, in [migrations_directory] dir;
    versions are the names without dashes, in Diesel's (string) order; every other entry is a
    problem with its path and why; the next folder is named as the newest one is (2.x)."""
    result = scan(tmp_path, repos.DIESEL_MIXED)
    d = only(result, "diesel")
    assert d.folder == repos.DIESEL_DIR and d.config == "diesel.toml"
    assert [m.id for m in d.migrations] == [
        "00000000000000",
        "20190301101500",
        "202411020809100000",
        "20250214120000",
        "202506302359590000",
        "202603051415160000",
    ]
    assert d.migrations[2].name == "early_v2_name" and d.migrations[-1].name == "post_person_index"
    assert d.heads == ["202603051415160000"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d-\d{6}-0000", d.next_id), d.next_id
    assert d.next_id.replace("-", "") > "202603051415160000"
    assert d.next_file == f"{repos.DIESEL_DIR}/{d.next_id}_NAME/up.sql"
    assert "2.x" in d.naming
    assert codes(d) == {
        "not_a_migration": [
            f"{repos.DIESEL_DIR}/2026-04-01-000000-0000_forgot_the_up",
            f"{repos.DIESEL_DIR}/scratch",
            f"{repos.DIESEL_DIR}/seed.sql",
        ],
        "missing_down": [f"{repos.DIESEL_DIR}/2026-03-05-141516-0000_post_person_index/up.sql"],
    }
    severities = {p.path: p.severity for p in d.problems}
    assert severities[f"{repos.DIESEL_DIR}/2026-04-01-000000-0000_forgot_the_up"] == "error"  # diesel stops there
    assert all(p.message for p in d.problems)
    assert not any(f.framework == "sql" for f in result.frameworks)


def test_diesel_newest_1x_name_keeps_the_1x_style(tmp_path: Path) -> None:
    files = {k: v for k, v in repos.DIESEL_MIXED.items() if "-0000_" not in k}
    d = only(scan(tmp_path, files), "diesel")
    assert [m.id for m in d.migrations] == ["00000000000000", "20190301101500", "20250214120000"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d-\d{6}", d.next_id) and "1.x" in d.naming


def test_diesel_toml_naming_a_folder_outside_the_repository_is_a_problem(tmp_path: Path) -> None:
    result = scan(tmp_path / "repo", {"diesel.toml": '[migrations_directory]\ndir = "../../elsewhere"\n'})
    assert result.frameworks == []
    assert [(p.code, p.path) for p in result.problems] == [("unresolvable", "diesel.toml")]


def test_alembic_placeholder_script_location_is_one_problem_not_a_folder(tmp_path: Path) -> None:
    """JupyterHub's shape: `{alembic_dir}` is filled in by the application. No phantom folder (with
    a next file); the real folder is found as `alembic init` lays it out, so render can choose."""
    result = scan(tmp_path, repos.ALEMBIC_TEMPLATED)
    a = only(result, "alembic")
    assert a.folder == "hubapp/alembic/versions"
    assert [m.id for m in a.migrations] == ["aa00000000a1", "aa00000000a2", "aa00000000a3"]
    assert a.heads == ["aa00000000a3"] and a.next_file.startswith("hubapp/alembic/versions/")
    assert a.problems == []  # the base revision does nothing up, so its `pass` downgrade is complete
    unresolvable = [p for p in result.problems if p.code == "unresolvable"]
    assert [p.path for p in unresolvable] == ["hubapp/alembic.ini"]
    assert "{alembic_dir}" in unresolvable[0].message and "application" in unresolvable[0].message
    assert not any("{" in f.folder for f in result.frameworks)

    alone = scan(tmp_path / "alone", repos.ALEMBIC_TEMPLATED_ONLY)
    assert alone.frameworks == []
    assert [(p.code, p.path) for p in alone.problems] == [("unresolvable", "hubapp/alembic.ini")]


def test_alembic_package_resource_and_here_and_a_merge_with_pass_downgrade(tmp_path: Path) -> None:
    result = scan(tmp_path, repos.ALEMBIC_PACKAGE)
    folders = {f.folder: f for f in result.frameworks if f.framework == "alembic"}
    assert set(folders) == {"src/shop/db/migrations/versions", "tools/reports/schema/versions"}
    shop = folders["src/shop/db/migrations/versions"]
    assert shop.config == "alembic.ini" and shop.dialect == "postgresql"
    assert shop.heads == ["b5"] and shop.merges == ["b4"]
    assert codes(shop) == {"missing_down": ["src/shop/db/migrations/versions/b5_no_down.py"]}  # not the merge
    merge = next(m for m in shop.migrations if m.id == "b4")
    assert merge.kind == "merge" and merge.has_down is True
    assert folders["tools/reports/schema/versions"].config == "tools/reports/alembic.ini"
    assert [(p.code, p.path) for p in result.problems] == [("unresolvable", "other/alembic.ini")]
    assert "notinstalled" in result.problems[0].message


def test_up_only_folder_is_one_problem(tmp_path: Path) -> None:
    """Harbor's shape: golang-migrate names, ups only by design: one line for the folder, not one per file;
    a file there that migrate would never run is its own problem."""
    g = only(scan(tmp_path, repos.UP_ONLY), "golang-migrate")
    assert g.folder == "make/migrations/postgresql" and len(g.migrations) == 7
    assert g.heads == ["0040"] and g.next_id == "0041"
    assert codes(g) == {
        "up_only": ["make/migrations/postgresql"],
        "not_a_migration": ["make/migrations/postgresql/0041_forgot_direction.sql"],
    }
    (up_only,) = [p for p in g.problems if p.code == "up_only"]
    assert up_only.message == "up-only folder: 7 migrations have no down; rollbacks are not possible"


def test_diesel_with_a_migrations_folder_per_database(tmp_path: Path) -> None:
    """Plume keeps migrations/postgres/<stamp>_name/ and migrations/sqlite/<stamp>_name/ and a diesel.toml
    with [print_schema] only: two Diesel folders, each with its database from its name; the parent
    `migrations` is no Diesel folder of its own (it was, with two errors: 'a folder without up.sql')."""
    files: repos.Files = {"diesel.toml": '[print_schema]\nfile = "src/schema.rs"\n'}
    for backend in ("postgres", "sqlite"):
        for stamp in ("00000000000000_diesel_initial_setup", "2018-04-22-093322_create_instances"):
            files[f"migrations/{backend}/{stamp}/up.sql"] = "SELECT 1;\n"
            files[f"migrations/{backend}/{stamp}/down.sql"] = "SELECT 1;\n"
    result = scan(tmp_path, files)
    diesel = {f.folder: f for f in result.frameworks if f.framework == "diesel"}
    assert sorted(diesel) == ["migrations/postgres", "migrations/sqlite"]
    assert diesel["migrations/postgres"].dialect == "postgresql" and diesel["migrations/sqlite"].dialect == "sqlite"
    assert all(len(f.migrations) == 2 and not codes(f) for f in diesel.values())
    assert main(["find", str(tmp_path), "--strict"]) == 0
