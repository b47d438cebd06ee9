"""Backfill of 1,000,000 rows: one UPDATE against the plan's batches, under the application's load.

A nullable uuid column is added to the table, then filled with gen_random_uuid(): once by a
single UPDATE, and by the plan's batched, resumable DO block (keyset batches, a COMMIT per batch,
a pause between batches) at several batch sizes. While it runs, a second session samples
pg_locks every millisecond or so: a batch holds the row locks of its UPDATE, and the table's
ROW EXCLUSIVE lock, from its UPDATE until its COMMIT, so the longest stretch in which the
backfill's backend holds ROW EXCLUSIVE on the table is the longest per-batch lock hold (to the
sampling interval). Recorded: rows per second, the longest lock hold, how many batches, and the
application's longest write stall and p99 write latency (loadgen.py) meanwhile.
Usage: .venv/bin/python benchmarks/backfill.py [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from typing import Any

import psycopg

from loadgen import ROWS, Load, Server, embedded_server, fresh_database, make_template
from migration_manager.model import Backfill, Target
from migration_manager.planner import plan

VARIANTS: list[tuple[str, int | None, int]] = [  # label, batch size (None: one UPDATE), pause ms
    ("one UPDATE", None, 0),
    ("plan, batches of 1,000, 50 ms pause (default)", 1000, 50),
    ("plan, batches of 5,000, 10 ms pause", 5000, 10),
    ("plan, batches of 20,000, 10 ms pause", 20000, 10),
]

HOLDING = """SELECT count(*) FROM pg_locks
              WHERE pid = %s AND relation = 'orders'::regclass AND mode = 'RowExclusiveLock'"""


class HoldSampler:
    """Stretches during which backend `pid` holds ROW EXCLUSIVE on orders."""

    def __init__(self, uri: str, pid: int) -> None:
        self.uri, self.pid = uri, pid
        self.holds: list[float] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HoldSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        since: float | None = None
        with psycopg.connect(self.uri, autocommit=True) as conn:
            conn.execute("SET jit = off")
            while not self._stop.is_set():
                row = conn.execute(HOLDING, (self.pid,), prepare=True).fetchone()
                now = time.perf_counter()
                self.samples += 1
                held = bool(row and row[0])
                if held and since is None:
                    since = now
                elif not held and since is not None:
                    self.holds.append(now - since)
                    since = None
            if since is not None:
                self.holds.append(time.perf_counter() - since)


def _sql(version: int, batch_size: int | None, pause_ms: int) -> str:
    if batch_size is None:
        return "UPDATE orders SET token = gen_random_uuid()"
    p = plan(
        [Backfill(table="orders", column="token", value="gen_random_uuid()", batch_size=batch_size, pause_ms=pause_ms)],
        Target(version=version),
    )
    (migration,) = p.migrations
    (step,) = migration.steps
    (sql,) = step.up
    return sql


def run(server: Server, uri: str, batch_size: int | None, pause_ms: int) -> dict[str, Any]:
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("ALTER TABLE orders ADD COLUMN token uuid")
    sql = _sql(server.version, batch_size, pause_ms)
    with Load(uri) as load, psycopg.connect(uri, autocommit=True) as conn:
        time.sleep(0.5)
        with HoldSampler(uri, conn.info.backend_pid) as sampler:
            started = time.perf_counter()
            conn.execute(sql)
            took = time.perf_counter() - started
        time.sleep(0.3)
        left = conn.execute("SELECT count(*) FROM orders WHERE token IS NULL AND id <= %s", (ROWS,)).fetchone()
    assert left == (0,), left
    return {
        **load.samples.summary(),
        "seconds": round(took, 2),
        "rows_per_s": round(ROWS / took),
        "longest_lock_hold_ms": round(max(sampler.holds, default=0) * 1000, 1),
        "holds_seen": len(sampler.holds),
        "sample_interval_ms": round(took / max(sampler.samples, 1) * 1000, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results: dict[str, list[dict[str, Any]]] = {label: [] for label, _, _ in VARIANTS}
    with embedded_server() as server:
        print(f"PostgreSQL {server.version} (embedded); building the {ROWS:,}-row template...", file=sys.stderr)
        template = make_template(server)
        for k in range(args.runs):
            for label, batch_size, pause_ms in VARIANTS:
                print(f"run {k + 1}/{args.runs}: {label}", file=sys.stderr, flush=True)
                with fresh_database(server, template, "bench_fill") as uri:
                    results[label].append(run(server, uri, batch_size, pause_ms))
        version = server.version
    keys = ["seconds", "rows_per_s", "longest_lock_hold_ms", "holds_seen", "longest_write_stall_ms", "p99_write_ms"]
    medians = {label: {k: statistics.median(r[k] for r in rs) for k in keys} for label, rs in results.items()}
    if args.json:
        print(json.dumps({"postgresql": version, "medians": medians, "raw": results}, indent=2))
        return
    print(f"PostgreSQL {version}, {ROWS:,} rows, under load, medians of {args.runs} runs\n")
    print(
        "| variant | time (s) | rows/s | longest lock hold (ms) | transactions seen | "
        "app's longest write stall (ms) | app's p99 write (ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, m in medians.items():
        print(
            f"| {label} | {m['seconds']:.1f} | {m['rows_per_s']:,.0f} | {m['longest_lock_hold_ms']:.0f} | "
            f"{m['holds_seen']:.0f} | {m['longest_write_stall_ms']:.0f} | {m['p99_write_ms']:.1f} |"
        )


if __name__ == "__main__":
    main()
