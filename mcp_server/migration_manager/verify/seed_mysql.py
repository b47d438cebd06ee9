"""Synthetic rows for every table of a MariaDB / MySQL scratch database: INSERT ... SELECT from a
recursive CTE of row numbers, a value of each column's type (its length and range respected).
Parents before children; a NOT NULL single-column foreign key takes an existing parent key; columns
with defaults, AUTO_INCREMENT and generated columns are left to the server."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from .seed import _parents_first

# MariaDB reports a nullable column without a default as column_default 'NULL' (the word; a string
# default 'NULL' is shown quoted): such a column has no default, and is seeded like any other.
_COLUMNS = """SELECT c.table_name, c.column_name, c.data_type, c.column_type,
                     c.is_nullable = 'YES' OR (c.column_default IS NOT NULL AND c.column_default <> 'NULL'),
                     c.extra LIKE '%auto_increment%' OR c.extra LIKE '%GENERATED%' OR c.generation_expression <> '',
                     c.character_maximum_length
                FROM information_schema.columns c JOIN information_schema.tables t
                  ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
               WHERE c.table_schema = database() ORDER BY c.table_name, c.ordinal_position"""
_FOREIGN_KEYS = """SELECT k.table_name, k.column_name, k.referenced_table_name, k.referenced_column_name
                     FROM information_schema.key_column_usage k
                    WHERE k.table_schema = database() AND k.referenced_table_name IS NOT NULL
                      AND k.constraint_name IN (SELECT constraint_name FROM information_schema.key_column_usage
                                                 WHERE table_schema = database() AND referenced_table_name IS NOT NULL
                                                 GROUP BY table_name, constraint_name HAVING count(*) = 1)"""
_INTEGER_MOD = {"tinyint": 100, "smallint": 30000, "mediumint": 8_000_000}


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _value(data_type: str, column_type: str, length: int | None) -> str | None:
    t = data_type.lower()
    if t in _INTEGER_MOD:
        return "n % 2" if column_type.lower().startswith("tinyint(1)") else f"n % {_INTEGER_MOD[t]}"
    if t in ("int", "integer", "bigint"):
        return "n"
    if t in ("decimal", "numeric", "float", "double", "real"):
        return "n % 100"
    if t in ("char", "varchar", "binary", "varbinary"):
        return f"LEFT(CONCAT('v', n), {length or 1})"
    if t == "json":
        return "JSON_OBJECT('n', n)"
    if t in ("tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob"):
        return "CONCAT('\"v', n, '\"')"  # a JSON string too: MariaDB's json is longtext CHECK (json_valid(...))
    if t in ("enum", "set"):
        first = re.match(r"\w+\('((?:[^']|'')*)'", column_type)
        return "'" + first[1] + "'" if first else None
    if t in ("datetime", "timestamp"):
        return "TIMESTAMP '2026-01-01 00:00:00' + INTERVAL n SECOND"
    if t == "date":
        return "DATE '2026-01-01' + INTERVAL n % 3650 DAY"
    if t == "time":
        return "SEC_TO_TIME(n % 86400)"
    if t == "year":
        return "2000 + n % 100"
    if t == "uuid":
        return "UUID()"
    if t == "bit":
        return "n % 2"
    return None


def seed_mysql(conn: Any, rows: int) -> list[str]:
    """Insert `rows` rows into each table; returns what could not be seeded, and why."""
    with conn.cursor() as cur:
        cur.execute(_COLUMNS)
        columns: dict[str, list[tuple[str, str, str, bool, bool, int | None]]] = {}
        for table, name, data_type, column_type, nullable, server_fills, length in cur.fetchall():
            columns.setdefault(table, []).append(
                (name, data_type, column_type, bool(nullable), bool(server_fills), length)
            )
        cur.execute(_FOREIGN_KEYS)
        parents = {(child, column): (parent, key) for child, column, parent, key in cur.fetchall()}
        # a recursive CTE stops at 1000 rows by default (MariaDB max_recursive_iterations, MySQL
        # cte_max_recursion_depth): each server takes its own variable and refuses the other one's
        for variable in ("max_recursive_iterations", "cte_max_recursion_depth"):
            with contextlib.suppress(Exception):
                cur.execute(f"SET SESSION {variable} = %s", (max(rows, 1000),))
    # only a NOT NULL key orders the tables (a nullable one is left NULL): keys both ways are no cycle
    required = {(t, c[0]) for t, cols in columns.items() for c in cols if not c[3]}
    needs = {t: {p for (c, col), (p, _) in parents.items() if c == t and (t, col) in required} for t in columns}
    problems: list[str] = []
    for table in _parents_first(list(columns), needs):
        targets, values = [], []
        # `nullable`: the column may be left out (NULL or its default); `server_fills`: it must be
        for name, data_type, column_type, nullable, server_fills, length in columns[table]:
            if server_fills:
                continue
            parent = parents.get((table, name))
            value: str | None
            if parent is not None:
                if nullable:
                    continue
                value = f"(SELECT min({_q(parent[1])}) FROM {_q(parent[0])})"
            else:
                value = _value(data_type, column_type, length)
            if value is None:
                if not nullable:
                    problems.append(f"{table}: no synthetic value for NOT NULL column {name} ({column_type})")
                    break
                continue
            targets.append(_q(name))
            values.append(value)
        else:
            if not targets:  # rows of defaults: one column given NULL, the server fills the rest
                blank = next((c[0] for c in columns[table] if c[3] and not c[4]), None)
                if blank is None:
                    problems.append(f"{table}: the server fills every column (AUTO_INCREMENT, generated): not seeded")
                    continue
                targets, values = [_q(blank)], ["NULL"]
            sql = (
                f"INSERT INTO {_q(table)} ({', '.join(targets)}) WITH RECURSIVE g (n) AS "
                f"(SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {int(rows)}) SELECT {', '.join(values)} FROM g"
            )
            try:
                with conn.cursor() as cur:
                    cur.execute(sql)
            except Exception as exc:
                problems.append(f"{table}: {exc.args[-1] if exc.args else exc}")
    return problems
