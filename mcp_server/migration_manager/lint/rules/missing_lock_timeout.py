"""A statement that needs a write-blocking lock on an existing table, with no lock_timeout set
earlier in the file. Reported once per file, at the first such statement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ...locks import LockMode
from ..tree import bodies, object_name, table_key
from ._helpers import lock_words
from .base import Context, Example, Hit, Rule

_WEAK = {"AT_ValidateConstraint"}  # SHARE UPDATE EXCLUSIVE: a wait blocks no one


@dataclass(frozen=True)
class _Locked:
    key: str  # the relation locked ("orders", "orders_code_idx", "orders_id_seq")
    what: str  # "table", "index" or "sequence"
    mode: LockMode
    table: str  # the table whose newness excuses it (an index's: unknown here, its own name)
    dropped: bool = False  # DROP INDEX: ACCESS EXCLUSIVE on its table too


def _locked(ctx: Context) -> _Locked | None:
    """The existing relation this statement needs a write-blocking lock on, if it does, and the lock
    (measured on PostgreSQL 15: tests/test_lint_size.py)."""
    kind, node = ctx.kind, ctx.node
    if kind == "AlterTableStmt" and node.get("objtype") == "OBJECT_TABLE":
        if all(c.get("subtype") in _WEAK for c in bodies(node.get("cmds"), "AlterTableCmd")):
            return None
        key = table_key(node.get("relation", {}))
        return _Locked(key, "table", LockMode.ACCESS_EXCLUSIVE, key)
    if kind == "RenameStmt" and node.get("relation") is not None:
        key = table_key(node["relation"])
        rename = node.get("renameType")
        if rename == "OBJECT_INDEX":  # 12+: SHARE UPDATE EXCLUSIVE on the index alone, no DML waits
            return None if ctx.version >= 12 else _Locked(key, "index", LockMode.ACCESS_EXCLUSIVE, key)
        if rename == "OBJECT_SEQUENCE":
            return _Locked(key, "sequence", LockMode.ACCESS_EXCLUSIVE, key)
        return _Locked(key, "table", LockMode.ACCESS_EXCLUSIVE, key)
    if kind == "CreateTrigStmt":
        key = table_key(node.get("relation", {}))
        return _Locked(key, "table", LockMode.SHARE_ROW_EXCLUSIVE, key)
    if kind == "IndexStmt" and not node.get("concurrent"):
        key = table_key(node.get("relation", {}))
        return _Locked(key, "table", LockMode.SHARE, key)
    if kind == "DropStmt" and not node.get("concurrent") and node.get("removeType") == "OBJECT_INDEX":
        objects = node.get("objects") or [{}]
        key = object_name(objects[0])
        return _Locked(key, "index", LockMode.ACCESS_EXCLUSIVE, key, dropped=True)
    return None


def _waiters(locked: _Locked) -> str:
    """Who queues behind the lock while it waits."""
    if locked.what == "sequence":
        return f"every nextval() on {locked.key} (each insert that takes its id from it)"
    if locked.what == "index" and not locked.dropped:
        return f"every query that uses {locked.key}"
    if locked.what == "index":
        return f"every query on the table of {locked.key} (DROP INDEX takes ACCESS EXCLUSIVE on the table too)"
    if locked.mode is LockMode.ACCESS_EXCLUSIVE:
        return f"every query on {locked.key}"
    return f"every write to {locked.key}"


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.lock_timeout_set:
        return
    locked = _locked(ctx)
    if locked is None or ctx.is_new(locked.table):
        return
    yield Hit(
        f"no lock_timeout is set before this lock on {locked.what} {locked.key}: if a long transaction holds it, "
        f"this statement waits, and {_waiters(locked)} queues behind it until it gets the lock",
        lock_words(locked.mode, "table" if locked.dropped else locked.what),
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
