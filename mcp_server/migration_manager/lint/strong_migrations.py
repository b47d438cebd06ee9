"""strong_migrations' configuration, as a Rails app writes it in
config/initializers/strong_migrations.rb: `StrongMigrations.lock_timeout = 10.seconds` sets a
lock_timeout before every migration runs, `StrongMigrations.target_version = 13` names the
PostgreSQL version the app runs on. Read with patterns, never run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .initializers import initializers

if TYPE_CHECKING:
    from .config import LintConfig

_LOCK_TIMEOUT = re.compile(r"^[ \t]*StrongMigrations\.lock_timeout[ \t]*=[ \t]*([^#\n]*?)[ \t]*(?:#.*)?$", re.M)
_TARGET = re.compile(r"^[ \t]*StrongMigrations\.target_version[ \t]*=[ \t]*([^#\n]*?)[ \t]*(?:#.*)?$", re.M)
_NONE = re.compile(r"(nil|false|0+(\.0+)?(\.(seconds?|minutes?))?|[\"']0*(s|ms|min)?[\"'])")
_MAJOR = re.compile(r"""["']?(\d+)(?:\.\d+)*["']?""")


@dataclass(frozen=True)
class StrongMigrations:
    path: Path  # the initializer
    lock_timeout: str | None  # as written (`10.seconds`), None when not set or set to none
    target_version: int | None  # the PostgreSQL major version, None when not set or not a number


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


class StrongSettings:
    """What a Rails app's config/initializers/strong_migrations.rb tells lint: the PostgreSQL
    version when none is given (target_version), and a lock_timeout every migration runs with."""

    def __init__(self, files: list[Path], config: LintConfig, root: Path | None) -> None:
        self.root = root
        self.of = initializers(files)
        self.read = {path: read(path) for path in sorted(set(self.of.values()))}
        self.used: set[Path] = set()
        self.version_note: str | None = None
        targets = {(s.target_version, s.path) for s in self.read.values() if s and s.target_version is not None}
        if targets and not config.pg_version_set and config.dialect == "postgresql":
            from ..defaults import unsupported_pg

            (version, path), *others = sorted(targets)
            if others and any(v != version for v, _ in others):
                self.version_note = (
                    f"the strong_migrations initializers name different versions ({self.shown(path)}: {version}, "
                    f"{self.shown(others[0][1])}: {others[0][0]}): linted for PostgreSQL {config.pg_version}; "
                    "give --pg-version"
                )
            elif problem := unsupported_pg(version):
                self.version_note = (
                    f"StrongMigrations.target_version = {version} in {self.shown(path)} is not used ({problem}): "
                    f"linted for PostgreSQL {config.pg_version}; give --pg-version"
                )
            else:
                config.pg_version = version
                self.version_note = (
                    f"linted for PostgreSQL {version}: StrongMigrations.target_version in {self.shown(path)} "
                    "(give --pg-version or pg-version in [tool.migration-manager] for another)"
                )

    def shown(self, path: Path) -> str:
        root = self.root.absolute() if self.root else None
        return str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)

    def lock_timeout(self, migration: Path) -> bool:
        path = self.of.get(migration)
        settings = self.read.get(path) if path else None
        if settings is None or settings.lock_timeout is None:
            return False
        self.used.add(settings.path)
        return True

    def notes(self) -> list[str]:
        out = [self.version_note] if self.version_note else []
        for path in sorted(self.used):
            settings = self.read[path]
            assert settings is not None
            out.append(
                f"{self.shown(path)} sets StrongMigrations.lock_timeout = {settings.lock_timeout}: every Rails "
                "migration runs with a lock_timeout, so missing-lock-timeout is not reported for them"
            )
        return out
