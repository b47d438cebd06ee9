"""Reading a repository safely: no ignored folders, no symlinks out of the root, files as text.

Every file problem (unreadable, binary, not UTF-8, too large) is recorded, never raised.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .models import Problem

IGNORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".env",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        "target",
        ".gradle",
        ".idea",
        "vendor",
        "site-packages",
        ".bundle",
        "tmp",
        "log",
        "coverage",
        ".terraform",
    }
)
MAX_BYTES = 2_000_000


def _read_head(path: Path, limit: int) -> bytes:
    """Up to `limit` bytes, read in 64 KiB chunks (asking for the whole limit at once allocates
    it every time, which dominates when reading thousands of small files)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        size = 0
        while size < limit:
            chunk = os.read(fd, min(65536, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def basename(rel: str) -> str:
    return rel.rpartition("/")[2]


def dirname(rel: str) -> str:
    """The folder of a relative path; "." for files at the root."""
    return rel.rpartition("/")[0] or "."


@dataclass
class Repo:
    """The root and every file under it (relative POSIX paths), read lazily."""

    root: Path
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _text: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def open(cls, root: str | Path) -> Repo:
        base = Path(root)
        if not base.exists():
            raise InputError(f"{root}: no such folder")
        if not base.is_dir():
            raise InputError(f"{root} is a file; give the repository's folder")
        repo = cls(base.resolve())
        repo.files = sorted(repo._walk())
        return repo

    def _walk(self) -> Iterator[str]:
        """Relative POSIX paths of the files, by os.scandir (symlink checks come with the entry)."""
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            try:
                with os.scandir(os.path.join(self.root, rel_dir) if rel_dir else self.root) as it:
                    entries = list(it)
            except OSError as exc:
                self.problems.append(
                    Problem(
                        severity="warning",
                        code="unreadable",
                        message=f"cannot list: {exc.strerror}",
                        path=rel_dir or ".",
                    )
                )
                continue
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                if entry.is_symlink():
                    target = Path(entry.path).resolve()
                    if target.is_relative_to(self.root) and target.is_file():
                        yield rel  # a link to a file inside the root; linked folders are not entered
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name not in IGNORED_DIRS:
                        stack.append(rel)
                elif entry.is_file(follow_symlinks=False):
                    yield rel

    def text(self, rel: str) -> str | None:
        """The file as text, or None (with a problem recorded) when it cannot be read as text."""
        if rel in self._text:
            return self._text[rel]
        content: str | None = None
        path = self.root / rel
        try:
            data = _read_head(path, MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                self._problem(rel, "too_large", f"larger than {MAX_BYTES:,} bytes: not read")
            elif b"\x00" in data:
                self._problem(rel, "binary", "binary file where a migration was expected")
            else:
                content = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._problem(rel, "not_utf8", f"not UTF-8 text (byte {exc.start})")
        except OSError as exc:
            self._problem(rel, "unreadable", f"cannot read: {exc.strerror}")
        self._text[rel] = content
        return content

    def _problem(self, rel: str, code: str, message: str) -> None:
        self.problems.append(Problem(severity="warning", code=code, message=message, path=rel))

    def under(self, folder: str) -> list[str]:
        """Files under a folder (relative to the root), recursively."""
        prefix = folder.rstrip("/") + "/" if folder not in ("", ".") else ""
        return [f for f in self.files if f.startswith(prefix)]

    def folders_named(self, *tails: str) -> list[str]:
        """Folders whose path ends with one of `tails` (e.g. 'db/migrate') that hold files."""
        found: set[str] = set()
        for f in self.files:
            parent = f.rsplit("/", 1)[0] if "/" in f else ""
            for tail in tails:
                if parent == tail or parent.endswith("/" + tail):
                    found.add(parent)
        return sorted(found)

    def inside(self, rel: str) -> str | None:
        """A path given relative to the root, normalised, or None when it leaves the root."""
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root):
            return None
        return target.relative_to(self.root).as_posix()
