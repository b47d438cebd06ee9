"""Whether SQL text reads as MySQL or PostgreSQL, from the marks each leaves (backtick-quoted names,
AUTO_INCREMENT, ENGINE=; or SERIAL, ::casts, dollar quoting, CONCURRENTLY). Plain regular expressions:
lint imports it and must start fast."""

from __future__ import annotations

import re

_MYSQL_SQL = (
    re.compile(r"`\w+`"),
    re.compile(r"\bAUTO_INCREMENT\b", re.I),
    re.compile(r"\bENGINE\s*=\s*\w+", re.I),
    re.compile(r"\b(?:DEFAULT\s+)?CHARSET\s*=", re.I),
    re.compile(r"\bunsigned\b", re.I),
)
_POSTGRES_SQL = (
    re.compile(r"\bSERIAL\b|\bBIGSERIAL\b", re.I),
    re.compile(r"\bCONCURRENTLY\b", re.I),
    re.compile(r"::\w+"),
    re.compile(r"\bjsonb\b|\btimestamptz\b|\bbytea\b", re.I),
    re.compile(r"\$\$|\$\w*\$"),
    re.compile(r"\bCREATE\s+EXTENSION\b", re.I),
)


def from_sql(texts: list[str]) -> str | None:
    """'mysql' or 'postgresql' when the SQL clearly reads as one of them, else None."""
    mysql = sum(1 for t in texts if any(p.search(t) for p in _MYSQL_SQL))
    postgres = sum(1 for t in texts if any(p.search(t) for p in _POSTGRES_SQL))
    if mysql > 2 * postgres and mysql >= 1:
        return "mysql"
    if postgres > 2 * mysql and postgres >= 1:
        return "postgresql"
    return None
