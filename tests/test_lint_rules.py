"""Every lint rule's examples, linted and measured on a real server.

Each example is linted as the newest file of a repository whose first migration is the fixture
schema (so orders, users and events exist, with rows, and are not new): a bad example must be
flagged by its rule, a good one must not. Then the example runs on PostgreSQL 18 and 15 on the
populated fixture tables: a bad example must do what the finding claims (at least the lock it
names on the table, read from pg_locks; a rewrite, read from relfilenode; a scan, from the tuple
counters; or a refusal), and a good one must stay within what it declares (no stronger lock, no
rewrite, no scan unless declared).
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from conftest import FIXTURE_SCHEMA, Server
from migration_manager.lint import LintConfig
from migration_manager.lint.engine import Source
from migration_manager.lint.linter import Linter
from migration_manager.lint.rules import RULES, Context, Example, Rule
from migration_manager.lint.schema import Schema
from migration_manager.lint.source import statements
from migration_manager.lint.tree import unwrap
from migration_manager.model import Estimate, LockMode, Risk, Step
from migration_manager.planner.base import TableRef
from support import measure_concurrent, measure_in_transaction

EXAMPLES = [(rule, ex) for rule in RULES for ex in rule.examples]
IDS = [f"{rule.id}-{'bad' if ex.flagged else 'good'}{i}" for i, (rule, ex) in enumerate(EXAMPLES)]
MEASURED = [(r, e) for r, e in EXAMPLES if e.measured]
MEASURED_IDS = [i for i, (r, e) in zip(IDS, EXAMPLES, strict=True) if e.measured]


def lint_after_fixture(sql: str, version: int = 16) -> set[str]:
    linter = Linter(LintConfig(pg_version=version))
    linter.lint_source(Source("0001_schema.sql", FIXTURE_SCHEMA))
    return {f.rule for f in linter.lint_source(Source("0002_change.sql", sql))}


@pytest.mark.parametrize(("rule", "example"), EXAMPLES, ids=IDS)
def test_example_is_flagged_as_declared(rule: Rule, example: Example) -> None:
    found = lint_after_fixture(example.sql)
    assert (rule.id in found) == example.flagged, f"{rule.id} on {example.sql!r}: found {sorted(found)}"


# statements for the branches of rules that the examples do not reach
_MORE_KINDS = [
    "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);",
    "DROP DATABASE other;",
    "CLUSTER orders USING orders_pkey;",
    "VACUUM (FULL) orders;",
    "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;",
    "BEGIN; CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total); COMMIT;",
    "CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();",
    "DELETE FROM orders;",
]


def test_each_rule_runs_on_every_kind_of_statement_it_flags() -> None:
    """The engine runs a rule only on the statement kinds in its `reads`: a rule that flags any
    other kind when called directly would be silenced by that dispatch."""
    statements_seen = [s for r in RULES for e in r.examples for s in statements(e.sql)]
    statements_seen += [s for sql in _MORE_KINDS for s in statements(sql)]
    schema = Schema()
    for st in statements(FIXTURE_SCHEMA):
        if st.tree is not None:
            schema.apply(*unwrap(st.tree), st.text, "0001_schema.sql")
    checked = 0
    for st in statements_seen:
        if st.tree is None:
            continue
        kind, node = unwrap(st.tree)
        for rule in RULES:
            for in_transaction in (False, True):
                ctx = Context(kind, node, st.text, "0002_change.sql", schema, 16, False, in_transaction, False)
                if list(rule.check(ctx)):
                    checked += 1
                    assert kind in rule.reads, f"{rule.id} flags {kind} ({st.text!r}) but does not read it"
    assert checked > 40


def test_every_rule_has_a_bad_and_a_good_example() -> None:
    for rule in RULES:
        assert any(e.flagged for e in rule.examples) and any(not e.flagged for e in rule.examples), rule.id
        assert rule.why and rule.summary


def _step(*sql: str) -> Step:
    estimate = Estimate(seconds=None, basis="test")
    return Step(description="example", up=list(sql), down=[], estimate=estimate, risk=Risk.LOW)


def _oid(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute("SELECT to_regclass(%s)::oid", (table,)).fetchone()
    assert row and row[0], f"no table {table}"
    return int(row[0])


@pytest.mark.parametrize(("rule", "example"), MEASURED, ids=MEASURED_IDS)
def test_example_does_on_the_server_what_the_rule_says(rule: Rule, example: Example, server: Server, db: str) -> None:
    if not example.min_version <= server.version <= example.max_version:
        pytest.skip(f"the example is for PostgreSQL {example.min_version}-{example.max_version}")
    with psycopg.connect(db, autocommit=True) as conn:
        # a server not in UTC, so an example that needs UTC must set it itself
        conn.execute("SET TIME ZONE 'America/New_York'")
        if example.setup:
            conn.execute(example.setup)
        parts = [s.text for s in statements(example.sql)]
        if example.fails:
            with pytest.raises(psycopg.Error):
                conn.execute(example.sql)  # as one script, like a migration tool
            return
        # SET LOCAL right before the measured statement belongs to its transaction (run alone,
        # in autocommit, it would be a no-op); the rest runs first
        local = 0
        while local < len(parts) - 1 and parts[-2 - local].upper().startswith("SET LOCAL"):
            local += 1
        for earlier in parts[: len(parts) - 1 - local]:
            conn.execute(earlier)
        last = parts[-1]
        in_transaction = parts[len(parts) - 1 - local :]
        oid = _oid(conn, example.table)
        rows = conn.execute(f"SELECT count(*) FROM {example.table}").fetchone()[0]  # type: ignore[index]
        if example.transactional:
            measured = measure_in_transaction(conn, _step(*in_transaction))
        else:
            measured = measure_concurrent(db, _step(last), TableRef(example.table))
    lock = measured.locks.get(oid)
    rewritten = oid in measured.rewritten
    scanned = rows > 0 and measured.tuples_read.get(oid, 0) >= rows  # every row read
    what = f"{rule.id}: {last!r} took {lock}, rewrite={rewritten}, scan={scanned}"
    if example.flagged:
        if example.lock is not None:
            assert lock is not None and lock.strength >= example.lock.strength, what
        assert rewritten == example.rewrite, what
        if example.scan and example.transactional:
            assert scanned, what
    else:
        if example.lock is None:
            assert lock is None, what
        else:
            assert lock is None or lock.strength <= example.lock.strength, what
        assert not rewritten or example.rewrite, what
        if example.transactional:
            assert not scanned or example.scan, what


def test_a_flagged_lock_blocks_what_the_finding_says() -> None:
    """The words a finding uses for a lock follow the lock table the server measures
    (test_lock_conflicts.py): ACCESS EXCLUSIVE blocks reads and writes, SHARE and up block writes."""
    from migration_manager.lint.rules._helpers import lock_words

    assert "blocks reads and writes" in (lock_words(LockMode.ACCESS_EXCLUSIVE) or "")
    assert "blocks writes" in (lock_words(LockMode.SHARE) or "")
    assert "go on" in (lock_words(LockMode.SHARE_UPDATE_EXCLUSIVE) or "")
