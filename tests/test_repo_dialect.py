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


# A Spring service run on MariaDB: the compose image says mariadb, the JDBC URLs say mysql (MariaDB
# takes MySQL's protocol and Connector/J); the SQL carries no mark of either.
MARIADB_SPRING: repos.Files = {
    "docker-compose.yml": "services:\n  db:\n    image: mariadb:11.4\n",
    "src/main/resources/application.properties": "spring.datasource.url=jdbc:mysql://db:3306/shop\n",
    "src/test/resources/application-test.properties": "spring.datasource.url=jdbc:mysql://localhost/shop_test\n",
    "src/main/resources/db/migration/V1__users.sql": "CREATE TABLE users (id int PRIMARY KEY, email varchar(255));\n",
}


def test_a_mariadb_image_with_jdbc_mysql_urls_is_mariadb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repos.write(tmp_path / "shop", MARIADB_SPRING)
    [f] = find_migrations(root).frameworks
    assert f.dialect == "mariadb" and f.dialect_source == "docker-compose.yml: image mariadb (and 2 more)"
    assert main(["render", "--root", str(root), "--sql", CHANGE, "--json"]) == 0
    out = capsys.readouterr()
    text = "\n".join(f["content"] for f in json.loads(out.out)["files"])
    assert "ALGORITHM=INPLACE" in text and "CONCURRENTLY" not in text, text[:2000]
    assert "planned for mariadb: the repository says so (docker-compose.yml: image mariadb" in out.err, out.err
    assert "does not say which database" not in out.err


def test_a_repository_naming_several_databases_says_which_and_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files: repos.Files = {
        **MARIADB_SPRING,
        "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n  legacy:\n    image: mariadb:11.4\n",
        ".env": "DATABASE_URL=postgres://app@db/app\n",
    }
    root = repos.write(tmp_path / "mixed", files)
    [f] = find_migrations(root).frameworks
    assert f.dialect is None
    assert f.dialect_source == (
        "the repository names several databases: mariadb (docker-compose.yml: image mariadb; "
        "src/main/resources/application.properties: jdbc:mysql; src/test/resources/application-test.properties: "
        "jdbc:mysql), postgresql (.env: postgres:// URL; docker-compose.yml: image postgres)"
    )
    assert main(["render", "--root", str(root), "--sql", CHANGE]) == 0
    err = capsys.readouterr().err
    assert "the repository names several databases: mariadb (" in err and "planned for PostgreSQL" in err, err
    assert "does not say which database" not in err
    assert main(["find", str(root)]) in (0, 1)
    assert "database: unclear (the repository names several databases" in capsys.readouterr().out


# Kestra's shape: a Micronaut module per database, H2's Flyway folder migrations/h2, the H2 driver in
# build.gradle; H2's SQL has AUTO_INCREMENT and ENUM, which read as MySQL.
H2_SQL = (
    'CREATE TABLE IF NOT EXISTS queues (\n    "key" VARCHAR(250) NOT NULL PRIMARY KEY,\n'
    "    \"offset\" INT NOT NULL AUTO_INCREMENT,\n    \"type\" ENUM('execution', 'flow') NOT NULL\n);\n"
)
KESTRA_H2: repos.Files = {
    "jdbc-h2/build.gradle": "dependencies {\n    implementation 'com.h2database:h2'\n}\n",
    "jdbc-h2/src/main/resources/application.yml": "flyway:\n  datasources:\n    h2:\n      enabled: true\n"
    "      locations:\n        - classpath:migrations/h2\n",
    "jdbc-h2/src/main/resources/migrations/h2/V1_1__initial.sql": H2_SQL,
    "jdbc-h2/src/main/resources/migrations/h2/V1_2__index.sql": 'CREATE INDEX queues_type ON queues ("type");\n',
}


def test_an_h2_folder_is_h2_refused_by_render_and_not_linted_as_mysql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repos.write(tmp_path / "kestra", KESTRA_H2)
    [f] = find_migrations(root).frameworks
    assert f.dialect == "h2" and f.dialect_source == "the folder name jdbc-h2/src/main/resources/migrations/h2"
    assert main(["render", "--root", str(root), "--sql", CHANGE]) == 2
    err = capsys.readouterr().err
    assert "database is h2" in err and "--dialect mysql" in err and "ALGORITHM" not in err, err
    folder = root / "jdbc-h2/src/main/resources/migrations/h2"
    main(["lint", "--no-cache", "--format", "json", str(folder)])
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == [] and report["dialect"] == "postgresql", report
    assert len(report["skipped"]) == 2 and all("H2 SQL" in s and "--dialect" in s for s in report["skipped"])
    main(["lint", "--no-cache", "--format", "json", "--dialect", "mysql", str(folder)])  # asked: linted
    assert json.loads(capsys.readouterr().out)["files"], "given --dialect, the H2 folder is linted"


@pytest.mark.parametrize(
    "hint",
    [
        {"src/main/resources/application.properties": "spring.datasource.url=jdbc:h2:mem:app\n"},
        {"build.gradle": "dependencies {\n    runtimeOnly 'com.h2database:h2:2.2.224'\n}\n"},
    ],
    ids=["jdbc_h2_url", "h2_driver"],
)
def test_auto_increment_is_no_proof_of_mysql_where_the_repository_names_h2(tmp_path: Path, hint: repos.Files) -> None:
    files: repos.Files = {"src/main/resources/db/migration/V1__queues.sql": H2_SQL, **hint}
    [f] = find_migrations(repos.write(tmp_path / "h2", files)).frameworks
    assert f.dialect == "h2" and f.dialect_source is not None and "h2" in f.dialect_source.lower(), f
    # beside MySQL (production MySQL, tests on H2), AUTO_INCREMENT still says MySQL
    files["src/main/resources/application-prod.properties"] = "spring.datasource.url=jdbc:mysql://db/app\n"
    [f] = find_migrations(repos.write(tmp_path / "both", files)).frameworks
    assert f.dialect == "mysql", f


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
