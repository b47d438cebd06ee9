"""The MCP tools through the official SDK client (in process): good calls, bad calls, paths
confined to the root, and a fuzz that the server survives whatever arguments it gets."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp_types import CallToolResult

from migration_manager.server import build_server

SERVER = build_server()
SQL = "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()"


async def _call(name: str, arguments: dict[str, Any]) -> CallToolResult:
    async with Client(SERVER) as client:
        return await client.call_tool(name, arguments)


def call(name: str, arguments: dict[str, Any]) -> CallToolResult:
    return asyncio.run(_call(name, arguments))


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def error(name: str, arguments: dict[str, Any]) -> str:
    result = call(name, arguments)
    assert result.is_error, f"expected a tool error for {arguments}"
    return text(result)


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_tools_are_listed_with_schemas_and_hints() -> None:
    async def listing() -> Any:
        async with Client(SERVER) as client:
            return await client.list_tools()

    tools = {t.name: t for t in asyncio.run(listing()).tools}
    assert set(tools) == {
        "find_migrations",
        "lint_sql",
        "migration_status",
        "plan_change",
        "preflight_sql",
        "render_migration",
        "verify_migration",
    }
    for tool in tools.values():
        assert tool.description and len(tool.description) > 200
        assert not tool.description.startswith(" ") and "\n    " not in tool.description
        assert tool.output_schema is not None
    for name in ("plan_change", "render_migration"):
        assert {"operations", "sql"} <= set(tools[name].input_schema["properties"])
    find_hints = tools["find_migrations"].annotations
    assert find_hints is not None and find_hints.read_only_hint
    plan_hints, render_hints = tools["plan_change"].annotations, tools["render_migration"].annotations
    assert plan_hints is not None and plan_hints.read_only_hint and plan_hints.idempotent_hint
    assert render_hints is not None and not render_hints.read_only_hint and render_hints.destructive_hint


def test_annotations_say_what_each_tool_does_to_the_world() -> None:
    async def listing() -> Any:
        async with Client(SERVER) as client:
            return await client.list_tools()

    hints = {t.name: t.annotations for t in asyncio.run(listing()).tools}
    # (read-only, destructive, idempotent, open-world)
    expected = {
        "find_migrations": (True, False, True, False),
        "lint_sql": (True, False, True, False),
        "plan_change": (True, False, True, True),  # with a dsn it reads that database
        "preflight_sql": (True, False, True, True),
        "migration_status": (True, False, True, True),
        "render_migration": (False, True, False, False),  # it writes files; overwrite=true replaces them
        "verify_migration": (False, False, True, True),  # it creates and drops a scratch database
    }
    got = {
        name: (h.read_only_hint, h.destructive_hint, h.idempotent_hint, h.open_world_hint)
        for name, h in hints.items()
        if h is not None
    }
    assert got == expected


def test_a_root_outside_the_servers_folders_is_refused(tmp_path: Path) -> None:
    import shutil
    import tempfile

    outside = Path(tempfile.mkdtemp(prefix="mm-outside-"))  # not under the folders the tests allow
    try:
        (outside / "db").mkdir()
        (outside / "db" / "1.sql").write_text("CREATE INDEX t_id ON t (id);\n")
        (outside / "pyproject.toml").write_text("[tool.migration-manager]\npg-version = 'token-x9'\n")
        cases: list[tuple[str, dict[str, Any]]] = [
            ("find_migrations", {"root": str(outside)}),
            ("lint_sql", {"root": str(outside), "paths": ["db"]}),
            ("lint_sql", {"root": "/etc", "paths": ["passwd"]}),
            ("lint_sql", {"root": str(outside), "sql": "SELECT 1"}),  # its pyproject.toml is not read either
            ("render_migration", {"root": str(outside), "sql": SQL, "write": True}),
            ("verify_migration", {"root": str(outside), "migrations_dir": "db"}),
            ("migration_status", {"root": str(outside), "dsn": "postgresql://u@127.0.0.1:1/x", "sql": SQL}),
        ]
        for name, arguments in cases:
            message = error(name, arguments)
            assert "is outside the folders this server may use" in message, (name, message)
            assert "serve --allow" in message and "root:x:" not in message and "token-x9" not in message
        assert sorted(files_under(outside)) == ["db/1.sql", "pyproject.toml"]
    finally:
        shutil.rmtree(outside)
    missing = error("find_migrations", {"root": str(tmp_path / "nope")})  # inside: a missing folder is named
    assert "not an existing directory" in missing


def test_lint_never_quotes_a_file_that_is_not_sql(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n")
    (tmp_path / "blob.sql").write_bytes(b"\x7fELF\x02\x01\x01\x00secret-bytes\x00\x00")
    (tmp_path / "ok.sql").write_text("-- migrate\nCREATE INDEX t_id ON t (id);\n")
    result = call("lint_sql", {"root": str(tmp_path), "paths": ["passwd", "blob.sql", "ok.sql"]})
    report = result.structured_content
    assert report is not None and not result.is_error
    assert "root:x" not in text(result) and "secret-bytes" not in text(result) and "daemon" not in text(result)
    by_path = {f["path"]: f for f in report["findings"] if f["rule"] != "missing-lock-timeout"}
    assert "does not begin with an SQL statement" in by_path["passwd"]["message"]
    assert "binary" in by_path["blob.sql"]["message"]
    for path in ("passwd", "blob.sql"):
        assert "not SQL" in by_path[path]["message"] and "not quoted" in by_path[path]["message"]
        assert by_path[path]["statement"] == "" and by_path[path]["rule"] == "parse-error"
    assert by_path["ok.sql"]["rule"] == "index-without-concurrently"  # SQL is still linted
    ignored = call("lint_sql", {"root": str(tmp_path), "paths": ["passwd"], "ignore": ["parse-error"]})
    assert ignored.structured_content is not None and ignored.structured_content["findings"] == []


def test_plan_change_from_sql_and_from_operations() -> None:
    from_sql = call("plan_change", {"sql": SQL, "pg_version": 15})
    assert not from_sql.is_error, text(from_sql)
    assert from_sql.structured_content is not None
    plan = from_sql.structured_content["plan"]
    assert len(plan["migrations"]) == 5 and plan["target"]["version"] == 15
    assert "Plan for PostgreSQL 15" in from_sql.structured_content["summary"]

    ops = [
        {
            "op": "add_column",
            "table": "orders",
            "column": {"name": "token", "type": "uuid", "nullable": False, "default": "gen_random_uuid()"},
        }
    ]
    from_ops = call("plan_change", {"operations": ops, "pg_version": 15})
    assert from_ops.structured_content is not None
    assert from_ops.structured_content["plan"]["migrations"] == plan["migrations"]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "exactly one of `operations`"),
        ({"sql": SQL, "operations": []}, "exactly one of `operations`"),
        ({"operations": []}, "`operations` is empty"),
        ({"sql": "ALTER TABLE t ADDD COLUMN a int"}, 'syntax error at or near "ADDD" at line 1, column 15'),
        ({"sql": "SELECT 1"}, "not schema changes this tool plans"),
        ({"sql": "ALTER TABLE t ADD COLUMN a int NOT NULL"}, "cannot plan this safely"),
        ({"sql": SQL, "pg_version": 19}, "PostgreSQL 19 is not supported"),
        ({"operations": [{"op": "add_colum", "table": "t"}]}, "add_colum"),
        ({"operations": [{"op": "add_column", "table": "t"}]}, "column"),
        ({"sql": SQL, "stats": {"orders": {"rows": -5}}}, "rows"),
    ],
)
def test_plan_change_errors_say_what_to_send(arguments: dict[str, Any], expected: str) -> None:
    assert expected in error("plan_change", arguments)


def test_a_change_over_the_size_limit_is_refused_by_every_tool_that_plans(tmp_path: Path) -> None:
    """30,000 statements (issue 19: no answer in 120 s): an error naming the limit, nothing written."""
    many = "".join(f"DROP INDEX i{i};\n" for i in range(30_000))
    big = "".join(f"ALTER TABLE orders ADD COLUMN c{i} text;\n" for i in range(30_000))
    ops = [{"op": "drop_column", "table": "t", "column": f"c{i}"} for i in range(2_001)]
    assert "one plan takes at most 2,000" in error("plan_change", {"sql": many})
    assert "at most 1,000,000" in error("plan_change", {"sql": big})
    assert "one plan takes at most 2,000" in error("plan_change", {"operations": ops})
    render = {"sql": many, "root": str(tmp_path), "write": True}
    assert "one plan takes at most 2,000" in error("render_migration", render)
    assert list(tmp_path.iterdir()) == []


def test_render_returns_files_and_writes_only_when_asked(tmp_path: Path) -> None:
    args = {"root": str(tmp_path), "sql": SQL, "out_dir": "db/migrations", "timestamp": "20261124090000"}
    shown = call("render_migration", args)
    assert not shown.is_error, text(shown)
    assert shown.structured_content is not None
    files = shown.structured_content["files"]
    assert len(files) == 15 and all(f["path"].startswith("db/migrations/2026112409") for f in files)
    assert shown.structured_content["written"] == []
    assert files_under(tmp_path) == {}

    written = call("render_migration", {**args, "write": True})
    assert written.structured_content is not None
    assert written.structured_content["written"] == [f["path"] for f in files]
    on_disk = files_under(tmp_path)
    assert on_disk == {f["path"]: f["content"].encode() for f in files}

    (tmp_path / files[0]["path"]).write_text("edited by hand")
    before = files_under(tmp_path)
    assert "already exists" in error("render_migration", {**args, "write": True})
    assert files_under(tmp_path) == before
    replaced = call("render_migration", {**args, "write": True, "overwrite": True})
    assert not replaced.is_error
    assert (tmp_path / files[0]["path"]).read_text() == files[0]["content"]


def test_render_never_leaves_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "escape").symlink_to(outside)
    base = {"root": str(root), "sql": SQL, "write": True}
    assert "outside the root" in error("render_migration", {**base, "out_dir": "../outside"})
    assert "outside the root" in error("render_migration", {**base, "out_dir": "escape"})
    assert "outside the root" in error("render_migration", {**base, "out_dir": "db/../../outside"})
    assert "must be relative" in error("render_migration", {**base, "out_dir": str(outside)})
    assert "absolute path" in error("render_migration", {**base, "root": "repo"})
    assert "not an existing directory" in error("render_migration", {**base, "root": str(tmp_path / "nope")})
    assert "timestamp must be" in error("render_migration", {**base, "timestamp": "soon"})
    assert files_under(outside) == {} and files_under(root) == {}


# ------------------------------------------------------------------------------------- fuzz

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
OPERATION_NAMES = ["add_column", "add_index", "rename_column", "change_column_type", "backfill", "drop_table", "x"]
OPERATION = st.fixed_dictionaries(
    {"op": st.sampled_from(OPERATION_NAMES), "table": st.text(max_size=12)},
    optional={"column": JSON, "columns": JSON, "new_name": JSON, "new_type": JSON, "value": JSON},
)


def _not_a_real_dir(s: str) -> bool:
    return not os.path.isdir(s)  # never hand the fuzz a real folder to write into


ARGUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "operations": st.lists(OPERATION, max_size=3) | JSON,
        "sql": st.text(max_size=80) | st.sampled_from([SQL, "DROP TABLE x", "ALTER TABLE t RENAME TO u"]),
        "pg_version": st.integers(-5, 30) | JSON,
        "stats": JSON,
        "lock_timeout": JSON,
        "root": st.text(max_size=20).filter(_not_a_real_dir),
        "out_dir": st.text(max_size=20),
        "write": JSON,
        "timestamp": JSON,
        "format": JSON,
        "paths": st.lists(st.text(max_size=12), max_size=3) | JSON,
        "ignore": st.lists(st.sampled_from(["truncate", "nope", ""]), max_size=2) | JSON,
    },
) | st.dictionaries(st.text(max_size=12), JSON, max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["find_migrations", "plan_change", "render_migration", "lint_sql", "preflight_sql"]),
    arguments=ARGUMENTS,
)
def test_the_server_survives_any_arguments(name: str, arguments: dict[str, Any]) -> None:
    async def session() -> tuple[CallToolResult, int]:
        async with Client(SERVER) as client:
            result = await client.call_tool(name, arguments)
            alive = await client.list_tools()  # the same session still answers
            return result, len(alive.tools)

    result, tools = asyncio.run(session())
    assert tools == 7
    if result.is_error:
        message = text(result)
        assert message and "internal error" not in message, message
    else:
        assert result.structured_content is not None
        json.dumps(result.structured_content)


def test_find_migrations_and_render_into_the_repositorys_folder(tmp_path: Path) -> None:
    import repos

    root = repos.write(tmp_path / "repo", repos.PLAIN_SQL)
    found = call("find_migrations", {"root": str(root)})
    assert not found.is_error, text(found)
    assert found.structured_content is not None
    (sql,) = found.structured_content["frameworks"]
    assert sql["framework"] == "sql" and sql["folder"] == "migrations"
    assert "not an existing directory" in error("find_migrations", {"root": str(root / "nope")})
    assert "absolute path" in error("find_migrations", {"root": "repo"})

    rendered = call("render_migration", {"root": str(root), "sql": SQL, "write": True})
    assert rendered.structured_content is not None
    written = rendered.structured_content["written"]
    assert written and all(w.startswith("migrations/") for w in written)
    # numbered after the newest file, even one dated in the future
    assert min(Path(w).name[:14] for w in written) > "29990101000000"


def test_lint_sql_on_text_and_on_repository_files(tmp_path: Path) -> None:
    result = call(
        "lint_sql", {"sql": "CREATE INDEX i ON orders (code);\nALTER TABLE orders ADD COLUMN;", "pg_version": 15}
    )
    report = result.structured_content
    assert report is not None and report["pg_version"] == 15
    rules = [(f["rule"], f["line"]) for f in report["findings"]]
    assert ("index-without-concurrently", 1) in rules and ("parse-error", 2) in rules
    first = next(f for f in report["findings"] if f["rule"] == "index-without-concurrently")
    assert "CONCURRENTLY" in first["fix"] and "blocks writes" in first["lock"]

    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "1.sql").write_text("CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\n")
    (tmp_path / "db" / "2.sql").write_text("CREATE INDEX t_id2 ON t (id);\n")
    files = call("lint_sql", {"root": str(tmp_path), "paths": ["db"]}).structured_content
    assert files is not None and files["files"] == ["db/1.sql", "db/2.sql"]
    # t is created by 1.sql, which may have run long ago: its size is unknown, a warning; with stats
    # saying it is big, an error
    assert [
        (f["path"], f["rule"], f["severity"]) for f in files["findings"] if f["rule"] != "missing-lock-timeout"
    ] == [("db/2.sql", "index-without-concurrently", "warning")]
    stats = {"t": {"rows": 5_000_000}}
    sized = call("lint_sql", {"root": str(tmp_path), "paths": ["db"], "stats": stats}).structured_content
    assert sized is not None
    assert [(f["path"], f["rule"]) for f in sized["findings"] if f["severity"] == "error"] == [
        ("db/2.sql", "index-without-concurrently")
    ]
    assert "not both" in error("lint_sql", {"sql": "SELECT 1", "stats": stats, "dsn": "postgresql://x@127.0.0.1/x"})
    assert "path '../etc' leads outside the root" in error("lint_sql", {"root": str(tmp_path), "paths": ["../etc"]})
    assert "exactly one of" in error("lint_sql", {})
    assert "unknown lint rule" in error("lint_sql", {"sql": "SELECT 1", "ignore": ["nope"]})
    assert "pg_version 19: PostgreSQL 19 is not supported" in error("lint_sql", {"sql": "SELECT 1", "pg_version": 19})


def test_preflight_and_verify_tools(tmp_path: Path) -> None:
    from conftest import FIXTURE_SCHEMA, SYSTEM_PG_URI

    listed = call("preflight_sql", {"sql": "ALTER TABLE orders ALTER COLUMN code SET NOT NULL", "pg_version": 15})
    report = listed.structured_content
    assert report is not None and report["server"] is None
    assert any("no NULL left in orders.code" in r["check"]["description"] for r in report["results"])
    refused = error(
        "preflight_sql", {"sql": "ALTER TABLE t ADD COLUMN c int", "dsn": "postgresql://u:pw@127.0.0.1:1/x"}
    )
    assert "cannot connect to" in refused and "pw@" not in refused

    assert "not both" in error("verify_migration", {"sql": "CREATE INDEX ON t (c)", "migrations_dir": "m", "root": "/"})
    assert "relative to `root`" in error("verify_migration", {"migrations_dir": "m"})
    outside = error("verify_migration", {"migrations_dir": "../x", "root": str(tmp_path)})
    assert "leads outside the root" in outside

    done = call(
        "verify_migration",
        {"sql": "CREATE INDEX orders_code_idx ON orders (code)", "schema_sql": FIXTURE_SCHEMA, "dsn": SYSTEM_PG_URI},
    )
    verified = done.structured_content
    assert verified is not None and verified["problems"] == [], verified
    assert verified["where"].startswith("a temporary database mm_verify_")


def test_render_errors_name_the_tools_own_parameters(tmp_path: Path) -> None:
    import repos

    root = repos.write(tmp_path, repos.GOLANG_DBMATE_DIESEL_PRISMA)
    message = error("render_migration", {"root": str(root), "sql": SQL})
    assert "several migration folders" in message and "give out_dir (and format)" in message
    assert "--out" not in message


def test_a_file_name_that_is_not_utf8_is_sent_escaped(tmp_path: Path) -> None:
    """JSON-RPC cannot carry the lone surrogate Python makes of a byte that is not UTF-8: the SDK
    used to fail the whole lint_sql call ("Error executing tool"); the name is sent with \\xe9."""
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / os.fsdecode(b"001_caf\xe9.sql")).write_text("CREATE INDEX i ON t (a);\n")
    result = call("lint_sql", {"root": str(tmp_path), "paths": ["db"]})
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    assert result.structured_content["files"] == ["db/001_caf\\xe9.sql"]
    (finding,) = [f for f in result.structured_content["findings"] if f["rule"] == "index-without-concurrently"]
    assert finding["path"] == "db/001_caf\\xe9.sql"
