"""Module-level values of a Python file, read with ast, never imported."""

from __future__ import annotations

import ast
import re
from typing import Any


class NotPython(Exception):
    pass


def parse(text: str, path: str) -> ast.Module:
    try:
        return ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        raise NotPython(
            f"not valid Python{f' (line {line})' if line else ''}: {exc.args[0] if exc.args else exc}"
        ) from exc


_TOP_LEVEL_DEF = re.compile(r"^(?:async\s+def|def|class)\s", re.M)


def parse_header(text: str, path: str) -> ast.Module:
    """The module up to its first top-level def or class: docstring, imports, the id assignments.

    Migration files keep their ids there; their function bodies can be large and are not needed
    (a syntax error inside one is the framework's to report when it runs the file). Parsing only
    the header halves the time on thousands of files. Falls back to the whole file."""
    m = _TOP_LEVEL_DEF.search(text)
    if m:
        try:
            return ast.parse(text[: m.start()], filename=path)
        except (SyntaxError, ValueError):
            pass
    return parse(text, path)


_SIGNATURE_END = re.compile(r"\)\s*(?:->\s*[^:\n]+)?:[ \t]*(?:#[^\n]*)?\n")
_NEXT_TOP_LEVEL = re.compile(r"^[^\s#]", re.M)
_DOCSTRING = re.compile(r'^[rRbBuU]?("""|\'\'\')[\s\S]*?\1\s*')


def function_body_is_empty(text: str, name: str) -> bool | None:
    """Whether top-level `def name` has nothing but pass, ... , comments or a docstring; None when
    there is no such function. Read from the text, so the body need not be parsed."""
    m = re.search(rf"^(?:async\s+)?def\s+{re.escape(name)}\s*\(", text, re.M)
    if not m:
        return None
    sig = _SIGNATURE_END.search(text, m.end())
    if not sig:
        return False  # a one-line body (def f(): x) or something unusual: treat as not empty
    end = _NEXT_TOP_LEVEL.search(text, sig.end())
    body = text[sig.end() : end.start() if end else len(text)]
    lines = [line.strip() for line in body.splitlines()]
    code = "\n".join(line for line in lines if line and not line.startswith("#"))
    code = _DOCSTRING.sub("", code)
    return all(token in ("pass", "...") for token in code.split())


def literal(node: ast.AST | None) -> Any:
    """A literal value (str, None, tuple/list of them), or NotImplemented for anything else."""
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NotImplemented


def assignments(body: list[ast.stmt]) -> dict[str, ast.AST | None]:
    """name -> value node for plain and annotated assignments in a body."""
    out: dict[str, ast.AST | None] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            out[stmt.target.id] = stmt.value
    return out


def as_list(value: Any) -> list[str] | None:
    """str / None / tuple / list of str -> list; anything else -> None."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None
