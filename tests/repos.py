"""Fixture repositories shaped like real projects, written into a temporary folder by the tests."""

from __future__ import annotations

from pathlib import Path

Files = dict[str, str | bytes]


def write(root: Path, files: Files) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def alembic_revision(rev: str, down: str | tuple[str, ...] | None, *, downgrade: str = "op.drop_table('t')") -> str:
    return f'''"""a revision

Revision ID: {rev}
"""
from alembic import op
import sqlalchemy as sa

revision: str = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("t", sa.Column("id", sa.Integer))


def downgrade() -> None:
    {downgrade}
'''


ALEMBIC_TWO_HEADS: Files = {
    "alembic.ini": "[alembic]\nscript_location = %(here)s/alembic\n"
    "sqlalchemy.url = postgresql+psycopg://app@db/app\n\n[loggers]\nkeys = root\n",
    "alembic/env.py": "from alembic import context\n",
    "alembic/script.py.mako": "${up_revision}\n",
    "alembic/versions/1a2b3c4d5e6f_create_users.py": alembic_revision("1a2b3c4d5e6f", None),
    "alembic/versions/2b3c4d5e6f70_add_email.py": alembic_revision("2b3c4d5e6f70", "1a2b3c4d5e6f"),
    "alembic/versions/3c4d5e6f7081_add_orders.py": alembic_revision("3c4d5e6f7081", "2b3c4d5e6f70"),
    "alembic/versions/4d5e6f708192_add_index.py": alembic_revision("4d5e6f708192", "2b3c4d5e6f70", downgrade="pass"),
    "app/models.py": "class User: ...\n",
}

ALEMBIC_MERGED: Files = {
    **ALEMBIC_TWO_HEADS,
    "alembic/versions/5e6f708192a3_merge.py": alembic_revision("5e6f708192a3", ("3c4d5e6f7081", "4d5e6f708192")),
}

ALEMBIC_BROKEN: Files = {
    "migrations/env.py": "",
    "migrations/versions/aaa_first.py": alembic_revision("aaa", None),
    "migrations/versions/bbb_second.py": alembic_revision("bbb", "zzz"),
    "migrations/versions/ccc_syntax.py": "revision = 'ccc'\ndown_revision = ('aaa',\n",
    "migrations/versions/fff_body_error.py": "revision = 'fff'\ndown_revision = 'aaa'\n\n"
    "def upgrade(:\n    pass\n\ndef downgrade():\n    op.drop_table('x')\n",
    "migrations/versions/ddd_dup.py": alembic_revision("aaa", None),
    "migrations/versions/eee_binary.py": b"\x00\x01revision",
}

RAILS_WITH_LIQUIBASE: Files = {
    "Gemfile": "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\n",
    "config/database.yml": "default: &default\n  adapter: postgresql\n  encoding: unicode\n"
    "development:\n  <<: *default\n  database: app_dev\n",
    "db/migrate/20240101120000_create_users.rb": "class CreateUsers < ActiveRecord::Migration[7.1]\n"
    "  def change\n    create_table :users\n  end\nend\n",
    "db/migrate/20240202120000_add_email_to_users.rb": "class AddEmailToUsers < ActiveRecord::Migration[7.1]\n"
    "  def up\n    add_column :users, :email, :string\n  end\nend\n",
    "db/migrate/20240303120000_add_name_to_users.rb": "class AddFullName < ActiveRecord::Migration[7.1]\n"
    "  def change\n    add_column :users, :name, :string\n  end\nend\n",
    "db/schema.rb": "ActiveRecord::Schema[7.1].define(version: 2024_02_02_120000) do\nend\n",
    "db/analytics_migrate/20240105000000_create_events.rb": "class CreateEvents < ActiveRecord::Migration[7.1]\n"
    "  def change\n    create_table :events\n  end\nend\n",
    "db/changelog/db.changelog-master.yaml": """databaseChangeLog:
  - include:
      file: changes/001-create-audit.xml
      relativeToChangelogFile: true
  - includeAll:
      path: changes/sql/
      relativeToChangelogFile: true
  - include:
      file: changes/999-missing.xml
      relativeToChangelogFile: true
  - changeSet:
      id: "10"
      author: ops
      context: prod
      changes:
        - addColumn:
            tableName: audit
            columns:
              - column: {name: note, type: text}
""",
    "db/changelog/changes/001-create-audit.xml": """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
  <changeSet id="1" author="alice" labels="audit">
    <createTable tableName="audit"><column name="id" type="bigint"/></createTable>
  </changeSet>
  <changeSet id="2" author="alice">
    <sql>UPDATE audit SET id = id</sql>
  </changeSet>
</databaseChangeLog>
""",
    "db/changelog/changes/sql/002-index.sql": """--liquibase formatted sql

--changeset bob:3 runInTransaction:false
CREATE INDEX CONCURRENTLY audit_id_idx ON audit (id);
--rollback DROP INDEX CONCURRENTLY audit_id_idx;
""",
    "liquibase.properties": "changeLogFile: db/changelog/db.changelog-master.yaml\n"
    "url: jdbc:postgresql://localhost:5432/app\n",
}

FLYWAY: Files = {
    "flyway.conf": "flyway.url=jdbc:postgresql://localhost/app\nflyway.locations=filesystem:db/migration\n",
    "db/migration/V1__init.sql": "CREATE TABLE a (id int);\n",
    "db/migration/V1.1__second.sql": "SELECT 1;\n",
    "db/migration/V1_1__same_version.sql": "SELECT 1;\n",
    "db/migration/V1.9__nine.sql": "SELECT 1;\n",
    "db/migration/V1.10__ten.sql": "SELECT 1;\n",
    "db/migration/V2__users.sql": "CREATE TABLE users (id int);\n",
    "db/migration/U2__users.sql": "DROP TABLE users;\n",
    "db/migration/U7__nothing.sql": "SELECT 1;\n",
    "db/migration/R__views.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
}

PLAIN_SQL: Files = {
    "migrations/20260101000000_create_users.sql": "CREATE TABLE users (id int);\n",
    "migrations/20260101000000_create_users_down.sql": "DROP TABLE users;\n",
    "migrations/20260102000000_add_email.sql": "ALTER TABLE users ADD COLUMN email text;\n",
    "migrations/20260105000000_missing_up_down.sql": "SELECT 1;\n",
    "migrations/29990101000000_from_the_future.sql": "SELECT 1;\n",
    "migrations/29990101000000_from_the_future_down.sql": "SELECT 1;\n",
}

GOLANG_DBMATE_DIESEL_PRISMA: Files = {
    "go/migrations/000001_init.up.sql": "CREATE TABLE a (id int);",
    "go/migrations/000001_init.down.sql": "DROP TABLE a;",
    "go/migrations/000002_add_b.up.sql": "CREATE TABLE b (id int);",
    "db/migrations/20260101000000_create_things.sql": "-- migrate:up\nCREATE TABLE t (id int);\n\n"
    "-- migrate:down\nDROP TABLE t;\n",
    "db/migrations/20260102000000_no_down.sql": "-- migrate:up\nCREATE TABLE u (id int);\n\n-- migrate:down\n",
    "rust/migrations/00000000000000_diesel_initial_setup/up.sql": "SELECT 1;",
    "rust/migrations/00000000000000_diesel_initial_setup/down.sql": "SELECT 1;",
    "rust/migrations/2026-01-01-000000_create_posts/up.sql": "CREATE TABLE posts (id int);",
    "rust/migrations/2026-01-01-000000_create_posts/down.sql": "DROP TABLE posts;",
    "web/prisma/migrations/20260101000000_init/migration.sql": "CREATE TABLE p (id int);",
    "web/prisma/migrations/20260201000000_add_q/migration.sql": "CREATE TABLE q (id int);",
    "web/prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
}


def django_migration(deps: list[tuple[str, str]]) -> str:
    return (
        f"from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        f"    dependencies = {deps!r}\n    operations = []\n"
    )


DJANGO: Files = {
    "manage.py": "",
    "site/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'app'}}\n",
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": django_migration([]),
    "shop/migrations/0002_product_price.py": django_migration([("shop", "0001_initial")]),
    "shop/migrations/0003_a.py": django_migration([("shop", "0002_product_price")]),
    "shop/migrations/0003_b.py": django_migration([("shop", "0002_product_price"), ("auth", "0012_x")]),
    "blog/migrations/__init__.py": "",
    "blog/migrations/0001_initial.py": django_migration([("shop", "0001_initial")]),
}

SWAPPABLE = "migrations.swappable_dependency(settings.AUTH_USER_MODEL)"


def django_module(*deps: str, replaces: str = "", run_before: str = "") -> str:
    """A migration as makemigrations writes one: `deps` are Python source, e.g. SWAPPABLE or
    '("api", "0001_initial")'; `replaces` / `run_before` are the source of those lists."""
    lines = ["    dependencies = [", *(f"        {d}," for d in deps), "    ]"]
    if replaces:
        lines.append(f"    replaces = {replaces}")
    if run_before:
        lines.append(f"    run_before = {run_before}")
    return (
        "# Generated by Django 5.1\n\nimport django.db.models.deletion\nfrom django.conf import settings\n"
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        + "\n".join(lines)
        + "\n\n    operations = [\n        migrations.AddField(\n            model_name='x',\n"
        "            name='y',\n            field=models.IntegerField(default=0),\n        ),\n    ]\n"
    )


HC_SETTINGS = (
    "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'hc'}}\n"
    "INSTALLED_APPS = ['django.contrib.auth', 'django.contrib.contenttypes', 'hc.accounts', 'hc.api', 'hc.front',"
    " 'hc.logs', 'hc.payments']\n"
)


# The shape of healthchecks/healthchecks: apps under hc/, every FK to the user model a
# swappable_dependency (AUTH_USER_MODEL not set: django.contrib.auth's User), cross-app
# dependencies, plus what other projects do: a squashed migration beside the ones it replaces
# (and a later one depending on a replaced one), two files with one number in a line and two on
# branches a merge joins, run_before, ("app", "__first__"), and an app whose migrations package is empty.
DJANGO_HEALTHCHECKS: Files = {
    "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hc.settings')\n",
    "hc/__init__.py": "",
    "hc/settings.py": HC_SETTINGS,
    "hc/accounts/__init__.py": "",
    "hc/accounts/migrations/__init__.py": "",
    "hc/accounts/migrations/0001_initial.py": django_module(SWAPPABLE),
    "hc/accounts/migrations/0002_profile_ping_log_limit.py": django_module('("accounts", "0001_initial")'),
    "hc/accounts/migrations/0003_member.py": django_module(SWAPPABLE, '("accounts", "0002_profile_ping_log_limit")'),
    "hc/accounts/migrations/0004_profile_tz.py": django_module('("accounts", "0003_member")'),
    "hc/accounts/migrations/0004_profile_theme.py": django_module('("accounts", "0004_profile_tz")'),
    "hc/accounts/migrations/0005_alter_profile_user.py": django_module(SWAPPABLE, '("accounts", "0004_profile_theme")'),
    "hc/api/__init__.py": "",
    "hc/api/migrations/__init__.py": "",
    "hc/api/migrations/0001_initial.py": django_module(SWAPPABLE),
    "hc/api/migrations/0002_check_grace.py": django_module('("api", "0001_initial")'),
    "hc/api/migrations/0003_channel.py": django_module(
        SWAPPABLE, '("api", "0002_check_grace")', '("accounts", "0003_member")'
    ),
    "hc/api/migrations/0001_squashed_0003_channel.py": django_module(
        SWAPPABLE,
        '("accounts", "0003_member")',
        replaces='[("api", "0001_initial"), ("api", "0002_check_grace"), ("api", "0003_channel")]',
    ),
    "hc/api/migrations/0004_alter_channel_kind.py": django_module('("api", "0003_channel")'),
    "hc/front/__init__.py": "",
    "hc/front/migrations/__init__.py": "",
    "hc/logs/__init__.py": "",
    "hc/logs/migrations/__init__.py": "",
    "hc/logs/migrations/0001_initial.py": django_module('("api", "__first__")'),
    "hc/logs/migrations/0002_record_host.py": django_module('("logs", "0001_initial")'),
    "hc/logs/migrations/0003_record_level.py": django_module('("logs", "0002_record_host")'),
    "hc/logs/migrations/0003_record_host_idx.py": django_module('("logs", "0002_record_host")'),
    "hc/logs/migrations/0004_merge_20260101_1200.py": django_module(
        '("logs", "0003_record_level")', '("logs", "0003_record_host_idx")'
    ),
    "hc/payments/__init__.py": "",
    "hc/payments/migrations/__init__.py": "",
    "hc/payments/migrations/0001_initial.py": django_module(SWAPPABLE),
    "hc/payments/migrations/0002_subscription_plan_id.py": django_module(
        '("payments", "0001_initial")', run_before='[("payments", "0003_subscription_setup_date")]'
    ),
    "hc/payments/migrations/0003_subscription_setup_date.py": django_module('("payments", "0001_initial")'),
    "hc/payments/migrations/0004_alter_subscription_user.py": django_module(
        SWAPPABLE, '("payments", "0003_subscription_setup_date")'
    ),
}

# The same with a custom user model in an app of the repository (AUTH_USER_MODEL in the settings).
DJANGO_CUSTOM_USER: Files = {
    **DJANGO_HEALTHCHECKS,
    "hc/settings.py": HC_SETTINGS
    + 'INSTALLED_APPS.append("hc.users.apps.UsersConfig")\nAUTH_USER_MODEL = "users.User"\n',
    "hc/users/__init__.py": "",
    "hc/users/apps.py": "from django.apps import AppConfig\n\n\nclass UsersConfig(AppConfig):\n    name = 'hc.users'\n",
    "hc/users/models.py": "from django.contrib.auth.models import AbstractUser\n\n\nclass User(AbstractUser):\n"
    "    pass\n",
    "hc/users/migrations/__init__.py": "",
    "hc/users/migrations/0001_initial.py": django_module(),
}

# Entries of migrations folders that Django would not load as migrations, or find cannot read.
DJANGO_ODD_ENTRIES: Files = {
    **DJANGO_HEALTHCHECKS,
    "hc/accounts/migrations/README.md": "How we migrate\n",
    "hc/accounts/migrations/utils.py": "def forwards(apps, schema_editor):\n    pass\n",
    "hc/accounts/migrations/_helpers.py": "X = 1\n",
    "hc/accounts/migrations/0006_broken.py": "class Migration(migrations.Migration:\n",
    "hc/accounts/migrations/sql/0001_views.sql": "SELECT 1;\n",
    "hc/accounts/migrations/tasks/__init__.py": "",
    "hc/payments/migrations/0005_dynamic.py": django_module(
        '("payments", "0004_alter_subscription_user")', "EXTRA_DEPENDENCY", '("accounts", "0099_missing")'
    ),
    "hc/logs/migrations/0005_computed.py": django_module().replace(
        "    dependencies = [\n    ]", "    dependencies = computed()"
    ),
    "hc/logs/migrations/0006_binary.py": b"\x00\x01class Migration",
}

NOISE: Files = {
    ".git/objects/20260101000000_fake.sql": "SELECT 1;",
    "node_modules/pkg/migrations/20260101000000_fake.sql": "SELECT 1;",
    ".venv/lib/alembic/versions/x.py": "revision = 'x'",
    "build/db/migrate/20240101000000_fake.rb": "class Fake < ActiveRecord::Migration[7.1]; end",
}


# Diesel as a Lemmy-like project keeps it: diesel.toml naming the folder, `diesel setup`'s
# initial folder, diesel_cli 1.x names, then 2.x names (-0000 after the time) for the newest;
# one 2.x migration made with --no-down. Versions sort as strings once the dashes are gone, so a
# 2.x name dated before a 1.x one runs before it, although its version has more digits.
DIESEL_DIR = "crates/db_schema/migrations"


def _diesel(name: str, up: str, down: str | None = "SELECT 1;\n") -> Files:
    files: Files = {f"{DIESEL_DIR}/{name}/up.sql": up}
    if down is not None:
        files[f"{DIESEL_DIR}/{name}/down.sql"] = down
    return files


DIESEL_MIXED: Files = {
    "Cargo.toml": '[package]\nname = "forum"\n\n[dependencies]\ndiesel = { version = "2.2" }\n',
    "diesel.toml": '[print_schema]\nfile = "crates/db_schema/src/schema.rs"\n\n'
    '[migrations_directory]\ndir = "crates/db_schema/migrations"\n',
    **_diesel("00000000000000_diesel_initial_setup", "SELECT 1;\n"),
    **_diesel("2019-03-01-101500_create_person", "CREATE TABLE person (id serial PRIMARY KEY, name text);\n"),
    **_diesel("2024-11-02-080910-0000_early_v2_name", "CREATE TABLE board (id serial PRIMARY KEY);\n"),
    **_diesel("2025-02-14-120000_add_person_bio", "ALTER TABLE person ADD COLUMN bio text;\n"),
    **_diesel("2025-06-30-235959-0000_create_post", "CREATE TABLE post (id serial PRIMARY KEY, person_id int);\n"),
    **_diesel("2026-03-05-141516-0000_post_person_index", "CREATE INDEX post_person_idx ON post (person_id);\n", None),
    f"{DIESEL_DIR}/.gitkeep": "",
    f"{DIESEL_DIR}/.diesel_lock": "",
    f"{DIESEL_DIR}/README.md": "How we write migrations.\n",
    f"{DIESEL_DIR}/seed.sql": "INSERT INTO person (name) VALUES ('admin');\n",
    f"{DIESEL_DIR}/2026-04-01-000000-0000_forgot_the_up/down.sql": "SELECT 1;\n",
    f"{DIESEL_DIR}/scratch/up.sql": "SELECT 1;\n",
    "crates/db_schema/src/schema.rs": "// @generated by diesel\n",
}

# JupyterHub-like: alembic.ini inside the package says `script_location = {alembic_dir}`, which
# the application fills in before it runs Alembic; the real folder is <package>/alembic.
ALEMBIC_TEMPLATED: Files = {
    "setup.py": "from setuptools import setup\nsetup(name='hubapp')\n",
    "hubapp/__init__.py": "",
    "hubapp/alembic.ini": "[alembic]\nscript_location = {alembic_dir}\nsqlalchemy.url = {db_url}\n\n"
    "[loggers]\nkeys = root\n",
    "hubapp/dbutil.py": "ALEMBIC_DIR = os.path.join(os.path.dirname(__file__), 'alembic')\n",
    "hubapp/alembic/env.py": "from alembic import context\n",
    "hubapp/alembic/script.py.mako": "${up_revision}\n",
    "hubapp/alembic/versions/aa00000000a1_base.py": alembic_revision("aa00000000a1", None, downgrade="pass").replace(
        'op.create_table("t", sa.Column("id", sa.Integer))', "pass"
    ),
    "hubapp/alembic/versions/aa00000000a2_add_users.py": alembic_revision("aa00000000a2", "aa00000000a1"),
    "hubapp/alembic/versions/aa00000000a3_add_tokens.py": alembic_revision("aa00000000a3", "aa00000000a2"),
}

# The same placeholder, with no folder laid out as `alembic init` makes it: nothing to find.
ALEMBIC_TEMPLATED_ONLY: Files = {
    "hubapp/__init__.py": "",
    "hubapp/alembic.ini": "[alembic]\nscript_location = ${ALEMBIC_DIR}\n",
}

# script_location as a package resource (`package:folder`), the package under src/, and
# %(here)s in a second, separate ini; a merge revision whose downgrade() is `pass`.
ALEMBIC_PACKAGE: Files = {
    "pyproject.toml": '[project]\nname = "shop"\n',
    "alembic.ini": "[alembic]\nscript_location = shop.db:migrations\nsqlalchemy.url = postgresql://app@db/shop\n",
    "src/shop/__init__.py": "",
    "src/shop/db/__init__.py": "",
    "src/shop/db/migrations/env.py": "from alembic import context\n",
    "src/shop/db/migrations/versions/b1_init.py": alembic_revision("b1", None),
    "src/shop/db/migrations/versions/b2_left.py": alembic_revision("b2", "b1"),
    "src/shop/db/migrations/versions/b3_right.py": alembic_revision("b3", "b1"),
    "src/shop/db/migrations/versions/b4_merge.py": alembic_revision("b4", ("b2", "b3"), downgrade="pass"),
    "src/shop/db/migrations/versions/b5_no_down.py": alembic_revision("b5", "b4", downgrade="pass"),
    "tools/reports/alembic.ini": "[alembic]\nscript_location = %(here)s/schema\n",
    "tools/reports/schema/env.py": "from alembic import context\n",
    "tools/reports/schema/versions/c1_init.py": alembic_revision("c1", None),
    "other/alembic.ini": "[alembic]\nscript_location = notinstalled:migrations\n",
}


# version_locations: the revisions of one graph in two folders (the newest in the second one).
ALEMBIC_TWO_LOCATIONS: Files = {
    "alembic.ini": "[alembic]\nscript_location = %(here)s/alembic\n"
    "version_locations = %(here)s/alembic/versions %(here)s/alembic/more\n"
    "sqlalchemy.url = postgresql+psycopg://app@db/app\n",
    "alembic/env.py": "from alembic import context\n",
    "alembic/script.py.mako": "${up_revision}\n",
    "alembic/versions/a1a1a1a1a1a1_create_users.py": alembic_revision("a1a1a1a1a1a1", None),
    "alembic/more/b2b2b2b2b2b2_add_email.py": alembic_revision("b2b2b2b2b2b2", "a1a1a1a1a1a1"),
}


def neutron_like(*, recursive: bool) -> Files:
    """Neutron's shape: revisions in versions/<release>/{expand,contract}/, one graph whose head is in
    the newest release's contract folder; recursive_version_locations reads the subfolders."""
    return {
        "net/db/migration/alembic.ini": "[alembic]\nscript_location = %(here)s/alembic_migrations\n"
        "version_locations = %(here)s/alembic_migrations/versions\n"
        + ("recursive_version_locations = true\n" if recursive else ""),
        "net/db/migration/alembic_migrations/env.py": "from alembic import context\n",
        "net/db/migration/alembic_migrations/versions/c0c0c0c0c0c0_initial.py": alembic_revision("c0c0c0c0c0c0", None),
        "net/db/migration/alembic_migrations/versions/2024.1/expand/e1e1e1e1e1e1_add_col.py": alembic_revision(
            "e1e1e1e1e1e1", "c0c0c0c0c0c0"
        ),
        "net/db/migration/alembic_migrations/versions/2024.1/contract/d1d1d1d1d1d1_drop_col.py": alembic_revision(
            "d1d1d1d1d1d1", "e1e1e1e1e1e1"
        ),
        "net/db/migration/alembic_migrations/versions/2025.1/expand/e2e2e2e2e2e2_add_table.py": alembic_revision(
            "e2e2e2e2e2e2", "d1d1d1d1d1d1"
        ),
    }


def dispatch_like(*, template: bool = True) -> Files:
    """Dispatch's shape: file_template in [alembic], script_location in the [core] and [tenant]
    sections its CLI picks; every revision file is named <date>_<rev>.py."""
    base = "src/dispatch/database/revisions"
    files: Files = {
        "src/dispatch/alembic.ini": "[alembic]\n"
        + ("file_template = %%(year)d-%%(month).2d-%%(day).2d_%%(rev)s\n" if template else "")
        + "\n[core]\nscript_location = %(here)s/database/revisions/core\n"
        "version_locations = %(here)s/database/revisions/core/versions\n\n"
        "[tenant]\nscript_location = %(here)s/database/revisions/tenant\n"
        "version_locations = %(here)s/database/revisions/tenant/versions\n",
        f"{base}/core/env.py": "from alembic import context\n",
        f"{base}/tenant/env.py": "from alembic import context\n",
        f"{base}/core/versions/2024-03-01_c1c1c1c1c1c1.py": alembic_revision("c1c1c1c1c1c1", None),
        f"{base}/core/versions/2025-08-28_c2c2c2c2c2c2.py": alembic_revision("c2c2c2c2c2c2", "c1c1c1c1c1c1"),
        f"{base}/tenant/versions/2024-03-01_t1t1t1t1t1t1.py": alembic_revision("t1t1t1t1t1t1", None),
        f"{base}/tenant/versions/2025-08-28_t2t2t2t2t2t2.py": alembic_revision("t2t2t2t2t2t2", "t1t1t1t1t1t1"),
    }
    return files


# Harbor-like: golang-migrate-style up files only, sequence numbers with gaps, no downs by design.
def _up_only() -> Files:
    files: Files = {}
    for n, version in enumerate(("0001", "0002", "0010", "0015", "0030", "0031", "0040"), start=1):
        files[f"make/migrations/postgresql/{version}_{n}.0.0_schema.up.sql"] = f"CREATE TABLE t{n} (id int);\n"
    return files


UP_ONLY: Files = {
    **_up_only(),
    "make/migrations/postgresql/0041_forgot_direction.sql": "SELECT 1;\n",
    "make/migrations/postgresql/embed.go": "package migrations\n",
    "src/main.go": "package main\n",
}
