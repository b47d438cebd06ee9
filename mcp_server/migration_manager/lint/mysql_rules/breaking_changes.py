"""Renames and drops the running application still depends on; UPDATE / DELETE of a whole table."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from ..rules.base import Hit
from ._helpers import alter_table
from .base import MyContext, MyExample, MyRule


def check(ctx: MyContext) -> Iterator[Hit]:
    node = ctx.node
    table = alter_table(node)
    if table is not None and table not in ctx.new_tables:
        for action in node.args.get("actions") or ():
            if isinstance(action, exp.RenameColumn):
                yield Hit(
                    f"renaming {table}.{action.this.name} breaks the code still running with the old name",
                    None,
                    "add the new column, write both, switch reads, then drop the old one",
                )
            elif isinstance(action, exp.Drop) and str(action.args.get("kind", "")).upper() == "COLUMN":
                column = ", ".join(t.name for t in action.args.get("tables") or ())
                yield Hit(
                    f"dropping {table}.{column} loses its data and breaks code that still uses it",
                    None,
                    "deploy code that no longer uses the column first",
                )
    if isinstance(node, exp.Command) and str(node.this).upper() == "RENAME":
        yield Hit(
            "RENAME TABLE breaks the code still running with the old name",
            None,
            "create a view with the old name, or switch the code in the same deploy",
        )
    if isinstance(node, exp.Drop) and str(node.args.get("kind", "")).upper() == "TABLE":
        tables = [t.name for t in node.args.get("tables") or ([node.this] if node.this is not None else [])]
        kept = [t for t in tables if t not in ctx.new_tables]
        if kept:
            yield Hit(f"dropping {', '.join(kept)} loses its rows", None, "deploy code that no longer uses it first")


RULE = MyRule(
    id="mysql-breaks-running-code",
    severity="warning",
    summary="rename or drop of something the running application uses",
    why="The schema changes the moment the statement commits; the application version still running fails on it.",
    check=check,
    examples=(
        MyExample("ALTER TABLE orders RENAME COLUMN code TO ref, ALGORITHM=INSTANT;", True, rebuilds=False),
        MyExample("ALTER TABLE orders ADD COLUMN ref varchar(20), ALGORITHM=INSTANT;", False, rebuilds=False),
    ),
)
