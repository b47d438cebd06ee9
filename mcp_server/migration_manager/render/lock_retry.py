"""Lock retries for transactional migrations on PostgreSQL.

A DDL statement that waits for its lock sits in the table's lock queue, and every query that
arrives after it waits behind it, even a plain SELECT. A short lock_timeout bounds that wait;
retrying keeps a busy table from failing the migration. Each attempt runs in a subtransaction
(savepoint), so a timed-out attempt releases every lock it took before the application's queries
are let through, then the migration sleeps with exponential backoff and jitter and tries again.

The same policy is written three ways: a PL/pgSQL loop around the migration's statements (plain
SQL, Flyway, dbmate, golang-migrate, Diesel, Liquibase changeSets, Django's RunSQL), a Python
loop over savepoints in an Alembic revision, and a Ruby loop over
`connection.transaction(requires_new: true)` in a Rails migration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Plan

FIRST_DELAY = 0.1  # seconds before the second attempt
MAX_DELAY = 2.0  # the backoff doubles up to this
TAG = "$migration_manager$"  # dollar quote of the retry block; plans use $mm$ inside

_UNITS = {"us": 0.000001, "ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(timeout: str) -> float:
    """A PostgreSQL duration setting ('200ms', '3s', '1min', or bare milliseconds) in seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*", timeout)
    if not m:
        raise ValueError(f"not a PostgreSQL duration: {timeout!r} (write e.g. '200ms' or '3s')")
    value, unit = m.group(1, 2)
    return float(value) * _UNITS[str(unit or "ms")]


@dataclass(frozen=True)
class RetryPolicy:
    lock_timeout: str
    attempts: int

    @classmethod
    def of(cls, plan: Plan) -> RetryPolicy:
        return cls(plan.lock_timeout, plan.lock_retries)

    def delay(self, attempt: int) -> float:
        """Sleep after failed attempt `attempt` (1-based), before jitter."""
        return min(FIRST_DELAY * 2.0 ** (attempt - 1), MAX_DELAY)

    def worst_case_seconds(self) -> float:
        """Longest the retries can take before giving up: every attempt waits its full
        lock_timeout and every sleep draws the largest jitter (x1.5)."""
        sleeps = sum(self.delay(k) * 1.5 for k in range(1, self.attempts))
        return self.attempts * seconds(self.lock_timeout) + sleeps

    def describe(self) -> str:
        return (
            f"each attempt waits at most {self.lock_timeout} for its locks; on lock_not_available it rolls "
            f"back to its savepoint (releasing what it took), sleeps {FIRST_DELAY:g} s doubling to {MAX_DELAY:g} s "
            f"with jitter, and tries again, {self.attempts} attempts in all "
            f"(about {self.worst_case_seconds():.0f} s at worst)"
        )


def statement_timeout_with_retries(base: str, policy: RetryPolicy) -> str:
    """statement_timeout counts from the start of the top-level statement, so a retry block (one
    statement) needs room for every attempt and sleep on top of the migration's own limit."""
    if seconds(base) == 0:
        return "0"
    return f"{round((seconds(base) + policy.worst_case_seconds()) * 1000)}ms"


_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)


def plpgsql_statement(sql: str) -> str:
    """A plan statement written inside a PL/pgSQL block: a SELECT becomes PERFORM (its result is
    not wanted; plans never write SELECT ... INTO), everything else is written as it is."""
    text = sql.rstrip().rstrip(";")
    m = _SELECT.match(text)
    return ("PERFORM" + text[m.end() :] if m else text) + ";"


_BLOCK = re.compile(
    r"\A\s*DO \$migration_manager\$\n.*?BEGIN\n {12}(SET LOCAL lock_timeout = '[^']*';)\n(.*?)\n {12}EXIT;\n"
    r" {8}EXCEPTION WHEN lock_not_available THEN\n",
    re.DOTALL,
)
_PERFORM = re.compile(r"\APERFORM\b")  # only a statement's own first word: plpgsql_statement's doing


def unwrap(sql: str) -> list[str] | None:
    """The statements inside a retry block written by do_block (its SET LOCAL lock_timeout first,
    PERFORM written back as SELECT), for a tool that traces statement by statement on a database no
    one else uses; None when `sql` is not such a block."""
    m = _BLOCK.match(sql)
    if not m:
        return None
    from ..lint.source import statements

    body = [_PERFORM.sub("SELECT", st.text) for st in statements(m[2])]
    return [m[1], *body]


def do_block(body: str, policy: RetryPolicy) -> str:
    """`body` (rendered statements, each ending in ';', comments allowed) inside the retry loop.
    The body is not indented: that would change the text of function bodies and multi-line
    literals, and the schema must come out the same in every format."""
    inner = body.strip("\n")
    n = policy.attempts
    return f"""DO {TAG}
DECLARE
    mm_attempt integer := 1;
BEGIN
    LOOP
        BEGIN
            SET LOCAL lock_timeout = '{policy.lock_timeout}';
{inner}
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            IF mm_attempt >= {n} THEN
                RAISE;
            END IF;
            RAISE NOTICE 'migration-manager: lock not available (attempt % of {n}), retrying', mm_attempt;
            PERFORM pg_sleep(least({FIRST_DELAY} * 2 ^ (mm_attempt - 1), {MAX_DELAY}) * (0.5 + random()));
            mm_attempt := mm_attempt + 1;
        END;
    END LOOP;
END
{TAG};"""
