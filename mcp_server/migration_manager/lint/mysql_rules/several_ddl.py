"""More than one DDL statement in a file: no DDL is transactional on MariaDB and MySQL, so a
failure midway leaves the earlier statements applied."""

from __future__ import annotations

from collections.abc import Iterator

from ..rules.base import Hit
from ._helpers import is_ddl
from .base import MyContext, MyExample, MyRule


def check(ctx: MyContext) -> Iterator[Hit]:
    if is_ddl(ctx.node) and ctx.ddl_before == 1:  # reported once, at the second DDL
        yield Hit(
            "a second DDL statement in this file: each commits on its own, so if a later one fails the earlier "
            "ones stay applied and the migration tool may not know",
            None,
            "one DDL statement per migration file",
        )


RULE = MyRule(
    id="mysql-several-ddl",
    severity="warning",
    summary="several DDL statements in one migration",
    why="MariaDB and MySQL commit each DDL statement on its own: a failure midway leaves a half-applied migration.",
    check=check,
    examples=(
        MyExample(
            "ALTER TABLE orders ADD COLUMN seen int, ALGORITHM=INSTANT;\n"
            "ALTER TABLE orders ADD COLUMN seen int, ALGORITHM=INSTANT;",
            True,
            partial=True,
        ),
        MyExample("ALTER TABLE orders ADD COLUMN seen int, ALGORITHM=INSTANT;", False, measured=False),
    ),
)
