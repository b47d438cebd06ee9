"""What a type change's swap does to an application that prepares its queries on the server.

The swap renames the new column into place, so the column's type changes under a query prepared
before it: PostgreSQL refuses to run that prepared statement again ("cached plan must not change
result type"), on every run, until the connection is replaced. The plan says so on the swap
step; benchmarks/downtime.py shows the errors under load, for the naive ALTER as well.
"""

from __future__ import annotations

import psycopg
import pytest

from conftest import Server
from migration_manager.model import ChangeColumnType, Target
from migration_manager.planner import plan


def test_type_swap_breaks_prepared_statements_until_reconnect_as_the_plan_says(server: Server, db: str) -> None:
    """The swap's note, measured: a query prepared before the swap fails after it, every time,
    on the same connection; a new connection runs it."""
    p = plan(
        [
            ChangeColumnType(
                table="orders", column="amount", new_type="bigint", old_type="integer", not_null=True, default="0"
            )
        ],
        Target(version=server.version),
    )
    swap = next(m for m in p.migrations if m.name.endswith("_swap"))
    assert any("cached plan must not change result type" in n for s in swap.steps for n in s.notes)
    app = psycopg.connect(db, autocommit=True)
    try:
        for _ in range(6):  # psycopg prepares a query on the server from its 5th run
            app.execute("SELECT amount FROM orders WHERE id = %s", (1,))
        with psycopg.connect(db, autocommit=True) as conn:
            for migration in p.migrations:
                if migration.gate_before:
                    break
                for step in migration.steps:
                    for sql in step.up:
                        conn.execute(sql)
        for _ in range(3):
            with pytest.raises(psycopg.errors.FeatureNotSupported, match="cached plan must not change result type"):
                app.execute("SELECT amount FROM orders WHERE id = %s", (1,))
    finally:
        app.close()
    with psycopg.connect(db, autocommit=True) as fresh:
        assert fresh.execute("SELECT pg_typeof(amount)::text FROM orders LIMIT 1").fetchone() == ("bigint",)
