"""A MariaDB / MySQL migration file cut into statements with sqlglot's MySQL tokenizer (quotes
and comments keep their semicolons), honouring the mysql client's DELIMITER lines, each parsed
with sqlglot or carrying its parse error."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError, TokenError

from ..sql.quiet import quiet_sqlglot
from .source import ignored_between, position

_COMPOUND = re.compile(
    r"\s*(BEGIN\s+NOT\s+ATOMIC|CREATE\s+(OR\s+REPLACE\s+)?(DEFINER\s*=\s*\S+\s+)?"
    r"(PROCEDURE|FUNCTION|TRIGGER|EVENT))\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"<Token [^>]*>")
_DELIMITER = re.compile(r"^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class MyStatement:
    text: str
    offset: int
    line: int
    column: int
    node: Any | None
    error: str | None = None
    ignored: set[str] = field(default_factory=set)


def _spans(text: str) -> list[tuple[int, int]]:
    """Statement spans: by the custom delimiter inside DELIMITER blocks, by tokens elsewhere."""
    spans: list[tuple[int, int]] = []
    pos, delimiter = 0, ";"
    for m in [*_DELIMITER.finditer(text), None]:
        end = m.start() if m else len(text)
        segment = text[pos:end]
        if delimiter == ";":
            spans += [(pos + a, pos + b) for a, b in _by_tokens(segment)]
        else:
            cursor = 0
            for part in segment.split(delimiter):
                if part.strip():
                    lead = len(part) - len(part.lstrip())
                    spans.append((pos + cursor + lead, pos + cursor + len(part.rstrip())))
                cursor += len(part) + len(delimiter)
        if m:
            delimiter, pos = m.group(1), m.end()
    return spans


def _by_tokens(segment: str) -> list[tuple[int, int]]:
    try:
        tokens = MySQL().tokenize(segment)
    except TokenError:
        stripped = segment.strip()
        return [(segment.index(stripped), segment.index(stripped) + len(stripped))] if stripped else []
    out: list[tuple[int, int]] = []
    start: int | None = None
    for token in tokens:
        if token.token_type.name == "SEMICOLON":
            if start is not None:
                out.append((start, token.end + 1))
            start = None
        elif start is None:
            start = token.start
    if start is not None:
        out.append((start, tokens[-1].end + 1))
    return out


def my_statements(text: str) -> list[MyStatement]:
    with quiet_sqlglot():  # a Command fallback is read as such below, not worth a line on stderr
        return _my_statements(text)


def _my_statements(text: str) -> list[MyStatement]:
    out: list[MyStatement] = []
    previous = 0
    for start, stop in _spans(text):
        chunk = text[start:stop]
        line, column = position(text, start)
        node, error = None, None
        if _COMPOUND.match(chunk):  # stored programs and anonymous blocks: sqlglot does not read them
            out.append(MyStatement(chunk, start, line, column, None, None, ignored_between(text, start, previous)))
            previous = stop
            continue
        try:
            node = sqlglot.parse_one(chunk.rstrip().rstrip(";"), read="mysql")
        except (ParseError, TokenError) as exc:
            error = _TOKEN.sub("the end", str(exc).splitlines()[0])
        out.append(MyStatement(chunk, start, line, column, node, error, ignored_between(text, start, previous)))
        previous = stop
    return out
