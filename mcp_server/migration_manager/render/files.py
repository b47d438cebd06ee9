"""Rendered files and writing them: all or nothing, never over an existing file unless asked."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from ..errors import InputError


class RenderedFile(BaseModel):
    path: str  # relative to the output folder
    content: str


def write_files(
    files: list[RenderedFile], out_dir: Path, *, overwrite: bool = False, overwrite_name: str = "overwrite"
) -> list[Path]:
    """Write every file under out_dir, or none: paths and conflicts are checked before the first write.
    overwrite_name: how the caller spells the overwrite option (the CLI: --overwrite)."""
    root = out_dir.resolve()
    targets: list[tuple[Path, str]] = []
    for f in files:
        target = (root / f.path).resolve()
        if not target.is_relative_to(root):
            raise InputError(f"refusing to write {f.path!r}: it is outside {root}")
        if target.exists() and not overwrite:
            raise InputError(f"{target} already exists; choose another folder or pass {overwrite_name}")
        targets.append((target, f.content))
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} is a file, not a folder")
    for target, content in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return [t for t, _ in targets]
