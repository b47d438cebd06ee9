"""A comparable snapshot of a schema, read from the PostgreSQL catalogs.

Used to prove that a down migration restores the schema the up migration started from:
tables, columns (type, NULL-ability, default, identity, generation), constraints (with
definition and validation), indexes (definition and validity), sequences, views, triggers,
functions and enum values. PostgreSQL 18's NOT NULL rows in pg_constraint are left out:
attnotnull already says it. Column order is not compared: expand/contract legitimately moves
a column to the end of the table.
"""

from __future__ import annotations

from typing import Any

import psycopg

_QUERIES: dict[str, str] = {
    "tables": """
        SELECT c.relname, c.relkind::text FROM pg_class c
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(ns)s)
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S')""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(ns)s) AND c.relkind IN ('r', 'p', 'v')
           AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid), k.convalidated
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(ns)s) AND k.contype <> 'n'""",
    "indexes": """
        SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(ns)s)""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid)
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(ns)s) AND NOT t.tgisinternal""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc)
          FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(ns)s)""",
    "views": """
        SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(ns)s) AND c.relkind IN ('v', 'm')""",
    "enums": """
        SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text
          FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
         WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(ns)s) GROUP BY t.typname""",
}

Snapshot = dict[str, list[tuple[Any, ...]]]


_USER_SCHEMAS = """SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')
                    AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp_%' ORDER BY 1"""


def snapshot(conn: psycopg.Connection[Any], schema: str | None = "public") -> Snapshot:
    """The schema's objects, each kind as a sorted list of tuples, so two snapshots compare with ==.

    schema=None: every user schema, each row led by its schema's name."""
    result: Snapshot = {}
    if schema is None:
        names = [n for (n,) in conn.execute(_USER_SCHEMAS).fetchall()]
        for kind, query in _QUERIES.items():
            result[kind] = sorted((ns, *row) for ns in names for row in conn.execute(query, {"ns": ns}).fetchall())
        result["schemas"] = [(n,) for n in names]
        return result
    for kind, query in _QUERIES.items():
        rows = conn.execute(query, {"ns": schema}).fetchall()
        result[kind] = sorted(tuple(row) for row in rows)
    return result


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """Human-readable differences: what is only before, what is only after."""
    out: list[str] = []
    for kind in before.keys() | after.keys():
        b, a = set(before.get(kind, [])), set(after.get(kind, []))
        out.extend(f"{kind}: only before: {row}" for row in sorted(b - a, key=repr))
        out.extend(f"{kind}: only after:  {row}" for row in sorted(a - b, key=repr))
    return out
