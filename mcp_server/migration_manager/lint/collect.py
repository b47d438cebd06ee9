"""The files lint reads under the paths it is given, in the order they run: what every lint run
does first, and all a run answered from the cache does (so this loads nothing of the linter).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError

_DOWN = re.compile(r"(_down\.sql|\.down\.sql|^U\d[^/]*__.*\.sql|^down\.sql)$", re.IGNORECASE)
_NUMBERS = re.compile(r"(\d+)")


# files lint does not read, by suffix, and why (they are listed as skipped, never parsed as SQL)
NOT_READ = {
    ".rb": "Rails migration",  # read (read_rails.py); listed here to be collected in migration folders
    ".xml": "Liquibase changelog (XML): not read yet",
    ".yaml": "Liquibase changelog (YAML) or other YAML: not read yet",
    ".yml": "Liquibase changelog (YAML) or other YAML: not read yet",
    ".json": "Liquibase changelog (JSON) or other JSON: not read yet",
    ".java": "Java migration (Flyway, Liquibase): not read yet",
    ".kt": "Kotlin migration (Flyway): not read yet",
    ".js": "JavaScript migration (Knex, Sequelize, TypeORM ...): not read yet",
    ".ts": "TypeScript migration (Knex, TypeORM, MikroORM ...): not read yet",
    ".go": "Go migration: not read yet",
    ".php": "PHP migration (Laravel, Doctrine): not read yet",
    ".cs": "C# migration (Entity Framework): not read yet",
    ".exs": "Elixir (Ecto) migration: not read yet",
}


# folders migrations live in: a file of another framework (NOT_READ) or a Python file that is no
# migration is listed as skipped there; elsewhere in a folder walked (an app's views, its static
# JavaScript) such files are only counted
MIGRATION_FOLDERS = frozenset(
    {"migrations", "migration", "migrate", "versions", "alembic", "changelog", "liquibase", "db"}
)


def listed(path: Path, folder: Path) -> bool:
    """Whether a file found under `folder` that lint does not read is worth listing as skipped: it
    is in the folder itself or in a migration folder below it (the folder's own name counts)."""
    inside = path.relative_to(folder).parent.parts
    return path.parent == folder or any(part.lower() in MIGRATION_FOLDERS for part in (folder.name, *inside))


def migration_order(paths: Iterable[Path]) -> list[Path]:
    """Numbers compared as numbers (V1.10 after V1.9, 0010 after 0009), then the name."""

    def key(p: Path) -> tuple[tuple[int, ...], str]:
        if p.name[:1] in "VR" and "__" in p.name:  # Flyway's V1.2__name.sql
            from ..naming import version_key  # only here: naming loads datetime

            return (version_key(p.name[1:].split("__")[0]), str(p))
        return (tuple(int(n) for n in _NUMBERS.findall(p.name)[:3]), str(p))

    return sorted(paths, key=key)


def collect(paths: list[Path]) -> list[Path]:
    """The up-migration files to lint: .sql files (down files left out: they run against the schema
    the up built), Python migrations, and the migrations of other frameworks (NOT_READ: listed as
    skipped). A package's __init__.py is not a migration."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        if p.is_dir():
            files = [
                f for f in _files_under(p) if f.suffix in (".sql", ".py") or (f.suffix in NOT_READ and listed(f, p))
            ]
            found.extend(migration_order(files))
        else:
            found.append(p)
    return found


def _wanted(name: str) -> bool:
    """Whether a file of this name may be one lint reads or lists (told from the name alone)."""
    suffix = os.path.splitext(name)[1]
    return (suffix in (".sql", ".py") or suffix in NOT_READ) and name != "__init__.py" and not _DOWN.search(name)


def _files_under(folder: Path) -> list[Path]:
    """The files under `folder`, at any depth, that _wanted, not inside a node_modules folder (nor
    in a folder a symbolic link points to, as Path.rglob). os.scandir: its entries know their type
    without a stat each, a fifth of what rglob cost over a checkout's migrations."""
    if "node_modules" in folder.parts:
        return []
    out: list[Path] = []
    stack = [str(folder)]
    while stack:
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue  # unreadable, or gone since it was listed: as rglob, nothing from it
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "node_modules":
                    stack.append(entry.path)
            elif _wanted(entry.name) and entry.is_file():
                out.append(Path(entry.path))
    return out


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte decodes: the SQL keywords are ASCII either way
