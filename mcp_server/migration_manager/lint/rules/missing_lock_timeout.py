"""A statement that needs a write-blocking lock on an existing table, with no lock_timeout set
earlier in the file. Reported once per file, at the first such statement."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ..tree import bodies, object_name, table_key
from ._helpers import lock_words
from .base import Context, Example, Hit, Rule

_WEAK = {"AT_ValidateConstraint"}  # SHARE UPDATE EXCLUSIVE: a wait blocks no one


def _locked_table(ctx: Context) -> str | None:
    """The existing table this statement needs a write-blocking lock on, if it does."""
    kind, node = ctx.kind, ctx.node
    if kind == "AlterTableStmt" and node.get("objtype") == "OBJECT_TABLE":
        if all(c.get("subtype") in _WEAK for c in bodies(node.get("cmds"), "AlterTableCmd")):
            return None
        return table_key(node.get("relation", {}))
    if kind == "RenameStmt" and node.get("relation") is not None:
        return table_key(node["relation"])
    if kind == "CreateTrigStmt":
        return table_key(node.get("relation", {}))
    if kind == "IndexStmt" and not node.get("concurrent"):
        return table_key(node.get("relation", {}))
    if kind == "DropStmt" and not node.get("concurrent") and node.get("removeType") == "OBJECT_INDEX":
        objects = node.get("objects") or [{}]
        return object_name(objects[0])
    return None


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.lock_timeout_set:
        return
    key = _locked_table(ctx)
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
    reads=("AlterTableStmt", "RenameStmt", "CreateTrigStmt", "IndexStmt", "DropStmt"),
    examples=(
        Example("ALTER TABLE orders ADD COLUMN note text;", True, lock=LockMode.ACCESS_EXCLUSIVE),
        Example(
            "SET lock_timeout = '3s';\nALTER TABLE orders ADD COLUMN note text;", False, lock=LockMode.ACCESS_EXCLUSIVE
        ),
    ),
)
