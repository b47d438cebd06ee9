"""What several rules ask of an ALTER TABLE statement."""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action, fact
from ...locks import LockMode
from ..tree import Tree, bodies
from .base import Context


def alter_commands(ctx: Context, *kinds: str) -> Iterator[tuple[str, Tree]]:
    """(table key, command body) for each subcommand of an ALTER TABLE whose subtype is one of
    `kinds` ("AT_AddColumn" ...)."""
    key, commands = ctx.alter_table
    for cmd in commands:
        if cmd.get("subtype") in kinds:
            yield key, cmd


def column_def(cmd: Tree) -> Tree:
    """The ColumnDef of an ADD COLUMN or ALTER COLUMN TYPE command."""
    column: Tree = cmd.get("def", {}).get("ColumnDef", {})
    return column


def constraint_def(cmd: Tree) -> Tree:
    """The Constraint of an ADD CONSTRAINT command."""
    constraint: Tree = cmd.get("def", {}).get("Constraint", {})
    return constraint


def constraint_kinds(column: Tree) -> set[str]:
    """The contype of each constraint on a ColumnDef: {"CONSTR_NOTNULL", "CONSTR_DEFAULT" ...}."""
    return {c.get("contype", "") for c in bodies(column.get("constraints"), "Constraint")}


def lock_words(mode: LockMode | None, on: str = "table") -> str | None:
    """The lock and what it blocks; `on` the kind of relation it is taken on (table, index, sequence)."""
    if mode is None:
        return None
    if on == "sequence":
        blocked = "nextval() and reads of the sequence wait" if mode is LockMode.ACCESS_EXCLUSIVE else "nothing waits"
        return f"{mode.sql_name} on the sequence: {blocked}"
    if on == "index" and mode is LockMode.ACCESS_EXCLUSIVE:
        return f"{mode.sql_name} on the index: queries and writes that use it wait"
    if mode is LockMode.ACCESS_EXCLUSIVE:
        return "ACCESS EXCLUSIVE: blocks reads and writes, and queues every later query behind it"
    if mode.strength >= LockMode.SHARE.strength:
        return f"{mode.sql_name}: blocks writes"
    return f"{mode.sql_name}: reads and writes go on"


def action_lock(action: Action, version: int) -> str | None:
    return lock_words(fact(action, version).lock)
