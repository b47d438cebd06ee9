"""A statement PostgreSQL's parser refuses. The engine reports it (with the parser's position)
and goes on with the rest of the file; this module holds the rule's description."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    return iter(())


RULE = Rule(
    id="parse-error",
    severity="error",
    summary="statement that does not parse",
    why="PostgreSQL will refuse it too; nothing after it in the same transaction runs.",
    check=check,
    reads=(),
    examples=(
        Example("ALTER TABLE orders ADD COLUMN;", True, fails=True),
        Example("ALTER TABLE orders ADD COLUMN note text;", False, measured=False),
    ),
)
