"""Synthetic rows for every table of the scratch schema, so that what a migration does to a
populated table (scans, rewrites, failing constraints) shows. Parents before children; a NOT
NULL foreign key column takes an existing parent key; columns with defaults, identities and
generated values are left to the server."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from ..ident import quote_ident

_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '', t.typtype, a.atttypid::regtype::text
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_type t ON t.oid = a.atttypid
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY c.relname, a.attnum"""
_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
  FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
  JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
 WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.connamespace = 'public'::regnamespace"""


def _value(type_sql: str, typtype: str, regtype: str) -> str | None:
    t = type_sql.lower()
    if typtype == "e":
        return f"(enum_range(NULL::{regtype}))[1]"
    if t in ("smallint",):
        return "(g % 32000)::smallint"
    if t in ("integer", "bigint", "oid"):
        return f"g::{t}"
    if t.startswith(("numeric", "real", "double precision")):
        return f"(g % 1000)::{type_sql}"
    if t.startswith(("character varying", "character(", "varchar", "char(")):
        length = re.search(r"\((\d+)\)", t)
        return f"left('v' || g, {length[1] if length else 64})"
    if t in ("text", "citext", "name"):
        return "'v' || g"
    if t == "boolean":
        return "g % 2 = 0"
    if t.startswith(("timestamp", "date")):
        return f"(timestamp '2026-01-01' + g * interval '1 second')::{type_sql}"
    if t == "uuid":
        return "md5(g::text)::uuid"
    if t in ("json", "jsonb"):
        return f"jsonb_build_object('n', g)::{t}"
    if t == "bytea":
        return "convert_to(g::text, 'UTF8')"
    return None


def seed(conn: psycopg.Connection[Any], rows: int) -> list[str]:
    """Insert `rows` rows into each table; returns what could not be seeded, and why."""
    columns: dict[str, list[tuple[str, str, bool, bool, str, str]]] = {}
    for table, name, type_sql, not_null, has_default, typtype, regtype in conn.execute(_COLUMNS).fetchall():
        columns.setdefault(table, []).append((name, type_sql, not_null, has_default, typtype, regtype))
    parents: dict[tuple[str, str], tuple[str, str]] = {}
    for child, column, parent, key in conn.execute(_FOREIGN_KEYS).fetchall():
        parents[(child.strip('"'), column)] = (parent.strip('"'), key)
    order = _parents_first(list(columns), {c: {p for (t, _), (p, _) in parents.items() if t == c} for c in columns})
    problems: list[str] = []
    for table in order:
        targets, values = [], []
        for name, type_sql, not_null, has_default, typtype, regtype in columns[table]:
            if has_default:
                continue
            parent = parents.get((table, name))
            value: str | None
            if parent is not None:
                if not not_null:
                    continue
                value = (
                    f"(ARRAY(SELECT {quote_ident(parent[1])} FROM {quote_ident(parent[0])} LIMIT 1000))[1 + g % 1000]"
                )
            else:
                value = _value(type_sql, typtype, regtype)
            if value is None:
                if not_null:
                    problems.append(f"{table}: no synthetic value for NOT NULL column {name} ({type_sql})")
                    break
                continue
            targets.append(quote_ident(name))
            values.append(value)
        else:
            cols = f"({', '.join(targets)}) " if targets else ""
            select = f"SELECT {', '.join(values)} FROM" if values else "SELECT FROM"
            sql = f"INSERT INTO {quote_ident(table)} {cols}{select} generate_series(1, {int(rows)}) AS g"
            try:
                with conn.transaction():
                    conn.execute(sql)
            except psycopg.Error as exc:
                problems.append(f"{table}: {str(exc).splitlines()[0]}")
    conn.execute("ANALYZE")
    return problems


def _parents_first(tables: list[str], needs: dict[str, set[str]]) -> list[str]:
    done: list[str] = []
    pending = sorted(tables)
    while pending:
        ready = [t for t in pending if needs.get(t, set()) - {t} <= set(done)] or pending[:1]  # a cycle: break it
        done.extend(ready)
        pending = [t for t in pending if t not in ready]
    return done
