"""The linter reads libpg_query's JSON trees (lint/tree.py). Its column types must be the types
PostgreSQL itself reports for the same declaration, since the type-change rule compares them."""

from __future__ import annotations

import json

import psycopg
import pytest
from pglast.parser import parse_sql_json

from conftest import Server
from migration_manager.knowledge.postgres import normalize_type
from migration_manager.lint.tree import column_type, deparse, function_names, is_not_null_check, unwrap

TYPES = [
    "integer",
    "int8",
    "smallint",
    "boolean",
    "double precision",
    "real",
    "text",
    "varchar(20)",
    "character varying",
    "char(3)",
    "numeric(10,2)",
    "numeric",
    "timestamp",
    "timestamp(3)",
    "timestamptz",
    "timestamp(3) with time zone",
    "time(2)",
    "interval",
    "interval day to second",
    "uuid",
    "jsonb",
    "json",
    "int[]",
    "varchar(5)[]",
    "bit varying(8)",
    "pg_catalog.int4",
]


def _tree(sql: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    return unwrap(json.loads(parse_sql_json(sql))["stmts"][0]["stmt"])


@pytest.mark.parametrize("declared", TYPES)
def test_column_type_is_what_postgresql_reports(declared: str, server: Server, db: str) -> None:
    sql = f"CREATE TABLE probe (c {declared})"
    _, node = _tree(sql)
    ours = column_type(node["tableElts"][0]["ColumnDef"]["typeName"], sql)
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(sql)
        row = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'probe'::regclass AND attname = 'c'"
        ).fetchone()
    assert row is not None
    assert ours == normalize_type(row[0]), f"{declared}: ours {ours!r}, server {row[0]!r}"


def test_deparse_finds_the_node_at_its_location() -> None:
    sql = "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0 AND b IS NOT NULL) NOT VALID"
    _, node = _tree(sql)
    constraint = node["cmds"][0]["AlterTableCmd"]["def"]["Constraint"]
    kind, expr = unwrap(constraint["raw_expr"])
    assert deparse(sql, kind, expr) == "a > 0 AND b IS NOT NULL"
    assert is_not_null_check(constraint) is None


def test_a_name_of_many_bytes_before_the_node_changes_nothing() -> None:
    """The JSON counts bytes and pglast's nodes characters: a table named in two-byte letters
    before the node once made deparse miss it (an empty CHECK () in the message)."""
    sql = 'ALTER TABLE "café_über" ADD CONSTRAINT "ç" CHECK (a > 0 AND b IS NOT NULL) NOT VALID'
    _, node = _tree(sql)
    kind, expr = unwrap(node["cmds"][0]["AlterTableCmd"]["def"]["Constraint"]["raw_expr"])
    assert deparse(sql, kind, expr) == "a > 0 AND b IS NOT NULL"
    for declared in TYPES:
        plain, accented = (f'CREATE TABLE "{name}" (c {declared})' for name in ("cafe", "café_ü"))
        assert column_type(_tree(accented)[1]["tableElts"][0]["ColumnDef"]["typeName"], accented) == column_type(
            _tree(plain)[1]["tableElts"][0]["ColumnDef"]["typeName"], plain
        ), declared


def test_not_null_check_and_function_names() -> None:
    sql = "ALTER TABLE t ADD CONSTRAINT c CHECK (b IS NOT NULL), ADD COLUMN d uuid DEFAULT public.Gen_Id(now())"
    _, node = _tree(sql)
    check, column = (c["AlterTableCmd"]["def"] for c in node["cmds"])
    assert is_not_null_check(check["Constraint"]) == "b"
    assert function_names(column) == {"gen_id", "now"}
