"""A MariaDB / MySQL schema snapshot from information_schema: what a migration and its down must
agree on (columns with types, nullability, defaults, comments, character sets and collations;
indexes; checks; constraints; foreign keys with their rules)."""

from __future__ import annotations

from typing import Any

Snapshot = dict[str, list[tuple[Any, ...]]]

_QUERIES = {
    "tables": "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
    "columns": """SELECT table_name, column_name, column_type, is_nullable, column_default, extra, column_comment,
                         character_set_name, collation_name
                    FROM information_schema.columns WHERE table_schema = %s""",
    "indexes": """SELECT table_name, index_name, non_unique, seq_in_index, column_name, sub_part, collation,
                         index_type
                    FROM information_schema.statistics WHERE table_schema = %s""",
    "constraints": """SELECT table_name, constraint_name, constraint_type FROM information_schema.table_constraints
                       WHERE constraint_schema = %s""",
    "references": """SELECT table_name, constraint_name, referenced_table_name, update_rule, delete_rule
                      FROM information_schema.referential_constraints WHERE constraint_schema = %s""",
    "checks": """SELECT table_name, constraint_name, check_clause FROM information_schema.check_constraints
                  WHERE constraint_schema = %s""",
    "foreign_keys": """SELECT k.table_name, k.constraint_name, k.column_name, k.referenced_table_name,
                              k.referenced_column_name
                         FROM information_schema.key_column_usage k
                        WHERE k.table_schema = %s AND k.referenced_table_name IS NOT NULL""",
}


def snapshot(conn: Any, database: str) -> Snapshot:
    """`conn`: a DB-API connection (PyMySQL) to the server holding `database`."""
    out: Snapshot = {}
    with conn.cursor() as cur:
        for name, sql in _QUERIES.items():
            cur.execute(sql, (database,))
            out[name] = sorted(tuple(r) for r in cur.fetchall())
    return out


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    found: list[str] = []
    for kind in before.keys() | after.keys():
        gone = set(before.get(kind, [])) - set(after.get(kind, []))
        new = set(after.get(kind, [])) - set(before.get(kind, []))
        found += [f"{kind}: missing {row}" for row in sorted(gone, key=str)]
        found += [f"{kind}: extra {row}" for row in sorted(new, key=str)]
    return found
