"""The tool schemas every session pays for (issue 19): tools/list stays small, and still says every
limit; input is checked, not coerced, and a bad argument is refused naming the field and what it
takes, before anything is written."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp_types import CallToolResult

from migration_manager.cli import main
from migration_manager.defaults import (
    DURATION_PATTERN,
    MAX_BATCH_SIZE,
    MAX_LOCK_RETRIES,
    MAX_PAUSE_MS,
    MAX_SQL_CHARS,
    MAX_STATEMENTS,
    NEWEST_PG,
    OLDEST_PG,
)
from migration_manager.errors import InputError
from migration_manager.mcp_schemas import OPERATIONS_URI, without_titles
from migration_manager.model import AddColumn, Column
from migration_manager.planner import plan
from migration_manager.request import known_operations
from migration_manager.server import build_server

REPO = Path(__file__).resolve().parent.parent
SERVER_CMD = str(Path(sys.executable).parent / "migration-manager")
SERVER = build_server()
LIMIT = 30_000  # bytes of the whole tools/list answer
SQL = "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()"
OPS = [{"op": "add_column", "table": "orders", "column": {"name": "note", "type": "text"}}]
INJECTED = "200ms'; DROP TABLE orders; --"


def _env(tmp_path: Path) -> dict[str, str]:
    # the SDK passes the child only a few variables; PYTHONPATH makes it run this checkout's code
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO / "mcp_server"),
    }


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def call(name: str, arguments: dict[str, Any]) -> CallToolResult:
    async def go() -> CallToolResult:
        async with Client(SERVER) as client:
            return await client.call_tool(name, arguments)

    return asyncio.run(go())


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _over_stdio(tmp_path: Path) -> dict[str, Any]:
    async def session() -> dict[str, Any]:
        params = StdioServerParameters(command=SERVER_CMD, args=["serve"], env=_env(tmp_path))
        async with Client(params) as client:
            return {
                "tools": await client.list_tools(),
                "reference": await client.read_resource(OPERATIONS_URI),
                "from_sql": await client.call_tool("plan_change", {"sql": SQL}),
                "from_ops": await client.call_tool("plan_change", {"operations": OPS}),
                "bad": await client.call_tool("plan_change", {"sql": SQL, "lock_timeout": INJECTED}),
            }

    return asyncio.run(session())


def test_tools_list_is_small_over_stdio_and_calls_still_work(tmp_path: Path) -> None:
    out = _over_stdio(tmp_path)
    listed = out["tools"]
    size = len(listed.model_dump_json(by_alias=True, exclude_none=True).encode())
    assert size <= LIMIT, f"tools/list is {size:,} bytes; the budget is {LIMIT:,}"
    assert len(listed.tools) == 7
    for tool in listed.tools:
        dumped = tool.model_dump(by_alias=True, exclude_none=True, mode="json")
        # no pydantic titles, and no nested model graphs in what the client is told the tool returns
        assert not _title_keyword(dumped["inputSchema"]) and not _title_keyword(dumped["outputSchema"]), tool.name
        assert "$defs" not in dumped["outputSchema"], tool.name
        for prop in dumped["outputSchema"]["properties"].values():
            assert "properties" not in prop and "$ref" not in json.dumps(prop), (tool.name, prop)
    assert not out["from_sql"].is_error, text(out["from_sql"])
    assert len(out["from_sql"].structured_content["plan"]["migrations"]) == 5
    assert not out["from_ops"].is_error, text(out["from_ops"])
    assert out["from_ops"].structured_content["plan"]["operations"][0]["column"]["name"] == "note"
    assert out["bad"].is_error and "lock_timeout must be" in text(out["bad"])

    reference = json.loads(out["reference"].contents[0].text)
    assert sorted(reference["discriminator"]["mapping"]) == sorted(known_operations())
    assert reference["$defs"]["AddColumn"]["required"] == ["table", "column"]


def _title_keyword(node: Any, named: bool = False) -> bool:
    """Whether a schema still has the `title` keyword anywhere (a field may be *called* title)."""
    if isinstance(node, dict):
        if not named and "title" in node:
            return True
        return any(_title_keyword(v, k == "properties" and not named) for k, v in node.items() if k != "default")
    if isinstance(node, list):
        return any(_title_keyword(v) for v in node)
    return False


def test_the_schemas_state_the_limits_the_engine_checks() -> None:
    async def listing() -> dict[str, dict[str, Any]]:
        async with Client(SERVER) as client:
            return {t.name: t.input_schema for t in (await client.list_tools()).tools}

    schemas = asyncio.run(listing())
    planned = schemas["plan_change"]["properties"]
    assert planned["pg_version"]["minimum"] == OLDEST_PG and planned["pg_version"]["maximum"] == NEWEST_PG
    assert (planned["batch_size"]["minimum"], planned["batch_size"]["maximum"]) == (1, MAX_BATCH_SIZE)
    assert (planned["pause_ms"]["minimum"], planned["pause_ms"]["maximum"]) == (0, MAX_PAUSE_MS)
    assert (planned["lock_retries"]["minimum"], planned["lock_retries"]["maximum"]) == (1, MAX_LOCK_RETRIES)
    assert planned["lock_timeout"]["pattern"] == planned["statement_timeout"]["pattern"] == DURATION_PATTERN
    assert planned["sql"]["anyOf"][0]["maxLength"] == MAX_SQL_CHARS
    items = planned["operations"]["anyOf"][0]
    assert items["maxItems"] == MAX_STATEMENTS
    assert items["items"]["required"] == ["op"] and items["items"]["properties"]["op"]["enum"] == known_operations()
    assert OPERATIONS_URI in planned["operations"]["description"]
    rendered = schemas["render_migration"]["properties"]
    assert rendered["timestamp"]["anyOf"][0]["pattern"] == r"^\d{14}$"
    assert rendered["write"]["type"] == "boolean" and rendered["overwrite"]["type"] == "boolean"
    assert schemas["lint_sql"]["properties"]["pg_version"]["anyOf"][0]["maximum"] == NEWEST_PG
    verify = schemas["verify_migration"]["properties"]["rows"]
    assert (verify["minimum"], verify["maximum"]) == (0, 1_000_000)
    assert schemas["migration_status"]["properties"]["plan"]["anyOf"][0] == {"type": "object"}
    for name in ("plan_change", "render_migration", "preflight_sql", "verify_migration", "migration_status"):
        assert len(json.dumps(schemas[name]["properties"]["operations"])) < 1_000, name


def test_each_limit_is_the_engines_edge() -> None:
    """The schema's bounds are where the tool starts refusing, not a guess beside it."""
    for field, good, bad in [
        ("pg_version", (OLDEST_PG, NEWEST_PG), (OLDEST_PG - 1, NEWEST_PG + 1)),
        ("batch_size", (1, MAX_BATCH_SIZE), (0, MAX_BATCH_SIZE + 1)),
        ("pause_ms", (0, MAX_PAUSE_MS), (-1, MAX_PAUSE_MS + 1)),
        ("lock_retries", (1, MAX_LOCK_RETRIES), (0, MAX_LOCK_RETRIES + 1)),
    ]:
        for value in good:
            done = call("plan_change", {"operations": OPS, field: value})
            assert not done.is_error, (field, value, text(done))
        for value in bad:
            refused = call("plan_change", {"operations": OPS, field: value})
            assert refused.is_error and field in text(refused), (field, value, text(refused))


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"lock_timeout": "abc"}, ["lock_timeout must be", "ms, s or min", "'abc'"]),
        ({"lock_timeout": INJECTED}, ["lock_timeout must be", "ms, s or min"]),
        ({"lock_timeout": "1.5s"}, ["lock_timeout must be"]),
        ({"statement_timeout": "60 s"}, ["statement_timeout must be"]),
        ({"write": "yes"}, ["write", "valid boolean"]),
        ({"overwrite": "true"}, ["overwrite", "valid boolean"]),
        ({"pg_version": 9}, ["pg_version 9", "from 10 to 18"]),
        ({"pg_version": 19}, ["pg_version 19", "from 10 to 18"]),
        ({"pg_version": "16"}, ["pg_version", "valid integer"]),
        ({"batch_size": 0}, ["batch_size must be 1-1,000,000"]),
        ({"batch_size": "1000"}, ["batch_size", "valid integer"]),
        ({"pause_ms": 60_001}, ["pause_ms 0-60,000"]),
        ({"lock_retries": 101}, ["lock_retries must be 1-100"]),
        ({"stats": {"orders": {"rows": "5000000"}}}, ["stats.orders.rows", "valid integer"]),
        ({"operations": [{"op": "add_colum", "table": "t"}], "sql": None}, ["0: unknown operation 'add_colum'"]),
        ({"operations": [{"op": "add_column", "table": "t"}], "sql": None}, ["0.add_column.column: required field"]),
        (
            {"operations": [*OPS, {"op": "drop_index", "name": "i", "unique": "no"}], "sql": None},
            ["1.drop_index.unique", "valid boolean"],
        ),
        (
            {"operations": [{**OPS[0], "column": {"name": "a", "type": "int", "identity": "sometimes"}}], "sql": None},
            ["identity", "'always' or 'by default'"],
        ),
        ({"operations": [{"table": "t"}], "sql": None}, ["missing 'op'", "create_table"]),
        ({"sql": "ALTER TABLE t ADD COLUMN a text;\n" * 40_000}, ["at most 1,000,000"]),
        ({"timestamp": "2026-11-24"}, ["timestamp must be YYYYMMDDHHMMSS"]),
        ({"timestamp": "20261399000000"}, ["timestamp must be YYYYMMDDHHMMSS"]),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    tmp_path: Path, arguments: dict[str, Any], expected: list[str]
) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_init.sql").write_text("CREATE TABLE orders (id bigint PRIMARY KEY);\n")
    before = tree(tmp_path)
    args = {"root": str(tmp_path), "sql": SQL, "write": True, "out_dir": "db", **arguments}
    args = {k: v for k, v in args.items() if v is not None}
    refused = call("render_migration", args)
    assert refused.is_error, f"accepted {arguments}"
    message = text(refused)
    for part in expected:
        assert part in message, message
    assert "internal error" not in message
    assert tree(tmp_path) == before


def test_a_good_render_still_writes(tmp_path: Path) -> None:
    args = {"root": str(tmp_path), "operations": OPS, "write": True, "timestamp": "20261124090000"}
    done = call("render_migration", {**args, "lock_timeout": "3s", "statement_timeout": "1min"})
    assert not done.is_error, text(done)
    assert done.structured_content is not None
    written = done.structured_content["written"]
    assert written and set(written) == set(tree(tmp_path))
    assert any("SET LOCAL lock_timeout = '3s'" in f["content"] for f in done.structured_content["files"])


def test_a_bad_plan_for_status_is_refused_before_the_database_is_read() -> None:
    refused = call("migration_status", {"dsn": "postgresql://u@127.0.0.1:1/x", "plan": {"migrations": "no"}})
    assert refused.is_error
    assert "invalid plan" in text(refused) and "migrations" in text(refused) and "127.0.0.1:1" not in text(refused)


def test_the_engine_refuses_a_bad_duration_itself(capsys: pytest.CaptureFixture[str]) -> None:
    """plan() is the CLI's path too: the duration never reaches the SQL, whoever calls."""
    add = [AddColumn(table="t", column=Column(name="a", type="text"))]
    with pytest.raises(InputError, match="lock_timeout must be a whole number with the unit ms, s or min"):
        plan(add, lock_timeout=INJECTED)
    with pytest.raises(InputError, match="statement_timeout must be a whole number with the unit ms, s or min"):
        plan(add, statement_timeout="5 minutes")
    assert plan(add, lock_timeout="250ms", statement_timeout="2min").lock_timeout == "250ms"
    code = main(["plan", "--sql", "ALTER TABLE t ADD COLUMN a text", "--lock-timeout", "abc", "--no-schema"])
    assert code != 0 and "lock_timeout must be" in capsys.readouterr().err


def test_titles_are_dropped_but_a_field_called_title_stays() -> None:
    schema = {
        "title": "M",
        "properties": {"title": {"title": "Title", "type": "string"}, "x": {"default": {"title": "kept"}}},
    }
    assert without_titles(schema) == {"properties": {"title": {"type": "string"}, "x": {"default": {"title": "kept"}}}}
