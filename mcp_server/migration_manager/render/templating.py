"""The Jinja2 environment shared by every renderer."""

from __future__ import annotations

import textwrap
from functools import cache

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

from ..model import Plan, Step
from .lock_retry import RetryPolicy, do_block, plpgsql_statement
from .reversal import irreversible, why_irreversible


def _statement(sql: str) -> str:
    return sql.rstrip().rstrip(";") + ";"


def _comment(text: str) -> str:
    return "\n".join(f"-- {line}" if line else "--" for line in text.splitlines())


def _lock_line(step: Step) -> str:
    if not step.locks:
        return "no table lock"
    parts = []
    for lock in step.locks:
        what = (
            "blocks reads and writes"
            if lock.blocks_reads
            else "blocks writes"
            if lock.blocks_writes
            else ("reads and writes go on")
        )
        where = f"{lock.schema_name}.{lock.relation}" if lock.schema_name else lock.relation
        parts.append(f"{lock.mode.sql_name} on {where} ({what})")
    return "; ".join(parts)


def _work_line(step: Step) -> str:
    if step.rewrites:
        return "REWRITES the table under the lock"
    if step.scans and step.blocks_writes:
        return "SCANS the table while writes wait"
    if step.scans:
        return "reads the table while the application goes on"
    return "catalog change only"


def _seconds(value: float | None) -> str:
    if value is None:
        return "unknown (no table stats)"
    if value < 1:
        return "under a second"
    if value < 120:
        return f"about {value:.0f} s"
    return f"about {value / 60:.0f} min"


def _lock_retry(body: str, plan: Plan) -> str:
    return do_block(body, RetryPolicy.of(plan)) + "\n"


def _retry_statements(statements: list[str], plan: Plan) -> str:
    """The retry block around plan statements (no comments): one SQL string."""
    return do_block("\n".join(plpgsql_statement(sql) for sql in statements), RetryPolicy.of(plan))


def _retry_policy(plan: Plan) -> str:
    return RetryPolicy.of(plan).describe()


def _retry_comment(plan: Plan, prefix: str = "--") -> str:
    text = textwrap.fill("Lock retries: " + RetryPolicy.of(plan).describe() + ".", 96 - len(prefix) - 1)
    return "\n".join(f"{prefix} {line}" for line in text.splitlines())


@cache
def environment(framework: str) -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("migration_manager", f"render/templates/{framework}"),
                PackageLoader("migration_manager", "render/templates/common"),
            ]
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(
        statement=_statement,
        comment=_comment,
        lock_line=_lock_line,
        work_line=_work_line,
        seconds=_seconds,
        plpgsql=plpgsql_statement,
        lock_retry=_lock_retry,
        retry_statements=_retry_statements,
        retry_comment=_retry_comment,
        retry_policy=_retry_policy,
        why_irreversible=why_irreversible,
    )
    env.tests.update(irreversible=irreversible)
    return env
