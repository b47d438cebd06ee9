"""A migration file cut into statements, each with its place in the file, its parse tree (or
the parse error), and the rules a `-- migration-manager: ignore <rule>` comment switches off.

Statements are found by PostgreSQL's own scanner (pglast.split without the parser), so one
statement that does not parse does not hide the others; each is then parsed on its own.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from pglast.parser import ParseError, parse_sql_json, scan, split

_IGNORE = re.compile(r"--\s*migration-manager:\s*ignore\s+([\w\-, ]+)", re.IGNORECASE)


@dataclass
class Statement:
    text: str
    offset: int  # character offset in the file
    line: int  # 1-based
    column: int  # 1-based
    tree: dict[str, Any] | None  # libpg_query's JSON tree, {"AlterTableStmt": {...}}: see tree.py;
    # None when the statement did not parse, or when no rule reads its kind (relevant())
    error: str | None = None
    error_line: int | None = None
    error_column: int | None = None
    ignored: set[str] = field(default_factory=set)  # rule ids, or "all"


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    starts = _line_starts(text)
    line = bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


_STARTS: dict[int, tuple[str, list[int]]] = {}


def _line_starts(text: str) -> list[int]:
    """Offsets where lines start, kept for the text being read (a big file asks thousands of times)."""
    cached = _STARTS.get(id(text))
    if cached is not None and cached[0] is text:
        return cached[1]
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    _STARTS.clear()
    _STARTS[id(text)] = (text, starts)
    return starts


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


def ignored_between(text: str, start: int, previous_end: int) -> set[str]:
    """Rules named in an ignore comment between the previous statement and this one, or on the
    statement's first line."""
    line_end = text.find("\n", start)
    previous_line_end = text.find("\n", previous_end)
    if (
        previous_end and 0 <= previous_line_end < start
    ):  # a comment after the previous statement, on its line, is its own
        previous_end = previous_line_end + 1
    window = text[previous_end : line_end if line_end >= 0 else len(text)]
    rules: set[str] = set()
    for m in _IGNORE.finditer(window):
        rules.update(r.strip() for r in re.split(r"[,\s]+", m.group(1)) if r.strip())
    return rules


_SKIPPED = re.compile(
    r"(SELECT|INSERT|COMMENT|GRANT|REVOKE|DO|VALUES|COPY|ANALYZE|CALL|NOTIFY|SECURITY|"
    r"CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE|VIEW|RECURSIVE|MATERIALIZED|ROLE|USER|GROUP|SCHEMA|EXTENSION|"
    r"SEQUENCE|TYPE|DOMAIN|POLICY|AGGREGATE|OPERATOR|CAST|COLLATION|PUBLICATION|SUBSCRIPTION|RULE|LANGUAGE))\b",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s*")


def relevant(sql: str) -> bool:
    """Whether any rule or the schema tracker reads this kind of statement. Others are checked
    for syntax only: their parse trees (the costly part of linting) are never built."""
    return not _SKIPPED.match(sql)


def _from_whole_parse(text: str) -> list[tuple[int, int]] | None:
    """Statement spans from PostgreSQL's parser over the whole file (the common case: it parses),
    else None. A span runs from the statement's first token to its semicolon, if it has one."""
    try:
        found = split(text, with_parser=True, only_slices=True)
    except ParseError:
        return None
    spans = []
    for piece in found:
        start, stop = piece.start, piece.stop
        space = _SPACE.match(text, stop)
        after = space.end() if space else stop
        if after < len(text) and text[after] == ";":
            stop = after + 1
        if text[start:stop].strip():
            spans.append((start, stop))
    return spans


def statements(text: str) -> list[Statement]:
    whole = _from_whole_parse(text)
    if whole is not None:
        return _read(text, whole, parsed=True)
    return _read(text, _slices(text), parsed=False)


def _read(text: str, spans: list[tuple[int, int]], parsed: bool) -> list[Statement]:
    """`parsed`: the whole file parsed, so each span is known good and only relevant ones are
    parsed again for their trees."""
    out: list[Statement] = []
    previous_end = 0
    ignores = _IGNORE.search(text) is not None  # most files have none: no window to search
    for start, stop in spans:
        chunk = text[start:stop]
        line, column = position(text, start)
        tree: dict[str, Any] | None = None
        error = None
        error_line = error_column = None
        if not relevant(chunk):
            if not parsed:
                try:
                    parse_sql_json(chunk)
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
                    None,
                    error,
                    error_line,
                    error_column,
                    ignored_between(text, start, previous_end) if ignores else set(),
                )
            )
            previous_end = stop
            continue
        try:
            trees = json.loads(parse_sql_json(chunk)).get("stmts", [])
            tree = trees[0].get("stmt") if len(trees) == 1 else None
            if len(trees) != 1:
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
                tree,
                error,
                error_line or (line if error else None),
                error_column or (column if error else None),
                ignored_between(text, start, previous_end) if ignores else set(),
            )
        )
        previous_end = stop
    return out
