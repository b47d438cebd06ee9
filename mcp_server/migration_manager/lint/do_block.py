"""The SQL statements a DO block runs: its PL/pgSQL body read by PostgreSQL's own PL/pgSQL parser
(pglast.parser.parse_plpgsql_json), the plain SQL statements of its blocks and IF branches
handed to the rules like any other (harbor's 0110 adds a UNIQUE constraint inside one). What it
does not read (loops, EXECUTE of a built string, another language, a body that does not parse)
is said, with its line, for the skipped list: never a silent pass."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast.parser import ParseError, parse_plpgsql_json, parse_sql_json

DO = re.compile(r"(?:\s|--[^\n]*\n|/\*.*?\*/)*DO\b", re.I | re.S)
_TAG = "$mm_do_body$"
# the dollar quotes of the DO blocks the planner writes (planner/*.py, render/lock_retry.py): their
# loops (batched backfills) and EXECUTEs are the plan's own, proven on the server by its tests, and
# are not listed as unread
_OWN = re.compile(
    r"(?:\s|--[^\n]*\n|/\*.*?\*/)*DO\s+(?:LANGUAGE\s+plpgsql\s+)?\$(?:mm|migration_manager)\$", re.I | re.S
)
_LOOPS = ("fori", "fors", "forc", "foreach_a", "while", "loop", "dynfors")
# statements that send no SQL a rule reads (expressions, control of the block itself)
_QUIET = ("assign", "raise", "perform", "return", "getdiag", "assert", "exit", "call", "commit", "rollback")


@dataclass
class DoBody:
    """What lint reads of a DO block: each SQL statement with its offset in the DO's text, and
    what it does not read, as (offset in the DO's text, why)."""

    sql: list[tuple[str, int]] = field(default_factory=list)
    unread: list[tuple[int, str]] = field(default_factory=list)


def read_do(text: str) -> DoBody:
    """The statements the DO statement `text` runs (see the module's text)."""
    out = _read(text)
    if _OWN.match(text):
        out.unread = []
    return out


def _read(text: str) -> DoBody:
    out = DoBody()
    try:
        tree = json.loads(parse_sql_json(text))["stmts"][0]["stmt"]["DoStmt"]
    except (ParseError, KeyError, IndexError):
        out.unread.append((0, "DO block: does not parse: its body is not read"))
        return out
    args = {d["DefElem"]["defname"]: d["DefElem"].get("arg", {}) for d in tree.get("args", ()) if "DefElem" in d}
    body = str(args.get("as", {}).get("String", {}).get("sval", ""))
    language = str(args.get("language", {}).get("String", {}).get("sval", "plpgsql"))
    start = text.find(body) if body else -1
    if language.lower() != "plpgsql":
        out.unread.append((0, f"DO block in LANGUAGE {language}: its body is not read"))
        return out
    if start < 0 or _TAG in body:  # a body in quotes with doubled quotes: offsets unknown
        out.unread.append((0, "DO block: its body is not read (write it between $$ ... $$)"))
        return out
    try:
        function = json.loads(
            parse_plpgsql_json(f"CREATE FUNCTION mm_do() RETURNS void LANGUAGE plpgsql AS {_TAG}{body}{_TAG}")
        )
        action = function[0]["PLpgSQL_function"]["action"]
    except (ParseError, KeyError, IndexError, ValueError) as exc:
        out.unread.append((start, f"DO block: its PL/pgSQL does not parse ({exc}): its body is not read"))
        return out
    lines = [0, *(m.end() for m in re.finditer("\n", body))]  # body offset of each line's start
    cursor = 0
    for kind, node in _walk([action]):
        line = int(node.get("lineno", 1))
        at = start + lines[min(max(line, 1), len(lines)) - 1]
        if kind == "execsql":
            query = str(node.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query", ""))
            found = body.find(query, cursor) if query else -1
            if found >= 0:
                cursor = found + len(query)
                out.sql.append((query, start + found))
            else:
                out.sql.append((query, at))
        elif kind in _LOOPS:
            out.unread.append((at, "DO block: the statements of its loop are not read (they may run many times)"))
        elif kind == "dynexecute":
            out.unread.append((at, "DO block: EXECUTE of a string built at run time is not read"))
        elif kind not in _QUIET:
            out.unread.append((at, f"DO block: its {kind.upper()} statement is not read"))
    return out


def _walk(stmts: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind, body) of each statement, depth first in the order written; blocks, IF and CASE
    branches and retry loops are entered, other loops are yielded (and not entered: what runs in
    them is not a sequence)."""
    for stmt in stmts:
        if not isinstance(stmt, dict) or not stmt:
            continue
        name, node = next(iter(stmt.items()))
        kind = name.removeprefix("PLpgSQL_stmt_")
        if kind == "block":
            yield from _walk(node.get("body") or [])
        elif kind == "if":
            yield from _walk(node.get("then_body") or [])
            for branch in node.get("elsif_list") or []:
                yield from _walk(branch.get("PLpgSQL_if_elsif", {}).get("stmts") or [])
            yield from _walk(node.get("else_body") or [])
        elif kind == "loop" and _runs_once(node):
            yield from _walk(node.get("body") or [])
        elif kind == "case":
            for when in node.get("case_when_list") or []:
                yield from _walk(when.get("PLpgSQL_case_when", {}).get("stmts") or [])
            yield from _walk(node.get("else_stmts") or [])
        else:
            yield kind, node


def _runs_once(loop: dict[str, Any]) -> bool:
    """A LOOP that ends with an unconditional EXIT, at its end or at the end of the block it holds:
    a retry loop (render/lock_retry.py writes one) whose statements run once when they succeed."""
    body = loop.get("body") or []
    last = body[-1] if body and isinstance(body[-1], dict) else {}
    if "PLpgSQL_stmt_block" in last:
        inner = last["PLpgSQL_stmt_block"].get("body") or []
        last = inner[-1] if inner and isinstance(inner[-1], dict) else {}
    exit_ = last.get("PLpgSQL_stmt_exit")
    return isinstance(exit_, dict) and bool(exit_.get("is_exit")) and "cond" not in exit_ and "label" not in exit_
