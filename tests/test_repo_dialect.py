"""Issue 18, case 6: the repository's database decides what render plans for and what lint reads.

A Rails app on SQLite, a Django project on SQLite, a Flyway folder of MySQL SQL, a plain SQL folder
with a postgres image in docker-compose: find names the database and where it read it; render plans
for it (MySQL), or refuses with the flag that overrides it (SQLite); lint reads MySQL SQL as MySQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import repos
from migration_manager.cli import main
from migration_manager.discover import find_migrations
from migration_manager.errors import InputError
from migration_manager.server import render_migration

RAILS_SQLITE: repos.Files = {
    "Gemfile": "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem 'sqlite3'\n",
    "config/database.yml": "default: &default\n  adapter: sqlite3\n  pool: 5\ndevelopment:\n  <<: *default\n",
    "db/migrate/20240101000000_create_users.rb": (
        "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n    create_table :users\n  end\nend\n"
    ),
}
DJANGO_SQLITE: repos.Files = {
    "hc/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'hc.sqlite'}}\n",
    "hc/api/__init__.py": "",
    "hc/api/migrations/__init__.py": "",
    "hc/api/migrations/0001_initial.py": repos.django_migration([]),
}
MYSQL_FLYWAY: repos.Files = {
    "src/main/resources/db/migration/V1__users.sql": (
        "CREATE TABLE `users` (`id` int NOT NULL AUTO_INCREMENT, `email` varchar(255), PRIMARY KEY (`id`))"
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
    ),
    "src/main/resources/db/migration/V2__orders.sql": (
        "CREATE TABLE `orders` (`id` bigint unsigned NOT NULL AUTO_INCREMENT, `user_id` int, PRIMARY KEY (`id`));\n"
    ),
}
COMPOSE_POSTGRES: repos.Files = {
    "docker-compose.yml": "services:\n  db:\n    image: postgres:16-alpine\n  cache:\n    image: redis:7\n",
    "db/migrations/20260101000000_users.sql": "CREATE TABLE users (id integer PRIMARY KEY);\n",
}
CHANGE = "CREATE INDEX users_email_idx ON users (email)"


def test_find_names_the_database_and_where_it_read_it(tmp_path: Path) -> None:
    cases = {
        "rails": (RAILS_SQLITE, "sqlite", "database.yml"),
        "django": (DJANGO_SQLITE, "sqlite", "hc/settings.py"),
        "flyway": (MYSQL_FLYWAY, "mysql", "the SQL of the migrations"),
        "compose": (COMPOSE_POSTGRES, "postgresql", "docker-compose.yml: image postgres"),
    }
    for name, (files, dialect, where) in cases.items():
        found = find_migrations(repos.write(tmp_path / name, files))
        assert len(found.frameworks) == 1, (name, found.frameworks)
        f = found.frameworks[0]
        assert f.dialect == dialect, (name, f.dialect, f.dialect_source)
        assert f.dialect_source is not None and where in f.dialect_source, (name, f.dialect_source)


def test_render_refuses_a_sqlite_repository_and_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repos.write(tmp_path / "app", RAILS_SQLITE)
    assert main(["render", "--root", str(root), "--sql", CHANGE]) == 2
    err = capsys.readouterr().err
    assert "sqlite" in err and "config/database.yml" in err and "--dialect postgresql" in err
    assert main(["render", "--root", str(root), "--sql", CHANGE, "--dialect", "postgresql"]) == 0
    out = capsys.readouterr()
    assert "CONCURRENTLY" in out.out and "points to sqlite" in out.err


def test_over_mcp_the_refusal_names_the_parameter(tmp_path: Path) -> None:
    root = repos.write(tmp_path / "hc", DJANGO_SQLITE)
    with pytest.raises(InputError, match=r"sqlite .* give dialect postgresql"):
        render_migration(root=str(root), sql=CHANGE)


def test_a_mysql_repository_gets_mysql_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repos.write(tmp_path / "shop", MYSQL_FLYWAY)
    assert main(["render", "--root", str(root), "--sql", CHANGE, "--json"]) == 0
    out = capsys.readouterr()
    files = json.loads(out.out)["files"]
    text = "\n".join(f["content"] for f in files)
    assert "DO $mm$" not in text and "pg_index" not in text and "SET lock_timeout" not in text
    assert "ALGORITHM=INPLACE" in text or "LOCK=NONE" in text, text[:2000]
    assert "planned for mysql" in out.err


def test_lint_reads_mysql_sql_as_mysql_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repos.write(tmp_path / "shop", MYSQL_FLYWAY)
    main(["lint", str(root / "src/main/resources/db/migration")])
    out = capsys.readouterr().out
    assert "parse" not in out.lower(), out
    assert "linted as MySQL" in out and "--dialect postgresql" in out
    # a dialect given is a dialect kept: read as PostgreSQL, the backticks do not parse
    main(["lint", "--dialect", "postgresql", str(root / "src/main/resources/db/migration")])
    assert "linted as MySQL" not in capsys.readouterr().out


def test_a_repository_that_names_no_database_is_planned_for_postgresql_with_a_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files: repos.Files = {"db/migrations/20260101000000_users.sql": "CREATE TABLE users (id integer);\n"}
    root = repos.write(tmp_path / "plain", files)
    assert main(["render", "--root", str(root), "--sql", CHANGE]) == 0
    assert "does not say which database" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "dialect"),
    [
        ("CREATE TABLE `orders` (id int);", "mysql"),
        ("CREATE TABLE orders (id int AUTO_INCREMENT);", "mysql"),
        ("CREATE TABLE orders (id int) engine = InnoDB;", "mysql"),
        ("CREATE TABLE orders (id int) DEFAULT CHARSET=utf8mb4;", "mysql"),
        ("ALTER TABLE orders ADD COLUMN n int UNSIGNED;", "mysql"),
        ("CREATE TABLE orders (id BigSerial);", "postgresql"),
        ("CREATE INDEX concurrently i ON orders (id);", "postgresql"),
        ("SELECT '1'::int;", "postgresql"),
        ("ALTER TABLE orders ADD COLUMN j JSONB;", "postgresql"),
        ("DO $$ BEGIN END $$;", "postgresql"),
        ("create   extension pgcrypto;", "postgresql"),
        ("-- é\nCREATE TABLE orders (id ſerial);", "postgresql"),  # re.I: ſ is s, which lower() misses
        ("-- é\nCREATE TABLE orders (id int) ENGİNE=InnoDB;", "mysql"),  # and İ is i
        ("CREATE TABLE orders (id int);", None),
    ],
)
def test_each_mark_of_a_dialect_is_found_alone(text: str, dialect: str | None) -> None:
    """The sniff's quick word check before its patterns never hides a mark (dialect_sniff.py)."""
    from migration_manager.dialect_sniff import from_sql

    assert from_sql([text]) == dialect


RAILS_SQLITE_INDEX: repos.Files = {
    **RAILS_SQLITE,
    ".git/HEAD": "ref: refs/heads/main\n",
    "db/migrate/20240102000000_add_email_index.rb": (
        "class AddEmailIndex < ActiveRecord::Migration[7.1]\n  def change\n    add_index :users, :email\n  end\nend\n"
    ),
}


def test_lint_refuses_a_sqlite_repository_and_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """lobsters: find and render know it is SQLite; lint linted it as PostgreSQL 16, a CI green
    that meant nothing. Refused (exit 2) from the repository's root or from elsewhere."""
    root = repos.write(tmp_path / "app", RAILS_SQLITE_INDEX)
    assert main(["lint", "--no-cache", str(root / "db/migrate")]) == 2
    err = capsys.readouterr().err
    assert "sqlite (config/database.yml" in err and "--dialect postgresql" in err, err
    # given, it is what lint checks: the index on users is found
    assert main(["lint", "--no-cache", "--dialect", "postgresql", str(root / "db/migrate")]) == 0  # warnings
    assert "index-without-concurrently" in capsys.readouterr().out
    (root / "pyproject.toml").write_text('[tool.migration-manager]\ndialect = "postgresql"\n')
    assert main(["lint", "--no-cache", str(root / "db/migrate")]) == 0  # configured: the same
    assert "index-without-concurrently" in capsys.readouterr().out


def test_over_mcp_lint_refuses_a_sqlite_repository_naming_the_parameter(tmp_path: Path) -> None:
    from migration_manager.server import lint_sql

    root = repos.write(tmp_path / "hc", DJANGO_SQLITE)
    with pytest.raises(InputError, match=r"sqlite \(hc/settings.py.* give dialect postgresql"):
        lint_sql(root=str(root), paths=["hc/api/migrations"])
    assert lint_sql(root=str(root), paths=["hc/api/migrations"], dialect="postgresql").files


def test_lint_of_a_postgresql_or_unnamed_repository_is_not_refused(tmp_path: Path) -> None:
    from migration_manager.server import lint_sql

    for name, files in {"compose": COMPOSE_POSTGRES, "shop": MYSQL_FLYWAY}.items():
        root = repos.write(tmp_path / name, files)
        folder = "db/migrations" if name == "compose" else "src/main/resources/db/migration"
        assert lint_sql(root=str(root), paths=[folder]).files


def test_lint_reads_the_database_find_reads(tmp_path: Path) -> None:
    """lint's reading (lint/repo_dialect.py, without find: no pydantic) names what find names."""
    from migration_manager.lint.repo_dialect import named_databases

    for name, files in {"rails": RAILS_SQLITE, "django": DJANGO_SQLITE, "compose": COMPOSE_POSTGRES}.items():
        root = repos.write(tmp_path / name, files)
        f = find_migrations(root).frameworks[0]
        assert f.dialect in named_databases(root), (name, f.dialect, named_databases(root))
