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


def from_sql(texts: list[str]) -> str | None:
    """'mysql' or 'postgresql' when the SQL clearly reads as one of them, else None."""
    mysql = sum(1 for t in texts if _MYSQL_SQL.search(t))
    postgres = sum(1 for t in texts if _POSTGRES_SQL.search(t))
    if mysql > 2 * postgres and mysql >= 1:
        return "mysql"
    if postgres > 2 * mysql and postgres >= 1:
        return "postgresql"
    return None
