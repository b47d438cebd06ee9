"""A migration file cut into statements, each with its place in the file, its parse tree (or
the parse error), and the rules a `-- migration-manager: ignore <rule>` comment switches off.

Statements are found by PostgreSQL's own scanner (pglast.split without the parser), so one
statement that does not parse does not hide the others; each is then parsed on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pglast import parse_sql
from pglast.parser import ParseError, scan

_IGNORE = re.compile(r"--\s*migration-manager:\s*ignore\s+([\w\-, ]+)", re.IGNORECASE)


@dataclass
class Statement:
    text: str
    offset: int  # character offset in the file
    line: int  # 1-based
    column: int  # 1-based
    node: Any | None  # the pglast statement node; None when it did not parse
    error: str | None = None
    error_line: int | None = None
    error_column: int | None = None
    ignored: set[str] = field(default_factory=set)  # rule ids, or "all"


def position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _slices(text: str) -> list[tuple[int, int]]:
    """(start, stop) of each statement, cut at the scanner's semicolons: string, dollar-quoted
    and comment tokens keep theirs, and an unbalanced parenthesis does not swallow the file."""
    tokens = _scan_what_can_be(text)
    found: list[tuple[int, int]] = []
    start: int | None = None
    scanned_to = 0
    for token in tokens:
        scanned_to = token.end + 1
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if token.name == "ASCII_59":  # ;
            if start is not None:
                found.append((start, token.end + 1))
            start = None
        elif start is None:
            start = token.start
    if start is not None:
        found.append((start, scanned_to))
    rest = text[scanned_to:]
    if _strip_comments(rest).strip().strip(";").strip():  # what the scanner could not read
        offset = len(text) - len(rest)
        found.append((offset + len(rest) - len(rest.lstrip()), len(text)))
    return found


def _scan_what_can_be(text: str) -> list[Any]:
    """The tokens of the file or, when the scanner gives up (an unterminated quote or comment),
    of the longest run of whole lines it reads (found by halving), so the statements before the
    fault are still linted."""
    try:
        return list(scan(text))
    except Exception:
        pass
    ends = [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    low, high, best = 0, len(ends) - 1, []
    while low <= high:
        middle = (low + high) // 2
        try:
            best = list(scan(text[: ends[middle]]))
            low = middle + 1
        except Exception:
            high = middle - 1
    return best


def _strip_comments(text: str) -> str:
    return re.sub(r"--[^\n]*", "", text)


def _ignored(text: str, start: int, previous_end: int) -> set[str]:
    """Rules named in an ignore comment between the previous statement and this one, or on the
    statement's first line."""
    line_end = text.find("\n", start)
    previous_line_end = text.find("\n", previous_end)
    if 0 <= previous_line_end < start:  # a comment after the previous statement, on its line, is its own
        previous_end = previous_line_end + 1
    window = text[previous_end : line_end if line_end >= 0 else len(text)]
    rules: set[str] = set()
    for m in _IGNORE.finditer(window):
        rules.update(r.strip() for r in re.split(r"[,\s]+", m.group(1)) if r.strip())
    return rules


def statements(text: str) -> list[Statement]:
    out: list[Statement] = []
    previous_end = 0
    for start, stop in _slices(text):
        chunk = text[start:stop]
        line, column = position(text, start)
        node: Any | None = None
        error = None
        error_line = error_column = None
        try:
            parsed = parse_sql(chunk)
            node = parsed[0].stmt if len(parsed) == 1 else None
            if len(parsed) != 1:
                error = "could not separate this statement from the next"
        except ParseError as exc:
            error = str(exc.args[0])
            where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
            error_line, error_column = position(text, start + where)
        out.append(
            Statement(
                chunk,
                start,
                line,
                column,
                node,
                error,
                error_line or (line if error else None),
                error_column or (column if error else None),
                _ignored(text, start, previous_end),
            )
        )
        previous_end = stop
    return out
