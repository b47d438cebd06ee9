"""What every renderer's templates get for one migration, and the README every format writes."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

from ..model import Migration, Plan
from .files import RenderedFile
from .lock_retry import RetryPolicy, statement_timeout_with_retries


def statement_timeout(plan: Plan, migration: Migration) -> str:
    """No limit where a step legitimately runs long (scans, backfills, index builds), else the plan's;
    a transactional migration on PostgreSQL also gets room for its lock retries (lock_retry.py)."""
    long_running = any(s.scans or s.rewrites or not s.transactional for s in migration.steps)
    if long_running:
        return "0"
    if migration.transactional and plan.target.is_postgresql:
        return statement_timeout_with_retries(plan.statement_timeout, RetryPolicy.of(plan))
    return plan.statement_timeout


WHOLE_LIST = 50  # up to this many migrations every README lists the whole change


def readme_window(index: int, count: int) -> range:
    """The migrations a README lists: all of them in a change of up to WHOLE_LIST (and in the first
    README of any change), else the five either side of this one (listing every migration in every
    README made rendering grow with the square of their number)."""
    if count <= WHOLE_LIST or index == 0:
        return range(count)
    return range(max(0, index - 5), min(count, index + 6))


def migration_context(plan: Plan, index: int, bases: list[str], ext: str, **extra: Any) -> dict[str, Any]:
    """Template variables for migration `index` (0-based) whose files are named bases[i] + ext.
    `extra` adds the format's own (revision ids, versions) and its run_up / run_down commands."""
    migration = plan.migrations[index]
    context: dict[str, Any] = {
        "plan": plan,
        "migration": migration,
        "index": index + 1,
        "count": len(plan.migrations),
        "base": bases[index],
        "names": bases,
        "files": [f"{b}{ext}" for b in bases],
        "readme": f"{bases[index]}_README.md",
        "statement_timeout": statement_timeout(plan, migration),
        "window": readme_window(index, len(plan.migrations)),
    }
    context.update(extra)
    return context


def readme(env: Environment, context: dict[str, Any]) -> RenderedFile:
    """The migration's README; a MariaDB / MySQL plan gets the MySQL one (its locks, its queries), whatever
    the format (the PostgreSQL README would send the reader to pg_stat_activity)."""
    if not context["plan"].target.is_postgresql:
        from ..summary import mysql_line
        from .online_tools import online_tools
        from .sql import mystatement
        from .templating import environment

        env = environment("sql_mysql")
        env.filters.update(mystatement=mystatement, mysql_line=mysql_line, online_tools=online_tools)
    return RenderedFile(path=context["readme"], content=env.get_template("README.md.j2").render(context))
