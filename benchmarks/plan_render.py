"""Time and memory of the engine's main job, side by side in one run.

A request of 20 operations (every family the planner knows, on a handful of tables) is
planned from typed operations, parsed from DDL and planned, and rendered as SQL files.
Each variant runs REPEAT times after a warm-up; we report p50, p95 and the peak memory
that one run allocates (tracemalloc). Usage: .venv/bin/python benchmarks/plan_render.py [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime

from migration_manager.model import Target
from migration_manager.planner import plan
from migration_manager.render import render_sql
from migration_manager.request import request_from_sql

REPEAT = 200

DDL = """
CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint NOT NULL,
                       total numeric(12,2));
CREATE INDEX invoices_order_id_idx ON invoices (order_id);
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE orders ADD COLUMN note text;
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE UNIQUE INDEX users_lower_email_key ON users (lower(email)) WHERE deleted_at IS NULL;
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0);
ALTER TABLE orders ALTER COLUMN code SET NOT NULL;
ALTER TABLE users ALTER COLUMN name DROP NOT NULL;
ALTER TABLE users ALTER COLUMN note TYPE varchar(50);
ALTER TABLE orders ALTER COLUMN amount TYPE bigint;
ALTER TABLE users RENAME COLUMN name TO full_name;
ALTER TABLE events RENAME TO audit_events;
ALTER TABLE orders DROP COLUMN legacy_code;
ALTER TABLE orders ALTER COLUMN code SET DEFAULT 'none';
ALTER TYPE mood ADD VALUE 'happy';
DROP INDEX orders_code_idx;
ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);
"""


def _measure(fn: Callable[[], object], repeat: int = REPEAT, memory: bool = True) -> dict[str, float]:
    fn()  # warm-up: imports, caches, template compilation
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    peak = float("nan")
    if memory:
        gc.collect()
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    times.sort()
    return {
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": times[max(0, int(len(times) * 0.95) - 1)] * 1000,
        "peak_kib": peak / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark planning and rendering of a 20-operation change.")
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()

    request = request_from_sql(DDL)
    ops = request.operations
    assert len(ops) == 20, len(ops)
    target = Target(version=16)
    the_plan = plan(ops, target)
    stamp = datetime(2026, 11, 24, 9, 0, 0)

    rows = {
        "parse DDL (pglast)": _measure(lambda: request_from_sql(DDL)),
        "plan 20 operations": _measure(lambda: plan(ops, target)),
        "render as SQL files": _measure(lambda: render_sql(the_plan, stamp)),
        "parse + plan + render": _measure(lambda: render_sql(plan(request_from_sql(DDL).operations, target), stamp)),
    }
    cli = [sys.executable, "-m", "migration_manager.cli", "plan", "--json", "--pg-version", "16", "--sql", DDL]
    rows["CLI process: plan --json (cold start)"] = _measure(
        lambda: subprocess.run(cli, check=True, capture_output=True), repeat=20, memory=False
    )
    files = len(render_sql(the_plan, stamp))
    if opts.json:
        print(json.dumps({"operations": len(ops), "migrations": len(the_plan.migrations), "files": files, **rows}))
        return
    print(f"20 operations -> {len(the_plan.migrations)} migrations, {files} files; {REPEAT} runs each (CLI: 20)")
    print("| variant | p50 (ms) | p95 (ms) | peak memory (KiB) |")
    print("|---|---:|---:|---:|")
    for name, r in rows.items():
        peak = "-" if r["peak_kib"] != r["peak_kib"] else f"{r['peak_kib']:.0f}"
        print(f"| {name} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {peak} |")


if __name__ == "__main__":
    main()
