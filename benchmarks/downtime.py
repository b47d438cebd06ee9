"""Downtime under load: the naive DDL against the generated plan, on a 1,000,000-row table.

For each change, a fresh copy of the table (from a template database) takes the application's
load (loadgen.py: 2 writers, 2 readers, each a query every 5 ms); after a second of warm-up the
change runs, and the load goes on half a second after it. Then the same on another fresh copy
with the plan's SQL files applied by psql, in order. Recorded: the longest single write (a write
stuck behind a lock shows its whole wait), p99 write and read latency, and the errors the
application saw. A gate in the plan ("deploy code that uses the new column") is honoured: the
load switches to the new column name there; the naive rename is followed by the same switch one
second later, as a deploy right after the migration would be.

Plans use batches of 5,000 rows and a 10 ms pause (the defaults are 1,000 and 50 ms, gentler and
slower); see backfill.py for the per-batch lock hold of each size.
Usage: .venv/bin/python benchmarks/downtime.py [--runs 3] [--only NAME] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from loadgen import ROWS, Load, Server, embedded_server, fresh_database, make_template, psql_file
from migration_manager.model import (
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddUnique,
    ChangeColumnType,
    Column,
    Operation,
    RenameColumn,
    SetNotNull,
    TableStats,
    Target,
)
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files
from migration_manager.schema.sources import schema_from_dsn
from migration_manager.sql.postgres import parse_operations

BATCH_SIZE = 5000
PAUSE_MS = 10


@dataclass(frozen=True)
class Change:
    name: str
    naive: str
    ops: list[Operation]
    renames: dict[str, str] = field(default_factory=dict)  # logical column -> new name after the deploy
    setup: str = ""  # run on the fresh copy before the load starts
    from_schema: bool = False  # plan the naive DDL with the schema read from the database (ops unused)


CHANGES = [
    Change(
        "add NOT NULL column, volatile default",
        "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()",
        [
            AddColumn(
                table="orders", column=Column(name="token", type="uuid", nullable=False, default="gen_random_uuid()")
            )
        ],
    ),
    Change(
        "add index",
        "CREATE INDEX orders_code_idx ON orders (code)",
        [AddIndex(table="orders", columns=["code"], name="orders_code_idx")],
    ),
    Change(
        "add foreign key",
        "ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)",
        [
            AddForeignKey(
                table="orders", columns=["user_id"], ref_table="users", ref_columns=["id"], name="orders_user_id_fkey"
            )
        ],
    ),
    Change(
        "set NOT NULL",
        "ALTER TABLE orders ALTER COLUMN code SET NOT NULL",
        [SetNotNull(table="orders", column="code")],
    ),
    Change(
        "int -> bigint",
        "ALTER TABLE orders ALTER COLUMN amount TYPE bigint",
        [
            ChangeColumnType(
                table="orders", column="amount", new_type="bigint", old_type="integer", not_null=True, default="0"
            )
        ],
    ),
    Change(
        "int -> bigint, primary key referenced by a foreign key",
        "ALTER TABLE orders ALTER COLUMN id TYPE bigint",
        [],
        setup="""CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id integer NOT NULL REFERENCES orders (id));
INSERT INTO order_lines SELECT g, 1 + g % 1000000 FROM generate_series(1, 200000) AS g;
CREATE INDEX order_lines_order_id_idx ON order_lines (order_id);
ANALYZE;""",
        from_schema=True,
    ),
    Change(
        "rename column",
        "ALTER TABLE orders RENAME COLUMN code TO reference",
        [RenameColumn(table="orders", column="code", new_name="reference", type="text")],
        renames={"code": "reference"},
    ),
    Change(
        "add unique constraint",
        "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code)",
        [AddUnique(table="orders", columns=["code"], name="orders_code_key")],
    ),
]


def _files(change: Change, version: int, folder: Path, uri: str) -> list[tuple[Path, bool]]:
    """The plan's up files in order, each with whether a gate comes before its migration."""
    if change.from_schema:
        p = plan(
            parse_operations(change.naive),
            Target(version=version),
            schema=schema_from_dsn(uri),
            batch_size=BATCH_SIZE,
            pause_ms=PAUSE_MS,
        )
    else:
        p = plan(
            change.ops,
            Target(version=version),
            {"orders": TableStats(rows=ROWS, bytes=70_000_000)},
            batch_size=BATCH_SIZE,
            pause_ms=PAUSE_MS,
        )
    write_files(render_sql(p), folder)
    ups = sorted(f for f in folder.glob("*.sql") if not f.name.endswith("_down.sql"))
    assert len(ups) == len(p.migrations), [f.name for f in ups]
    return [(f, bool(m.gate_before)) for f, m in zip(ups, p.migrations, strict=True)]


def run_naive(server: Server, uri: str, change: Change) -> dict[str, Any]:
    with Load(uri) as load:
        time.sleep(0.5)
        started = time.perf_counter()
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute(change.naive)
        took = time.perf_counter() - started
        if change.renames:
            time.sleep(1.0)  # the deploy that follows the migration
            load.names.update(change.renames)
        time.sleep(0.5)
    return {**load.samples.summary(), "migration_s": round(took, 2)}


def run_plan(server: Server, uri: str, change: Change, folder: Path) -> dict[str, Any]:
    files = _files(change, server.version, folder, uri)
    with Load(uri) as load:
        time.sleep(0.5)
        started = time.perf_counter()
        for path, gated in files:
            if gated:
                load.names.update(change.renames)  # the application deploys what the gate asks for
                time.sleep(0.2)
            psql_file(server, uri, path)
        took = time.perf_counter() - started
        time.sleep(0.5)
    return {**load.samples.summary(), "migration_s": round(took, 2), "migrations": len(files)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", help="run the changes whose name contains this")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    changes = [c for c in CHANGES if not args.only or args.only in c.name]
    results: dict[str, dict[str, list[dict[str, Any]]]] = {c.name: {"naive": [], "plan": []} for c in changes}
    with embedded_server() as server, tempfile.TemporaryDirectory() as tmp:
        print(f"PostgreSQL {server.version} (embedded); building the {ROWS:,}-row template...", file=sys.stderr)
        template = make_template(server)
        for run in range(args.runs):
            for k, change in enumerate(changes):
                for variant in ("naive", "plan"):
                    print(f"run {run + 1}/{args.runs}: {change.name}: {variant}", file=sys.stderr, flush=True)
                    with fresh_database(server, template, "bench_run") as uri:
                        if change.setup:
                            with psycopg.connect(uri, autocommit=True) as conn:
                                conn.execute(change.setup)
                        if variant == "naive":
                            out = run_naive(server, uri, change)
                        else:
                            out = run_plan(server, uri, change, Path(tmp) / f"r{run}_{k}")
                    results[change.name][variant].append(out)
        version = server.version
    rows = [_row(name, r) for name, r in results.items()]
    if args.json:
        print(json.dumps({"postgresql": version, "runs": args.runs, "rows": rows, "raw": results}, indent=2))
        return
    print(f"PostgreSQL {version}, {ROWS:,} rows, medians of {args.runs} runs\n")
    print(
        "| change | variant | longest write stall (ms) | p99 write (ms) | p99 read (ms) | errors | "
        "migration (s) | stall ratio naive/plan |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        for variant in ("naive", "plan"):
            v = row[variant]
            ratio = (
                (f"{row['ratio']:.0f}x" if row["ratio"] >= 10 else f"{row['ratio']:.1f}x") if variant == "plan" else ""
            )
            print(
                f"| {row['change']} | {variant} | {v['longest_write_stall_ms']:.0f} | {v['p99_write_ms']:.1f} | "
                f"{v['p99_read_ms']:.1f} | {v['errors']:.0f} | {v['migration_s']:.1f} | {ratio} |"
            )


def _median(samples: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(s[key] for s in samples))


def _row(name: str, r: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    keys = ["longest_write_stall_ms", "p99_write_ms", "p99_read_ms", "errors", "migration_s"]
    ratios = [
        n["longest_write_stall_ms"] / max(p["longest_write_stall_ms"], 0.1)
        for n, p in zip(r["naive"], r["plan"], strict=True)
    ]
    return {
        "change": name,
        "naive": {k: _median(r["naive"], k) for k in keys},
        "plan": {k: _median(r["plan"], k) for k in keys},
        "ratio": statistics.median(ratios),
        "plan_errors": [s["first_error"] for s in r["plan"] if s["first_error"]],
    }


if __name__ == "__main__":
    main()
