"""Whether a file given to lint reads as SQL at all. A file that does not (a password file, a
binary, a README) is reported as not SQL and its content is never quoted: a parse-error finding
would otherwise echo its first 400 characters back to whoever asked."""

from __future__ import annotations

import re

# The words a statement of PostgreSQL, MariaDB or MySQL (and SQLite) can begin with.
_WORDS = """
    abort alter analyze analyse begin call checkpoint close cluster comment commit copy create deallocate declare
    delete delimiter discard do drop end execute explain fetch flush grant handler import insert install kill listen
    load lock move notify optimize prepare reassign refresh reindex release rename repair replace reset revoke
    rollback savepoint security select set show start truncate uninstall unlisten unlock update use vacuum values
    with xa pragma attach detach merge table
"""
STATEMENT_WORDS = frozenset(_WORDS.split())
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LEADING = re.compile(r"\s+|--[^\n]*|#[^\n]*|/\*.*?\*/", re.S)  # blanks and comments before the first statement
_WORD = re.compile(r"[A-Za-z_]+")


def not_sql(text: str) -> str | None:
    """Why `text` is not SQL, or None when it may be (an empty file or one of comments counts as SQL)."""
    head = text[:4096]
    if _CONTROL.search(head):
        return "it holds binary data"
    pos = 0
    while match := _LEADING.match(text, pos):
        if match.end() == pos:
            break
        pos = match.end()
    if pos >= len(text):
        return None
    if text[pos] in "(\\":  # a parenthesised query, a psql meta-command
        return None
    word = _WORD.match(text, pos)
    if word is None or word.group().lower() not in STATEMENT_WORDS:
        return "it does not begin with an SQL statement"
    return None
