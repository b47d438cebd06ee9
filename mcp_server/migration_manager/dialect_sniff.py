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


# H2 (MySQL mode) takes AUTO_INCREMENT too: where H2 is named, only the other marks say MySQL
_MYSQL_NOT_H2 = re.compile(r"`\w+`|\bENGINE\s*=\s*\w+|\b(?:DEFAULT\s+)?CHARSET\s*=|\bunsigned\b", re.I)
_MYSQL_NOT_H2_WORDS = ("`", "engine", "charset", "unsigned")
_H2_FOLDER = re.compile(r"(?:^|[/\\])h2[/\\]", re.I)


def in_h2_folder(path: str) -> bool:
    """Whether a file sits in a folder named h2 (Flyway's migrations/h2, db/h2/...): H2's SQL."""
    return _H2_FOLDER.search(path) is not None


def from_sql(texts: list[str], *, h2_named: bool = False) -> str | None:
    """'mysql' or 'postgresql' when the SQL clearly reads as one of them, else None. `h2_named`: the
    repository names H2, whose SQL has AUTO_INCREMENT as well: that mark is no proof of MySQL."""
    pairs = [(t, t.lower() if t.isascii() else None) for t in texts]
    words, marks = (_MYSQL_NOT_H2_WORDS, _MYSQL_NOT_H2) if h2_named else (_MYSQL_WORDS, _MYSQL_SQL)
    mysql = sum(1 for t, low in pairs if _marked(t, low, words, marks))
    postgres = sum(1 for t, low in pairs if _marked(t, low, _POSTGRES_WORDS, _POSTGRES_SQL))
    if mysql > 2 * postgres and mysql >= 1:
        return "mysql"
    if postgres > 2 * mysql and postgres >= 1:
        return "postgresql"
    return None
