"""An ALTER TABLE with no ALGORITHM clause: the server picks the cheapest algorithm it can,
and where nothing online works that is a table copy that blocks writes, without a word."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from ..rules.base import Hit
from ._helpers import alter_table, option
from .base import MyContext, MyExample, MyRule


def check(ctx: MyContext) -> Iterator[Hit]:
    table = alter_table(ctx.node)
    if table is None or table in ctx.new_tables or option(ctx.node, exp.AlgorithmProperty):
        return
    yield Hit(
        f"ALTER TABLE {table} states no ALGORITHM: if the change cannot be made online the server copies the "
        "table while writes wait, and says nothing",
        "COPY (when it comes to that): writes wait for the whole copy",
        ctx.text.strip().rstrip(";") + ", ALGORITHM=INSTANT;  -- or ALGORITHM=INPLACE, LOCK=NONE: the server "
        "refuses rather than copy",
    )


RULE = MyRule(
    id="mysql-alter-without-algorithm",
    severity="error",
    summary="ALTER TABLE without ALGORITHM",
    why="Without ALGORITHM the server falls back to copying the table under a lock that blocks writes; with it, "
    "a change that cannot be made online is refused and can be planned another way (gh-ost).",
    check=check,
    examples=(
        MyExample("ALTER TABLE orders MODIFY COLUMN amount bigint NOT NULL DEFAULT 0;", True, rebuilds=True),
        MyExample("ALTER TABLE orders ADD COLUMN seen int, ALGORITHM=INSTANT;", False, rebuilds=False),
    ),
)
