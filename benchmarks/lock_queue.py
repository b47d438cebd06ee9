"""The lock queue: a migration behind a transaction that holds the table for 10 s.

A report-style transaction reads the 1,000,000-row table and stays open for HOLD seconds
(ACCESS SHARE). Half a second in, the migration starts: a harmless nullable ADD COLUMN. The
naive ALTER (no lock_timeout) waits in the queue and every query of the application waits
behind it until the reader ends. The plan's file takes the lock with a 200 ms lock_timeout in a
savepoint and retries with backoff: each attempt can stall the application for at most its
lock_timeout, and the migration completes once the reader is gone. Recorded under the same load
as downtime.py: the longest write stall, p99 write / read latency, errors, the attempts the plan
made and when the migration finished, counted from the reader's end.
Usage: .venv/bin/python benchmarks/lock_queue.py [--runs 3] [--hold 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from loadgen import ROWS, Load, Server, embedded_server, fresh_database, make_template
from migration_manager.model import AddColumn, Column, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files

NAIVE = "ALTER TABLE orders ADD COLUMN note text"


def _command(server: Server, uri: str, variant: str, folder: Path) -> list[str]:
    psql = [str(server.bin_dir / "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-d", uri]
    if variant == "naive":
        return [*psql, "-c", NAIVE]
    p = plan([AddColumn(table="orders", column=Column(name="note", type="text"))], Target(version=server.version))
    write_files(render_sql(p), folder)
    (up,) = sorted(f for f in folder.glob("*.sql") if not f.name.endswith("_down.sql"))
    return [*psql, "-f", str(up)]


def run(server: Server, uri: str, variant: str, hold: float, folder: Path) -> dict[str, Any]:
    command = _command(server, uri, variant, folder)
    with Load(uri) as load:
        reader = psycopg.connect(uri)
        reader.execute("SELECT count(*) FROM orders")  # ACCESS SHARE until the transaction ends
        released: list[float] = []

        def release() -> None:
            time.sleep(hold)
            reader.commit()
            released.append(time.perf_counter())

        releaser = threading.Thread(target=release)
        releaser.start()
        time.sleep(0.5)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        finished = time.perf_counter()
        releaser.join()
        reader.close()
        time.sleep(0.5)
    if done.returncode != 0:
        raise RuntimeError(f"{variant} migration failed:\n{done.stderr}")
    return {
        **load.samples.summary(),
        "attempts": 1 + done.stderr.count("lock not available"),
        "migration_s": round(finished - started, 2),
        "done_after_reader_s": round(finished - released[0], 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hold", type=float, default=10.0, help="seconds the reader keeps the table (default 10)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results: dict[str, list[dict[str, Any]]] = {"naive": [], "plan": []}
    with embedded_server() as server, tempfile.TemporaryDirectory() as tmp:
        print(f"PostgreSQL {server.version} (embedded); building the {ROWS:,}-row template...", file=sys.stderr)
        template = make_template(server)
        for k in range(args.runs):
            for variant in ("naive", "plan"):
                print(f"run {k + 1}/{args.runs}: {variant}", file=sys.stderr, flush=True)
                with fresh_database(server, template, "bench_queue") as uri:
                    results[variant].append(run(server, uri, variant, args.hold, Path(tmp) / f"r{k}"))
        version = server.version
    keys = [
        "longest_write_stall_ms",
        "p99_write_ms",
        "p99_read_ms",
        "errors",
        "attempts",
        "migration_s",
        "done_after_reader_s",
    ]
    medians = {v: {k: statistics.median(r[k] for r in rs) for k in keys} for v, rs in results.items()}
    ratios = [
        n["longest_write_stall_ms"] / max(p["longest_write_stall_ms"], 0.1)
        for n, p in zip(results["naive"], results["plan"], strict=True)
    ]
    if args.json:
        print(json.dumps({"postgresql": version, "hold_s": args.hold, "medians": medians, "raw": results}, indent=2))
        return
    print(f"PostgreSQL {version}, reader holds the table {args.hold:g} s, medians of {args.runs} runs\n")
    print(
        "| variant | longest write stall (ms) | p99 write (ms) | p99 read (ms) | errors | attempts | "
        "migration (s) | done after the reader (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for variant, m in medians.items():
        print(
            f"| {variant} | {m['longest_write_stall_ms']:.0f} | {m['p99_write_ms']:.1f} | {m['p99_read_ms']:.1f} | "
            f"{m['errors']:.0f} | {m['attempts']:.0f} | {m['migration_s']:.1f} | {m['done_after_reader_s']:.2f} |"
        )
    print(f"\nlongest write stall, naive / plan (median of per-run ratios): {statistics.median(ratios):.0f}x")


if __name__ == "__main__":
    main()
