"""The class name Rails expects of a migration file: its name camelized with the app's acronyms
(`inflect.acronym "OIDC"` in config/initializers/inflections.rb makes create_oidc_providers
CreateOIDCProviders), as ActiveSupport's camelize does."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .walk import Repo, dirname

INFLECTIONS = "config/initializers/inflections.rb"
_ACRONYM = re.compile(r"""\.acronym\(?\s*(?:"([^"\\#]+)"|'([^'\\]+)')\s*\)?""")
_ANY_ACRONYM = re.compile(r"\.acronym\b")


@dataclass(frozen=True)
class Inflections:
    """The acronyms by their lower-case word; `known`: False when an inflections file could not be
    read whole (unreadable, or an acronym given by code), and names compare case-insensitively."""

    acronyms: dict[str, str]
    known: bool = True

    def camelize(self, snake: str) -> str:
        return "".join(self.acronyms.get(part) or part[:1].upper() + part[1:] for part in snake.split("_"))

    def matches(self, class_name: str, snake: str) -> bool:
        expected = self.camelize(snake)
        return class_name == expected or (not self.known and class_name.lower() == expected.lower())


def _candidates(folder: str) -> list[str]:
    """The inflections initializer of every folder above a migration folder (an engine's migrations
    run with the host app's inflections)."""
    out = [INFLECTIONS]
    at = folder
    while at not in (".", ""):
        out.append(f"{at}/{INFLECTIONS}")
        at = dirname(at)
    return out


def _read(texts: Iterable[str | None]) -> Inflections:
    """None in `texts`: a file there that could not be read."""
    acronyms: dict[str, str] = {}
    known = True
    for text in texts:
        if text is None:
            known = False
            continue
        found = _ACRONYM.findall(text)
        if len(found) < len(_ANY_ACRONYM.findall(text)):
            known = False  # an acronym given by a variable or an interpolation: not read
        for double, single in found:
            word = double or single
            acronyms[word.lower()] = word
    return Inflections(acronyms, known)


def inflections(repo: Repo, folder: str) -> Inflections:
    """The acronyms of the app a migration folder belongs to, from the files find walked."""
    present = set(repo.files)
    return _read(repo.text(p) for p in _candidates(folder) if p in present)


def inflections_on_disk(root: Path, folder: str) -> Inflections:
    """The same, read from the disk (render names the class of a new migration with them)."""
    texts: list[str | None] = []
    for rel in _candidates(folder):
        path = root / rel
        if path.is_file():
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                texts.append(None)
    return _read(texts)
