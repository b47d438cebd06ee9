"""Where a project's configuration is: the nearest pyproject.toml above a path."""

from __future__ import annotations

from pathlib import Path


def find_pyproject(start: Path) -> Path | None:
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None
