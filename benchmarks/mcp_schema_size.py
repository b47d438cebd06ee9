"""What the MCP server's tool list costs every session (issue 19): bytes of each tool's input and
output schema and of the whole tools/list answer, before and after the compact schemas.

after: the server as it is, tools/list answered over stdio (`migration-manager serve`, this checkout's
code) and, per tool, the same listing in process. before: what the SDK publishes for the same tools
with the untrimmed pydantic schemas, i.e. `operations` typed as list[Operation], migration_status'
`plan` as Plan, and the SDK's own schemas (titles, full output models): built here by registering
stand-ins with those signatures on a plain MCPServer. Sizes are compact JSON as the SDK sends it;
tokens are estimated as bytes / 4 (a rough rule for English and JSON, not a tokenizer's count).
Usage: .venv/bin/python benchmarks/mcp_schema_size.py [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from mcp import Client, StdioServerParameters
from mcp.server.mcpserver import MCPServer
from mcp_types import ListToolsResult
from pydantic import Field

from migration_manager import __version__
from migration_manager.model import Operation, Plan
from migration_manager.server import INSTRUCTIONS, TOOLS, build_server

REPO = Path(__file__).resolve().parent.parent
SERVER = str(Path(sys.executable).parent / "migration-manager")
UNTRIMMED = {
    "operations": Annotated[
        list[Operation] | None, Field(description="the change as typed operations; give this or `sql`, not both")
    ],
    "plan": Annotated[Plan | None, Field(description="the plan as plan_change returned it (its `plan` field)")],
}


def _stand_in(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function with `fn`'s name, docstring and signature, but the untrimmed argument types."""
    sig = inspect.signature(fn, eval_str=True)
    params = [p.replace(annotation=UNTRIMMED.get(p.name, p.annotation)) for p in sig.parameters.values()]

    def stand_in(**kwargs: Any) -> Any:
        raise NotImplementedError

    stand_in.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    stand_in.__name__ = fn.__name__
    stand_in.__doc__ = fn.__doc__
    return stand_in


def before_server() -> MCPServer:
    server = MCPServer("migration-manager", instructions=INSTRUCTIONS, version=__version__)
    for fn, hints in TOOLS:
        description = inspect.cleandoc(fn.__doc__ or "")
        name = fn.__name__.removesuffix("_tool")
        server.tool(name=name, description=description, annotations=hints, structured_output=True)(_stand_in(fn))
    return server


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


async def _listing(server: MCPServer) -> ListToolsResult:
    async with Client(server) as client:
        return await client.list_tools()


async def _listing_over_stdio() -> tuple[ListToolsResult, int]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONPATH": str(REPO / "mcp_server")}
    async with Client(StdioServerParameters(command=SERVER, args=["serve"], env=env)) as client:
        listed = await client.list_tools()
    return listed, len(listed.model_dump_json(by_alias=True, exclude_none=True).encode())


def per_tool(listed: ListToolsResult) -> dict[str, tuple[int, int, int]]:
    """name: (inputSchema bytes, outputSchema bytes, the whole tool entry's bytes)."""
    out = {}
    for tool in listed.tools:
        dumped = tool.model_dump(by_alias=True, exclude_none=True, mode="json")
        out[tool.name] = (_size(dumped["inputSchema"]), _size(dumped.get("outputSchema")), _size(dumped))
    return out


def measure() -> dict[str, Any]:
    before = asyncio.run(_listing(before_server()))
    after = asyncio.run(_listing(build_server()))
    _, stdio_total = asyncio.run(_listing_over_stdio())
    return {
        "before": per_tool(before),
        "after": per_tool(after),
        "before_total": len(before.model_dump_json(by_alias=True, exclude_none=True).encode()),
        "after_total": len(after.model_dump_json(by_alias=True, exclude_none=True).encode()),
        "after_total_stdio": stdio_total,
    }


def _kb(n: int) -> str:
    return f"{n / 1000:.1f}"


def table(result: dict[str, Any]) -> str:
    rows = [
        "| tool | input before (KB) | input after (KB) | output before (KB) | output after (KB) "
        "| tool entry before (KB) | tool entry after (KB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, (i0, o0, t0) in result["before"].items():
        i1, o1, t1 = result["after"][name]
        rows.append(f"| {name} | {_kb(i0)} | {_kb(i1)} | {_kb(o0)} | {_kb(o1)} | {_kb(t0)} | {_kb(t1)} |")
    b, a = result["before_total"], result["after_total_stdio"]
    rows.append(f"| **tools/list, whole answer** | | | | | **{_kb(b)}** | **{_kb(a)}** |")
    rows.append(f"| estimated tokens (bytes / 4) | | | | | {b // 4:,} | {a // 4:,} |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = ap.parse_args()
    result = measure()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(table(result))
    print(
        f"\nafter, in process: {result['after_total']:,} bytes; over stdio: {result['after_total_stdio']:,} bytes "
        f"({result['before_total'] / result['after_total_stdio']:.1f}x smaller than before)"
    )


if __name__ == "__main__":
    main()
