"""CONCURRENTLY in the transaction a SQL-file migration tool opens (lint/sql_runner.py): dbmate
and Diesel run a migration in a transaction unless its marker says otherwise, and they and
golang-migrate send a file as one query string, which PostgreSQL runs as one transaction block
when it holds several statements. Flyway runs a migration with CONCURRENTLY outside a transaction
unless its .sql.conf says executeInTransaction=true. Each flagged file is shown to fail on the
machine's PostgreSQL 15 the way its tool sends it (dbmate itself; golang-migrate and Diesel sent
as one string, see test_render_statement_files.py), and each passed file to succeed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

import repos
from conftest import Server
from migration_manager.lint.config import LintConfig
from migration_manager.lint.engine import lint_paths
from test_render_statement_files import dbmate, send_as_one_query

CREATE = "CREATE TABLE account (id bigint PRIMARY KEY, email text);\n"
INDEX = "CREATE INDEX CONCURRENTLY account_email_idx ON account (email);\n"
TIMEOUT = "SET lock_timeout = '3s';\n"

DBMATE: repos.Files = {
    "db/migrations/20240101000000_create_account.sql": f"-- migrate:up\n{CREATE}\n-- migrate:down\n"
    "DROP TABLE account;\n",
    # in dbmate's transaction
    "db/migrations/20240102000000_index_email.sql": f"-- migrate:up\n{INDEX}\n-- migrate:down\n"
    "DROP INDEX CONCURRENTLY account_email_idx;\n",
    # outside it, alone: fine (the down is never linted: it is no up)
    "db/migrations/20240103000000_index_email_again.sql": "-- migrate:up transaction:false\n"
    "CREATE INDEX CONCURRENTLY account_email2_idx ON account (email);\n\n-- migrate:down transaction:false\n"
    "BEGIN;\nDROP INDEX CONCURRENTLY account_email2_idx;\nCOMMIT;\n",
    # outside it, but not alone: one query string
    "db/migrations/20240104000000_index_email_timeout.sql": f"-- migrate:up transaction:false\n{TIMEOUT}"
    "CREATE INDEX CONCURRENTLY account_email3_idx ON account (email);\n\n-- migrate:down\nSELECT 1;\n",
}
GOLANG: repos.Files = {
    "migrations/000001_create_account.up.sql": CREATE,
    "migrations/000001_create_account.down.sql": "DROP TABLE account;\n",
    "migrations/000002_index_email.up.sql": INDEX,  # alone: fine
    "migrations/000002_index_email.down.sql": "DROP INDEX CONCURRENTLY account_email_idx;\n",
    "migrations/000003_index_email_timeout.up.sql": TIMEOUT
    + "CREATE INDEX CONCURRENTLY account_email3_idx ON account (email);\n",
    "migrations/000003_index_email_timeout.down.sql": "SELECT 1;\n",
}
DIESEL: repos.Files = {
    "diesel.toml": '[migrations_directory]\ndir = "migrations"\n',
    "migrations/2024-01-01-000000_create_account/up.sql": CREATE,
    "migrations/2024-01-01-000000_create_account/down.sql": "DROP TABLE account;\n",
    "migrations/2024-01-02-000000_index_email/up.sql": INDEX,  # in Diesel's transaction
    "migrations/2024-01-02-000000_index_email/down.sql": "SELECT 1;\n",
    "migrations/2024-01-03-000000_index_email_again/up.sql": "CREATE INDEX CONCURRENTLY account_email2_idx "
    "ON account (email);\n",
    "migrations/2024-01-03-000000_index_email_again/down.sql": "SELECT 1;\n",
    "migrations/2024-01-03-000000_index_email_again/metadata.toml": "run_in_transaction = false\n",
}
FLYWAY: repos.Files = {
    "src/main/resources/db/migration/V1__create_account.sql": CREATE,
    "src/main/resources/db/migration/V2__index_email.sql": INDEX,  # Flyway runs it outside a transaction
    "src/main/resources/db/migration/V3__index_email_again.sql": "CREATE INDEX CONCURRENTLY account_email2_idx "
    "ON account (email);\n",
    "src/main/resources/db/migration/V3__index_email_again.sql.conf": "executeInTransaction=true\n",
    # mixed with another statement: Flyway refuses it (unless flyway.mixed=true)
    "src/main/resources/db/migration/V4__index_email_timeout.sql": TIMEOUT
    + "CREATE INDEX CONCURRENTLY account_email3_idx ON account (email);\n",
    # the same, outside a transaction as its .sql.conf says: fine
    "src/main/resources/db/migration/V5__index_email_outside.sql": TIMEOUT
    + "CREATE INDEX CONCURRENTLY account_email4_idx ON account (email);\n",
    "src/main/resources/db/migration/V5__index_email_outside.sql.conf": "executeInTransaction=false\n",
}


@pytest.mark.parametrize(
    ("files", "flagged", "where"),
    [
        (DBMATE, {"db/migrations/20240102000000_index_email.sql": 2}, "dbmate runs the `-- migrate:up` section"),
        (
            DBMATE,
            {"db/migrations/20240104000000_index_email_timeout.sql": 3},
            "dbmate sends the `-- migrate:up` section (line 1) as one query string",
        ),
        (GOLANG, {"migrations/000003_index_email_timeout.up.sql": 2}, "golang-migrate's postgres driver sends"),
        (DIESEL, {"migrations/2024-01-02-000000_index_email/up.sql": 1}, "Diesel runs up.sql in a transaction"),
        (
            FLYWAY,
            {"src/main/resources/db/migration/V3__index_email_again.sql": 1},
            "V3__index_email_again.sql.conf says executeInTransaction=true",
        ),
        (
            FLYWAY,
            {"src/main/resources/db/migration/V4__index_email_timeout.sql": 2},
            "refuses a migration that mixes them with CONCURRENTLY",
        ),
    ],
    ids=["dbmate", "dbmate-one-string", "golang-migrate", "diesel", "flyway", "flyway-mixed"],
)
def test_concurrently_in_the_transaction_the_tool_opens_is_an_error(
    tmp_path: Path, files: repos.Files, flagged: dict[str, int], where: str
) -> None:
    app = repos.write(tmp_path / "app", files)
    report = lint_paths([app], LintConfig(), root=app)
    found = [f for f in report.findings if f.rule == "concurrently-in-transaction"]
    assert {(f.path, f.line) for f in found} >= set(flagged.items())
    assert all(f.severity == "error" for f in found)
    assert any(where in f.message for f in found if f.path in flagged)
    assert all(f.fix for f in found)
    assert not any(f.rule == "drop-index-without-concurrently" for f in report.findings)  # downs: not linted


@pytest.mark.parametrize(
    ("files", "flagged"),
    [
        (
            DBMATE,
            {"db/migrations/20240102000000_index_email.sql", "db/migrations/20240104000000_index_email_timeout.sql"},
        ),
        (GOLANG, {"migrations/000003_index_email_timeout.up.sql"}),
        (DIESEL, {"migrations/2024-01-02-000000_index_email/up.sql"}),
        (
            FLYWAY,
            {
                "src/main/resources/db/migration/V3__index_email_again.sql",
                "src/main/resources/db/migration/V4__index_email_timeout.sql",
            },
        ),
    ],
    ids=["dbmate", "golang-migrate", "diesel", "flyway"],
)
def test_exactly_those_files_are_flagged(tmp_path: Path, files: repos.Files, flagged: set[str]) -> None:
    app = repos.write(tmp_path / "app", files)
    report = lint_paths([app], LintConfig(), root=app)
    assert {f.path for f in report.findings if f.rule == "concurrently-in-transaction"} == flagged


def test_the_flagged_files_fail_as_their_tools_send_them(
    tcp_empty_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    """What lint says is what the server does: dbmate run for real, golang-migrate and Diesel as
    one query string each (Diesel's in a transaction unless metadata.toml says otherwise)."""
    binary = dbmate()
    _, db, twin = tcp_empty_pair
    app = repos.write(tmp_path / "dbmate", DBMATE)
    url = db.replace("postgresql://", "postgres://", 1)
    url += ("&" if "?" in url else "?") + "sslmode=disable"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": url}

    def up() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [binary, "--no-dump-schema", "up"], cwd=app, env=env, capture_output=True, text=True, timeout=120
        )

    done = up()  # stops at the first flagged file: 0001 ran, 0002 did not
    assert done.returncode != 0 and "cannot run inside a transaction block" in done.stderr + done.stdout
    flagged = app / "db/migrations/20240102000000_index_email.sql"
    flagged.write_text(flagged.read_text().replace("-- migrate:up", "-- migrate:up transaction:false", 1))
    done = up()  # 0002 as lint's fix says, and 0003 pass; 0004 (two statements in one string) fails
    assert done.returncode != 0 and "cannot run inside a transaction block" in done.stderr + done.stdout
    with psycopg.connect(db) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == ["20240101000000", "20240102000000", "20240103000000"]

    golang = repos.write(tmp_path / "golang", GOLANG) / "migrations"
    send_as_one_query(twin, golang / "000001_create_account.up.sql")
    send_as_one_query(twin, golang / "000002_index_email.up.sql")
    with pytest.raises(psycopg.errors.ActiveSqlTransaction):
        send_as_one_query(twin, golang / "000003_index_email_timeout.up.sql")
    diesel = repos.write(tmp_path / "diesel", DIESEL) / "migrations"
    send_as_one_query(twin, diesel / "2024-01-03-000000_index_email_again/up.sql")  # run_in_transaction = false
    with pytest.raises(psycopg.errors.ActiveSqlTransaction):
        send_as_one_query(twin, diesel / "2024-01-02-000000_index_email/up.sql", in_transaction=True)


@pytest.mark.parametrize(
    ("config", "text"),
    [
        ("flyway.conf", "flyway.url=jdbc:postgresql://db/app\nflyway.mixed=true\n"),
        ("flyway.toml", "[flyway]\nmixed = true\n"),
        ("src/main/resources/application.properties", "spring.flyway.mixed=true\n"),
    ],
)
def test_flyway_mixed_true_runs_the_migration_outside_a_transaction(tmp_path: Path, config: str, text: str) -> None:
    app = repos.write(tmp_path / "app", {**FLYWAY, config: text})
    report = lint_paths([app / "src"], LintConfig(), root=app)
    flagged = {f.path for f in report.findings if f.rule == "concurrently-in-transaction"}
    assert flagged == {"src/main/resources/db/migration/V3__index_email_again.sql"}  # its .sql.conf still says true


def test_a_kept_lint_run_sees_a_change_of_the_files_beside_the_sql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """metadata.toml and .sql.conf are not migrations lint collects, but they decide the finding:
    the kept output of the last run (run_cache.py) must not outlive a change of them."""
    from migration_manager.cli import main
    from migration_manager.lint import cache_files

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.setenv("MIGRATION_MANAGER_CACHE_DIR", str(tmp_path / "lint-cache"))
    cache_files.signing_key.cache_clear()
    try:
        app = repos.write(tmp_path / "app", {**DIESEL, **FLYWAY})
        monkeypatch.chdir(app)
        assert main(["lint", "migrations", "src"]) == 1
        assert main(["lint", "migrations", "src"]) == 1  # kept
        (app / "migrations/2024-01-02-000000_index_email/metadata.toml").write_text("run_in_transaction = false\n")
        (app / "src/main/resources/db/migration/V3__index_email_again.sql.conf").write_text(
            "executeInTransaction=false\n"
        )
        (app / "src/main/resources/db/migration/V4__index_email_timeout.sql.conf").write_text(
            "executeInTransaction=false\n"
        )
        capsys.readouterr()
        assert main(["lint", "migrations", "src"]) == 0, capsys.readouterr().out
    finally:
        cache_files.signing_key.cache_clear()
