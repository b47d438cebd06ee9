"""Backfills in batches by primary key."""

from __future__ import annotations

from ...errors import PlanningError
from ...knowledge.mysql import Online
from ...model import (
    Backfill,
    Dialect,
)
from .base import Base, _key, _table, q


class Backfills(Base):
    def backfill(self, op: Backfill) -> None:
        if self.dialect is not Dialect.MARIADB:
            raise PlanningError(
                f"backfill {_key(op)}.{op.column}: MySQL runs no loop outside a stored program; run the batched "
                "UPDATE from the application or a script, then plan the rest"
            )
        key, table, col = _key(op), _table(op), q(op.column)
        where = op.where or f"{col} IS NULL"
        pk = q(op.key or "id")
        block = (
            "BEGIN NOT ATOMIC\n"
            f"    DECLARE lo, hi BIGINT;\n"
            f"    SELECT min({pk}) INTO lo FROM {table};\n"
            "    WHILE lo IS NOT NULL DO\n"
            f"        SELECT max(k) INTO hi FROM (SELECT {pk} AS k FROM {table} WHERE {pk} >= lo ORDER BY {pk} "
            f"LIMIT {op.batch_size}) AS batch;\n"
            f"        UPDATE {table} SET {col} = {op.value} WHERE {pk} BETWEEN lo AND hi AND ({where});\n"
            f"        DO SLEEP({op.pause_ms / 1000:g});\n"
            f"        SELECT min({pk}) INTO lo FROM {table} WHERE {pk} > hi;\n"
            "    END WHILE;\n"
            "END"
        )
        self.add(
            f"backfill_{op.table}_{op.column}",
            f"backfill {op.table} {op.column}",
            f"Backfill {key}.{op.column} in batches of {op.batch_size} (each batch commits; safe to run again)",
            [block],
            [],
            Online("", False, False, "row locks on one batch at a time"),
            key=key,
        )
