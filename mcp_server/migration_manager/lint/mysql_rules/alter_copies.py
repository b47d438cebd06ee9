"""An ALTER that states ALGORITHM=COPY or a LOCK that blocks writes."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from ..rules.base import Hit
from ._helpers import alter_table, option
from .base import MyContext, MyExample, MyRule


def check(ctx: MyContext) -> Iterator[Hit]:
    table = alter_table(ctx.node)
    if table is None or table in ctx.new_tables:
        return
    algorithm = option(ctx.node, exp.AlgorithmProperty)
    lock = option(ctx.node, exp.LockProperty)
    if algorithm == "COPY" or lock in ("SHARED", "EXCLUSIVE"):
        yield Hit(
            f"ALTER TABLE {table} copies the table (ALGORITHM={algorithm}, LOCK={lock}): writes wait for the "
            "whole copy",
            "COPY: writes wait for the whole copy",
            "on a large table, gh-ost or pt-online-schema-change copy it in chunks while writes go on "
            "(migration-manager plan --dialect mariadb writes the command)",
        )


RULE = MyRule(
    id="mysql-alter-copies",
    severity="error",
    summary="ALTER that copies the table under a write lock",
    why="A table copy holds writes off for as long as the copy takes, which grows with the table.",
    check=check,
    examples=(
        MyExample(
            "ALTER TABLE orders MODIFY COLUMN amount bigint NOT NULL DEFAULT 0, ALGORITHM=COPY, LOCK=SHARED;",
            True,
            rebuilds=True,
        ),
        MyExample(
            "ALTER TABLE orders ADD INDEX orders_code_idx (code), ALGORITHM=INPLACE, LOCK=NONE;", False, rebuilds=False
        ),
    ),
)
