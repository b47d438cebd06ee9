"""End to end with the real Claude Code CLI, in a temporary HOME (it works offline for these).

- install.sh: the server shows as Connected in `claude mcp list`, the agent and the skill are in
  ~/.claude; --uninstall takes all of it away again.
- the plugin: `claude plugin validate --strict` passes; after `marketplace add` and `install`,
  `claude plugin details` lists the agent, the skill and the MCP server, and the server (which
  builds its own environment on first start) shows as Connected.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import IN_CI

REPO = Path(__file__).resolve().parent.parent
CLAUDE_BIN = REPO / "node_modules" / ".bin"


@pytest.fixture
def claude_env(tmp_path: Path) -> dict[str, str]:
    if not (CLAUDE_BIN / "claude").exists():
        message = f"{CLAUDE_BIN / 'claude'} is missing: run ./scripts/setup (it installs node_modules)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path / "home"
    home.mkdir()
    return {
        "HOME": str(home),
        "PATH": f"{CLAUDE_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "MIGRATION_MANAGER_HOME": str(tmp_path / "mm"),
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "LANG": "C.UTF-8",
        # The plugin's first start builds its environment (pip, ~15-25 s on these machines) before it
        # answers; Claude Code's default 30 s MCP start-up timeout leaves no room on a slow day.
        "MCP_TIMEOUT": "120000",
    }


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def assert_no_mcp_warnings(done: subprocess.CompletedProcess[str]) -> None:
    """`claude mcp list` printed no config diagnostics (it once warned about the repository's
    .mcp.json: "Missing environment variables: CLAUDE_PLUGIN_ROOT")."""
    text = done.stdout + done.stderr
    for sign in ("Warning", "warning", "diagnostics", "CLAUDE_PLUGIN_ROOT"):
        assert sign not in text, text


def checkout(tmp_path: Path) -> Path:
    """The working tree as a user would get it: tracked and new files, nothing ignored (.venv)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    dest = tmp_path / "migration-manager"
    for name in filter(None, listed.split("\0")):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def test_install_sh_registers_a_connected_server_and_uninstalls(claude_env: dict[str, str], tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    home = Path(claude_env["HOME"])
    run([str(REPO / "install.sh")], claude_env, work, timeout=600)
    assert (home / ".claude/agents/migration-manager.md").is_file()
    assert (home / ".claude/skills/migration-management/SKILL.md").is_file()
    assert (home / ".claude/skills/migration-management/reference/patterns.md").is_file()
    listed = run(["claude", "mcp", "list"], claude_env, work, timeout=120).stdout
    line = next((row for row in listed.splitlines() if row.startswith("migration-manager:")), "")
    assert "Connected" in line, listed

    # in a checkout of this repository: the same one server, no second (project) one, no warning
    in_checkout = run(["claude", "mcp", "list"], claude_env, checkout(tmp_path), timeout=120)
    assert [row for row in in_checkout.stdout.splitlines() if "migration-manager" in row] == [line], in_checkout.stdout
    assert_no_mcp_warnings(in_checkout)

    again = run([str(REPO / "install.sh")], claude_env, work, timeout=600)  # idempotent
    assert "Done." in again.stdout

    run([str(REPO / "install.sh"), "--uninstall"], claude_env, work)
    assert not (home / ".claude/agents/migration-manager.md").exists()
    assert not (home / ".claude/skills/migration-management").exists()
    assert not Path(claude_env["MIGRATION_MANAGER_HOME"]).exists()
    assert "migration-manager" not in run(["claude", "mcp", "list"], claude_env, work, timeout=120).stdout


USER_AGENT = b"---\nname: migration-manager\ndescription: my own agent, written by hand\n---\nMine.\n"
USER_NOTE = b"notes I keep next to the skill\n"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_install_sh_never_overwrites_or_deletes_the_users_files(claude_env: dict[str, str], tmp_path: Path) -> None:
    """A HOME that already holds the user's own agent of the same name and a file of theirs in the
    skill's folder (issue 19: the first was overwritten, the second deleted, and both then listed
    as installed, so --uninstall removed them for good)."""
    work = tmp_path / "work"
    work.mkdir()
    home = Path(claude_env["HOME"])
    agent = home / ".claude/agents/migration-manager.md"
    note = home / ".claude/skills/migration-management/my-notes.md"
    agent.parent.mkdir(parents=True)
    note.parent.mkdir(parents=True)
    agent.write_bytes(USER_AGENT)
    note.write_bytes(USER_NOTE)
    before = tree(home / ".claude")
    install = [str(REPO / "install.sh")]

    stopped = subprocess.run(install, env=claude_env, cwd=work, capture_output=True, text=True, timeout=600)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert "stopped, nothing was changed" in stopped.stderr and str(agent) in stopped.stderr
    assert "--force" in stopped.stderr
    assert tree(home / ".claude") == before
    assert not Path(claude_env["MIGRATION_MANAGER_HOME"]).exists()

    run(["claude", "mcp", "add", "--scope", "user", "migration-manager", "--", "/bin/cat"], claude_env, work)
    forced = run([*install, "--force"], claude_env, work, timeout=600).stdout
    backup = agent.with_name("migration-manager.md.bak")
    assert f"moved your {agent} to {backup}" in forced
    assert "Replacing the registered 'migration-manager' server (--force)" in forced and "/bin/cat" in forced
    assert backup.read_bytes() == USER_AGENT and note.read_bytes() == USER_NOTE
    assert agent.read_bytes() == (REPO / "agents/migration-manager.md").read_bytes()

    again = run(install, claude_env, work, timeout=600).stdout  # its own files: replaced, nothing to move
    assert "moved your" not in again and "Done." in again
    assert not agent.with_name("migration-manager.md.bak.1").exists()
    assert backup.read_bytes() == USER_AGENT and note.read_bytes() == USER_NOTE

    # the manifest: only what install.sh wrote, each with its checksum
    manifest = (Path(claude_env["MIGRATION_MANAGER_HOME"]) / "installed-user.txt").read_text().splitlines()
    wrote = {line.split(" ", 2)[2]: line.split(" ", 2)[1] for line in manifest if line.startswith("wrote ")}
    shipped = [REPO / "agents/migration-manager.md", *sorted((REPO / "skills/migration-management").rglob("*.md"))]
    assert len(wrote) == len(shipped) and str(agent) in wrote
    assert str(note) not in wrote and str(backup) not in wrote
    assert not any(line.startswith(("file ", "dir ")) for line in manifest)
    for path, digest in wrote.items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest

    # one of its files edited by the user: uninstall keeps it and says so
    edited = home / ".claude/skills/migration-management/reference/locks.md"
    edited.write_bytes(edited.read_bytes() + b"\nmy own addition\n")
    removed = run([*install, "--uninstall"], claude_env, work).stdout
    assert "Kept" in removed and str(edited) in removed
    assert edited.exists() and not agent.exists()
    assert not (home / ".claude/skills/migration-management/SKILL.md").exists()
    assert backup.read_bytes() == USER_AGENT and note.read_bytes() == USER_NOTE
    assert "migration-manager" not in run(["claude", "mcp", "list"], claude_env, work, timeout=120).stdout


def test_install_sh_dry_run_writes_nothing(claude_env: dict[str, str], tmp_path: Path) -> None:
    """In a fresh HOME (issue 19: it created ~/.claude.json and ~/.claude/)."""
    work = tmp_path / "work"
    work.mkdir()
    home = Path(claude_env["HOME"])
    for args in (["--dry-run"], ["--dry-run", "--project"], ["--dry-run", "--uninstall"]):
        done = run([str(REPO / "install.sh"), *args], claude_env, work)
        assert "dry run" in done.stdout
    assert (
        "claude mcp add --scope user migration-manager"
        in run([str(REPO / "install.sh"), "--dry-run"], claude_env, work).stdout
    )
    assert list(home.iterdir()) == [] and list(work.iterdir()) == []
    assert not Path(claude_env["MIGRATION_MANAGER_HOME"]).exists()


def test_plugin_validates_installs_and_connects(claude_env: dict[str, str], tmp_path: Path) -> None:
    plugin = checkout(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    validated = run(["claude", "plugin", "validate", str(plugin), "--strict"], claude_env, work)
    assert "Validation passed" in validated.stdout + validated.stderr

    run(["claude", "plugin", "marketplace", "add", str(plugin)], claude_env, work)
    run(["claude", "plugin", "install", "migration-manager@migration-manager"], claude_env, work)
    details = run(["claude", "plugin", "details", "migration-manager"], claude_env, work).stdout
    inventory = {line.split("(")[0].strip(): line for line in details.splitlines() if "(" in line}
    assert "migration-manager" in inventory["Agents"], details
    assert "migration-management" in inventory["Skills"], details
    assert "migration-manager" in inventory["MCP servers"], details

    # Listed from inside the checkout: the plugin's server is defined in plugin.json, where only the
    # plugin loader reads it, so the checkout adds no project server and no config warning.
    done = run(["claude", "mcp", "list"], claude_env, plugin, timeout=180)
    listed = done.stdout
    line = next((row for row in listed.splitlines() if row.startswith("plugin:migration-manager:")), "")
    assert "Connected" in line, listed
    assert_no_mcp_warnings(done)
    assert not any(row.startswith("migration-manager:") for row in listed.splitlines()), listed
