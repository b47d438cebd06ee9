"""UPDATE or DELETE of every row in one statement."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from ..rules.base import Hit
from .base import MyContext, MyExample, MyRule


def check(ctx: MyContext) -> Iterator[Hit]:
    node = ctx.node
    if isinstance(node, exp.Update | exp.Delete) and node.args.get("where") is None:
        table = node.this.name if node.this is not None else "the table"
        if table not in ctx.new_tables:
            yield Hit(
                f"one statement over every row of {table}: each row stays locked until it commits",
                "row locks on every row until commit",
                "update in batches by primary key, committing after each (migration-manager plan --dialect mariadb "
                "writes the loop)",
            )


RULE = MyRule(
    id="mysql-unbatched-dml",
    severity="error",
    summary="UPDATE or DELETE without WHERE",
    why="One statement locks every row it touches until it commits: writes to those rows wait all that time.",
    check=check,
    examples=(
        MyExample("UPDATE orders SET code = upper(code);", True, measured=False),
        MyExample("UPDATE orders SET code = upper(code) WHERE id BETWEEN 1 AND 1000;", False, measured=False),
    ),
)
