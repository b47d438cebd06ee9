"""The server as a real subprocess on stdio: driven by the official SDK client and by a client
nobody here wrote (the MCP Inspector CLI); and the agent's tool list checked against it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from conftest import IN_CI

REPO = Path(__file__).resolve().parent.parent
SERVER_CMD = str(Path(sys.executable).parent / "migration-manager")
INSPECTOR = REPO / "node_modules" / ".bin" / "mcp-inspector"
SQL = "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()"
# Claude Code names an MCP tool after the server's registration: install.sh's `claude mcp add`,
# or the plugin's mcpServers (.claude-plugin/plugin.json).
PREFIXES = ("mcp__migration-manager__", "mcp__plugin_migration-manager_migration-manager__")


def _env(tmp_path: Path) -> dict[str, str]:
    # The SDK passes only a small allow-list of variables to the child: give what it needs, and
    # PYTHONPATH so the child runs this checkout's code, not whichever copy the venv installed.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO / "mcp_server"),
    }


async def _session(tmp_path: Path) -> dict[str, Any]:
    params = StdioServerParameters(command=SERVER_CMD, args=["serve"], env=_env(tmp_path))
    async with Client(params) as client:
        tools = await client.list_tools()
        good = await client.call_tool("plan_change", {"sql": SQL})
        bad = await client.call_tool("render_migration", {"root": "relative/path", "sql": SQL})
        worse = await client.call_tool("plan_change", {"operations": "not a list"})
        again = await client.call_tool("plan_change", {"sql": SQL, "pg_version": 12})
    return {"tools": tools, "good": good, "bad": bad, "worse": worse, "again": again}


def test_sdk_client_over_stdio(tmp_path: Path) -> None:
    out = asyncio.run(_session(tmp_path))
    assert sorted(t.name for t in out["tools"].tools) == [
        "find_migrations",
        "lint_sql",
        "migration_status",
        "plan_change",
        "preflight_sql",
        "render_migration",
        "verify_migration",
    ]
    assert not out["good"].is_error and len(out["good"].structured_content["plan"]["migrations"]) == 5
    assert out["bad"].is_error and "absolute path" in out["bad"].content[0].text
    assert out["worse"].is_error
    assert not out["again"].is_error  # the server carried on after the errors


def _tool_names() -> set[str]:
    async def listing() -> set[str]:
        params = StdioServerParameters(command=SERVER_CMD, args=["serve"], env=_env(REPO))
        async with Client(params) as client:
            return {t.name for t in (await client.list_tools()).tools}

    return asyncio.run(listing())


def _agent_tools() -> list[str]:
    text = (REPO / "agents" / "migration-manager.md").read_text()
    front = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert front, "the agent file needs YAML frontmatter"
    fields = dict(line.split(":", 1) for line in front.group(1).splitlines() if ":" in line)
    assert fields["name"].strip() == "migration-manager"
    assert "proactively" in fields["description"]
    return [t.strip() for t in fields["tools"].split(",")]


def test_agent_names_exactly_the_server_tools_under_both_installs() -> None:
    offered = _tool_names()
    listed = _agent_tools()
    assert {"Read", "Write", "Grep", "Glob"} <= set(listed)
    for prefix in PREFIXES:
        named = {t.removeprefix(prefix) for t in listed if t.startswith(prefix)}
        assert named == offered, f"{prefix}: agent names {sorted(named)}, server offers {sorted(offered)}"
    unknown = [t for t in listed if t.startswith("mcp__") and not t.startswith(PREFIXES)]
    assert not unknown


def _inspector(*args: str) -> subprocess.CompletedProcess[str]:
    if not INSPECTOR.exists():
        message = f"{INSPECTOR} is missing: run ./scripts/setup (it installs node_modules)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(
        [str(INSPECTOR), "--cli", SERVER_CMD, "serve", *args], capture_output=True, text=True, timeout=120
    )


def test_inspector_cli_lists_and_calls_the_tools(tmp_path: Path) -> None:
    listed = _inspector("--method", "tools/list")
    assert listed.returncode == 0, listed.stderr
    tools = {t["name"]: t for t in json.loads(listed.stdout)["tools"]}
    assert set(tools) == {
        "find_migrations",
        "lint_sql",
        "migration_status",
        "plan_change",
        "preflight_sql",
        "render_migration",
        "verify_migration",
    }
    assert all(t.get("outputSchema") and t.get("annotations") for t in tools.values())

    planned = _inspector("--method", "tools/call", "--tool-name", "plan_change", "--tool-arg", f"sql={SQL}")
    assert planned.returncode == 0, planned.stderr
    result = json.loads(planned.stdout)
    assert not result.get("isError") and len(result["structuredContent"]["plan"]["migrations"]) == 5

    args = ["--tool-name", "render_migration", "--tool-arg", f"root={tmp_path}", f"sql={SQL}", "out_dir=../x"]
    refused = _inspector("--method", "tools/call", *args)
    body = refused.stdout + refused.stderr
    assert "outside the root" in body, body
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent / "x").exists()


def _agent_steps() -> dict[int, str]:
    """The agent's numbered steps: number -> text (with its continuation lines)."""
    body = (REPO / "agents" / "migration-manager.md").read_text().split("\n---\n", 1)[1]
    steps: dict[int, str] = {}
    current = None
    for line in body.splitlines():
        m = re.match(r"(\d+)\. (.*)", line)
        if m:
            current = int(m.group(1))
            steps[current] = m.group(2)
        elif current is not None and line.startswith("   "):
            steps[current] += " " + line.strip()
        else:
            current = None
    return steps


def test_agent_steps_use_every_tool_in_the_flows_order() -> None:
    """find -> plan -> preflight -> render -> verify (issue 19: verify was in the tools, not in the
    steps), and every tool the server offers has a step."""
    steps = _agent_steps()
    assert sorted(steps) == list(range(1, len(steps) + 1)), "the steps are numbered 1, 2, 3 ..."

    def first_step(tool: str) -> int:
        named = [n for n, text in sorted(steps.items()) if f"`{tool}`" in text]
        assert named, f"no step of the agent names `{tool}`"
        return named[0]

    for tool in _tool_names():
        first_step(tool)
    flow = ["find_migrations", "plan_change", "preflight_sql", "render_migration", "verify_migration"]
    order = [first_step(t) for t in flow]
    assert order == sorted(order) and len(set(order)) == len(order), dict(zip(flow, order, strict=True))
    assert "changelog_includes" in steps[first_step("render_migration")]


def test_agent_preloads_the_skill_and_names_its_path() -> None:
    text = (REPO / "agents" / "migration-manager.md").read_text()
    front = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert front
    fields = dict(line.split(":", 1) for line in front.group(1).splitlines() if ":" in line)
    skills = [s.strip() for s in fields["skills"].split(",")]
    assert skills == ["migration-management"]
    skill = REPO / "skills" / skills[0] / "SKILL.md"
    assert re.search(r"^name: migration-management$", skill.read_text(), re.M)
    named = set(re.findall(r"skills/[\w-]+/SKILL\.md", text))
    assert named == {"skills/migration-management/SKILL.md"}
    assert all((REPO / path).is_file() for path in named)
    # and every reference file the skill points to exists beside it
    for ref in re.findall(r"`(reference/[\w-]+\.md)`", skill.read_text()):
        assert (skill.parent / ref).is_file(), ref
