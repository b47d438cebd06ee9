"""The MariaDB / MySQL schema read from information_schema, and the MySQL planner using it: on the
machine's MariaDB (no mocks). Each test gets its own small database."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from conftest import MARIADB
from migration_manager.cli import main
from migration_manager.errors import InputError, PlanningError
from migration_manager.model import ChangeColumnType, Dialect, Plan, Target
from migration_manager.planner import plan
from migration_manager.request import request_from_sql
from migration_manager.schema.model import Schema
from migration_manager.schema.read_mysql import schema_from_mysql_dsn, schema_from_mysql_file
from migration_manager.schema.sources import resolve_schema

SCHEMA = """
CREATE TABLE users (id bigint PRIMARY KEY AUTO_INCREMENT, email varchar(100) NOT NULL, UNIQUE KEY users_email (email))
COMMENT 'people';
CREATE TABLE items (
    id bigint PRIMARY KEY AUTO_INCREMENT,
    user_id bigint NOT NULL,
    code varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT 'x' COMMENT 'the code',
    label varchar(30) CHARACTER SET latin1 COLLATE latin1_swedish_ci,
    n int DEFAULT 3,
    made timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
    CONSTRAINT items_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT n_pos CHECK (n > 0),
    KEY items_code (code(10), n)
);
INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com');
INSERT INTO items (user_id, code, label, n) VALUES (1, 'ab', 'l1', 1), (2, 'cd', NULL, 2), (1, 'ef', 'l3', 3)
"""
_counter = count()
MARIA = Target(dialect="mariadb")


def admin(database: str | None = None) -> Any:
    import pymysql

    return pymysql.connect(**MARIADB, database=database, autocommit=True)


@pytest.fixture
def db(mariadb_release: str) -> Iterator[str]:
    name = f"mm_s{os.getpid()}_{next(_counter)}"
    with admin() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
        cur.execute(f"USE {name}")
        for statement in SCHEMA.split(";\n"):
            cur.execute(statement)
        cur.execute("ANALYZE TABLE users, items")
    try:
        yield name
    finally:
        with admin() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")


def dsn(database: str) -> str:
    return f"mysql://{MARIADB['user']}@{MARIADB['host']}:{MARIADB['port']}/{database}"


def columns(database: str, table: str) -> dict[str, tuple[Any, ...]]:
    """The catalog's view of every column: type, nullability, default, comment, charset, collation, extra."""
    with admin() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT column_name, column_type, is_nullable, column_default, column_comment, character_set_name, "
            "collation_name, extra FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            (database, table),
        )
        return {r[0]: tuple(r[1:]) for r in cur.fetchall()}


def apply(database: str, statements: list[str]) -> None:
    with admin(database) as conn, conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def ups(p: Plan) -> list[str]:
    return [s for m in p.migrations for st in m.steps for s in st.up]


def downs(p: Plan) -> list[str]:
    return [s for m in reversed(p.migrations) for st in m.steps for s in st.down]


def planned(sql: str, schema: Schema | None, target: Target = MARIA) -> Plan:
    return plan(request_from_sql(sql, target.dialect.value).operations, target, schema=schema)


def test_the_schema_read_is_what_was_created(db: str) -> None:
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    assert schema.source.startswith(f"live database 127.0.0.1:3306/{db} (MariaDB 10.")
    assert schema.search_path == [db] and set(schema.tables) == {f"{db}.users", f"{db}.items"}
    items = schema.table("items")
    assert items is not None and items.engine == "InnoDB" and items.rows == 3 and (items.bytes or 0) > 0
    code = items.columns["code"]
    assert (code.type, code.not_null, code.default, code.comment) == ("varchar(20)", True, "'x'", "the code")
    assert (code.charset, code.collation) == ("utf8mb4", "utf8mb4_bin")
    label = items.columns["label"]
    assert (label.not_null, label.default, label.charset, label.collation) == (
        False,
        None,
        "latin1",
        "latin1_swedish_ci",
    )
    assert items.columns["n"].default == "3" and not items.columns["n"].not_null
    made = items.columns["made"]
    assert made.default == "current_timestamp()" and made.extra == "on update current_timestamp()"
    assert items.columns["id"].extra == "auto_increment" and list(items.columns)[:3] == ["id", "user_id", "code"]
    assert {i.name: (i.columns, i.unique, i.primary) for i in items.indexes} == {
        "PRIMARY": (("id",), True, True),
        "items_user_fk": (("user_id",), False, False),
        "items_code": (("code", "n"), False, False),
    }
    assert items.index("items_code").definition == "KEY `items_code` (`code`(10), `n`)"  # type: ignore[union-attr]
    fk = items.constraint("items_user_fk")
    assert fk is not None and fk.kind == "f" and fk.columns == ("user_id",)
    assert (fk.ref_schema, fk.ref_table, fk.ref_columns) == (db, "users", ("id",))
    assert "ON DELETE CASCADE" in fk.definition
    check = items.constraint("n_pos")
    assert check is not None and check.kind == "c" and check.definition == "CHECK (`n` > 0)"
    users = schema.table("users")
    assert users is not None and users.comment == "people"
    assert users.constraint("users_email").kind == "u"  # type: ignore[union-attr]
    assert [r.constraint.name for r in schema.incoming_foreign_keys(users)] == ["items_user_fk"]


def test_a_dsn_without_a_database_is_refused(mariadb_release: str) -> None:
    with pytest.raises(InputError, match="names no database"):
        schema_from_mysql_dsn(dsn(""), Dialect.MARIADB)


@pytest.mark.parametrize("new_type", ["char(24)", "varchar(40)"])
def test_a_modify_of_the_type_only_keeps_not_null_default_comment_and_collation(db: str, new_type: str) -> None:
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    before = columns(db, "items")
    p = planned(f"ALTER TABLE items MODIFY code {new_type}", schema)
    assert any("does not restate NOT NULL, DEFAULT 'x', COMMENT 'the code'" in w for w in p.warnings)
    apply(db, ups(p))
    after = columns(db, "items")
    assert after["code"][0] == new_type
    assert after["code"][1:] == before["code"][1:]  # nullability, default, comment, charset, collation, extra
    assert {k: v for k, v in after.items() if k != "code"} == {k: v for k, v in before.items() if k != "code"}
    assert all(not st.lossy_down for m in p.migrations for st in m.steps)
    apply(db, downs(p))
    assert columns(db, "items") == before


def test_without_the_schema_the_same_modify_drops_them(db: str) -> None:
    """What the carrying prevents: the server really drops what MODIFY leaves out."""
    p = planned("ALTER TABLE items MODIFY code varchar(40)", None)
    assert p.migrations[0].steps[0].down == [] and p.migrations[0].steps[0].algorithm == "COPY, LOCK=SHARED"
    apply(db, ups(p))
    code = columns(db, "items")["code"]
    assert code[1:4] == ("YES", "NULL", "")


def test_what_the_modify_states_wins_over_the_schema(db: str) -> None:
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    p = planned("ALTER TABLE items MODIFY code varchar(40) NULL DEFAULT NULL COMMENT ''", schema)
    kept = [w.split(";")[0] for w in p.warnings if "does not restate" in w]
    assert kept == ["items.code: the change does not restate CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"]
    apply(db, ups(p))
    code = columns(db, "items")["code"]
    assert code[:4] == ("varchar(40)", "YES", "NULL", "") and code[5] == "utf8mb4_bin"


def test_on_update_and_auto_increment_are_kept(db: str) -> None:
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    before = columns(db, "items")
    p = planned("ALTER TABLE items MODIFY made datetime", schema)
    assert any("ON UPDATE CURRENT_TIMESTAMP()" in w for w in p.warnings)
    apply(db, ups(p))
    assert columns(db, "items")["made"][1:] == before["made"][1:]
    apply(db, downs(p))
    assert columns(db, "items") == before


def test_a_varchar_widening_is_planned_instant_once_the_schema_is_known(db: str) -> None:
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    # latin1 varchar(30) -> varchar(300): past 255 bytes, which MariaDB 10.11 still widens instantly (measured)
    for sql in ("ALTER TABLE items MODIFY code varchar(40)", "ALTER TABLE items MODIFY label varchar(300)"):
        p = planned(sql, schema)
        step = p.migrations[0].steps[0]
        assert step.algorithm == "INSTANT" and not step.rewrites and step.external_command is None, sql
        apply(db, ups(p))  # ALGORITHM=INSTANT: the server refuses rather than copy
    # a comment-only or default-only change is metadata too, both ways
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    before = columns(db, "items")
    for sql, changed in (
        ("ALTER TABLE items MODIFY code varchar(40) COMMENT 'new words'", (3, "new words")),
        ("ALTER TABLE items MODIFY code varchar(40) DEFAULT 'y'", (2, "'y'")),
    ):
        p = planned(sql, schema)
        step = p.migrations[0].steps[0]
        assert step.algorithm == "INSTANT" and step.down[0].endswith("ALGORITHM=INSTANT"), sql
        apply(db, ups(p))
        assert columns(db, "items")["code"][changed[0]] == changed[1]
        apply(db, downs(p))
        assert columns(db, "items") == before


def test_mysql_widens_in_place_only_within_the_length_byte_class(db: str) -> None:
    """MySQL 8.0 (documented, knowledge/mysql.py): INPLACE while the length prefix keeps its size."""
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    mysql = Target(dialect="mysql", release="8.0.36")
    # utf8mb4: 4 bytes a character. varchar(20) = 80 bytes; varchar(60) = 240 (1 byte prefix); varchar(64) = 256
    within = planned("ALTER TABLE items MODIFY code varchar(60)", schema, mysql)
    assert within.migrations[0].steps[0].algorithm == "INPLACE, LOCK=NONE"
    across = planned("ALTER TABLE items MODIFY code varchar(64)", schema, mysql)
    assert across.migrations[0].steps[0].algorithm == "COPY, LOCK=SHARED"


def test_a_type_change_of_a_foreign_key_column_is_refused(db: str) -> None:
    import pymysql

    with pytest.raises(pymysql.err.OperationalError, match="used in a foreign key constraint"):  # the server's word
        apply(db, ups(planned("ALTER TABLE items MODIFY user_id int NOT NULL", None)))
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    with pytest.raises(PlanningError, match=r"foreign key items_user_fk .*Drop the key"):
        planned("ALTER TABLE items MODIFY user_id int NOT NULL", schema)
    with pytest.raises(PlanningError, match="foreign key items_user_fk"):  # the referenced side too
        plan(
            [ChangeColumnType(table="users", column="id", new_type="int", not_null=True, restated=True)],
            MARIA,
            schema=schema,
        )
    # the same type with another comment is no type change: planned
    p = planned("ALTER TABLE items MODIFY user_id bigint NOT NULL COMMENT 'owner'", schema)
    assert p.migrations[0].steps[0].algorithm == "INSTANT"
    apply(db, ups(p))


def test_the_table_size_comes_from_the_schema(db: str) -> None:
    schema = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    p = planned("ALTER TABLE items MODIFY code char(24)", schema)
    assert not any("no table stats" in w for w in p.warnings)
    assert p.migrations[0].steps[0].accepted == "items has 3 rows by its information_schema estimate: the copy is short"
    assert p.schema_source == schema.source
    items = schema.table("items")
    assert items is not None
    items.rows = 2_000_000  # what a big table's information_schema.tables says
    big = planned("ALTER TABLE items MODIFY code char(24)", schema)
    assert big.migrations[0].steps[0].up == [] and "gh-ost" in (big.migrations[0].steps[0].external_command or "")


def test_a_schema_file_gives_the_same_plan_as_the_dsn(db: str, tmp_path: Path) -> None:
    dump = subprocess.run(
        ["mysqldump", f"--host={MARIADB['host']}", f"--user={MARIADB['user']}", "--no-data", db],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    path = tmp_path / "schema.sql"
    path.write_text(dump)
    from_file = schema_from_mysql_file(path, Dialect.MARIADB)
    assert from_file.source.startswith(f"schema file {path} loaded into a temporary database mm_verify_")
    from_dsn = schema_from_mysql_dsn(dsn(db), Dialect.MARIADB)
    sql = (
        "ALTER TABLE items MODIFY code varchar(40); ALTER TABLE items MODIFY label text; "
        "ALTER TABLE items MODIFY n bigint"
    )
    a, b = planned(sql, from_file), planned(sql, from_dsn)
    # a --no-data dump has no sizes: the estimates differ (and the copy is not accepted as short), nothing else
    assert all(t.rows is None and t.bytes is None for t in from_file.tables.values())
    steps = {"steps": {"__all__": {"accepted", "estimate"}}}
    assert [m.model_dump(exclude=steps) for m in a.migrations] == [m.model_dump(exclude=steps) for m in b.migrations]
    assert [w.replace(from_file.source, "S") for w in a.warnings if "no table stats" not in w] == [
        w.replace(from_dsn.source, "S") for w in b.warnings
    ]
    via = resolve_schema(None, str(path), None, dialect="mariadb")
    assert via is not None and set(via.table("items").columns) == set(from_dsn.table("items").columns)  # type: ignore[union-attr]
    with admin() as conn, conn.cursor() as cur:  # the scratch database is gone
        cur.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (from_file.search_path[0],)
        )
        assert cur.fetchone()[0] == 0


def test_a_schema_file_that_does_not_load_is_refused(mariadb_release: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.sql"
    path.write_text("CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE u (id nosuchtype);\n")
    with pytest.raises(InputError, match=r"bad\.sql: the schema SQL fails at line 2"):
        schema_from_mysql_file(path, Dialect.MARIADB)


def test_the_cli_plans_from_the_dsn(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "plan",
            "--dialect",
            "mariadb",
            "--dsn",
            dsn(db),
            "--json",
            "--sql",
            "ALTER TABLE items MODIFY code varchar(40)",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    step = out["migrations"][0]["steps"][0]
    assert step["algorithm"] == "INSTANT" and "NOT NULL DEFAULT 'x' COMMENT 'the code'" in step["up"][0]
    assert step["down"] and "varchar(20)" in step["down"][0]


def test_the_mcp_tool_plans_from_the_dsn(db: str) -> None:
    from migration_manager.server import plan_change

    result = plan_change(sql="ALTER TABLE items MODIFY code char(24)", dialect="mariadb", dsn=dsn(db))
    assert result.plan.schema_source is not None and result.plan.schema_source.startswith("live database")
    step = result.plan.migrations[0].steps[0]
    assert "NOT NULL DEFAULT 'x' COMMENT 'the code'" in step.up[0] and "varchar(20)" in step.down[0]


def test_verify_plans_a_modify_from_the_schema_file(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """verify --dialect mariadb --schema FILE plans as plan does: the MODIFY keeps NOT NULL, DEFAULT, COMMENT."""
    path = tmp_path / "schema.sql"
    path.write_text(SCHEMA)
    sql = "ALTER TABLE items MODIFY code varchar(20) COMMENT 'the new words'"  # INSTANT both ways: no problems
    code = main(["verify", "--dialect", "mariadb", "--schema", str(path), "--rows", "20", "--json", "--sql", sql])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["problems"] == []
    alters = [st["sql"] for f in out["files"] for st in f["statements"] if st["sql"].startswith("ALTER")]
    assert len(alters) == 3 and all("NOT NULL DEFAULT 'x'" in a and a.endswith("ALGORITHM=INSTANT") for a in alters)
    assert "COMMENT 'the new words'" in alters[0] and "COMMENT 'the code'" in alters[1]  # up, then the down
