"""Prove a plan made from the real schema on a real server, as issue 17 asks of every case:

set the table up (10k+ rows), read the schema from a source (a live DSN, a structure.sql loaded
into the embedded server, or a repository's SQL migrations replayed), plan, render as SQL, apply
the ups with psql, compare the catalog with what the naive DDL gives on a twin database, apply
the downs and compare with the start (the data too), apply the ups again and compare once more.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg

from conftest import Server
from migration_manager.catalog import Snapshot, differences, snapshot
from migration_manager.ident import quote_ident
from migration_manager.model import Plan, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files
from migration_manager.schema.model import Schema
from migration_manager.schema.sources import schema_from_dsn, schema_from_file, schema_from_repo
from migration_manager.sql.postgres import parse_operations
from support import psql_file

Source = Literal["dsn", "structure", "replay"]


def run_sql(uri: str, sql: str) -> None:
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(sql)


def catalog(uri: str) -> Snapshot:
    with psycopg.connect(uri, autocommit=True) as conn:
        return snapshot(conn, None)


def data(uri: str) -> dict[tuple[str, str, str], tuple[int, str]]:
    """Per column of every table: (count, md5 of its values in order): blind to column order."""
    out: dict[tuple[str, str, str], tuple[int, str]] = {}
    with psycopg.connect(uri, autocommit=True) as conn:
        cols = conn.execute(
            """SELECT n.nspname, c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"""
        ).fetchall()
        for ns, table, col in cols:
            t, c = f"{quote_ident(ns)}.{quote_ident(table)}", quote_ident(col)
            row = conn.execute(
                f"SELECT count({c}), md5(coalesce(string_agg({c}::text, ',' ORDER BY {c}::text), '')) FROM {t}"
            ).fetchone()
            assert row is not None
            out[(ns, table, col)] = (int(row[0]), str(row[1]))
    return out


def pg_dump_schema(server: Server, uri: str, out: Path) -> Path:
    """The database's schema as `pg_dump --schema-only` writes it (what a Rails structure.sql holds)."""
    # The server's own pg_dump, as its users run it: pg_dump 18 against this machine's 15 also dumps the
    # attribute options its build keeps (pg_attver), which no other server accepts.
    system = shutil.which("pg_dump") if server.name == "pg15" else None
    assert server.bin_dir is not None
    done = subprocess.run(
        [system or str(server.bin_dir / "pg_dump"), "--schema-only", "--no-owner", "-d", uri, "-f", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return out


def read_source(source: Source, server: Server, uri: str, tmp: Path, setup: str) -> Schema:
    if source == "dsn":
        return schema_from_dsn(uri)
    if source == "structure":
        return schema_from_file(pg_dump_schema(server, uri, tmp / "structure.sql"), use_cache=False)
    # a repository of plain SQL migrations whose one migration is the setup: replayed into the embedded server
    folder = tmp / "repo" / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_setup.sql").write_text(setup, encoding="utf-8")
    schema = schema_from_repo(tmp / "repo")
    assert schema is not None and "replayed into embedded PostgreSQL" in schema.source, schema
    return schema


@dataclass
class Proof:
    plan: Plan
    ups: list[Path]
    downs: list[Path]
    start: Snapshot
    after_up: Snapshot


def apply(server: Server, uri: str, files: list[Path]) -> None:
    for f in files:
        psql_file(server.bin_dir, uri, f)


def prove(
    server: Server,
    db: str,
    twin: str,
    tmp: Path,
    *,
    setup: str,
    change: str,
    naive: str | None = None,
    source: Source = "dsn",
    schema: Schema | None = None,
    check: Callable[[psycopg.Connection[Any]], None] | None = None,
    compare_data: bool = True,
) -> Proof:
    """The whole round: returns the plan and files, for further checks by the caller."""
    run_sql(db, setup)
    run_sql(twin, setup)
    if schema is None:
        schema = read_source(source, server, db, tmp, setup)
    p = plan(parse_operations(change), Target(version=server.version), schema=schema)
    out = tmp / "rendered"
    write_files(render_sql(p), out)
    ups = sorted(x for x in out.glob("*.sql") if not x.name.endswith("_down.sql"))
    downs = sorted(out.glob("*_down.sql"), reverse=True)
    assert len(ups) == len(downs) == len(p.migrations)
    start, start_data = catalog(db), data(db)
    apply(server, db, ups)
    after_up = catalog(db)
    run_sql(twin, naive or change)
    naive_end = catalog(twin)
    assert differences(naive_end, after_up) == [], (
        "after the ups the schema differs from the naive DDL's:\n" + "\n".join(differences(naive_end, after_up))
    )
    if check is not None:
        with psycopg.connect(db, autocommit=True) as conn:
            check(conn)
    apply(server, db, downs)
    back = catalog(db)
    assert differences(start, back) == [], "after the downs the schema is not the start:\n" + "\n".join(
        differences(start, back)
    )
    if compare_data:
        assert data(db) == start_data, "after the downs the data is not what it was"
    apply(server, db, ups)
    again = catalog(db)
    assert differences(naive_end, again) == [], "up after down differs from the naive DDL's schema:\n" + "\n".join(
        differences(naive_end, again)
    )
    return Proof(p, ups, downs, start, after_up)


def run_out_of_order(server: Server, uri: str, ups: list[Path], index: int) -> str:
    """Apply ups[index] alone (its predecessor not run): it must fail and change nothing. Returns the error."""
    before = catalog(uri)
    psql = str(server.bin_dir / "psql") if server.bin_dir else "psql"
    done = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", uri, "-f", str(ups[index])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0, f"{ups[index].name} ran although {ups[index - 1].name} had not"
    assert differences(before, catalog(uri)) == [], f"{ups[index].name} failed but changed the schema"
    return done.stderr
