"""Alembic revisions in the order they run: their ids are hex, so file names say nothing of it;
each revision's `down_revision` does. Read from the module's header with `ast`, never imported."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

_TOP_LEVEL_DEF = re.compile(r"^(?:async\s+def|def|class)\s", re.M)


def revision_ids(text: str) -> tuple[str, list[str]] | None:
    """(revision, down revisions) of an Alembic revision's text, else None."""
    m = _TOP_LEVEL_DEF.search(text)
    try:
        tree = ast.parse(text[: m.start()] if m else text)
    except (SyntaxError, ValueError):
        return None
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            try:
                values[target.id] = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return None
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str) or "down_revision" not in values:
        return None
    downs = [down] if isinstance(down, str) else list(down) if isinstance(down, (list, tuple)) else []
    return revision, [d for d in downs if isinstance(d, str)]


def in_revision_order(files: list[Path], text_of: Callable[[Path], str]) -> list[Path]:
    """`files` with the Alembic revisions among them put in down_revision order (a revision after
    the ones it revises; among those ready at once, the order given), in the places they held."""
    ids: dict[Path, tuple[str, list[str]]] = {}
    for f in files:
        if f.suffix == ".py":
            found = revision_ids(text_of(f))
            if found is not None:
                ids[f] = found
    if len(ids) < 2:
        return files
    revisions = [f for f in files if f in ids]
    known = {ids[f][0] for f in revisions}
    done: set[str] = set()
    ordered: list[Path] = []
    waiting = list(revisions)
    while waiting:
        ready = [f for f in waiting if all(d in done or d not in known for d in ids[f][1])]
        if not ready:  # a cycle: the rest as given
            ordered.extend(waiting)
            break
        first = ready[0]
        ordered.append(first)
        done.add(ids[first][0])
        waiting.remove(first)
    slots = iter(ordered)
    return [next(slots) if f in ids else f for f in files]
