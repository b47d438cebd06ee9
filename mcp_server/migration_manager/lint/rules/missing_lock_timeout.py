"""A statement that needs a write-blocking lock on an existing table, with no lock_timeout set
earlier in the file. Reported once per file, at the first such statement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ObjectType

from ...model import LockMode
from ..nodes import table_key
from ._helpers import lock_words
from .base import Context, Example, Hit, Rule

_WEAK = {AlterTableType.AT_ValidateConstraint}  # SHARE UPDATE EXCLUSIVE: a wait blocks no one


def _locked_table(statement: object) -> str | None:
    """The existing table this statement needs a write-blocking lock on, if it does."""
    node: Any = statement
    if isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
        if all(getattr(c, "subtype", None) in _WEAK for c in node.cmds or ()):
            return None
        return table_key(node.relation)
    if isinstance(node, ast.RenameStmt) and node.relation is not None:
        return table_key(node.relation)
    if isinstance(node, ast.CreateTrigStmt):
        return table_key(node.relation)
    if isinstance(node, ast.IndexStmt) and not node.concurrent:
        return table_key(node.relation)
    if isinstance(node, ast.DropStmt) and not node.concurrent and node.removeType == ObjectType.OBJECT_INDEX:
        first: Any = (node.objects or [()])[0]
        return ".".join(n.sval for n in first)
    return None


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.lock_timeout_set:
        return
    key = _locked_table(ctx.node)
    if key is None or ctx.is_new(key):
        return
    yield Hit(
        f"no lock_timeout is set before this lock on {key}: if a long transaction holds the table, this "
        "statement waits, and every query on the table queues behind it until it gets the lock",
        lock_words(LockMode.ACCESS_EXCLUSIVE),
        "SET lock_timeout = '3s';  -- at the top of the migration; retry the migration when it times out",
    )


RULE = Rule(
    id="missing-lock-timeout",
    severity="warning",
    summary="write-blocking lock requested with no lock_timeout",
    why="A lock request waits behind any transaction using the table, and while it waits every later query "
    "on the table waits behind it: a catalog-only ALTER can stall the application for as long as the oldest "
    "transaction lasts. lock_timeout turns that into a quick, retryable failure.",
    check=check,
    examples=(
        Example("ALTER TABLE orders ADD COLUMN note text;", True, lock=LockMode.ACCESS_EXCLUSIVE),
        Example(
            "SET lock_timeout = '3s';\nALTER TABLE orders ADD COLUMN note text;", False, lock=LockMode.ACCESS_EXCLUSIVE
        ),
    ),
)
