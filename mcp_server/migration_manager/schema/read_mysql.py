"""The schema of a MariaDB / MySQL database, read from information_schema (COLUMNS, STATISTICS,
TABLE_CONSTRAINTS, KEY_COLUMN_USAGE, REFERENTIAL_CONSTRAINTS, CHECK_CONSTRAINTS, TABLES) into the
same Schema model PostgreSQL's read fills. Only SELECTs, in a READ ONLY transaction with a server
side statement limit. A table's schema is its database: keys are "database.table" and the
search path is the database the connection uses.

Sources: a live database (mysql:// or mariadb:// DSN), or a mysqldump --no-data file loaded into
a scratch database on a MariaDB / MySQL server (the machine's by default) and read from there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..defaults import CHECK_TIMEOUT_S
from ..errors import DatabaseError, InputError
from ..ident import mysql_string
from ..model import Dialect
from .model import ColumnInfo, ConstraintInfo, IndexInfo, Schema, TableInfo

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _default(raw: Any, extra: str, mariadb: bool, nullable: bool) -> str | None:
    """The default as SQL. MariaDB (10.2.7+) reports it as an expression ('abc', 0, NULL,
    current_timestamp()); MySQL reports a constant's bare value and marks expressions DEFAULT_GENERATED."""
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    if mariadb:
        return None if text == "NULL" and nullable else text
    if "DEFAULT_GENERATED" in extra.upper():
        return text if text.upper().startswith("CURRENT_TIMESTAMP") else f"({text})"
    return text if _NUMBER.fullmatch(text) else mysql_string(text)


def _generated(extra: str) -> str:
    upper = extra.upper()
    if "VIRTUAL GENERATED" in upper:
        return "v"
    if "STORED GENERATED" in upper or "PERSISTENT GENERATED" in upper:
        return "s"
    return ""


def _rows(cur: Any, sql: str, database: str) -> list[tuple[Any, ...]]:
    cur.execute(sql, (database,))
    return list(cur.fetchall())


def read_mysql_schema(conn: Any, database: str, label: str, dialect: Dialect) -> Schema:
    """Read `database` on an open PyMySQL connection (autocommit) into a Schema."""
    with conn.cursor() as cur:
        cur.execute("SELECT version()")
        version = str(cur.fetchone()[0])
        mariadb = "mariadb" in version.lower()
        cur.execute(
            f"SET SESSION max_statement_time = {CHECK_TIMEOUT_S}"
            if mariadb
            else f"SET SESSION max_execution_time = {CHECK_TIMEOUT_S * 1000}"
        )
        cur.execute("START TRANSACTION READ ONLY")
        try:
            return _read(cur, database, label, version, mariadb)
        finally:
            cur.execute("ROLLBACK")


def _read(cur: Any, database: str, label: str, version: str, mariadb: bool) -> Schema:
    major = int(re.match(r"\d+", version)[0]) if re.match(r"\d+", version) else 0  # type: ignore[index]
    schema = Schema(source=label, server_version=major, search_path=[database], schemas={database})
    for name, kind, engine, rows, data_length, comment in _rows(
        cur,
        "SELECT table_name, table_type, engine, table_rows, data_length, table_comment FROM information_schema.tables "
        "WHERE table_schema = %s ORDER BY table_name",
        database,
    ):
        if kind != "BASE TABLE":
            continue
        schema.tables[f"{database}.{name}"] = TableInfo(
            schema=database,
            name=name,
            kind="r",
            rows=None if rows is None else int(rows),
            bytes=None if data_length is None else int(data_length),
            engine=engine,
            comment=comment or None,
        )
    for table, name, ctype, nullable, default, extra, comment, charset, collation, generation in _rows(
        cur,
        "SELECT table_name, column_name, column_type, is_nullable, column_default, extra, column_comment, "
        "character_set_name, collation_name, generation_expression FROM information_schema.columns "
        "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
        database,
    ):
        t = schema.tables.get(f"{database}.{table}")
        if t is None:
            continue
        extra = extra or ""
        is_null = nullable == "YES"
        t.columns[name] = ColumnInfo(
            name=name,
            type=str(ctype),
            not_null=not is_null,
            default=None if _generated(extra) else _default(default, extra, mariadb, is_null),
            identity="d" if "auto_increment" in extra.lower() else "",
            generated=_generated(extra),  # type: ignore[arg-type]
            generation=generation or None,
            comment=comment or "",
            charset=charset,
            collation=collation,
            extra=extra,
        )
    _indexes(cur, schema, database)
    _constraints(cur, schema, database, mariadb)
    return schema


def _indexes(cur: Any, schema: Schema, database: str) -> None:
    found: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in _rows(
        cur,
        "SELECT table_name, index_name, non_unique, column_name, sub_part, index_type "
        "FROM information_schema.statistics WHERE table_schema = %s ORDER BY table_name, index_name, seq_in_index",
        database,
    ):
        found.setdefault((row[0], row[1]), []).append(row)
    for (table, name), parts in found.items():
        t = schema.tables.get(f"{database}.{table}")
        if t is None:
            continue
        unique, primary, method = int(parts[0][2]) == 0, name == "PRIMARY", str(parts[0][5]).lower()
        columns = tuple(p[3] for p in parts)  # None: a functional key part (MySQL 8.0.13+)
        keys = ", ".join("(expression)" if p[3] is None else _q(p[3]) + (f"({p[4]})" if p[4] else "") for p in parts)
        kind = "UNIQUE KEY" if unique else "FULLTEXT KEY" if method == "fulltext" else "KEY"
        kind = "PRIMARY KEY" if primary else kind
        definition = f"{kind} {'' if primary else _q(name) + ' '}({keys})"
        t.indexes.append(
            IndexInfo(
                name=name,
                definition=definition,
                unique=unique,
                primary=primary,
                valid=True,
                columns=columns,
                depends_on=frozenset(c for c in columns if c is not None),
                predicate=None,
                method=method,
                constraint=name if unique else None,
            )
        )


def _constraints(cur: Any, schema: Schema, database: str, mariadb: bool) -> None:
    keys: dict[tuple[str, str], list[tuple[str, str | None, str | None, str | None]]] = {}
    for table, name, column, ref_schema, ref_table, ref_column in _rows(
        cur,
        "SELECT table_name, constraint_name, column_name, referenced_table_schema, referenced_table_name, "
        "referenced_column_name FROM information_schema.key_column_usage WHERE table_schema = %s "
        "ORDER BY table_name, constraint_name, ordinal_position",
        database,
    ):
        keys.setdefault((table, name), []).append((column, ref_schema, ref_table, ref_column))
    rules = {
        (table, name): (delete, update)
        for table, name, delete, update in _rows(
            cur,
            "SELECT table_name, constraint_name, delete_rule, update_rule "
            "FROM information_schema.referential_constraints WHERE constraint_schema = %s",
            database,
        )
    }
    checks: dict[tuple[str, str], str] = {}
    try:
        join = " AND cc.table_name = tc.table_name" if mariadb else ""
        for table, name, clause in _rows(
            cur,
            "SELECT tc.table_name, tc.constraint_name, cc.check_clause FROM information_schema.table_constraints tc "
            "JOIN information_schema.check_constraints cc ON cc.constraint_schema = tc.constraint_schema "
            f"AND cc.constraint_name = tc.constraint_name{join} "
            "WHERE tc.table_schema = %s AND tc.constraint_type = 'CHECK'",
            database,
        ):
            checks[(table, name)] = str(clause)
    except Exception:  # a server without CHECK_CONSTRAINTS (MySQL before 8.0.16) keeps no checks either
        checks = {}
    for table, name, ctype in _rows(
        cur,
        "SELECT table_name, constraint_name, constraint_type FROM information_schema.table_constraints "
        "WHERE table_schema = %s ORDER BY table_name, constraint_name",
        database,
    ):
        t = schema.tables.get(f"{database}.{table}")
        if t is None:
            continue
        parts = keys.get((table, name), [])
        columns = tuple(p[0] for p in parts)
        cols = ", ".join(_q(c) for c in columns)
        if ctype == "PRIMARY KEY":
            t.constraints.append(ConstraintInfo(name, "p", f"PRIMARY KEY ({cols})", True, columns, index="PRIMARY"))
        elif ctype == "UNIQUE":
            t.constraints.append(ConstraintInfo(name, "u", f"UNIQUE ({cols})", True, columns, index=name))
        elif ctype == "FOREIGN KEY" and parts:
            ref_schema, ref_table = parts[0][1], parts[0][2]
            ref_columns = tuple(str(p[3]) for p in parts)
            delete, update = rules.get((table, name), ("RESTRICT", "RESTRICT"))
            ref = _q(str(ref_table)) if ref_schema == database else f"{_q(str(ref_schema))}.{_q(str(ref_table))}"
            # RESTRICT is the default, and left out: stated in an ALTER with foreign_key_checks=0 (how
            # the plans add a key without a copy) MariaDB 10.11 records it as NO ACTION (measured)
            actions = "".join(f" ON {w} {r}" for w, r in (("DELETE", delete), ("UPDATE", update)) if r != "RESTRICT")
            definition = f"FOREIGN KEY ({cols}) REFERENCES {ref} ({', '.join(_q(c) for c in ref_columns)}){actions}"
            t.constraints.append(
                ConstraintInfo(
                    name,
                    "f",
                    definition,
                    True,
                    columns,
                    ref_schema=ref_schema,
                    ref_table=ref_table,
                    ref_columns=ref_columns,
                )
            )
        elif ctype == "CHECK" and (table, name) in checks:
            t.constraints.append(ConstraintInfo(name, "c", f"CHECK ({checks[(table, name)]})", True, ()))


def schema_from_mysql_dsn(dsn: str, dialect: Dialect) -> Schema:
    """Read the database a mysql:// DSN names (it must name one)."""
    from urllib.parse import urlsplit

    from ..preflight.mysql import _connect, _shown

    database = (urlsplit(dsn).path or "/").lstrip("/")
    if not database:
        raise InputError(f"{_shown(dsn)}: the DSN names no database; give mysql://user@host:port/DATABASE")
    conn = _connect(dsn, dialect)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version()")
            version = str(cur.fetchone()[0])
        product = "MariaDB" if "mariadb" in version.lower() else "MySQL"
        label = f"live database {_shown(dsn)} ({product} {version.split('-')[0]})"
        try:
            return read_mysql_schema(conn, database, label, dialect)
        except Exception as exc:
            reason = str(exc.args[-1] if getattr(exc, "args", None) else exc)
            raise DatabaseError(f"cannot read the schema of {_shown(dsn)}: {reason}") from None
    finally:
        conn.close()


def schema_from_mysql_file(path: Path, dialect: Dialect, *, dsn: str | None = None) -> Schema:
    """Load a mysqldump --no-data file into a scratch database (on the `dsn` server, else the
    machine's MariaDB), read it, drop the database."""
    if not path.is_file():
        raise InputError(f"{path}: no such schema file")
    from ..verify.run_mysql import _load
    from ..verify.scratch_mysql import scratch_mysql

    text = path.read_text(encoding="utf-8", errors="replace")
    with scratch_mysql(dsn, dialect) as scratch:
        conn = scratch.connect()
        try:
            with conn.cursor() as cur:  # a dump creates a table before the tables its keys reference
                cur.execute("SET SESSION foreign_key_checks = 0")
            try:
                _load(conn, text)
            except InputError as exc:
                raise InputError(f"{path}: {exc}") from None
            schema = read_mysql_schema(conn, scratch.name, f"schema file {path} loaded into {scratch.where}", dialect)
        finally:
            conn.close()
    for table in schema.tables.values():  # the scratch tables are empty: the file tells nothing of sizes
        table.rows = table.bytes = None
    return schema
