"""strong_migrations' configuration, as a Rails app writes it in
config/initializers/strong_migrations.rb: `StrongMigrations.lock_timeout = 10.seconds` sets a
lock_timeout before every migration runs, `StrongMigrations.target_version = 13` names the
PostgreSQL version the app runs on. Read with patterns, never run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

INITIALIZER = Path("config/initializers/strong_migrations.rb")
_LOCK_TIMEOUT = re.compile(r"^[ \t]*StrongMigrations\.lock_timeout[ \t]*=[ \t]*([^#\n]*?)[ \t]*(?:#.*)?$", re.M)
_TARGET = re.compile(r"^[ \t]*StrongMigrations\.target_version[ \t]*=[ \t]*([^#\n]*?)[ \t]*(?:#.*)?$", re.M)
_NONE = re.compile(r"(nil|false|0+(\.0+)?(\.(seconds?|minutes?))?|[\"']0*(s|ms|min)?[\"'])")
_MAJOR = re.compile(r"""["']?(\d+)(?:\.\d+)*["']?""")


@dataclass(frozen=True)
class StrongMigrations:
    path: Path  # the initializer
    lock_timeout: str | None  # as written (`10.seconds`), None when not set or set to none
    target_version: int | None  # the PostgreSQL major version, None when not set or not a number


def initializers(files: list[Path]) -> dict[Path, Path]:
    """Each Ruby file's strong_migrations initializer, where its app has one: in the first folder
    above the file that has a config/ folder (db/migrate's app)."""
    by_folder: dict[Path, Path | None] = {}
    out: dict[Path, Path] = {}
    for f in files:
        if f.suffix != ".rb":
            continue
        folder = f.absolute().parent
        if folder not in by_folder:
            by_folder[folder] = _initializer_above(folder)
        found = by_folder[folder]
        if found is not None:
            out[f] = found
    return out


def _initializer_above(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "config").is_dir():
            candidate = folder / INITIALIZER
            return candidate if candidate.is_file() else None
    return None


def read(path: Path) -> StrongMigrations | None:
    """The settings of an initializer; None when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    timeouts = _LOCK_TIMEOUT.findall(text)
    timeout = timeouts[-1] if timeouts else None  # the last assignment wins
    targets = _TARGET.findall(text)
    major = _MAJOR.fullmatch(targets[-1]) if targets else None
    return StrongMigrations(
        path,
        None if timeout is None or _NONE.fullmatch(timeout) else timeout,
        int(major.group(1)) if major else None,
    )
