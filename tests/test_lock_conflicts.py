"""What the plans say a lock blocks ("blocks writes", "blocks reads and writes", the README's lock
table, the risk levels) is what the server does: each mode is held by one session while another
tries a read and a write, on PostgreSQL 18 and 15."""

from __future__ import annotations

import psycopg
import pytest

from conftest import Server
from migration_manager.knowledge.postgres import blocks_reads, blocks_writes
from migration_manager.model import LockMode


def _waits(db: str, sql: str) -> bool:
    """Whether `sql` has to wait (it gives up after 200 ms of waiting for a lock)."""
    with psycopg.connect(db) as conn:
        conn.execute("SET lock_timeout = '200ms'")
        try:
            conn.execute(sql)
        except psycopg.errors.LockNotAvailable:
            return True
        finally:
            conn.rollback()
    return False


@pytest.mark.parametrize("mode", list(LockMode), ids=lambda m: m.name.lower())
def test_what_a_mode_blocks(mode: LockMode, server: Server, db: str) -> None:
    with psycopg.connect(db) as holder:
        holder.execute(f"LOCK TABLE orders IN {mode.sql_name} MODE")
        reads_wait = _waits(db, "SELECT count(*) FROM orders")
        writes_wait = _waits(db, "UPDATE orders SET amount = amount WHERE id = 1")
        inserts_wait = _waits(db, "INSERT INTO orders (user_id) VALUES (1)")
        holder.rollback()
    assert reads_wait == blocks_reads(mode), f"{mode.sql_name}: reads wait={reads_wait}"
    assert writes_wait == inserts_wait == blocks_writes(mode), f"{mode.sql_name}: writes wait={writes_wait}"
