"""Whether SQL text reads as MySQL or PostgreSQL, from the marks each leaves (backtick-quoted names,
AUTO_INCREMENT, ENGINE=; or SERIAL, ::casts, dollar quoting, CONCURRENTLY). Plain regular expressions:
lint imports it and must start fast."""

from __future__ import annotations

import re

# each dialect's marks as one pattern: one pass over a file finds whether any of them is there
_MYSQL_SQL = re.compile(r"`\w+`|\bAUTO_INCREMENT\b|\bENGINE\s*=\s*\w+|\b(?:DEFAULT\s+)?CHARSET\s*=|\bunsigned\b", re.I)
_POSTGRES_SQL = re.compile(
    r"\bSERIAL\b|\bBIGSERIAL\b|\bCONCURRENTLY\b|::\w+|\bjsonb\b|\btimestamptz\b|\bbytea\b|\$\$|\$\w*\$"
    r"|\bCREATE\s+EXTENSION\b",
    re.I,
)


# a word each mark holds (lower case): an ASCII text with none of them cannot match, and finding
# that out with `in` is much faster than a case-insensitive search through a large file (other
# texts are searched: under re.I, "ı" and "ſ" match "i" and "s", which lower() does not give)
_MYSQL_WORDS = ("`", "auto_increment", "engine", "charset", "unsigned")
_POSTGRES_WORDS = ("serial", "concurrently", "::", "jsonb", "timestamptz", "bytea", "$", "extension")


def _marked(text: str, lowered: str | None, words: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    if lowered is not None and not any(w in lowered for w in words):
        return False
    return pattern.search(text) is not None


def from_sql(texts: list[str]) -> str | None:
    """'mysql' or 'postgresql' when the SQL clearly reads as one of them, else None."""
    pairs = [(t, t.lower() if t.isascii() else None) for t in texts]
    mysql = sum(1 for t, low in pairs if _marked(t, low, _MYSQL_WORDS, _MYSQL_SQL))
    postgres = sum(1 for t, low in pairs if _marked(t, low, _POSTGRES_WORDS, _POSTGRES_SQL))
    if mysql > 2 * postgres and mysql >= 1:
        return "mysql"
    if postgres > 2 * mysql and postgres >= 1:
        return "postgresql"
    return None
