"""Statements compared by their parse trees: the static reading of a migration against the SQL its
framework prints for it (lint --framework-sql --compare, and the tests that prove the readers).
Positions, transaction control and, where asked, the names a framework derives (Django's hashed
constraint and index names) and the `public.` it puts before names are left out."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from pglast.parser import ParseError, parse_sql_json

_POSITIONS = ("location", "stmt_len", "stmt_location")


def _strip(node: Any, public: bool) -> Any:
    if isinstance(node, dict):
        return {
            k: _strip(v, public)
            for k, v in node.items()
            if k not in _POSITIONS and not (public and k == "schemaname" and v == "public")
        }
    if isinstance(node, list):
        return [_strip(v, public) for v in node]
    return node


def drop_names(node: Any) -> None:
    """Constraint and index names, and SET CONSTRAINTS' list of them, left out (in place)."""
    if isinstance(node, dict):
        for key in ("conname", "idxname"):
            node.pop(key, None)
        if "ConstraintsSetStmt" in node:
            node["ConstraintsSetStmt"].pop("constraints", None)
        for value in node.values():
            drop_names(value)
    elif isinstance(node, list):
        for value in node:
            drop_names(value)


def trees(sql: str, names: bool = True, public: bool = True) -> list[str]:
    """Each statement of `sql` as its parse tree (JSON, keys sorted), transaction control left out;
    `names=False`: without constraint and index names; `public=False`: without `public.`.
    SQL that does not parse is kept as its text, so it still compares."""
    try:
        parsed = json.loads(parse_sql_json(sql)).get("stmts", [])
    except ParseError:
        return [f"unparsed: {' '.join(sql.split())}"]
    out = []
    for stmt in parsed:
        tree = _strip(stmt["stmt"], not public)
        if "TransactionStmt" in tree:
            continue
        if not names:
            drop_names(tree)
        out.append(json.dumps(tree, sort_keys=True))
    return out


def normalized(statements: list[str], names: bool = True, public: bool = True) -> list[str]:
    """The statements' parse trees (see trees), sorted: the same list means the same SQL."""
    return sorted(tree for sql in statements for tree in trees(sql, names, public))


def differences(static: list[str], sent: list[str], names: bool = True, public: bool = True) -> list[str]:
    """What one side has and the other has not, as "only in ...: <statement>" lines."""

    def keyed(statements: list[str]) -> tuple[Counter[str], dict[str, str]]:
        count: Counter[str] = Counter()
        text: dict[str, str] = {}
        for sql in statements:
            for tree in trees(sql, names, public):
                count[tree] += 1
                text.setdefault(tree, " ".join(sql.split())[:200])
        return count, text

    mine, my_text = keyed(static)
    theirs, their_text = keyed(sent)
    out = [f"only in the static reading: {my_text[t]}" for t in (mine - theirs).elements()]
    out += [f"only in the framework's SQL: {their_text[t]}" for t in (theirs - mine).elements()]
    return out
