"""Which files can be Liquibase changelogs, told apart without reading them as changelogs (a lint
run over plain SQL files loads nothing of read_liquibase.py)."""

from __future__ import annotations

import re

CHANGELOG_SUFFIXES = (".xml", ".yaml", ".yml", ".json", ".sql")
_FORMATTED = re.compile(r"\s*--\s*liquibase\s+formatted\s+sql", re.I)  # Liquibase allows the spaces


def formatted_sql(text: str) -> bool:
    """Whether an SQL file is a Liquibase formatted-SQL changelog (its first line says so)."""
    return _FORMATTED.match(text) is not None
