"""Issue 17: the plans made from the real schema, rendered for Alembic, Rails and Liquibase and run by
the real tools (Alembic, ActiveRecord 6.1, Liquibase 4.28) on PostgreSQL 15 and 18.

Each test, for one framework and one case (setup SQL, change SQL, the naive DDL or None for the
change itself): set the case up on a database and its twin, read the schema from the database's
DSN, plan, render the plan as the framework's files in a project laid out as the test_render_*.py
tests lay it out, run the framework's up, compare the catalog (the framework's own version tables
aside) with the naive DDL applied on the twin, run the framework's down back to the start and
compare with the start (the data too), and up again.

A case is one entry of CASES: issue 17's cases 1 and 2 join it with one entry each.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

import repos
import test_render_alembic as alembic_tool
import test_render_liquibase as liquibase_tool
import test_render_rails as rails_tool
from conftest import Server
from migration_manager.catalog import Snapshot, differences
from migration_manager.discover import find_migrations
from migration_manager.model import Plan, Target
from migration_manager.planner import plan
from migration_manager.render import render_alembic, render_liquibase, write_files
from migration_manager.render.choose import choose, render
from migration_manager.schema.sources import schema_from_dsn
from migration_manager.sql.postgres import parse_operations
from schema_proof import data, run_sql
from support import schema_without
from test_schema_plans import AUTHORS, FK, PARTITIONED, SESSIONS
from test_schema_retype import (
    ACCOUNT_ID_IDENTITY,
    ACCOUNTS_ID,
    AMOUNT,
    IDENTITY_ACCOUNTS,
    NAIVE_AMOUNT,
    SERIAL_ACCOUNTS,
)
from test_schema_retype import ORDERS as RETYPE_ORDERS


@dataclass(frozen=True)
class Case:
    """One entry per issue-17 case, as schema_proof.prove() takes it."""

    id: str
    setup: str
    change: str
    naive: str | None = None  # the DDL whose end catalog the plan must reach; None: the change itself
    check: Callable[[psycopg.Connection[Any]], None] | None = None  # more checks after the first up
    compare_data: bool = True  # after the down, the data is the start's too


def _deletes_cascade(conn: psycopg.Connection[Any]) -> None:
    """The foreign key is there and enforced: deleting an author deletes its posts (rolled back)."""
    with conn.transaction(force_rollback=True):
        conn.execute("DELETE FROM authors WHERE id = 1")
        assert conn.execute("SELECT count(*) FROM posts WHERE author_id = 1").fetchone() == (0,)


def _keys_go_on(conn: psycopg.Connection[Any]) -> None:
    """The serial key goes on where it was, the foreign key is enforced and cascades (rolled back)."""
    with conn.transaction(force_rollback=True):
        assert conn.execute("INSERT INTO accounts (name) VALUES ('new') RETURNING id").fetchone() == (10001,)
        conn.execute("INSERT INTO orders VALUES (20000, 10001)")
        with pytest.raises(psycopg.errors.ForeignKeyViolation), conn.transaction():
            conn.execute("INSERT INTO orders VALUES (20001, 99999)")
        conn.execute("DELETE FROM accounts WHERE id = 10001")
        assert conn.execute("SELECT count(*) FROM orders WHERE id = 20000").fetchone() == (0,)


def _identity_goes_on(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction(force_rollback=True):
        row = conn.execute('INSERT INTO "Billing"."Accounts" ("Name") VALUES (\'x\') RETURNING "AccountId"').fetchone()
        assert row == (10 + 2 * 10000,)


CASES: list[Case] = [
    Case("case1_indexed_column_with_views", RETYPE_ORDERS, AMOUNT, NAIVE_AMOUNT),
    Case(
        "case2_serial_key_referenced",
        SERIAL_ACCOUNTS,
        ACCOUNTS_ID,
        ACCOUNTS_ID + "; ALTER SEQUENCE accounts_id_seq AS bigint",  # the plan widens the sequence too
        check=_keys_go_on,
    ),
    Case("case2_identity_key_quoted", IDENTITY_ACCOUNTS, ACCOUNT_ID_IDENTITY, check=_identity_goes_on),
    Case("case3_partitioned_index", PARTITIONED, "CREATE INDEX events_kind_idx ON app.events (kind)"),
    Case("case5_primary_key_on_not_null", SESSIONS, "ALTER TABLE sessions ADD PRIMARY KEY (token)"),
    Case(
        "case8_foreign_key_index_first",
        AUTHORS,
        FK,
        FK + "; CREATE INDEX posts_author_id_idx ON posts (author_id)",
        check=_deletes_cascade,
    ),
]


class Framework:
    """One framework's project in a folder: write the plan's files, migrate up, migrate back to the start."""

    name: str
    markers: tuple[str, ...]  # its bookkeeping tables, left out of the comparisons

    def __init__(self, root: Path, uri: str) -> None:
        self.root, self.uri = root, uri

    def write(self, p: Plan) -> None:
        raise NotImplementedError

    def up(self) -> None:
        raise NotImplementedError

    def down(self) -> None:
        raise NotImplementedError

    def try_up(self) -> subprocess.CompletedProcess[str]:
        """The up, which may fail: the finished process."""
        raise NotImplementedError


class Alembic(Framework):
    name, markers = "alembic", ("alembic_version",)

    def write(self, p: Plan) -> None:
        alembic_tool.project(self.root, alembic_tool.sqlalchemy_url(self.uri))
        (found,) = find_migrations(self.root).frameworks
        assert found.framework == "alembic" and found.heads == ["000000000001"]
        write_files(render_alembic(p, head=found.heads[0]), self.root / found.folder)

    def up(self) -> None:
        alembic_tool.alembic(self.root, "upgrade", "head")

    def down(self) -> None:
        alembic_tool.alembic(self.root, "downgrade", "000000000001")

    def try_up(self) -> subprocess.CompletedProcess[str]:
        argv = [str(alembic_tool.BIN / "alembic"), "upgrade", "head"]
        env = {**os.environ, "PYTHONPATH": ""}
        return subprocess.run(argv, cwd=self.root, capture_output=True, text=True, timeout=300, env=env)


class Rails(Framework):
    name, markers = "rails", ("schema_migrations", "ar_internal_metadata")

    def write(self, p: Plan) -> None:
        rails_tool.ruby()
        repos.write(self.root, rails_tool.EXISTING)
        destination = choose(find_migrations(self.root), "auto", None)
        assert destination.format == "rails" and destination.rails_version == "6.1"
        write_files(render(p, destination), self.root / destination.folder)

    def up(self) -> None:
        rails_tool.migrate(self.uri, self.root / "db/migrate", "up")

    def down(self) -> None:
        rails_tool.migrate(self.uri, self.root / "db/migrate", "down", "20200101000000")

    def try_up(self) -> subprocess.CompletedProcess[str]:
        argv, env = rails_tool.activerecord_command(self.uri, "up", self.root / "db/migrate")
        return subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)


class Liquibase(Framework):
    name, markers = "liquibase", ("databasechangelog",)  # and databasechangeloglock
    changesets = 0

    def write(self, p: Plan) -> None:
        files = render_liquibase(p)
        write_files(files, self.root)
        liquibase_tool.write_master(self.root, files)
        self.changesets = sum(f.content.count("<changeSet ") for f in files)

    def up(self) -> None:
        liquibase_tool.liquibase(self.root, self.uri, "update")

    def down(self) -> None:
        liquibase_tool.liquibase(self.root, self.uri, "rollback-count", f"--count={self.changesets}")

    def try_up(self) -> subprocess.CompletedProcess[str]:
        argv, env = liquibase_tool.liquibase_command(liquibase_tool.pg_jdbc(self.uri), "postgres", "update")
        return subprocess.run(argv, cwd=self.root, capture_output=True, text=True, timeout=300, env=env)


FRAMEWORKS: list[type[Framework]] = [Alembic, Rails, Liquibase]


def schema(uri: str, markers: tuple[str, ...] = ()) -> Snapshot:
    """Every user schema's catalog (case 3 lives in `app`), without the framework's tables."""
    return schema_without(uri, *markers, schema=None)


def table_data(uri: str, markers: tuple[str, ...]) -> dict[tuple[str, str, str], tuple[int, str]]:
    return {k: v for k, v in data(uri).items() if not any(m in k[1] for m in markers)}


def explain(what: str, diff: list[str]) -> str:
    return f"{what}:\n" + "\n".join(diff)


# Liquibase connects with JDBC, which needs TCP: the embedded PostgreSQL 18 listens on a socket only, so
# Liquibase runs on the machine's PostgreSQL 15 (tcp_empty_pair) and the other tools on both servers.
ON_BOTH: list[type[Framework]] = [Alembic, Rails]
# the cases whose plan has more than one migration (case 3's builds and attaches in one)
SEQUENCES = [c for c in CASES if c.id != "case3_partitioned_index"]


def _round(
    framework: type[Framework], case: Case, server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    run_sql(empty_db, case.setup)
    run_sql(empty_twin, case.setup)
    p = plan(parse_operations(case.change), Target(version=server.version), schema=schema_from_dsn(empty_db))

    tool = framework(tmp_path / framework.name, empty_db)
    tool.write(p)
    start, start_data = schema(empty_db), table_data(empty_db, tool.markers)
    run_sql(empty_twin, case.naive or case.change)
    naive_end = schema(empty_twin)
    assert differences(naive_end, start), "the naive DDL changes nothing: the test would measure nothing"

    tool.up()
    after_up = schema(empty_db, tool.markers)
    assert differences(naive_end, after_up) == [], explain(
        f"after {tool.name}'s up the schema differs from the naive DDL's", differences(naive_end, after_up)
    )
    if case.check is not None:
        with psycopg.connect(empty_db, autocommit=True) as conn:
            case.check(conn)
    tool.down()
    back = schema(empty_db, tool.markers)
    assert differences(start, back) == [], explain(
        f"after {tool.name}'s down the schema is not the start", differences(start, back)
    )
    if case.compare_data:
        assert table_data(empty_db, tool.markers) == start_data, f"after {tool.name}'s down the data is not the start's"
    tool.up()
    again = schema(empty_db, tool.markers)
    assert differences(naive_end, again) == [], explain(
        f"{tool.name}'s up after its down differs from the naive DDL's schema", differences(naive_end, again)
    )


def _out_of_order(
    framework: type[Framework], case: Case, server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    """The plan's migrations without the first, run by the tool: the second stops before any change
    (its guard, or PostgreSQL, says no) and the tool records nothing; the whole plan then runs."""
    run_sql(empty_db, case.setup)
    run_sql(empty_twin, case.setup)
    p = plan(parse_operations(case.change), Target(version=server.version), schema=schema_from_dsn(empty_db))
    assert len(p.migrations) >= 2, f"{case.id} now plans one migration: take it out of SEQUENCES"
    start = schema(empty_db)

    early = framework(tmp_path / "without_the_first", empty_db)
    early.write(p.model_copy(update={"migrations": p.migrations[1:]}))
    done = early.try_up()
    output = done.stdout + done.stderr
    assert done.returncode != 0, f"{early.name} ran {p.migrations[1].name} before {p.migrations[0].name}:\n{output}"
    if any("needs the work of" in sql for sql in p.migrations[1].steps[0].up):  # it opens with a guard
        assert "needs the work of" in output and "nothing was changed" in output, output
    after = schema(empty_db, early.markers)
    assert differences(start, after) == [], explain(
        f"{early.name}'s failed run changed the schema", differences(start, after)
    )

    tool = framework(tmp_path / "whole", empty_db)
    tool.write(p)
    tool.up()
    run_sql(empty_twin, case.naive or case.change)
    assert differences(schema(empty_twin), schema(empty_db, tool.markers)) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@pytest.mark.parametrize("framework", ON_BOTH, ids=lambda f: f.name)
def test_framework_runs_the_schema_plan(
    framework: type[Framework], case: Case, server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    _round(framework, case, server, empty_db, empty_twin, tmp_path)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_liquibase_runs_the_schema_plan(case: Case, tcp_empty_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    _round(Liquibase, case, *tcp_empty_pair, tmp_path)


@pytest.mark.parametrize("case", SEQUENCES, ids=lambda c: c.id)
@pytest.mark.parametrize("framework", ON_BOTH, ids=lambda f: f.name)
def test_framework_stops_a_migration_whose_predecessor_has_not_run(
    framework: type[Framework], case: Case, server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    _out_of_order(framework, case, server, empty_db, empty_twin, tmp_path)


@pytest.mark.parametrize("case", SEQUENCES, ids=lambda c: c.id)
def test_liquibase_stops_a_migration_whose_predecessor_has_not_run(
    case: Case, tcp_empty_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    _out_of_order(Liquibase, case, *tcp_empty_pair, tmp_path)
