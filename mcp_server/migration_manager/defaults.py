"""The timeouts and retries a plan uses unless told otherwise: a module of their own so the CLI
can show them in --help without loading the planner."""

from __future__ import annotations

DEFAULT_LOCK_TIMEOUT = "200ms"  # longest wait for a lock per attempt: queries queue behind a waiting DDL
DEFAULT_LOCK_RETRIES = 20
DEFAULT_STATEMENT_TIMEOUT = "60s"
OLDEST_PG, NEWEST_PG = 10, 18  # the PostgreSQL major versions plans and lint know


def unsupported_pg(version: int) -> str | None:
    """Why `version` cannot be a target, or None when it can."""
    if OLDEST_PG <= version <= NEWEST_PG:
        return None
    return f"PostgreSQL {version} is not supported: give a major version from {OLDEST_PG} to {NEWEST_PG}"
