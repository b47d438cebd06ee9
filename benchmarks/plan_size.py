"""How planning time grows with the size of a change, and how fast a change over the limit is refused.

A change of N statements repeats four kinds (an index, a nullable column and a NOT NULL column
with a default, a SET DEFAULT), the mix of issue 19's report. Each size is parsed from DDL and
planned for PostgreSQL 16; rendering as SQL files is timed up to --render-max statements (past 50
migrations a README lists only its neighbours, so rendering stays linear). The
refusals: 30,000 statements of 1.2 MB (over the character limit) and 30,001 short statements
under it (over the statement limit, counted after PostgreSQL's parser splits them). Medians of --runs runs.
Usage: .venv/bin/python benchmarks/plan_size.py [--runs 3] [--render-max 2000] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from migration_manager.defaults import MAX_SQL_CHARS, MAX_STATEMENTS
from migration_manager.errors import InputError
from migration_manager.model import Target
from migration_manager.planner import plan
from migration_manager.render import render_sql
from migration_manager.request import request_from_sql

KINDS = (
    "CREATE INDEX orders_c{i}_idx ON orders (c{i});\n",
    "ALTER TABLE orders ADD COLUMN n{i} text;\n",
    "ALTER TABLE t{i} ADD COLUMN s{i} text NOT NULL DEFAULT 'new';\n",
    "ALTER TABLE orders ALTER COLUMN code{i} SET DEFAULT 'none';\n",
)
SIZES = (250, 500, 1000, 2000)


def change(n: int) -> str:
    return "".join(KINDS[i % 4].format(i=i) for i in range(n))


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _refused(sql: str) -> str:
    try:
        request_from_sql(sql)
    except InputError as exc:
        return str(exc)
    raise AssertionError("the change was not refused")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--render-max", type=int, default=MAX_STATEMENTS, help="largest size also rendered")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    target = Target(version=16)
    stamp = datetime(2026, 11, 24, 9, 0, 0)
    request_from_sql(change(8))  # warm-up: imports, caches
    rows: list[dict[str, Any]] = []
    for n in SIZES:
        sql = change(n)
        ops = request_from_sql(sql).operations
        planned = plan(ops, target)
        row: dict[str, Any] = {
            "statements": n,
            "kib": len(sql) / 1024,
            "migrations": len(planned.migrations),
            "parse_s": _median(partial(request_from_sql, sql), args.runs),
            "plan_s": _median(partial(plan, ops, target), args.runs),
            "render_s": None,
        }
        if n <= args.render_max:
            row["render_s"] = _median(partial(render_sql, planned, stamp), 1)
        rows.append(row)
    big = "".join(f"ALTER TABLE orders ADD COLUMN c{i} text;\n" for i in range(30_000))
    many = "SELECT 1;\n" + "".join(f"DROP INDEX i{i};\n" for i in range(30_000))
    refusals: list[dict[str, Any]] = []
    for sql in (big, many):
        what = f"{sql.count(chr(10)):,} statements, {len(sql) / 1e6:.2f} MB"
        message = _refused(sql)
        refusals.append({"input": what, "bytes": len(sql), "s": _median(partial(_refused, sql), args.runs)})
        refusals[-1]["message"] = message
    if args.json:
        print(json.dumps({"limits": [MAX_STATEMENTS, MAX_SQL_CHARS], "sizes": rows, "refusals": refusals}))
        return
    print(f"Limits: {MAX_STATEMENTS:,} statements, {MAX_SQL_CHARS:,} characters; medians of {args.runs} runs")
    print("(render: one run)")
    print()
    print("| statements | KiB | migrations | parse (s) | plan (s) | plan per statement (ms) | render (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        render = "-" if r["render_s"] is None else f"{r['render_s']:.2f}"
        print(
            f"| {r['statements']:,} | {r['kib']:.0f} | {r['migrations']:,} | {r['parse_s']:.3f} | {r['plan_s']:.3f} "
            f"| {r['plan_s'] / r['statements'] * 1000:.3f} | {render} |"
        )
    print()
    print("| refused input | time to refuse (s) | message |")
    print("|---|---:|---|")
    for r in refusals:
        print(f"| {r['input']} | {r['s']:.3f} | {r['message']} |")


if __name__ == "__main__":
    main()
