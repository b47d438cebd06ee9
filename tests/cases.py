"""One change per operation family, on the fixture schema, with what the server must show after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from migration_manager.model import (
    AddCheck,
    AddColumn,
    AddEnumValue,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    AddUnique,
    Backfill,
    ChangeColumnType,
    Column,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropDefault,
    DropIndex,
    DropNotNull,
    DropTable,
    Operation,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNotNull,
    ValidateConstraint,
)

Conn = psycopg.Connection[Any]


def one(conn: Conn, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


def column(conn: Conn, table: str, name: str) -> tuple[str, bool] | None:
    row = conn.execute(
        "SELECT format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attname = %s AND NOT attisdropped",
        (table, name),
    ).fetchone()
    return (row[0], row[1]) if row else None


def no_invalid_indexes(conn: Conn) -> None:
    assert one(conn, "SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0


def all_validated(conn: Conn) -> None:
    assert one(conn, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == 0


@dataclass
class Case:
    id: str
    ops: list[Operation]
    check: Callable[[Conn], None]
    setup: str = ""
    reversible: bool = True
    min_version: int = 12
    migrations: int | None = None  # expected count, where the strategy fixes it
    changes_schema: bool = True  # False for data-only changes (backfill)
    extra: dict[str, Any] = field(default_factory=dict)


def _check_nickname(conn: Conn) -> None:
    assert column(conn, "users", "nickname") == ("text", False)


def _check_status(conn: Conn) -> None:
    assert column(conn, "orders", "status") == ("text", True)
    assert one(conn, "SELECT count(*) FROM orders WHERE status = 'new'") == 5000


def _check_token(conn: Conn) -> None:
    assert column(conn, "orders", "token") == ("uuid", True)
    assert one(conn, "SELECT count(DISTINCT token) FROM orders") == 5000
    all_validated(conn)
    assert one(conn, "SELECT count(*) FROM pg_constraint WHERE conname = 'orders_token_not_null'") == 0


def _check_email_lower(conn: Conn) -> None:
    assert column(conn, "users", "email_lower") == ("text", True)
    assert one(conn, "SELECT count(*) FROM users WHERE email_lower <> lower(email)") == 0


def _check_identity(conn: Conn) -> None:
    assert column(conn, "events", "seq") == ("bigint", True)
    assert (
        one(conn, "SELECT attidentity FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'seq'") == "d"
    )
    assert one(conn, "SELECT count(DISTINCT seq) FROM events") == one(conn, "SELECT count(*) FROM events") >= 3000
    new = one(conn, "INSERT INTO events (id) VALUES (-1) RETURNING seq")
    assert new > one(conn, "SELECT max(seq) FROM events WHERE id <> -1")


def _check_serial(conn: Conn) -> None:
    assert column(conn, "events", "n") == ("integer", True)
    assert one(conn, "SELECT count(DISTINCT n) FROM events") == one(conn, "SELECT count(*) FROM events") >= 3000


def _check_index(conn: Conn) -> None:
    assert one(conn, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_user_id_idx'::regclass")


def _check_partial_unique(conn: Conn) -> None:
    definition = one(conn, "SELECT pg_get_indexdef('users_lower_email_key'::regclass)")
    assert "UNIQUE" in definition and "lower(email)" in definition and "WHERE" in definition
    no_invalid_indexes(conn)


def _check_dropped_index(conn: Conn) -> None:
    assert one(conn, "SELECT to_regclass('orders_code_idx')") is None


def _check_fk(conn: Conn) -> None:
    assert one(conn, "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'")


def _check_check(conn: Conn) -> None:
    assert one(conn, "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_amount_positive'")


def _check_unique(conn: Conn) -> None:
    assert one(conn, "SELECT contype FROM pg_constraint WHERE conname = 'orders_code_key'") == "u"


def _check_pk(conn: Conn) -> None:
    assert one(conn, "SELECT contype FROM pg_constraint WHERE conname = 'events_pkey'") == "p"
    assert column(conn, "events", "id") == ("bigint", True)


def _check_not_null(conn: Conn) -> None:
    assert column(conn, "orders", "code") == ("text", True)
    assert one(conn, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'c'") == 0


def _check_drop_not_null(conn: Conn) -> None:
    assert column(conn, "users", "name") == ("text", False)


def _check_widen(conn: Conn) -> None:
    assert column(conn, "users", "note") == ("character varying(50)", False)


def _check_tz(conn: Conn) -> None:
    assert column(conn, "users", "created_at") == ("timestamp with time zone", False)


def _check_bigint(conn: Conn) -> None:
    assert column(conn, "orders", "amount") == ("bigint", True)
    assert one(conn, "SELECT sum(amount) FROM orders") == sum(range(1, 5001))
    assert column(conn, "orders", "amount_old") is None
    assert one(conn, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == 0
    assert one(conn, "INSERT INTO orders (user_id) VALUES (1) RETURNING amount") == 0  # default kept


def _check_rename(conn: Conn) -> None:
    assert column(conn, "users", "name") is None
    assert column(conn, "users", "full_name") == ("text", True)
    assert one(conn, "SELECT count(*) FROM users WHERE full_name = 'User ' || id") == 2000


def _check_rename_table(conn: Conn) -> None:
    assert one(conn, "SELECT relkind FROM pg_class WHERE relname = 'purchases'") == "r"
    assert one(conn, "SELECT to_regclass('orders')") is None


def _check_drop_column(conn: Conn) -> None:
    assert column(conn, "orders", "code") is None


def _check_drop_table(conn: Conn) -> None:
    assert one(conn, "SELECT to_regclass('events')") is None


def _check_create(conn: Conn) -> None:
    assert one(conn, "SELECT count(*) FROM pg_index WHERE indrelid = 'invoices'::regclass") == 2
    assert one(conn, "SELECT convalidated FROM pg_constraint WHERE conname = 'invoices_order_id_fkey'")


def _check_default(conn: Conn) -> None:
    assert one(conn, "INSERT INTO orders (user_id) VALUES (1) RETURNING code") == "none"


def _check_drop_default(conn: Conn) -> None:
    assert one(conn, "SELECT count(*) FROM pg_attrdef WHERE adrelid = 'users'::regclass AND adnum = 5") == 0


def _check_enum(conn: Conn) -> None:
    assert (
        one(
            conn,
            "SELECT array_agg(enumlabel ORDER BY enumsortorder)::text FROM pg_enum WHERE enumtypid = 'mood'::regtype",
        )
        == "{ok,meh,sad}"
    )


def _check_backfill(conn: Conn) -> None:
    assert one(conn, "SELECT count(*) FROM orders WHERE code IS NULL") == 0
    assert one(conn, "SELECT count(*) FROM orders WHERE code = 'filled-' || id") == 2500


def _check_drop_constraint(conn: Conn) -> None:
    assert one(conn, "SELECT count(*) FROM pg_constraint WHERE conname = 'amount_small'") == 0


def _check_validate(conn: Conn) -> None:
    assert one(conn, "SELECT convalidated FROM pg_constraint WHERE conname = 'amount_nonneg'")


def _check_virtual(conn: Conn) -> None:
    assert (
        one(
            conn,
            "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'double_amount'",
        )
        == "v"
    )
    assert one(conn, "SELECT double_amount FROM orders WHERE id = 21") == 42


CASES = [
    Case(
        "add_column_nullable",
        [AddColumn(table="users", column=Column(name="nickname", type="text"))],
        _check_nickname,
        migrations=1,
    ),
    Case(
        "add_column_constant_default_not_null",
        [AddColumn(table="orders", column=Column(name="status", type="text", nullable=False, default="'new'"))],
        _check_status,
        migrations=1,
    ),
    Case(
        "add_column_volatile_not_null",
        [
            AddColumn(
                table="orders", column=Column(name="token", type="uuid", nullable=False, default="gen_random_uuid()")
            )
        ],
        _check_token,
        min_version=13,
    ),
    Case(
        "add_column_computed_not_null",
        [
            AddColumn(
                table="users", column=Column(name="email_lower", type="text", nullable=False), backfill="lower(email)"
            )
        ],
        _check_email_lower,
    ),
    Case(
        "add_column_identity",
        [AddColumn(table="events", column=Column(name="seq", type="bigint", identity="by default"))],
        _check_identity,
    ),
    Case("add_column_serial", [AddColumn(table="events", column=Column(name="n", type="serial"))], _check_serial),
    Case(
        "add_column_virtual_generated",
        [
            AddColumn(
                table="orders",
                column=Column(name="double_amount", type="integer", generated="amount * 2", generated_stored=False),
            )
        ],
        _check_virtual,
        min_version=18,
        migrations=1,
    ),
    Case("add_index", [AddIndex(table="orders", columns=["user_id"])], _check_index, migrations=1),
    Case(
        "add_unique_partial_expression_index",
        [AddIndex(table="users", columns=["(lower(email))"], unique=True, where="note IS NOT NULL")],
        _check_partial_unique,
    ),
    Case(
        "drop_index",
        [DropIndex(name="orders_code_idx", table="orders", columns=["code"])],
        _check_dropped_index,
        setup="CREATE INDEX orders_code_idx ON orders (code)",
    ),
    Case(
        "add_foreign_key",
        [AddForeignKey(table="orders", columns=["user_id"], ref_table="users", ref_columns=["id"])],
        _check_fk,
        migrations=2,
    ),
    Case(
        "add_check",
        [AddCheck(table="orders", name="orders_amount_positive", expression="amount > 0")],
        _check_check,
        migrations=2,
    ),
    Case("add_unique", [AddUnique(table="orders", columns=["code"])], _check_unique, migrations=2),
    Case("add_primary_key", [AddPrimaryKey(table="events", columns=["id"])], _check_pk),
    Case("set_not_null", [SetNotNull(table="orders", column="code")], _check_not_null, migrations=3),
    Case("drop_not_null", [DropNotNull(table="users", column="name")], _check_drop_not_null, migrations=1),
    Case(
        "change_type_varchar_widen",
        [ChangeColumnType(table="users", column="note", old_type="varchar(20)", new_type="varchar(50)")],
        _check_widen,
        migrations=1,
    ),
    Case(
        "change_type_timestamptz",
        [ChangeColumnType(table="users", column="created_at", old_type="timestamp", new_type="timestamptz")],
        _check_tz,
        migrations=1,
    ),
    Case(
        "change_type_int_to_bigint",
        [
            ChangeColumnType(
                table="orders", column="amount", old_type="integer", new_type="bigint", not_null=True, default="0"
            )
        ],
        _check_bigint,
    ),
    Case(
        "rename_column_trigger",
        [RenameColumn(table="users", column="name", new_name="full_name", not_null=True)],
        _check_rename,
    ),
    Case(
        "rename_column_dual_write",
        [
            RenameColumn(
                table="users", column="name", new_name="full_name", type="text", strategy="dual_write", not_null=True
            )
        ],
        _check_rename,
    ),
    Case("rename_table", [RenameTable(table="orders", new_name="purchases")], _check_rename_table, migrations=2),
    Case("drop_column", [DropColumn(table="orders", column="code", type="text")], _check_drop_column),
    Case(
        "drop_table",
        [
            DropTable(
                table="events",
                columns=[
                    Column(name="id", type="bigint"),
                    Column(name="kind", type="text"),
                    Column(name="payload", type="text"),
                ],
            )
        ],
        _check_drop_table,
    ),
    Case(
        "create_table_with_index_and_fk",
        [
            CreateTable(
                table="invoices",
                columns=[
                    Column(name="id", type="bigint", primary_key=True),
                    Column(name="order_id", type="bigint", nullable=False),
                ],
            ),
            AddIndex(table="invoices", columns=["order_id"]),
            AddForeignKey(table="invoices", columns=["order_id"], ref_table="orders", ref_columns=["id"]),
        ],
        _check_create,
        migrations=2,
    ),  # the foreign key locks orders: not in the same transaction
    Case("set_default", [SetDefault(table="orders", column="code", default="'none'")], _check_default),
    Case(
        "drop_default", [DropDefault(table="users", column="created_at", previous_default="now()")], _check_drop_default
    ),
    Case("add_enum_value", [AddEnumValue(enum="mood", value="meh", after="ok")], _check_enum, reversible=False),
    Case(
        "backfill",
        [Backfill(table="orders", column="code", value="'filled-' || id", batch_size=700)],
        _check_backfill,
        setup="UPDATE orders SET code = NULL WHERE id % 2 = 0",
        changes_schema=False,
    ),
    Case(
        "drop_constraint",
        [DropConstraint(table="orders", name="amount_small", definition="CHECK (amount < 1000000)")],
        _check_drop_constraint,
        setup="ALTER TABLE orders ADD CONSTRAINT amount_small CHECK (amount < 1000000)",
    ),
    Case(
        "validate_constraint",
        [ValidateConstraint(table="orders", name="amount_nonneg")],
        _check_validate,
        setup="ALTER TABLE orders ADD CONSTRAINT amount_nonneg CHECK (amount >= 0) NOT VALID",
    ),
]


def cases_named(*ids: str) -> list[Case]:
    named = [c for c in CASES if c.id in ids]
    assert len(named) == len(ids), f"unknown case ids: {set(ids) - {c.id for c in named}}"
    return named


# The operation families every framework rendering is checked on (issue: add column with a
# default, add index, rename column, add foreign key, change type, drop column) ...
RENDER_CORE = cases_named(
    "add_column_volatile_not_null",
    "add_index",
    "rename_column_trigger",
    "add_foreign_key",
    "change_type_int_to_bigint",
    "drop_column",
)
# ... and, where the tool runs in seconds, the two with nothing to undo.
RENDER_ALL = RENDER_CORE + cases_named("backfill", "add_enum_value")
