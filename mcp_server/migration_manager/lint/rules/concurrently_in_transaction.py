"""CONCURRENTLY inside a transaction block: after an explicit BEGIN in the same file, in the
transaction a framework opens (Alembic, Django, Liquibase, Rails; dbmate, Diesel, Flyway told by
sql_runner.py), or in a query string of several statements (dbmate, Diesel, golang-migrate):
PostgreSQL refuses it."""

from __future__ import annotations

from collections.abc import Iterator

from ..tree import has_option
from .base import Context, Example, Hit, Rule


def _concurrent(ctx: Context) -> bool:
    if ctx.kind in ("IndexStmt", "DropStmt"):
        return bool(ctx.node.get("concurrent"))
    if ctx.kind == "ReindexStmt":
        return has_option(ctx.node.get("params"), "concurrently")
    return False


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.in_transaction_block and _concurrent(ctx) and ctx.opened_by_tool is not None:
        where, fix = ctx.opened_by_tool
        yield Hit(
            f"CONCURRENTLY cannot run inside a transaction block, and {where}: the migration fails here", None, fix
        )
    elif ctx.in_transaction_block and _concurrent(ctx):
        yield Hit(
            "CONCURRENTLY cannot run inside a transaction block: the migration fails here",
            None,
            "move it to a migration that runs outside a transaction (Rails disable_ddl_transaction!, Alembic "
            'autocommit_block(), Liquibase runInTransaction="false", Flyway executeInTransaction=false)',
        )


RULE = Rule(
    id="concurrently-in-transaction",
    severity="error",
    summary="CREATE/DROP INDEX CONCURRENTLY or REINDEX CONCURRENTLY inside BEGIN ... COMMIT",
    why="PostgreSQL refuses CONCURRENTLY in a transaction block; the migration stops with an error.",
    check=check,
    reads=("IndexStmt", "DropStmt", "ReindexStmt"),
    examples=(
        Example("BEGIN;\nCREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);\nCOMMIT;", True, fails=True),
        Example("CREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);", False, measured=False),
    ),
)
