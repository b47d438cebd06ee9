"""The safe alternative to a flagged statement, written by the planner: the same change as the
migrations migration-manager would generate, so a finding's fix is as proven as a plan."""

from __future__ import annotations

from functools import cache

from ..errors import MigrationManagerError


@cache
def planned(sql: str, version: int) -> str | None:
    """The plan's SQL for `sql`, migration by migration, or None when it cannot be planned
    (the DDL lacks a fact the plan needs, or it is not a schema change the planner knows).
    The planner (and the pydantic models of a plan) load on the first finding that needs it."""
    from ..model import Target
    from ..planner import plan
    from ..sql.postgres import parse_operations

    try:
        p = plan(parse_operations(sql), Target(version=max(10, min(version, 18))))
    except (MigrationManagerError, ValueError):
        return None
    parts: list[str] = []
    for index, migration in enumerate(p.migrations, start=1):
        head = f"-- migration {index} of {len(p.migrations)}: {migration.title}"
        if not migration.transactional:
            head += " (outside a transaction)"
        if migration.gate_before:
            head += f"\n-- first: {migration.gate_before}"
        body = "\n".join(s.rstrip().rstrip(";") + ";" for step in migration.steps for s in step.up)
        parts.append(f"{head}\n{body}")
    return "\n".join(parts)
