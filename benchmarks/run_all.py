"""Run every benchmark in one go and print their tables as one markdown report.

In order: downtime under load (downtime.py), MariaDB write stalls (downtime_mysql.py; needs the
MariaDB at 127.0.0.1:3306), the lock queue (lock_queue.py), backfill
(backfill.py), lint against squawk (lint_vs_squawk.py), the MCP server (mcp_server.py), the size
of its tool list (mcp_schema_size.py), verify (verify_plan.py), verify over MCP (verify_mcp.py), planning and rendering
(plan_render.py), the size of a change (plan_size.py) and find_migrations (find_migrations.py).
Each runs as its own process, one after another, so none competes with another for the machine's
two cores. A failing benchmark is reported and the others still run; the exit code is 1 if any
failed.
Usage: .venv/bin/python benchmarks/run_all.py [--runs 3] [--quick] [--out FILE]
  --quick: one run each (a smoke run; the README's figures use the defaults)
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs of each load benchmark (medians are reported)")
    ap.add_argument("--quick", action="store_true", help="one run each")
    ap.add_argument("--out", help="also write the report to this file")
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    jobs: list[tuple[str, list[str]]] = [
        ("Downtime under load", ["downtime.py", "--runs", str(runs)]),
        ("Write stalls on MariaDB", ["downtime_mysql.py", "--runs", str(runs)]),
        ("The lock queue", ["lock_queue.py", "--runs", str(runs)]),
        ("Backfill", ["backfill.py", "--runs", str(runs)]),
        ("Lint against squawk", ["lint_vs_squawk.py"] + (["--runs", "1"] if args.quick else [])),
        ("Lint precision", ["lint_precision.py"]),
        ("MCP server", ["mcp_server.py"]),
        ("MCP tool list size", ["mcp_schema_size.py"]),
        ("verify", ["verify_plan.py", "--runs", str(runs)]),
        ("verify over MCP", ["verify_mcp.py", "--runs", str(runs)]),
        ("Planning and rendering", ["plan_render.py"]),
        ("Change size", ["plan_size.py"] + (["--runs", "1"] if args.quick else [])),
        ("Schema sources", ["schema_sources.py", "--runs", str(max(runs, 3))]),
        ("find_migrations", ["find_migrations.py"] + (["--n", "1000"] if args.quick else [])),
    ]
    cores = _cores()
    report = [
        f"# Benchmarks, {date.today().isoformat()}",
        "",
        f"{_cpu()}, {cores} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}",
        "",
    ]
    failed = []
    for title, (script, *rest) in jobs:
        print(f"== {title} ({script})", file=sys.stderr, flush=True)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(HERE / script), *rest], capture_output=True, text=True, cwd=HERE.parent
        )
        took = time.perf_counter() - started
        report += [f"## {title} (`benchmarks/{script}`, {took:.0f} s)", ""]
        if done.returncode != 0:
            failed.append(script)
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            report += [f"FAILED (exit {done.returncode}):", "", "```", tail, "```", ""]
        else:
            report += [done.stdout.strip(), ""]
    text = "\n".join(report)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    raise SystemExit(main())
