"""Which files can be Liquibase changelogs, told apart without reading them as changelogs (a lint
run over plain SQL files loads nothing of read_liquibase.py)."""

from __future__ import annotations

import re

CHANGELOG_SUFFIXES = (".xml", ".yaml", ".yml", ".json", ".sql")
_FORMATTED = re.compile(r"\s*--\s*liquibase\s+formatted\s+sql", re.I)  # Liquibase allows the spaces


_FORMATTED_BYTES = re.compile(rb"\s*--\s*liquibase\s+formatted\s+sql", re.I)


def formatted_sql_bytes(data: bytes) -> bool:
    """formatted_sql of a file's bytes, without decoding them."""
    return _FORMATTED_BYTES.match(data) is not None


def formatted_sql(text: str) -> bool:
    """Whether an SQL file is a Liquibase formatted-SQL changelog (its first line says so)."""
    return _FORMATTED.match(text) is not None
