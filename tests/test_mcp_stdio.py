"""The server as a real subprocess on stdio: driven by the official SDK client and by a client
nobody here wrote (the MCP Inspector CLI); and the agent's tool list checked against it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
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


def _inspector(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    if not INSPECTOR.exists():
        message = f"{INSPECTOR} is missing: run ./scripts/setup (it installs node_modules)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(
        [str(INSPECTOR), "--cli", SERVER_CMD, "serve", *args], capture_output=True, text=True, timeout=120, cwd=cwd
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
    refused = _inspector("--method", "tools/call", *args, cwd=tmp_path)  # the server may use its working directory
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


# ------------------------------------------------------------------ confinement, verify's warm server

SECRET = "root:x:0:0:hunter2-not-sql:/root:/bin/bash\n"


def _texts(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content) + json.dumps(result.structured_content or {})


def _folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A repository with a migration and a non-SQL file, a sibling folder with the same, and /etc-like text."""
    import repos

    repo = repos.write(tmp_path / "repo", repos.PLAIN_SQL)
    (repo / "notes").write_text(SECRET)
    sibling = tmp_path / "sibling"
    sibling.mkdir()
    (sibling / "passwd").write_text(SECRET)
    (repo / "escape").symlink_to(sibling)
    return repo, sibling, repo / "escape"


def _assert_confined(out: dict[str, Any], repo: Path, sibling: Path, outside: str) -> None:
    assert not out["inside"].is_error, _texts(out["inside"])
    assert out["inside"].structured_content["frameworks"], out["inside"].structured_content
    for name in ("etc", "sibling", "symlink", "render", "status", "verify"):
        result = out[name]
        text = _texts(result)
        assert result.is_error, f"{name}: {text}"
        assert outside in text and str(repo) in text, f"{name}: {text}"
        assert "hunter2" not in text and "root:x:0:0" not in text
    assert "'/etc'" in _texts(out["etc"]) and f"'{sibling}'" in _texts(out["symlink"])  # the resolved root
    assert sorted(p.name for p in sibling.iterdir()) == ["passwd"]  # render wrote nothing there
    # a non-SQL file inside the root: said so, never quoted
    report = out["not_sql"].structured_content
    assert report is not None and not out["not_sql"].is_error
    [finding] = report["findings"]
    assert "not SQL" in finding["message"] and "not quoted" in finding["message"]
    assert finding["statement"] == "" and "hunter2" not in _texts(out["not_sql"])


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_the_clients_roots_confine_every_tool_taking_a_root(tmp_path: Path, mode: str) -> None:
    repo, sibling, _ = _folders(tmp_path)

    async def calls() -> dict[str, Any]:
        from mcp.client import ClientRequestContext
        from mcp_types import ErrorData, ListRootsResult, Root

        async def list_roots(context: ClientRequestContext) -> ListRootsResult | ErrorData:
            return ListRootsResult(roots=[Root(uri=repo.as_uri(), name="repo")])

        # --allow names the sibling: the client's roots, when it declares them, win
        params = StdioServerParameters(
            command=SERVER_CMD, args=["serve", "--allow", str(sibling)], env=_env(tmp_path), cwd=sibling
        )
        async with Client(params, list_roots_callback=list_roots, mode=mode) as client:
            return await _calls(client, repo, sibling)

    out = asyncio.run(calls())
    _assert_confined(out, repo, sibling, "outside the client's roots")
    assert "add the folder to the client's roots" in _texts(out["etc"])


async def _calls(client: Client, repo: Path, sibling: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["inside"] = await client.call_tool("find_migrations", {"root": str(repo)})
    out["etc"] = await client.call_tool("lint_sql", {"root": "/etc", "paths": ["passwd"]})
    out["sibling"] = await client.call_tool("lint_sql", {"root": str(sibling), "paths": ["passwd"]})
    out["symlink"] = await client.call_tool("find_migrations", {"root": str(repo / "escape")})
    out["render"] = await client.call_tool("render_migration", {"root": str(sibling), "sql": SQL, "write": True})
    out["status"] = await client.call_tool(
        "migration_status", {"dsn": "postgresql://u@127.0.0.1:1/x", "sql": SQL, "root": str(sibling)}
    )
    out["verify"] = await client.call_tool("verify_migration", {"root": str(sibling), "migrations_dir": "."})
    out["not_sql"] = await client.call_tool("lint_sql", {"root": str(repo), "paths": ["notes"]})
    return out


def test_without_client_roots_serve_allow_confines(tmp_path: Path) -> None:
    repo, sibling, _ = _folders(tmp_path)

    async def calls(args: list[str], cwd: Path) -> dict[str, Any]:
        params = StdioServerParameters(command=SERVER_CMD, args=["serve", *args], env=_env(tmp_path), cwd=cwd)
        async with Client(params) as client:
            return await _calls(client, repo, sibling)

    (tmp_path / "other").mkdir()
    allowed = asyncio.run(calls(["--allow", str(repo), str(tmp_path / "other")], sibling))
    _assert_confined(allowed, repo, sibling, "outside the folders this server may use")
    assert f"serve --allow {sibling}" in _texts(allowed["sibling"])
    by_default = asyncio.run(calls([], repo))  # no --allow: the folder the server started in
    _assert_confined(by_default, repo, sibling, "outside the folders this server may use")

    bad = subprocess.run(
        [SERVER_CMD, "serve", "--allow", str(tmp_path / "nope")],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert bad.returncode != 0 and "is not an existing directory" in bad.stderr and "nope" in bad.stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_verify_keeps_one_embedded_server_warm_between_calls(tmp_path: Path) -> None:
    import time

    change = {"sql": "CREATE INDEX orders_code_idx ON orders (code)", "schema_sql": "CREATE TABLE orders (code text)"}

    async def calls() -> tuple[list[dict[str, Any]], list[str]]:
        params = StdioServerParameters(command=SERVER_CMD, args=["serve"], env=_env(tmp_path), cwd=tmp_path)
        reports: list[dict[str, Any]] = []
        commands: list[str] = []
        async with Client(params) as client:
            for _ in range(2):
                result = await client.call_tool("verify_migration", change)
                assert not result.is_error, _texts(result)
                reports.append(result.structured_content or {})
                pid = int(re.findall(r"postmaster pid (\d+)", reports[-1]["where"])[0])
                commands.append(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"))
        return reports, commands

    reports, commands = asyncio.run(calls())
    first, second = (re.findall(r"postmaster pid (\d+)", r["where"])[0] for r in reports)
    assert first == second, [r["where"] for r in reports]
    assert "started for this call" in reports[0]["where"] and "reused" in reports[1]["where"]
    assert all(r["problems"] == [] for r in reports), reports
    assert all("postgres" in c for c in commands)  # the pid is the PostgreSQL server's, running between calls
    names = [re.findall(r"mm_verify_\w+", r["where"])[0] for r in reports]
    assert names[0] != names[1]  # a fresh database each call
    deadline = time.monotonic() + 20
    while _alive(int(first)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(int(first)), "the embedded PostgreSQL outlived the MCP server"


def test_sigterm_still_stops_verifys_warm_server(tmp_path: Path) -> None:
    import time

    server = subprocess.Popen(
        [SERVER_CMD, "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(tmp_path),
        cwd=tmp_path,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None

    def ask(message: dict[str, Any]) -> dict[str, Any]:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
        server.stdin.flush()
        return json.loads(server.stdout.readline()) if "id" in message else {}

    pid = 0
    try:
        client = {"name": "test", "version": "1"}
        ask(
            {
                "id": 1,
                "method": "initialize",
                "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": client},
            }
        )
        ask({"method": "notifications/initialized"})
        call = {"name": "verify_migration", "arguments": {"sql": "CREATE TABLE t (id int)"}}
        answer = ask({"id": 2, "method": "tools/call", "params": call})
        where = answer["result"]["structuredContent"]["where"]
        pid = int(re.findall(r"postmaster pid (\d+)", where)[0])
        assert _alive(pid)
        server.terminate()  # SIGTERM, with the stdin still open: no atexit by default
        assert server.wait(timeout=30) == -15
        deadline = time.monotonic() + 20
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(pid), "SIGTERM left the embedded PostgreSQL running"
    finally:
        if server.poll() is None:
            server.kill()
        if pid and _alive(pid):  # a failed run leaves nothing behind
            os.kill(pid, signal.SIGTERM)
