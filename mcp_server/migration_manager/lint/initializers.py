"""Where a Rails app's strong_migrations initializer is, for the Ruby files lint is given. Apart
from strong_migrations.py (which reads it): a lint answered from its kept output (run_cache.py)
checks the initializer's bytes, and imports no more than pathlib for it."""

from __future__ import annotations

from pathlib import Path

INITIALIZER = Path("config/initializers/strong_migrations.rb")


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
