#!/usr/bin/env bash
# Install migration-manager for Claude Code: the package in its own virtual environment, the
# migration-manager agent and the migration-management skill, and the MCP server registration.
#
#   ./install.sh               install for your user (~/.claude/)
#   ./install.sh --project     install into this project (./.claude/, server registered for it)
#   ./install.sh --dry-run     print what would be done, change nothing
#   ./install.sh --uninstall   remove what an earlier install added, and nothing else
#
# Safe to run again: it replaces its own files. Needs Python 3.11+ (MIGRATION_MANAGER_PYTHON
# picks one). Where it puts things: MIGRATION_MANAGER_HOME (default ~/.local/share/migration-manager)
# holds the virtual environment and the list of installed files. Written for bash 3.2 (macOS) too.
set -eu

src="$(cd "$(dirname "$0")" && pwd -P)"
scope="user"
dry_run=0
action="install"
for arg in "$@"; do
  case "$arg" in
    --project) scope="project" ;;
    --dry-run) dry_run=1 ;;
    --uninstall) action="uninstall" ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

home_dir="${MIGRATION_MANAGER_HOME:-$HOME/.local/share/migration-manager}"
venv="$home_dir/venv"
if [ "$scope" = "project" ]; then
  claude_dir="$(pwd -P)/.claude"
  mcp_scope="local"   # this project only, kept out of the repository
  manifest="$home_dir/installed-project-$(pwd -P | cksum | cut -d' ' -f1).txt"
else
  claude_dir="$HOME/.claude"
  mcp_scope="user"
  manifest="$home_dir/installed-user.txt"
fi
agent="$claude_dir/agents/migration-manager.md"
skill="$claude_dir/skills/migration-management"
server_cmd="$venv/bin/migration-manager"

run() {  # print, and run unless --dry-run
  printf '  %s\n' "$*"
  if [ "$dry_run" -eq 0 ]; then "$@" </dev/null; fi
}

find_python() {
  for p in "${MIGRATION_MANAGER_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$p" ] || continue
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}

have_claude() { command -v claude >/dev/null 2>&1; }

print_manual_registration() {
  echo "The 'claude' command was not found. Register the server yourself:"
  echo "  claude mcp add --scope $mcp_scope migration-manager -- $server_cmd serve"
  echo "or add this to the \"mcpServers\" of your MCP client's configuration:"
  echo "  \"migration-manager\": {\"command\": \"$server_cmd\", \"args\": [\"serve\"]}"
}

install() {
  py="$(find_python)" || { echo "install.sh: needs Python 3.11 or newer (set MIGRATION_MANAGER_PYTHON)" >&2; exit 1; }
  echo "Installing migration-manager ($scope) with $py"
  echo "1. the package, in its own virtual environment: $venv"
  run mkdir -p "$home_dir"
  if [ ! -x "$venv/bin/python" ]; then
    run "$py" -m venv "$venv"
  fi
  run "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$src"
  echo "2. the agent and the skill: $claude_dir"
  created=""
  for d in "$claude_dir" "$claude_dir/agents" "$claude_dir/skills"; do
    if [ ! -d "$d" ]; then created="$created $d"; run mkdir -p "$d"; fi
  done
  run cp "$src/agents/migration-manager.md" "$agent"
  if [ -d "$skill" ]; then run rm -rf "$skill"; fi
  run cp -R "$src/skills/migration-management" "$skill"
  echo "3. the MCP server"
  if have_claude; then
    if claude mcp get migration-manager >/dev/null 2>&1; then
      run claude mcp remove --scope "$mcp_scope" migration-manager >/dev/null 2>&1 || true
    fi
    run claude mcp add --scope "$mcp_scope" migration-manager -- "$server_cmd" serve
  else
    print_manual_registration
  fi
  if [ "$dry_run" -eq 0 ]; then
    {
      printf '%s\n' "venv $venv" "file $agent" "dir $skill" "mcp $mcp_scope"
      for d in $created; do printf 'mkdir %s\n' "$d"; done
    } >> "$manifest.new"
    # keep folders recorded by an earlier run (they are still ours to remove)
    if [ -f "$manifest" ]; then grep '^mkdir ' "$manifest" >> "$manifest.new" || true; fi
    sort -u "$manifest.new" > "$manifest"
    rm -f "$manifest.new"
  fi
  echo "Done. In Claude Code the agent is 'migration-manager'; its tools are mcp__migration-manager__*."
}

uninstall() {
  if [ ! -f "$manifest" ]; then
    echo "Nothing to remove: no earlier $scope install recorded in $manifest"
    return 0
  fi
  echo "Removing what install.sh added ($scope), as recorded in $manifest"
  others=0
  for m in "$home_dir"/installed-*.txt; do
    [ "$m" = "$manifest" ] || others=1
  done
  # files first, then the folders install.sh created (deepest first), only if left empty
  while read -r kind path; do
    case "$kind" in
      file) if [ -f "$path" ]; then run rm -f "$path"; fi ;;
      dir) if [ -d "$path" ]; then run rm -rf "$path"; fi ;;
      mcp)
        if have_claude; then run claude mcp remove --scope "$path" migration-manager || true
        else echo "  (claude not found: remove the 'migration-manager' MCP server from your client yourself)"; fi ;;
      venv) if [ "$others" -eq 0 ] && [ -d "$path" ]; then run rm -rf "$path"; fi ;;  # shared by installs
    esac
  done < "$manifest"
  grep '^mkdir ' "$manifest" | sort -r | while read -r _ path; do
    if [ -d "$path" ]; then run rmdir "$path" 2>/dev/null || true; fi
  done
  run rm -f "$manifest"
  if [ "$others" -eq 0 ] && [ -d "$home_dir" ]; then
    run rmdir "$home_dir" 2>/dev/null || true
  fi
}

if [ "$dry_run" -eq 1 ]; then echo "(dry run: nothing is changed)"; fi
"$action"
