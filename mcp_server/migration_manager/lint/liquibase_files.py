"""Which files can be Liquibase changelogs, told apart without reading them as changelogs (a lint
run over plain SQL files loads nothing of read_liquibase.py)."""

from __future__ import annotations

import re

CHANGELOG_SUFFIXES = (".xml", ".yaml", ".yml", ".json", ".sql")
_FORMATTED = re.compile(r"\s*--\s*liquibase\s+formatted\s+sql", re.I)  # Liquibase allows the spaces


_FORMATTED_BYTES = re.compile(rb"\s*--\s*liquibase\s+formatted\s+sql", re.I)


def may_be_changelog(suffix: str, head: str | bytes) -> bool:
    """Whether a file of this suffix and first bytes (or text) may be a changelog: XML, YAML or
    JSON, or SQL that says it is formatted SQL (a file's head is checked without decoding it)."""
    if suffix != ".sql":
        return suffix in CHANGELOG_SUFFIXES
    if isinstance(head, bytes):
        return _FORMATTED_BYTES.match(head) is not None
    return formatted_sql(head)


def formatted_sql(text: str) -> bool:
    """Whether an SQL file is a Liquibase formatted-SQL changelog (its first line says so)."""
    return _FORMATTED.match(text) is not None
