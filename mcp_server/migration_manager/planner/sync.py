"""Triggers that keep two columns of one table in step during an expand/contract change."""

from __future__ import annotations

from ..ident import derived_name, quote_ident, quote_literal
from .base import TableRef


def function_name(table: TableRef, purpose: str) -> str:
    return derived_name(table.name, purpose, suffix="mm_sync")


def _qualified_function(table: TableRef, name: str) -> str:
    return f"{quote_ident(table.schema)}.{quote_ident(name)}" if table.schema else quote_ident(name)


def one_way_sql(table: TableRef, name: str, target: str, value: str) -> list[str]:
    """BEFORE INSERT OR UPDATE trigger: NEW.target := value (value may read NEW.*)."""
    fn = _qualified_function(table, name)
    return [
        f"""CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $mm$
BEGIN
    NEW.{quote_ident(target)} := {value};
    RETURN NEW;
END
$mm$""",
        _trigger_sql(table, name, fn),
    ]


def two_way_sql(table: TableRef, name: str, old: str, new: str) -> list[str]:
    """Keep `old` and `new` equal whichever one the application writes.

    `old` is the column every row already holds; `new` the one being filled, which has no default
    while the trigger runs: an INSERT that gives `new` (code that knows it) sets `old` from it, one
    that leaves it NULL (code that does not) sets it from `old`. So an `old` filled by its own
    default never overwrites the value written to `new`, and a row written by old code is complete."""
    fn = _qualified_function(table, name)
    o, n = f"NEW.{quote_ident(old)}", f"NEW.{quote_ident(new)}"
    return [
        f"""CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $mm$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF {n} IS NULL THEN {n} := {o}; ELSE {o} := {n}; END IF;
    ELSIF {n} IS DISTINCT FROM OLD.{quote_ident(new)} THEN
        {o} := {n};
    ELSE
        {n} := {o};
    END IF;
    RETURN NEW;
END
$mm$""",
        _trigger_sql(table, name, fn),
    ]


def drop_sql(table: TableRef, name: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {quote_ident(name)} ON {table.sql}",
        f"DROP FUNCTION IF EXISTS {_qualified_function(table, name)}()",
    ]


def add_column_like_sql(table: TableRef, column: str, like: str) -> str:
    """Add `column` with the exact type of `like`, read from the catalog when the migration runs."""
    return f"""DO $mm$
DECLARE
    column_type text;
BEGIN
    SELECT format_type(atttypid, atttypmod) INTO column_type FROM pg_attribute
     WHERE attrelid = {table.regclass_literal()}::regclass AND attname = {quote_literal(like)} AND NOT attisdropped;
    IF column_type IS NULL THEN
        RAISE EXCEPTION 'column % of % does not exist', {quote_literal(like)}, {quote_literal(table.sql)};
    END IF;
    EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', {quote_literal(table.sql)}, {quote_literal(column)}, column_type);
END
$mm$"""


def _trigger_sql(table: TableRef, name: str, fn: str) -> str:
    on = f"BEFORE INSERT OR UPDATE ON {table.sql}"
    return f"CREATE TRIGGER {quote_ident(name)} {on} FOR EACH ROW EXECUTE FUNCTION {fn}()"
