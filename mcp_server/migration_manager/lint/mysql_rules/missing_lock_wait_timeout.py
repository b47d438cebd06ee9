"""DDL with no lock_wait_timeout set earlier in the file (reported once per file)."""

from __future__ import annotations

from collections.abc import Iterator

from ..rules.base import Hit
from ._helpers import is_ddl
from .base import MyContext, MyExample, MyRule


def check(ctx: MyContext) -> Iterator[Hit]:
    if not ctx.lock_wait_set and is_ddl(ctx.node):
        yield Hit(
            "no lock_wait_timeout before this DDL: it waits for the table's metadata lock as long as any open "
            "transaction holds it (a year, by default), and every query on the table queues behind it",
            "metadata lock: everything on the table waits behind a waiting ALTER",
            "SET SESSION lock_wait_timeout = 5;  -- at the top of the migration; run it again when it times out",
        )


RULE = MyRule(
    id="mysql-missing-lock-wait-timeout",
    severity="warning",
    summary="DDL without lock_wait_timeout",
    why="lock_wait_timeout defaults to a year: a DDL waiting behind one long transaction stalls every later "
    "query on the table until it gets the lock.",
    check=check,
    examples=(
        MyExample("ALTER TABLE orders ADD COLUMN seen int, ALGORITHM=INSTANT;", True, measured=False),
        MyExample(
            "SET SESSION lock_wait_timeout = 5;\nALTER TABLE orders ADD COLUMN seen int, ALGORITHM=INSTANT;",
            False,
            measured=False,
        ),
    ),
)
