"""What several rules ask of an ALTER TABLE statement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ObjectType

from ...knowledge.postgres import Action, fact
from ...model import LockMode
from ..nodes import table_key


def alter_commands(node: Any, *kinds: AlterTableType) -> Iterator[tuple[str, Any]]:
    """(table key, command) for each subcommand of an ALTER TABLE of one of `kinds`."""
    if not isinstance(node, ast.AlterTableStmt) or node.objtype != ObjectType.OBJECT_TABLE:
        return
    key = table_key(node.relation)
    for cmd in node.cmds or ():
        if isinstance(cmd, ast.AlterTableCmd) and cmd.subtype in kinds:
            yield key, cmd


def lock_words(mode: LockMode | None) -> str | None:
    if mode is None:
        return None
    if mode is LockMode.ACCESS_EXCLUSIVE:
        return "ACCESS EXCLUSIVE: blocks reads and writes, and queues every later query behind it"
    if mode.strength >= LockMode.SHARE.strength:
        return f"{mode.sql_name}: blocks writes"
    return f"{mode.sql_name}: reads and writes go on"


def action_lock(action: Action, version: int) -> str | None:
    return lock_words(fact(action, version).lock)
