"""The database of the repository lint is asked to check, when neither the command line, the tool
call nor [tool.migration-manager] names one. A repository whose files name only databases lint has
no rules for (SQLite ...) is refused with the way out, as render refuses it (render/dialect.py):
linted as PostgreSQL, its CI would be green for nothing (lobsters: find and render know it is
SQLite). A repository that also names PostgreSQL, MariaDB or MySQL (SQLite in development, a
postgres image in docker-compose) is linted as before.

It reads what find reads (dialect_hints.py: Rails' config/database.yml adapter, Django's ENGINE,
docker-compose images, JDBC and database URLs, drivers), without find itself: lint starts without
pydantic, and a run from its cache loads nothing heavy (test_lint_cache.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..dialect_hints import django_engine, hints, normalize, rails_adapter
from ..errors import InputError

LINTED = ("postgresql", "mysql", "mariadb")
_SKIPPED = frozenset({".git", "node_modules", ".venv", "venv", "vendor", "target", "build", "dist", "__pycache__"})
_DEPTH = 6  # folders below the root: config files sit near it
_MOST = 50_000  # entries looked at, at most: a working folder that is no repository (a home) stays cheap


def repository_root(paths: list[Path], fallback: Path) -> Path:
    """The repository the first path is in: the nearest folder above it holding .git, else
    `fallback` (the working folder) when the path is in it, else the path's own folder."""
    if not paths:
        return fallback
    start = paths[0].resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    if start.is_relative_to(fallback.resolve()):
        return fallback
    return start if start.is_dir() else start.parent


def _files(root: Path) -> list[str]:
    """The repository's files, relative, as posix paths (not inside _SKIPPED folders, _DEPTH deep)."""
    out: list[str] = []
    stack = [(root, "", 0)]
    seen = 0
    while stack and seen < _MOST:
        folder, prefix, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        seen += len(entries)
        for entry in entries:
            name = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _SKIPPED and depth < _DEPTH:
                    stack.append((Path(entry.path), f"{name}/", depth + 1))
            elif entry.is_file():
                out.append(name)
    return out


def named_databases(root: Path) -> dict[str, str]:
    """Each database the repository's files name -> where the first mention of it is."""
    files = _files(root)

    def read(path: str) -> str | None:
        try:
            return (root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    named: dict[str, str] = {}
    for path in sorted(files):
        if path.endswith("config/database.yml") and (adapter := normalize(rails_adapter(read(path) or ""))):
            named.setdefault(adapter, path)
        if path.endswith(".py") and (os.path.basename(path) == "settings.py" or "/settings/" in f"/{path}"):
            engine = normalize(django_engine(read(path) or ""))
            if engine:
                named.setdefault(engine, path)
    for (dialect, where), _ in sorted(hints(files, read).items()):
        if dialect:
            named.setdefault(dialect, where)
    return named


def refuse_unlinted_database(root: Path, flag: str) -> None:
    """InputError when the repository at `root` names only databases lint does not check; `flag`
    names the option as the caller knows it ('--dialect' on the CLI, 'dialect' over MCP)."""
    named = named_databases(root)
    if not named or any(d in LINTED for d in named):
        return
    dialect, where = next(iter(named.items()))
    raise InputError(
        f"the repository's database is {dialect} ({where}): lint checks migrations for PostgreSQL, MariaDB and "
        f"MySQL only, and read as PostgreSQL its findings would say nothing of {dialect}. If production runs one "
        f"of them (development often uses {dialect}), give {flag} postgresql, {flag} mariadb or {flag} mysql "
        "(or dialect in [tool.migration-manager])"
    )
