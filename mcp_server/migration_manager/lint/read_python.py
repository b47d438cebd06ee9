"""A Python migration file read without running it: a Django migration (a `Migration` class with
`operations`) or an Alembic revision (a module-level `upgrade()`); anything else is not one."""

from __future__ import annotations

import ast

from .pyread import Read, suppressions
from .read_alembic import read as read_alembic
from .read_django import DjangoState
from .read_django import read as read_django

NOT_A_MIGRATION = "Python, but neither an Alembic revision (upgrade()) nor a Django migration (Migration.operations)"


def read_python(path: str, text: str, state: DjangoState) -> Read:
    """The up direction's SQL of the migration in `text`; `state`: what the Django migrations
    linted before this one built (AlterField needs the field it alters)."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return Read(None, [], [f"{exc.lineno or 1}: not valid Python ({exc.msg}): not read"])
    found = read_django(path, tree, state)
    if found.framework is None:
        found = read_alembic(text, tree)
    at = suppressions(text)
    for piece in found.pieces:
        piece.ignored = at(piece.line)
    if found.framework is None and not found.skipped:
        found.skipped.append(
            "Alembic's env.py: its configuration, not a revision" if path.endswith("env.py") else NOT_A_MIGRATION
        )
    return found
