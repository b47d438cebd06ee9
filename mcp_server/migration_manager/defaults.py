"""The timeouts and retries a plan uses unless told otherwise: a module of their own so the CLI
can show them in --help without loading the planner."""

from __future__ import annotations

import re

DEFAULT_LOCK_TIMEOUT = "200ms"  # longest wait for a lock per attempt: queries queue behind a waiting DDL
DEFAULT_LOCK_RETRIES = 20
DEFAULT_STATEMENT_TIMEOUT = "60s"
OLDEST_PG, NEWEST_PG = 10, 18  # the PostgreSQL major versions plans and lint know
MAX_BATCH_SIZE = 1_000_000  # rows per backfill batch (at least 1)
MAX_PAUSE_MS = 60_000  # pause between backfill batches (at least 0)
MAX_LOCK_RETRIES = 100  # attempts at a migration's locks (at least 1)
# lint: a whole-table statement (unbatched UPDATE / DELETE, rewrite, scan under a strong lock, plain
# index build) on a table below both is a note; above either, an error; of unknown size, a warning
LINT_SMALL_ROWS = 10_000
LINT_SMALL_BYTES = 10 * 1024 * 1024

# A duration the plan writes into its SQL (SET lock_timeout = '200ms'): a whole number and a unit
# PostgreSQL and the MySQL planner both read. Nothing else is accepted, so no caller's text reaches SQL.
DURATION_PATTERN = r"^\d+(ms|s|min)$"
_DURATION = re.compile(DURATION_PATTERN)

# Every connection to a user's database (preflight, status, schema reads, verify --dsn) is bounded:
# a server that accepts and never answers is given up on after CONNECT_TIMEOUT_S (PostgreSQL's
# connect_timeout covers the whole start-up; for MariaDB / MySQL it bounds the TCP connect, the
# server's greeting and the login). A MariaDB / MySQL query then runs with a server-side limit of
# CHECK_TIMEOUT_S, and the client stops waiting for an answer (or for a write to go out) after
# MYSQL_IO_TIMEOUT_S, a little longer, so a server that stops answering midway is not waited for.
CONNECT_TIMEOUT_S = 10
CHECK_TIMEOUT_S = 30
MYSQL_IO_TIMEOUT_S = CHECK_TIMEOUT_S + 10


def unsupported_pg(version: int) -> str | None:
    """Why `version` cannot be a target, or None when it can."""
    if OLDEST_PG <= version <= NEWEST_PG:
        return None
    return f"PostgreSQL {version} is not supported: give a major version from {OLDEST_PG} to {NEWEST_PG}"


def bad_duration(value: object, field: str) -> str | None:
    """Why `value` cannot be the duration `field` (lock_timeout, statement_timeout), or None when it can."""
    if isinstance(value, str) and _DURATION.fullmatch(value):
        return None
    return f"{field} must be a whole number with the unit ms, s or min, e.g. '200ms', '3s' or '1min' (got {value!r})"


# How large one change may be, so that every plan, render, preflight and verify request is answered
# within seconds: parsing and planning are linear (well under 1 ms a statement), but each migration's
# README lists the whole change, so rendering grows with the square of the migration count
# (benchmarks/plan_size.py). Larger input is refused before it is read, saying what to do instead.
MAX_STATEMENTS = 2_000  # statements (or operations) in one change
MAX_SQL_CHARS = 1_000_000  # characters of SQL text in one change


def too_many_statements(count: int, what: str = "statements") -> str | None:
    """Why a change of `count` statements is refused, or None when it is within the limit."""
    if count <= MAX_STATEMENTS:
        return None
    return (
        f"the change has {count:,} {what}; one plan takes at most {MAX_STATEMENTS:,}: split it into several "
        f"changes of up to {MAX_STATEMENTS:,} each (keep the statements on one column together) and plan each one"
    )


def too_much_sql(chars: int) -> str | None:
    """Why SQL text of `chars` characters is refused, or None when it is within the limit."""
    if chars <= MAX_SQL_CHARS:
        return None
    return (
        f"the SQL is {chars:,} characters; one plan takes at most {MAX_SQL_CHARS:,} (and {MAX_STATEMENTS:,} "
        "statements): split it into several changes (keep the statements on one column together) and plan each one"
    )
