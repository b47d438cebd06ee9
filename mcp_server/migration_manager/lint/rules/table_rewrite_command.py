"""VACUUM FULL and CLUSTER rewrite the table under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from ...model import LockMode
from ..nodes import table_key
from ._helpers import lock_words
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    node = ctx.node
    if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd:
        if any(getattr(o, "defname", "") == "full" for o in node.options or ()):
            tables = [table_key(r.relation) for r in node.rels or ()] or ["every table"]
            yield Hit(
                f"VACUUM FULL rewrites {', '.join(tables)} under ACCESS EXCLUSIVE",
                lock_words(LockMode.ACCESS_EXCLUSIVE),
                "pg_repack (or pg_squeeze) reclaims the space online; a plain VACUUM needs no exclusive lock",
            )
    elif isinstance(node, ast.ClusterStmt):
        where = table_key(node.relation) if node.relation is not None else "every clustered table"
        yield Hit(
            f"CLUSTER rewrites {where} in index order under ACCESS EXCLUSIVE",
            lock_words(LockMode.ACCESS_EXCLUSIVE),
            "pg_repack --order-by does the same online",
        )


RULE = Rule(
    id="table-rewrite-command",
    severity="error",
    summary="VACUUM FULL or CLUSTER in a migration",
    why="Both copy the whole table under ACCESS EXCLUSIVE: the application is locked out for the copy.",
    check=check,
    examples=(
        Example("CLUSTER orders USING orders_pkey;", True, lock=LockMode.ACCESS_EXCLUSIVE, rewrite=True),
        Example("VACUUM FULL orders;", True, lock=LockMode.ACCESS_EXCLUSIVE, rewrite=True, transactional=False),
        Example("VACUUM orders;", False, lock=LockMode.SHARE_UPDATE_EXCLUSIVE, transactional=False),
    ),
)
