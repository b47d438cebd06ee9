"""Quoting of identifiers and literals for PostgreSQL, the way the server's quote_ident does it,
and MySQL / MariaDB string literals."""

from __future__ import annotations

import re

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")  # as the server: "$" is legal but quoted
_NEEDS_QUOTES = frozenset(RESERVED_KEYWORDS) | frozenset(COL_NAME_KEYWORDS) | frozenset(TYPE_FUNC_NAME_KEYWORDS)

MAX_IDENTIFIER_BYTES = 63


def quote_ident(name: str) -> str:
    """Quote `name` only when PostgreSQL needs it: upper case, punctuation, unicode, keywords."""
    if _PLAIN.fullmatch(name) and name not in _NEEDS_QUOTES:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(name: str, schema: str | None = None) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def quote_literal(value: str) -> str:
    """A standard-conforming string literal ('it''s'); E'' is never needed for these."""
    return "'" + value.replace("'", "''") + "'"


def mysql_string(value: str) -> str:
    """A MySQL / MariaDB string literal: quotes doubled and backslashes escaped (the default
    sql_mode reads a backslash as an escape)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def truncate_identifier(name: str) -> str:
    """PostgreSQL keeps the first 63 bytes of a name; cut on a character boundary as it does."""
    encoded = name.encode()
    if len(encoded) <= MAX_IDENTIFIER_BYTES:
        return name
    return encoded[:MAX_IDENTIFIER_BYTES].decode(errors="ignore")


def derived_name(*parts: str, suffix: str) -> str:
    """A generated object name such as orders_status_not_null, within the 63-byte limit.

    Mirrors PostgreSQL's own convention (table_column_suffix), shortening the leading parts so
    that the suffix, which says what the object is, always survives.
    """
    body = "_".join(parts)
    full = f"{body}_{suffix}"
    if len(full.encode()) <= MAX_IDENTIFIER_BYTES:
        return full
    room = MAX_IDENTIFIER_BYTES - len(suffix.encode()) - 1
    return f"{truncate_identifier(body.encode()[:room].decode(errors='ignore'))}_{suffix}"
