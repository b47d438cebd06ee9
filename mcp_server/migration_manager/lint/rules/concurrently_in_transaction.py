"""CONCURRENTLY after an explicit BEGIN in the same file: PostgreSQL refuses it."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from .base import Context, Example, Hit, Rule


def _concurrent(node: object) -> bool:
    if isinstance(node, ast.IndexStmt | ast.DropStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return any(getattr(p, "defname", "") == "concurrently" for p in node.params or ())
    return False


def check(ctx: Context) -> Iterator[Hit]:
    if ctx.in_transaction_block and _concurrent(ctx.node):
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
    examples=(
        Example("BEGIN;\nCREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);\nCOMMIT;", True, fails=True),
        Example("CREATE INDEX CONCURRENTLY orders_code_idx ON orders (code);", False, measured=False),
    ),
)
