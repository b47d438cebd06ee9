"""Plans for MariaDB, run on the machine's MariaDB 10.11 with the mysql client as the README says:
each plan up (the change is there), down (the starting schema, from information_schema), and up
again (the same schema as the first time)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import MariaDatabase
from migration_manager.catalog_mysql import differences, snapshot
from migration_manager.errors import PlanningError
from migration_manager.model import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    ChangeColumnType,
    Column,
    CreateTable,
    DropColumn,
    DropIndex,
    DropTable,
    Operation,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    TableStats,
    Target,
)
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files


def one(db: MariaDatabase, sql: str) -> Any:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
    return row[0] if row else None


def column(db: MariaDatabase, table: str, name: str) -> tuple[str, str, Any] | None:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT column_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s AND column_name = %s",
            (db.name, table, name),
        )
        row = cur.fetchone()
    return (row[0], row[1], row[2]) if row else None


@dataclass
class MyCase:
    id: str
    ops: list[Operation]
    check: Any
    reversible: bool = True


CASES = [
    MyCase(
        "add_column_constant_default",
        [AddColumn(table="orders", column=Column(name="status", type="varchar(10)", nullable=False, default="'new'"))],
        lambda db: (
            column(db, "orders", "status") == ("varchar(10)", "NO", "'new'")
            and one(db, "SELECT count(*) FROM orders WHERE status = 'new'") == 5000
        ),
    ),
    MyCase(
        "add_column_expression_default_not_null",
        [AddColumn(table="orders", column=Column(name="token", type="char(36)", nullable=False, default="uuid()"))],
        lambda db: (
            column(db, "orders", "token")[1] == "NO"  # type: ignore[index]
            and one(db, "SELECT count(DISTINCT token) FROM orders") == 5000
        ),
    ),
    MyCase(
        "drop_column",
        [DropColumn(table="orders", column="note", type="text")],
        lambda db: column(db, "orders", "note") is None,
        reversible=False,
    ),
    MyCase(
        "rename_column",
        [RenameColumn(table="users", column="name", new_name="full_name")],
        lambda db: column(db, "users", "full_name") is not None and column(db, "users", "name") is None,
    ),
    MyCase(
        "set_default",
        [SetDefault(table="orders", column="amount", default="5", previous_default="0")],
        lambda db: column(db, "orders", "amount") == ("int(11)", "NO", "5"),
    ),
    MyCase(
        "add_index",
        [AddIndex(table="orders", columns=["code"])],
        lambda db: (
            one(
                db,
                "SELECT count(*) FROM information_schema.statistics WHERE index_name = "
                "'orders_code_idx' AND table_schema = database()",
            )
            == 1
        ),
    ),
    MyCase(
        "add_unique_index",
        [AddIndex(table="orders", columns=["code"], unique=True, name="orders_code_key")],
        lambda db: (
            one(
                db,
                "SELECT non_unique FROM information_schema.statistics WHERE index_name = "
                "'orders_code_key' AND table_schema = database()",
            )
            == 0
        ),
    ),
    MyCase(
        "drop_index",
        [DropIndex(name="orders_user_idx", table="orders", columns=["user_id"])],
        lambda db: (
            one(
                db,
                "SELECT count(*) FROM information_schema.statistics WHERE index_name = "
                "'orders_user_idx' AND table_schema = database()",
            )
            == 0
        ),
    ),
    MyCase(
        "add_foreign_key",
        [AddForeignKey(table="orders", columns=["user_id"], ref_table="users", ref_columns=["id"])],
        lambda db: (
            one(
                db,
                "SELECT count(*) FROM information_schema.referential_constraints WHERE constraint_schema = database()",
            )
            == 1
        ),
    ),
    MyCase(
        "add_check_small_table",
        [AddCheck(table="orders", name="amount_positive", expression="amount > 0")],
        lambda db: (
            one(db, "SELECT count(*) FROM information_schema.check_constraints WHERE constraint_schema = database()")
            == 1
        ),
    ),
    MyCase(
        "widen_varchar",
        [ChangeColumnType(table="orders", column="code", old_type="varchar(20)", new_type="varchar(400)")],
        lambda db: (column(db, "orders", "code") or ("",))[0] == "varchar(400)",
    ),
    MyCase(
        "int_to_bigint_small_table",
        [
            ChangeColumnType(
                table="orders", column="amount", old_type="int", new_type="bigint", not_null=True, default="0"
            )
        ],
        lambda db: (column(db, "orders", "amount") or ("",))[0] == "bigint(20)",
    ),
    MyCase(
        "create_table",
        [
            CreateTable(
                table="invoices",
                columns=[
                    Column(name="id", type="bigint", primary_key=True),
                    Column(name="total", type="int", nullable=False),
                ],
            )
        ],
        lambda db: one(db, "SELECT count(*) FROM invoices") == 0,
    ),
    MyCase(
        "drop_table",
        [DropTable(table="events", columns=[Column(name="id", type="bigint", primary_key=True)])],
        lambda db: (
            one(
                db,
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'events' AND "
                "table_schema = database()",
            )
            == 0
        ),
        reversible=False,
    ),
    MyCase(
        "rename_table",
        [RenameTable(table="events", new_name="happenings")],
        lambda db: one(db, "SELECT count(*) FROM happenings") == 3000,
    ),
]


def apply(db: MariaDatabase, files: list[Path]) -> None:
    for f in files:
        db.run_file(f)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_mariadb_plan_up_down_up(case: MyCase, maria_db: MariaDatabase, tmp_path: Path) -> None:
    p = plan(case.ops, Target(dialect="mariadb", release=maria_db.release), pause_ms=0)
    assert all(
        s.algorithm or not s.up or s.up[0].startswith(("CREATE", "DROP", "RENAME", "BEGIN"))
        for m in p.migrations
        for s in m.steps
    ), "every ALTER states its algorithm"
    write_files(render_sql(p), tmp_path)
    ups = sorted(f for f in tmp_path.glob("*.sql") if not f.name.endswith("_down.sql"))
    downs = [f.with_name(f.name[:-4] + "_down.sql") for f in reversed(ups)]
    with maria_db.connect() as conn:
        start = snapshot(conn, maria_db.name)
    apply(maria_db, ups)
    assert case.check(maria_db)
    with maria_db.connect() as conn:
        after = snapshot(conn, maria_db.name)
    assert differences(start, after), "the change left no trace in the schema"
    apply(maria_db, downs)
    with maria_db.connect() as conn:
        back = snapshot(conn, maria_db.name)
    if case.reversible:
        assert differences(start, back) == []
    apply(maria_db, ups)
    with maria_db.connect() as conn:
        again = snapshot(conn, maria_db.name)
    if case.reversible:
        assert differences(after, again) == []


def test_large_tables_get_gh_ost_instead_of_a_copy() -> None:
    op = ChangeColumnType(table="orders", column="amount", old_type="int", new_type="bigint", not_null=True)
    p = plan([op], Target(dialect="mariadb"), {"orders": TableStats(rows=50_000_000)})
    (step,) = p.migrations[0].steps
    assert step.up == [] and step.external_command is not None
    assert step.external_command.startswith("gh-ost --alter='MODIFY COLUMN amount bigint NOT NULL'")
    assert "--table=orders" in step.external_command and "--execute" in step.external_command
    assert any(n.startswith("or, with Percona Toolkit: pt-online-schema-change --alter") for n in step.notes)
    small = plan([op], Target(dialect="mariadb"), {"orders": TableStats(rows=5_000)})
    assert small.migrations[0].steps[0].algorithm == "COPY, LOCK=SHARED"
    assert small.migrations[0].steps[0].blocks_writes


def test_large_table_files_name_gh_ost_pt_osc_and_vitess(tmp_path: Path, maria_db: MariaDatabase) -> None:
    """The up file and README of a big-table MODIFY give the same change three ways: gh-ost, pt-osc (its
    --alter without `ALTER TABLE t`, dry run before execute) and Vitess online DDL (the whole ALTER, then
    followed and cancelled by uuid); the ALTER they name does the change on MariaDB."""
    op = ChangeColumnType(table="orders", column="amount", old_type="int", new_type="bigint", not_null=True)
    p = plan([op], Target(dialect="mariadb"), {"orders": TableStats(rows=50_000_000)})
    write_files(render_sql(p), tmp_path)
    (up,) = [f for f in tmp_path.glob("*.sql") if not f.name.endswith("_down.sql")]
    (readme,) = tmp_path.glob("*_README.md")
    clause = "MODIFY COLUMN amount bigint NOT NULL"
    for text in (up.read_text(), readme.read_text()):
        lines = [line.removeprefix("--").strip() for line in text.splitlines()]
        (gh_ost,) = [shlex.split(line) for line in lines if line.startswith("gh-ost --")]
        assert f"--alter={clause}" in gh_ost and "--table=orders" in gh_ost
        pt = [shlex.split(line) for line in lines if line.startswith("pt-online-schema-change --")]
        assert [args[-1] for args in pt] == ["--dry-run", "--execute"], "a dry run first, then the change"
        for args in pt:
            assert args[args.index("--alter") + 1] == clause  # no ALTER TABLE prefix
            assert "D=$DATABASE,t=orders" in args
            assert args[args.index("--max-load") + 1] == "Threads_running=25"
            assert args[args.index("--critical-load") + 1] == "Threads_running=60"
            assert args[args.index("--chunk-size") + 1] == "1000"
        start = lines.index("SET @@ddl_strategy='vitess';")
        assert lines[start + 1] == f"ALTER TABLE orders {clause};"
        assert "SHOW VITESS_MIGRATIONS LIKE '<uuid>';" in text
        assert "ALTER VITESS_MIGRATION '<uuid>' CANCEL;" in text
    # no ALTER runs from the up file itself, and the ALTER the three name makes the change on the server
    assert not [line for line in up.read_text().splitlines() if line.startswith("ALTER")]
    assert column(maria_db, "orders", "amount")[0] == "int(11)"  # type: ignore[index]
    with maria_db.connect() as conn, conn.cursor() as cur:
        cur.execute(f"ALTER TABLE orders {clause}")
    assert column(maria_db, "orders", "amount")[:2] == ("bigint(20)", "NO")  # type: ignore[index]


def test_what_is_not_planned_yet_says_what_to_do() -> None:
    with pytest.raises(PlanningError, match="change_column_type with old_type = new_type"):
        plan([SetNotNull(table="orders", column="code")], Target(dialect="mariadb"))
    with pytest.raises(PlanningError, match="give old_type"):
        plan([ChangeColumnType(table="orders", column="code", new_type="text")], Target(dialect="mariadb"))
    mysql = plan([AddIndex(table="orders", columns=["code"])], Target(dialect="mysql", release="8.0.36"))
    assert any("not measured" in w for w in mysql.warnings)


def test_cli_and_mcp_plan_and_render_for_mariadb(maria_db: MariaDatabase, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from test_mcp_tools import call, error

    cli = str(Path(sys.executable).parent / "migration-manager")
    ops = json.dumps([{"op": "add_index", "table": "orders", "columns": ["code"]}])
    (tmp_path / "ops.json").write_text(ops)
    shown = subprocess.run(
        [cli, "plan", "--dialect", "mariadb", "--ops", str(tmp_path / "ops.json")], capture_output=True, text=True
    )
    assert shown.returncode == 0 and "Plan for MariaDB 10.11" in shown.stdout and "ALGORITHM=INPLACE" in shown.stdout
    out = tmp_path / "repo"
    out.mkdir()
    written = subprocess.run(
        [
            cli,
            "render",
            "--dialect",
            "mariadb",
            "--release",
            maria_db.release,
            "--ops",
            str(tmp_path / "ops.json"),
            "--root",
            str(out),
            "--write",
        ],
        capture_output=True,
        text=True,
    )
    assert written.returncode == 0, written.stderr
    # an empty repository: its first migrations go to db/migrations/
    (up,) = [f for f in out.glob("db/migrations/*.sql") if not f.name.endswith("_down.sql")]
    maria_db.run_file(up)
    assert (
        one(
            maria_db,
            "SELECT count(*) FROM information_schema.statistics WHERE index_name = 'orders_code_idx' "
            "AND table_schema = database()",
        )
        == 1
    )

    result = call("plan_change", {"operations": json.loads(ops), "dialect": "mariadb"})
    assert result.structured_content is not None
    assert result.structured_content["plan"]["target"]["release"] == "10.11"
    refused = error(
        "render_migration", {"root": str(out), "operations": json.loads(ops), "dialect": "mariadb", "format": "dbmate"}
    )
    assert "so far, not dbmate" in refused


def test_find_migrations_reports_the_mysql_family(tmp_path: Path) -> None:
    import repos
    from migration_manager.discover import find_migrations

    root = repos.write(
        tmp_path,
        {
            "alembic.ini": "[alembic]\nscript_location = alembic\nsqlalchemy.url = mysql+pymysql://app@db/app\n",
            "alembic/env.py": "",
            "alembic/versions/000000000001_start.py": repos.alembic_revision("000000000001", None),
            "config/database.yml": "production:\n  adapter: mysql2\n",
            "db/migrate/20200101000000_create_orders.rb": "class CreateOrders < ActiveRecord::Migration[7.1]\nend\n",
            "flyway.conf": "flyway.url=jdbc:mariadb://db:3306/app\nflyway.locations=filesystem:sql\n",
            "sql/V1__init.sql": "SELECT 1;\n",
        },
    )
    found = {f.framework: f.dialect for f in find_migrations(root).frameworks}
    assert found == {"alembic": "mysql", "rails": "mysql", "flyway": "mariadb"}


def _activity(report: Any) -> tuple[Any, Any]:
    """The two activity results: long transactions, then sessions waiting for a metadata lock."""
    long_open, waiting = [r for r in report.results if r.check.kind == "activity"]
    return long_open, waiting


def test_preflight_on_mariadb(maria_db: MariaDatabase, maria_twin: MariaDatabase, mariadb_lock_info: str) -> None:
    import threading
    import time

    import pymysql

    from conftest import MARIADB
    from migration_manager.preflight import preflight
    from migration_manager.preflight.mysql import LockScope, run_mysql

    dsn = f"mysql://root:Sekr3t-pw@127.0.0.1:3306/{maria_db.name}"
    fk = plan(
        [AddForeignKey(table="orders", columns=["user_id"], ref_table="users", ref_columns=["id"])],
        Target(dialect="mariadb"),
    )
    report = preflight(fk, dsn.replace(":Sekr3t-pw", ""), long_transaction_seconds=0)

    def status_of(words: str, found: Any) -> str:
        (status,) = [r.status for r in found.results if r.check.description.startswith(words)]
        return str(status)

    assert status_of("every orders(user_id) has its users row", report) == "pass"
    assert report.stats["orders"].rows > 0 and report.stats["users"].rows > 0 and not report.failed, report
    # the plugin is there, so the activity checks name the tables the ALTER locks: the child and the FK's parent
    assert "holds a metadata lock on orders, users" in _activity(report)[0].check.description

    # Two transactions that cannot hold up this ALTER: one in another database of the same server
    # (the same table name), one on a table of this database the plan does not touch. Other tests'
    # sessions on this server are more of the same, and used to fail the check at random.
    elsewhere = pymysql.connect(**MARIADB, database=maria_twin.name)
    unrelated = pymysql.connect(**MARIADB, database=maria_db.name)
    try:
        for conn, table in ((elsewhere, "orders"), (unrelated, "events")):
            conn.begin()
            with conn.cursor() as cur:
                cur.execute(f"SELECT count(*) FROM {table}")
        time.sleep(1.1)  # trx_started and now() are whole seconds: "over 0 s" needs the next second
        plain = dsn.replace(":Sekr3t-pw", "")
        by_locks = run_mysql(fk, plain, 0, scope="metadata_lock_info")
        assert [r.status for r in _activity(by_locks)] == ["pass", "pass"], by_locks
        # without the plugin the check falls back to sessions using this database: the unrelated
        # transaction is reported (it might hold a lock on orders, for all the server says), the
        # one elsewhere is not
        by_database = run_mysql(fk, plain, 0, scope="database")
        long_open, waiting = _activity(by_database)
        assert long_open.status == "fail" and waiting.status == "pass"
        assert [row[0] for row in long_open.rows] == [unrelated.thread_id()]
        assert "in a session using this database" in long_open.check.description
    finally:
        elsewhere.rollback(), unrelated.rollback()
        elsewhere.close(), unrelated.close()

    with maria_db.connect() as conn, conn.cursor() as cur:
        cur.execute("UPDATE orders SET user_id = 999999 WHERE id = 3")
    holder = pymysql.connect(**MARIADB, database=maria_db.name)
    holder.begin()
    with holder.cursor() as cur:
        cur.execute("SELECT count(*) FROM orders")
    waiter = pymysql.connect(**MARIADB, database=maria_db.name, autocommit=True)
    thread = threading.Thread(target=lambda: waiter.cursor().execute("ALTER TABLE orders ADD COLUMN x int"))
    thread.start()
    try:
        time.sleep(2.1)  # whole seconds: "over 1 s" is sure to hold two seconds on
        scopes: tuple[LockScope, ...] = ("metadata_lock_info", "database")
        for scope in scopes:
            report = run_mysql(fk, dsn.replace(":Sekr3t-pw", ""), 1, scope=scope)
            assert status_of("every orders(user_id) has its users row", report) == "error"  # queued behind the ALTER
            assert "metadata lock is held or queued" in str(report.results[0].message)
            long_open, waiting = _activity(report)
            assert long_open.status == "fail" and [row[0] for row in long_open.rows] == [holder.thread_id()], scope
            assert waiting.status == "fail" and [row[0] for row in waiting.rows] == [waiter.thread_id()], scope
    finally:
        holder.rollback()
        thread.join(30)
        holder.close()
        waiter.close()
    report = preflight(fk, dsn.replace(":Sekr3t-pw", ""))
    assert status_of("every orders(user_id) has its users row", report) == "fail"  # the orphan of row 3
    from migration_manager.errors import DatabaseError

    with pytest.raises(DatabaseError) as refused:
        preflight(fk, "mysql://root:Sekr3t-pw@127.0.0.1:1/x")
    assert "Sekr3t-pw" not in str(refused.value) and "cannot connect" in str(refused.value)
