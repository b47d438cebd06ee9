"""The class name Rails expects of a migration file: its name camelized with the app's acronyms
(`inflect.acronym "OIDC"` in config/initializers/inflections.rb makes create_oidc_providers
CreateOIDCProviders), as ActiveSupport's camelize does."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def inflections(repo: Repo, folder: str) -> Inflections:
    """The acronyms of the app a migration folder belongs to: every inflections initializer in a
    folder above it (an engine's migrations run with the host app's inflections)."""
    above = {"."}
    at = folder
    while at not in (".", ""):
        above.add(at)
        at = dirname(at)
    acronyms: dict[str, str] = {}
    known = True
    for path in repo.files:
        if (
            not (path == INFLECTIONS or path.endswith("/" + INFLECTIONS))
            or dirname(dirname(dirname(path))) not in above
        ):
            continue
        text = repo.text(path)
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
