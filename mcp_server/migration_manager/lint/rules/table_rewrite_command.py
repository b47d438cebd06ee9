"""VACUUM FULL and CLUSTER rewrite the table under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ..tree import bodies, has_option, table_key
from ._helpers import lock_words
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    node = ctx.node
    if ctx.kind == "VacuumStmt" and node.get("is_vacuumcmd"):
        if has_option(node.get("options"), "full"):
            relations = list(bodies(node.get("rels"), "VacuumRelation"))
            tables = [table_key(r.get("relation", {})) for r in relations] or ["every table"]
            yield Hit(
                f"VACUUM FULL rewrites {', '.join(tables)} under ACCESS EXCLUSIVE",
                lock_words(LockMode.ACCESS_EXCLUSIVE),
                "pg_repack (or pg_squeeze) reclaims the space online; a plain VACUUM needs no exclusive lock",
                table=tables[0] if len(relations) == 1 else None,
            )
    elif ctx.kind == "ClusterStmt":
        where = table_key(node["relation"]) if node.get("relation") is not None else "every clustered table"
        yield Hit(
            f"CLUSTER rewrites {where} in index order under ACCESS EXCLUSIVE",
            lock_words(LockMode.ACCESS_EXCLUSIVE),
            "pg_repack --order-by does the same online",
            table=table_key(node["relation"]) if node.get("relation") is not None else None,
        )


RULE = Rule(
    id="table-rewrite-command",
    severity="error",
    summary="VACUUM FULL or CLUSTER in a migration",
    why="Both copy the whole table under ACCESS EXCLUSIVE: the application is locked out for the copy.",
    check=check,
    reads=("VacuumStmt", "ClusterStmt"),
    examples=(
        Example("CLUSTER orders USING orders_pkey;", True, lock=LockMode.ACCESS_EXCLUSIVE, rewrite=True),
        Example("VACUUM FULL orders;", True, lock=LockMode.ACCESS_EXCLUSIVE, rewrite=True, transactional=False),
        Example("VACUUM orders;", False, lock=LockMode.SHARE_UPDATE_EXCLUSIVE, transactional=False),
    ),
)
