"""verify on the machine's MariaDB: up, down, up again on a scratch database, every statement's
metadata locks and rebuilds observed on the server (no mocks)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import MARIADB
from migration_manager.errors import DatabaseError, InputError
from migration_manager.model import AddColumn, AddIndex, ChangeColumnType, Column, Dialect, Operation, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files
from migration_manager.verify import StatementTrace, VerifyReport, pairs_in
from migration_manager.verify.run_mysql import verify_mysql
from migration_manager.verify.seed_mysql import seed_mysql
from migration_manager.verify.trace_mysql import WRITES_BLOCKED

DSN = f"mysql://{MARIADB['user']}@{MARIADB['host']}:{MARIADB['port']}"
SCHEMA = """
CREATE TABLE users (id bigint PRIMARY KEY AUTO_INCREMENT, email varchar(100) NOT NULL, kind enum('a', 'b') NOT NULL,
                    born date, UNIQUE KEY users_email (email));
CREATE TABLE orders (id bigint PRIMARY KEY AUTO_INCREMENT, user_id bigint NOT NULL, amount int NOT NULL DEFAULT 0,
                     code varchar(20), note text, KEY orders_user_idx (user_id),
                     CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id));
"""


def admin() -> Any:
    import pymysql

    return pymysql.connect(**MARIADB, autocommit=True)


@pytest.fixture(scope="module")
def release(mariadb_lock_info: str) -> str:
    return mariadb_lock_info


def scratch_gone(report: VerifyReport) -> bool:
    name = report.where.split()[3]
    assert name.startswith("mm_verify_")
    with admin() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (name,))
        return bool(cur.fetchone()[0] == 0)


def planned(ops: list[Operation], release: str, folder: Path) -> list[tuple[Path, Path | None]]:
    write_files(render_sql(plan(ops, Target(dialect="mariadb", release=release), pause_ms=0)), folder)
    return pairs_in(folder)


def alters(report: VerifyReport) -> list[tuple[str, StatementTrace]]:
    return [(f.direction, st) for f in report.files for st in f.statements if st.sql.startswith("ALTER")]


def test_a_column_and_an_index_verify_clean_with_their_locks(release: str, tmp_path: Path) -> None:
    ops: list[Operation] = [
        AddColumn(table="orders", column=Column(name="status", type="varchar(10)", nullable=False, default="'new'")),
        AddIndex(table="orders", columns=["code"]),
    ]
    report = verify_mysql(planned(ops, release, tmp_path), dialect=Dialect.MARIADB, schema_sql=SCHEMA, rows=300)
    assert report.passed, report.problems
    assert [p for p in report.problems if p.kind == "seed"] == []
    assert "METADATA_LOCK_INFO" in report.locks_from and "MariaDB 10.11" in report.where
    assert [f.direction for f in report.files] == ["up", "up", "down", "down", "up again", "up again"]
    seen = alters(report)
    assert len(seen) == 6
    for _, st in seen:
        # the session held the table's metadata lock; neither change rebuilds the table
        assert "MDL_" in st.locks["orders"] and "MDL_SHARED_NO_WRITE" not in st.locks["orders"], st
        assert st.rewritten == [] and st.error is None
    assert scratch_gone(report)


def test_a_type_change_by_copy_is_a_rebuild_that_blocks_writes(release: str, tmp_path: Path) -> None:
    op = ChangeColumnType(
        table="orders", column="amount", old_type="int", new_type="bigint", not_null=True, default="0"
    )
    pairs = planned([op], release, tmp_path)
    report = verify_mysql(pairs, dialect=Dialect.MARIADB, schema_sql=SCHEMA, rows=3000)
    for _, st in alters(report):
        assert st.rewritten == ["orders"] and st.writes_blocked == ["orders"]
        assert "MDL_SHARED_NO_WRITE" in st.locks["orders"]  # held for the whole copy
    rebuilds = [p for p in report.problems if p.kind == "blocks-writes-while-rewriting"]
    assert len(rebuilds) == 3 and "rebuilds orders while writes to it wait" in rebuilds[0].message
    assert not report.passed and scratch_gone(report)

    probed = verify_mysql(pairs, dialect=Dialect.MARIADB, schema_sql=SCHEMA, rows=3000, locks="probe")
    assert probed.locks_from.startswith("not read: performance_schema")
    for _, st in alters(probed):
        assert st.rewritten == ["orders"] and st.locks == {"orders": WRITES_BLOCKED}
    assert [p.kind for p in probed.problems].count("blocks-writes-while-rewriting") == 3


def test_a_down_that_does_not_restore_is_named(release: str, tmp_path: Path) -> None:
    (tmp_path / "001_change.sql").write_text(
        "ALTER TABLE orders MODIFY note text COMMENT 'free text';\n"
        "ALTER TABLE orders ADD INDEX orders_code_idx (code), ALGORITHM=INPLACE, LOCK=NONE;\n"
    )
    # the wrong index, and the comment left behind
    (tmp_path / "001_change_down.sql").write_text("ALTER TABLE users DROP INDEX users_email;\n")
    report = verify_mysql(pairs_in(tmp_path), dialect=Dialect.MARIADB, schema_sql=SCHEMA, rows=50)
    (restore,) = [p for p in report.problems if p.kind == "down-does-not-restore"]
    assert "missing ('users', 'users_email'" in restore.message
    assert "extra ('orders', 'orders_code_idx'" in restore.message
    assert "'free text'" in restore.message  # the column's comment is compared
    (failed,) = [p for p in report.problems if p.kind == "failed"]  # up again: the index is still there
    assert failed.line == 2 and "Duplicate key name 'orders_code_idx'" in failed.message
    assert "not transactional" in failed.message  # the MODIFY before it stays
    assert not report.passed and scratch_gone(report)


def test_a_changed_default_is_caught(release: str, tmp_path: Path) -> None:
    (tmp_path / "001_default.sql").write_text("ALTER TABLE orders ALTER COLUMN amount SET DEFAULT 5;\n")
    (tmp_path / "001_default_down.sql").write_text("ALTER TABLE orders ALTER COLUMN amount SET DEFAULT 1;\n")
    report = verify_mysql(pairs_in(tmp_path), dialect=Dialect.MARIADB, schema_sql=SCHEMA, rows=0)
    (restore,) = [p for p in report.problems if p.kind == "down-does-not-restore"]
    assert "'amount'" in restore.message and "'0'" in restore.message and "'1'" in restore.message


@pytest.fixture
def seeded_db(release: str) -> Iterator[Any]:
    import pymysql

    name = f"mm_t_seed_{os.getpid()}"
    with admin() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    conn = pymysql.connect(**MARIADB, database=name, autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
        with admin() as a, a.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")


def test_seeding_respects_types_keys_and_lengths(seeded_db: Any) -> None:
    with seeded_db.cursor() as cur:
        for sql in [s for s in SCHEMA.split(";") if s.strip()]:
            cur.execute(sql)
        cur.execute(
            "CREATE TABLE kinds (id int PRIMARY KEY, flag tinyint(1) NOT NULL, small smallint NOT NULL, "
            "price decimal(8, 2) NOT NULL, code char(2) NOT NULL, at datetime NOT NULL, t time, y year, "
            "doc json, tags set('x', 'y') NOT NULL, u uuid NOT NULL, total int AS (id * 2) VIRTUAL)"
        )
        # nothing but an AUTO_INCREMENT key, a nullable column (MariaDB: column_default 'NULL') and a default
        cur.execute(
            "CREATE TABLE notes (id bigint unsigned AUTO_INCREMENT PRIMARY KEY, body varchar(20) COMMENT 'n', "
            "state varchar(8) NOT NULL DEFAULT 'new')"
        )
    assert seed_mysql(seeded_db, 1500) == []  # past the server's default of 1000 recursive iterations
    with seeded_db.cursor() as cur:
        for table in ("users", "orders", "kinds", "notes"):
            cur.execute(f"SELECT count(*) FROM {table}")
            assert cur.fetchone()[0] == 1500, table
        cur.execute("SELECT count(DISTINCT email), max(length(code)) FROM users JOIN kinds ON kinds.id = users.id")
        assert cur.fetchone() == (1500, 2)
        cur.execute("SELECT count(*) FROM orders JOIN users ON users.id = orders.user_id")
        assert cur.fetchone()[0] == 1500  # every NOT NULL foreign key points at a parent


def test_a_bad_dsn_is_a_clear_error_and_nothing_is_left(release: str, tmp_path: Path) -> None:
    (tmp_path / "001_x.sql").write_text("ALTER TABLE orders ADD COLUMN x int;\n")
    with pytest.raises(DatabaseError, match=r"cannot connect to 127\.0\.0\.1:1: .*Check the host, port"):
        verify_mysql(pairs_in(tmp_path), dialect=Dialect.MARIADB, dsn="mysql://root:Sekr3t@127.0.0.1:1")
    with pytest.raises(InputError, match=r"give a mysql://user@host:port/database DSN for mariadb"):
        verify_mysql(pairs_in(tmp_path), dialect=Dialect.MARIADB, dsn="postgresql://me@localhost/db")
    with pytest.raises(InputError, match="the schema SQL fails at line 1"):
        verify_mysql(pairs_in(tmp_path), dialect=Dialect.MARIADB, dsn=DSN, schema_sql="CREATE TABLE (;")
    with admin() as conn, conn.cursor() as cur:  # the failed run dropped its scratch database
        # this process's only: other test workers verify on the same server at the same time
        cur.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE %s",
            (f"mm\\_verify\\_{os.getpid()}\\_%",),
        )
        leftovers = cur.fetchone()[0]
    assert leftovers == 0


def test_cli_and_mcp_verify_for_mariadb(release: str, tmp_path: Path) -> None:
    import json

    from test_mcp_tools import call

    (tmp_path / "schema.sql").write_text(SCHEMA)
    ops = [{"op": "add_index", "table": "orders", "columns": ["code"]}]
    (tmp_path / "ops.json").write_text(json.dumps(ops))
    cli = str(Path(sys.executable).parent / "migration-manager")
    args = ["verify", "--dialect", "mariadb", "--schema-sql", str(tmp_path / "schema.sql"), "--rows", "50"]
    done = subprocess.run([cli, *args, "--ops", str(tmp_path / "ops.json")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Locks: information_schema.METADATA_LOCK_INFO" in done.stdout and "Result: passed" in done.stdout
    bad = subprocess.run(
        [cli, "verify", "--dsn", "mysql://root@127.0.0.1:1", "--dir", str(tmp_path)], text=True, capture_output=True
    )
    assert bad.returncode == 4 and "cannot connect to 127.0.0.1:1" in bad.stderr

    result = call("verify_migration", {"operations": ops, "dialect": "mariadb", "schema_sql": SCHEMA, "rows": 50})
    assert not result.is_error and result.structured_content is not None
    assert result.structured_content["problems"] == [] and "MariaDB" in result.structured_content["where"]


def test_seeding_tables_with_keys_both_ways(seeded_db: Any) -> None:
    """`Order Items` needs a user (NOT NULL key); `Users` points back through a nullable key, which
    must not order the tables (the child was seeded first and every row failed)."""
    with seeded_db.cursor() as cur:
        cur.execute("CREATE TABLE `Users` (`Id` bigint AUTO_INCREMENT PRIMARY KEY, `Best Order` bigint NULL)")
        cur.execute(
            "CREATE TABLE `Order Items` (`Id` bigint AUTO_INCREMENT PRIMARY KEY, `User Id` bigint NOT NULL, "
            "CONSTRAINT oi_user_fk FOREIGN KEY (`User Id`) REFERENCES `Users` (`Id`))"
        )
        cur.execute(
            "ALTER TABLE `Users` ADD CONSTRAINT best_fk FOREIGN KEY (`Best Order`) REFERENCES `Order Items` (`Id`)"
        )
    assert seed_mysql(seeded_db, 30) == []
    with seeded_db.cursor() as cur:
        cur.execute("SELECT count(*) FROM `Order Items` JOIN `Users` ON `Users`.`Id` = `Order Items`.`User Id`")
        assert cur.fetchone()[0] == 30
