"""The checks that must pass before each migration of a plan, each with its expected answer.

The plan's own checks (NULLs before NOT NULL, duplicates before UNIQUE, orphans before a foreign
key, rows that break a CHECK) come first; then, per table the plan touches: values that will
not convert before a type change, transactions and lock waits that would make the migration wait
(pg_stat_activity, pg_locks, pg_blocking_pids), INVALID indexes a failed build left, and the
table's size (reltuples, pg_total_relation_size) for the estimates; then replication lag.
"""

from __future__ import annotations

import re

from ..ident import quote_ident, quote_literal
from ..knowledge.postgres import normalize_type
from ..model import ChangeColumnType, Plan
from .model import PreflightCheck

_INTEGERS = {"smallint": (-32768, 32767), "integer": (-2147483648, 2147483647), "bigint": (-(2**63), 2**63 - 1)}


def _tables(plan: Plan) -> list[tuple[str, str]]:
    """(display key, quoted SQL name) of every existing table the plan touches, in plan order."""
    created = {op.table for op in plan.operations if op.op == "create_table"}
    seen: dict[str, str] = {}
    for op in plan.operations:
        table = getattr(op, "table", None)
        if not table or table in created:
            continue
        schema = getattr(op, "schema_name", None)
        key = f"{schema}.{table}" if schema else table
        seen.setdefault(key, f"{quote_ident(schema)}.{quote_ident(table)}" if schema else quote_ident(table))
    return list(seen.items())


def cast_check(op: ChangeColumnType, version: int, migration: int | None) -> PreflightCheck | None:
    """Rows whose value will not convert to the new type (None when this cannot be asked read-only)."""
    table = f"{quote_ident(op.schema_name)}.{quote_ident(op.table)}" if op.schema_name else quote_ident(op.table)
    col = quote_ident(op.column)
    new = normalize_type(op.new_type)
    name = re.escape(op.column)
    plain_cast = rf"\s*(\(?\s*{name}\s*\)?\s*::\s*[\w .(),]+|CAST\s*\(\s*{name}\s+AS\s+[\w .(),]+\))\s*"
    if op.using and not re.fullmatch(plain_cast, op.using, re.IGNORECASE):
        return None  # a computed USING: only running it tells which rows fail
    value = f"{col}::text"
    where: str | None = None
    if version >= 16:
        where = f"NOT pg_input_is_valid({value}, {quote_literal(op.new_type)})"
    elif m := re.fullmatch(r"(?:varchar|char)\((\d+)\)", new):
        where = f"length({value}) > {m[1]}"
    elif new in _INTEGERS:
        low, high = _INTEGERS[new]
        where = f"{value} !~ '^\\s*[-+]?[0-9]+\\s*$' OR ({value})::numeric NOT BETWEEN {low} AND {high}"
    if where is None:
        return None
    return PreflightCheck(
        kind="data",
        migration=migration,
        table=op.table,
        description=f"every {op.table}.{op.column} converts to {op.new_type}",
        sql=f"SELECT count(*) FROM {table} WHERE {col} IS NOT NULL AND ({where})",
        expect="zero",
    )


def checks_for(plan: Plan, long_transaction_seconds: int = 60) -> list[PreflightCheck]:
    """`long_transaction_seconds`: how long an open transaction holding a lock on a table may be
    before it counts as one the migration would queue behind."""
    out: list[PreflightCheck] = []
    if plan.migrations:  # the first migration's guards: what the plan assumed of the schema, run read-only
        for step in plan.migrations[0].steps:
            if step.assumption:
                out.extend(
                    PreflightCheck(
                        kind="assumption", migration=1, description=step.description, sql=sql, expect="no rows"
                    )
                    for sql in step.up
                )
    for index, migration in enumerate(plan.migrations, start=1):
        for c in migration.checks:
            out.append(
                PreflightCheck(kind="data", migration=index, description=c.description, sql=c.sql, expect=c.expect)
            )
    for op in plan.operations:
        if isinstance(op, ChangeColumnType):
            check = cast_check(op, plan.target.version, None)
            if check is not None:
                out.append(check)
    for key, sql_name in _tables(plan):
        literal = quote_literal(sql_name)
        out += [
            PreflightCheck(
                kind="activity",
                table=key,
                description=f"no transaction open for over {long_transaction_seconds} s holds a lock on {key} (the "
                "migration would wait for it, and every query on the table behind the migration)",
                sql="SELECT a.pid, now() - a.xact_start AS open_for, a.state, left(a.query, 80) AS query "
                "FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
                f"WHERE l.relation = to_regclass({literal}) AND a.pid <> pg_backend_pid() "
                f"AND a.xact_start < now() - interval '{int(long_transaction_seconds)} seconds' ORDER BY a.xact_start",
                expect="no rows",
            ),
            PreflightCheck(
                kind="activity",
                table=key,
                description=f"no session is waiting for a lock on {key} right now",
                sql="SELECT l.pid, l.mode, pg_blocking_pids(l.pid) AS blocked_by FROM pg_locks AS l "
                f"WHERE l.relation = to_regclass({literal}) AND NOT l.granted",
                expect="no rows",
            ),
            PreflightCheck(
                kind="activity",
                table=key,
                description=f"no INVALID index on {key} (left by a failed CREATE INDEX CONCURRENTLY)",
                sql="SELECT i.indexrelid::regclass::text AS index FROM pg_index AS i "
                f"WHERE i.indrelid = to_regclass({literal}) AND NOT i.indisvalid",
                expect="no rows",
            ),
            PreflightCheck(
                kind="size",
                table=key,
                description=f"size of {key} (feeds the time estimates)",
                sql="SELECT greatest(c.reltuples, 0)::bigint AS rows, pg_relation_size(c.oid) AS heap_bytes, "
                "pg_total_relation_size(c.oid) AS total_bytes FROM pg_class AS c "
                f"WHERE c.oid = to_regclass({literal})",
                expect="report",
            ),
        ]
    out.append(
        PreflightCheck(
            kind="activity",
            description="no replica is more than 10 seconds behind (a rewrite or backfill adds WAL it must replay)",
            sql="SELECT application_name, replay_lag FROM pg_stat_replication WHERE replay_lag > interval '10 seconds'",
            expect="no rows",
        )
    )
    return out
