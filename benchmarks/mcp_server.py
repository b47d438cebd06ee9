"""The MCP server over stdio, as a client sees it, side by side in one run.

- cold start: spawn `migration-manager serve`, initialize, first `tools/list` answered (COLD runs),
  next to the same for a one-tool server (benchmarks/minimal_server.py): what the SDK alone costs;
- per tool call over one open session, every tool: find_migrations, plan_change (DDL and
  operations JSON), render_migration (files returned, not written), preflight_sql (checks listed,
  no database), lint_sql (a 40-statement migration): CALLS runs each after a warm-up;
  verify_migration (the embedded PostgreSQL the server keeps after its first verify, a fresh
  database per call): VERIFY_CALLS runs; p50 and p99.
Usage: .venv/bin/python benchmarks/mcp_server.py [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

COLD = 10
CALLS = 200
VERIFY_CALLS = 10
LINT_SQL = "\n".join(
    f"ALTER TABLE t{i} ADD COLUMN c{i} text;\nCREATE INDEX t{i}_c{i} ON t{i} (c{i});" for i in range(20)
)
SCHEMA = "CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint, code text);"
SERVER = str(Path(sys.executable).parent / "migration-manager")
SQL = "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()"
OPS = [
    {"op": "add_index", "table": "orders", "columns": ["user_id"]},
    {
        "op": "rename_column",
        "table": "users",
        "column": "name",
        "new_name": "full_name",
        "type": "text",
        "not_null": True,
    },
]


MINIMAL = str(Path(__file__).with_name("minimal_server.py"))


def params(minimal: bool = False, cwd: str | None = None) -> StdioServerParameters:
    env = {"PATH": os.environ.get("PATH", "")}
    if minimal:
        return StdioServerParameters(command=sys.executable, args=[MINIMAL], env=env)
    # started in the repository, the server may use it as a root (no --allow needed)
    return StdioServerParameters(command=SERVER, args=["serve"], env=env, cwd=cwd)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def cold_start(minimal: bool = False) -> float:
    started = time.perf_counter()
    async with Client(params(minimal)) as client:
        await client.list_tools()
        return time.perf_counter() - started


async def calls(root: str) -> dict[str, list[float]]:
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "plan_change (DDL)": ("plan_change", {"sql": SQL}),
        "plan_change (operations)": ("plan_change", {"operations": OPS}),
        "render_migration (not written)": ("render_migration", {"root": root, "sql": SQL}),
        "find_migrations": ("find_migrations", {"root": root}),
        "preflight_sql (checks listed, no database)": ("preflight_sql", {"sql": SQL}),
        "lint_sql (40 statements)": ("lint_sql", {"sql": LINT_SQL}),
        "verify_migration (embedded server kept warm)": (
            "verify_migration",
            {"sql": "CREATE INDEX orders_code_idx ON orders (code)", "schema_sql": SCHEMA, "rows": 1000},
        ),
    }
    out: dict[str, list[float]] = {}
    async with Client(params(cwd=root)) as client:
        for label, (name, arguments) in cases.items():
            await client.call_tool(name, arguments)  # warm-up
            times = []
            for _ in range(VERIFY_CALLS if name == "verify_migration" else CALLS):
                started = time.perf_counter()
                result = await client.call_tool(name, arguments)
                times.append(time.perf_counter() - started)
                assert not result.is_error
            out[label] = times
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the MCP server over stdio.")
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    cold, floor = [], []
    for _ in range(COLD):  # interleaved, so both see the same machine
        cold.append(asyncio.run(cold_start()))
        floor.append(asyncio.run(cold_start(minimal=True)))
    with tempfile.TemporaryDirectory() as root:
        per_call = asyncio.run(calls(root))
    rows = {
        "cold start to first tools/list": cold,
        "same, minimal one-tool mcp 2.x server (the SDK's floor)": floor,
        **per_call,
    }
    table = {
        k: {"p50_ms": statistics.median(v) * 1000, "p99_ms": pct(v, 0.99), "runs": len(v)} for k, v in rows.items()
    }
    if opts.json:
        print(json.dumps(table))
        return
    print("| measurement | runs | p50 (ms) | p99 (ms) |")
    print("|---|---:|---:|---:|")
    for name, r in table.items():
        print(f"| {name} | {r['runs']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")


if __name__ == "__main__":
    main()
