#!/usr/bin/env bash
# Install migration-manager for Claude Code: the package in its own virtual environment, the
# migration-manager agent and the migration-management skill, and the MCP server registration.
#
#   ./install.sh               install for your user (~/.claude/)
#   ./install.sh --project     install into this project (./.claude/, server registered for it)
#   ./install.sh --dry-run     print what would be done, change nothing (writes no file at all)
#   ./install.sh --force       move a file of yours that is in the way aside to NAME.bak first
#   ./install.sh --uninstall   remove what an earlier install wrote, and nothing else
#
# Never overwrites or deletes a file it did not write: when one of yours has the name of one of
# its files, the install stops before changing anything and says so (--force moves yours aside).
# The list of what it wrote, with checksums, is kept; --uninstall removes only files still
# byte-identical to what it wrote and says which it kept. Safe to run again: it replaces its own
# unchanged files. Needs Python 3.11+ (MIGRATION_MANAGER_PYTHON picks one). MIGRATION_MANAGER_HOME
# (default ~/.local/share/migration-manager) holds the virtual environment and that list.
# Written for bash 3.2 (macOS) too.
set -eu

src="$(cd "$(dirname "$0")" && pwd -P)"
scope="user"
dry_run=0
force=0
action="install"
for arg in "$@"; do
  case "$arg" in
    --project) scope="project" ;;
    --dry-run) dry_run=1 ;;
    --force) force=1 ;;
    --uninstall) action="uninstall" ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

checksum() {  # the SHA-256 of a file (cksum's CRC where neither tool exists)
  if command -v sha256sum >/dev/null 2>&1; then sha256sum < "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 < "$1" | cut -d' ' -f1
  else printf 'crc-%s' "$(cksum < "$1" | tr ' ' '-')"; fi
}

# The manifest: "wrote SUM PATH" for each file written, "mkdir PATH" for each folder created,
# "venv PATH", "mcp SCOPE". (Before checksums: "file PATH" and "dir PATH".)
recorded_sum() {  # the checksum recorded for PATH, or nothing
  [ -f "$manifest" ] || return 0
  while IFS= read -r line; do
    case "$line" in
      "wrote "*) rest="${line#wrote }"; if [ "${rest#* }" = "$1" ]; then printf '%s' "${rest%% *}"; return 0; fi ;;
    esac
  done < "$manifest"
}

recorded_legacy() {  # PATH was listed by an install from before checksums (as itself, or in its folder)
  [ -f "$manifest" ] || return 1
  while IFS= read -r line; do
    case "$line" in
      "file $1") return 0 ;;
      "dir "*) case "$1" in "${line#dir }"/*) return 0 ;; esac ;;
    esac
  done < "$manifest"
  return 1
}

# ours PATH SOURCE: PATH is a file this script wrote and nobody changed since. An install from
# before checksums counts only where the file is byte-identical to the one it would write now.
ours() {
  sum="$(recorded_sum "$1")"
  if [ -n "$sum" ]; then [ "$(checksum "$1")" = "$sum" ]; return; fi
  if [ -n "${2:-}" ] && recorded_legacy "$1"; then cmp -s "$1" "$2"; return; fi
  return 1
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

# The files to write, as "SOURCE<tab>TARGET" lines: the agent, then every file of the skill.
planned_files() {
  printf '%s\t%s\n' "$src/agents/migration-manager.md" "$agent"
  (cd "$src/skills/migration-management" && find . -type f | LC_ALL=C sort) | while IFS= read -r rel; do
    rel="${rel#./}"
    printf '%s\t%s\n' "$src/skills/migration-management/$rel" "$skill/$rel"
  done
}

backup_name() {  # a free NAME.bak (NAME.bak.1, ... when taken)
  b="$1.bak"; n=1
  while [ -e "$b" ] || [ -L "$b" ]; do b="$1.bak.$n"; n=$((n + 1)); done
  printf '%s' "$b"
}

made="|"
ensure_dir() {  # mkdir -p, remembering each folder it creates (uninstall removes them if left empty)
  [ -d "$1" ] && return 0
  case "$made" in *"|$1|"*) return 0 ;; esac  # (a dry run creates none)
  ensure_dir "$(dirname "$1")"
  run mkdir "$1"
  made="$made$1|"
  printf 'mkdir %s\n' "$1" >> "$new_manifest"
}

install() {
  py="$(find_python)" || { echo "install.sh: needs Python 3.11 or newer (set MIGRATION_MANAGER_PYTHON)" >&2; exit 1; }
  echo "Installing migration-manager ($scope) with $py"

  # Look before touching anything: a file of the user's where one of ours goes stops the install.
  conflicts=""
  while IFS="	" read -r from to; do
    if [ -L "$to" ] || { [ -e "$to" ] && [ ! -f "$to" ]; }; then
      conflicts="$conflicts$to (not a regular file)
"
    elif [ -f "$to" ] && ! cmp -s "$to" "$from" && ! ours "$to" "$from"; then
      conflicts="$conflicts$to
"
    fi
  done <<EOF
$(planned_files)
EOF
  if [ -n "$conflicts" ] && [ "$force" -eq 0 ]; then
    echo "install.sh: stopped, nothing was changed. These files are not ones an earlier install wrote" >&2
    echo "(or they were edited since), and install.sh never overwrites a file it did not write:" >&2
    printf '%s' "$conflicts" | sed 's/^/  /' >&2
    echo "Move them away (or rename them) and run ./install.sh again, or run ./install.sh --force" >&2
    echo "to have each moved aside to NAME.bak (the output names every one)." >&2
    exit 1
  fi

  # ... and so does an MCP server of that name that an earlier install did not register (not
  # looked up in a dry run: `claude mcp get` creates ~/.claude.json and ~/.claude/ in a fresh HOME)
  registered=0
  if have_claude && [ "$dry_run" -eq 0 ] && existing="$(claude mcp get migration-manager 2>/dev/null </dev/null)"; then
    registered=1
    if ! grep -q '^mcp ' "$manifest" 2>/dev/null && ! printf '%s' "$existing" | grep -qF "$server_cmd"; then
      if [ "$force" -eq 0 ]; then
        echo "install.sh: stopped, nothing was changed. An MCP server named 'migration-manager' is registered" >&2
        echo "already, and not by install.sh:" >&2
        printf '%s\n' "$existing" | sed 's/^/  /' >&2
        echo "Remove it (claude mcp remove migration-manager) and run ./install.sh again, or run" >&2
        echo "./install.sh --force to replace it." >&2
        exit 1
      fi
      echo "Replacing the registered 'migration-manager' server (--force); it was:"
      printf '%s\n' "$existing" | sed 's/^/  /'
    fi
  fi

  new_manifest="$manifest.new"
  if [ "$dry_run" -eq 0 ]; then mkdir -p "$home_dir"; : > "$new_manifest"; else new_manifest=/dev/null; fi

  echo "1. the package, in its own virtual environment: $venv"
  if [ "$dry_run" -eq 1 ]; then printf '  mkdir -p %s\n' "$home_dir"; fi
  if [ ! -x "$venv/bin/python" ]; then
    run "$py" -m venv "$venv"
  fi
  run "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$src"
  printf 'venv %s\n' "$venv" >> "$new_manifest"

  echo "2. the agent and the skill: $claude_dir"
  written="
"
  while IFS="	" read -r from to; do
    if [ -e "$to" ] || [ -L "$to" ]; then
      if cmp -s "$to" "$from" && ! ours "$to" "$from"; then
        echo "  (kept $to: already there, identical, and not written by install.sh, so not listed as installed)"
        continue
      fi
      if ! ours "$to" "$from"; then  # --force: the user's file goes aside, never away
        b="$(backup_name "$to")"
        run mv "$to" "$b"
        echo "  moved your $to to $b"
      fi
    fi
    ensure_dir "$(dirname "$to")"
    run cp "$from" "$to"
    written="$written$to
"
    if [ "$dry_run" -eq 0 ]; then printf 'wrote %s %s\n' "$(checksum "$to")" "$to" >> "$new_manifest"; fi
  done <<EOF
$(planned_files)
EOF
  # files an earlier install wrote that this version no longer has: removed if unchanged
  if [ -f "$manifest" ]; then
    while IFS= read -r line; do
      case "$line" in
        "wrote "*) rest="${line#wrote }"; path="${rest#* }" ;;
        "file "*) path="${line#file }" ;;
        *) continue ;;
      esac
      case "$written" in *"
$path
"*) continue ;; esac
      if [ -f "$path" ] && [ -n "$(recorded_sum "$path")" ] && ours "$path"; then
        run rm -f "$path"
      elif [ -f "$path" ]; then
        echo "  kept $path (from an earlier install, changed since or not verifiable)"
      fi
    done < "$manifest"
    grep '^mkdir ' "$manifest" >> "$new_manifest" || true  # still ours to remove when empty
    # an install from before checksums copied the skill's folder whole: its folders are ours too
    grep '^dir ' "$manifest" | sed 's/^dir //' | while IFS= read -r d; do
      find "$d" -type d 2>/dev/null | sed 's/^/mkdir /'
    done >> "$new_manifest" || true
  fi

  echo "3. the MCP server"
  if ! have_claude; then
    print_manual_registration
  elif [ "$dry_run" -eq 1 ]; then
    # not even `claude mcp get`: it creates ~/.claude.json and ~/.claude/ in a fresh HOME
    printf '  %s\n' "claude mcp add --scope $mcp_scope migration-manager -- $server_cmd serve" \
      "(a dry run does not ask claude what is registered: a 'migration-manager' server not registered by" \
      " install.sh would stop the install; one it registered would be replaced)"
  else
    if [ "$registered" -eq 1 ]; then
      run claude mcp remove --scope "$mcp_scope" migration-manager >/dev/null 2>&1 || true
    fi
    run claude mcp add --scope "$mcp_scope" migration-manager -- "$server_cmd" serve
    printf 'mcp %s\n' "$mcp_scope" >> "$new_manifest"
  fi
  if [ "$dry_run" -eq 0 ]; then
    awk '!seen[$0]++' "$new_manifest" > "$manifest"
    rm -f "$new_manifest"
  fi
  echo "Done. In Claude Code the agent is 'migration-manager'; its tools are mcp__migration-manager__*."
}

remove_legacy() {  # a file an install from before checksums listed: removed if it is this version's
  case "$1" in
    "$agent") from="$src/agents/migration-manager.md" ;;
    "$skill"/*) from="$src/skills/migration-management/${1#"$skill"/}" ;;
    *) from="" ;;
  esac
  if [ -n "$from" ] && cmp -s "$1" "$from"; then run rm -f "$1"
  elif [ -e "$1" ]; then kept="$kept  $1 (not verifiable as written by install.sh)
"; fi
}

uninstall() {
  if [ ! -f "$manifest" ]; then
    echo "Nothing to remove: no earlier $scope install recorded in $manifest"
    return 0
  fi
  echo "Removing what install.sh wrote ($scope), as recorded in $manifest"
  kept=""
  others=0
  for m in "$home_dir"/installed-*.txt; do
    [ "$m" = "$manifest" ] || others=1
  done
  # files first (only those still byte-identical to what was written), then the folders
  # install.sh created, deepest first, only if left empty
  while IFS= read -r line; do
    case "$line" in
      "wrote "*)
        rest="${line#wrote }"; path="${rest#* }"
        if [ -f "$path" ] && ours "$path"; then run rm -f "$path"
        elif [ -e "$path" ]; then kept="$kept  $path (changed since install.sh wrote it)
"; fi ;;
      "file "*) remove_legacy "${line#file }" ;;  # an install from before checksums
      "dir "*)
        while IFS= read -r f; do remove_legacy "$f"; done < <(find "${line#dir }" -type f 2>/dev/null) ;;
      "mcp "*)
        if ! have_claude; then
          echo "  (claude not found: remove the 'migration-manager' MCP server from your client yourself)"
        elif [ "$dry_run" -eq 1 ]; then
          printf '  %s\n' "claude mcp remove --scope ${line#mcp } migration-manager"
        elif existing="$(claude mcp get migration-manager 2>/dev/null </dev/null)"; then
          if printf '%s' "$existing" | grep -qF "$server_cmd"; then
            run claude mcp remove --scope "${line#mcp }" migration-manager || true
          else
            echo "  kept the 'migration-manager' MCP server: it is registered again, not as install.sh left it"
          fi
        fi ;;
      "venv "*)
        path="${line#venv }"
        if [ "$others" -eq 0 ] && [ -d "$path" ]; then run rm -rf "$path"; fi ;;  # shared by installs
    esac
  done < "$manifest"
  { grep '^mkdir ' "$manifest" | sed 's/^mkdir //'
    grep '^dir ' "$manifest" | sed 's/^dir //' | while IFS= read -r d; do find "$d" -type d 2>/dev/null; done
  } | sort -r | while IFS= read -r path; do
    if [ -d "$path" ] && [ -z "$(ls -A "$path")" ]; then run rmdir "$path"; fi  # only if left empty
  done
  if [ -n "$kept" ]; then
    echo "Kept (yours, or changed since install.sh wrote them):"
    printf '%s' "$kept"
  fi
  run rm -f "$manifest"
  if [ "$others" -eq 0 ] && [ -d "$home_dir" ] && { [ "$dry_run" -eq 1 ] || [ -z "$(ls -A "$home_dir")" ]; }; then
    run rmdir "$home_dir"
  fi
}

if [ "$dry_run" -eq 1 ]; then echo "(dry run: nothing is changed)"; fi
"$action"
