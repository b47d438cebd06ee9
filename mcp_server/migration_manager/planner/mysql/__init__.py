"""Operation -> Plan for MariaDB and MySQL (InnoDB).

No DDL is transactional there: each migration holds one ALTER (or CREATE/DROP/RENAME), so a
failure leaves nothing half-done. Every ALTER states its ALGORITHM and LOCK (knowledge/mysql.py):
INSTANT or INPLACE, LOCK=NONE where the server can keep the table online; a server that cannot
refuses instead of copying. A change that can only be made by copying the table is planned as
ALGORITHM=COPY, LOCK=SHARED for a small table and, past a size threshold in the table stats, as a
gh-ost (or pt-online-schema-change) run instead of an ALTER. lock_wait_timeout bounds the wait
for the metadata lock each ALTER takes at its start and end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ...errors import PlanningError
from ...knowledge.mysql import documented_only
from ...model import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    AddUnique,
    Backfill,
    ChangeColumnType,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropDefault,
    DropIndex,
    DropTable,
    Operation,
    Plan,
    RenameColumn,
    RenameTable,
    SetDefault,
    TableStats,
    Target,
)
from ...schema.model import Schema
from .columns import Columns
from .constraints import Constraints
from .tables import Tables


class _Planner(Tables, Columns, Constraints):
    """One planner for a change: each operation family in its own module (columns.py with
    backfill.py, constraints.py with indexes.py, tables.py), all on base.py."""


def _parts(algorithm: str) -> tuple[str | None, str | None]:
    """'INPLACE, LOCK=NONE' -> ('INPLACE', 'NONE'); DEFAULT counts as unstated."""
    m = re.fullmatch(r"\s*(?:ALGORITHM\s*=\s*)?(\w+)?\s*(?:,?\s*LOCK\s*=\s*(\w+))?\s*", algorithm, re.I)
    if m is None:
        return None, None
    algo, lock = (x.upper() if x and x.upper() != "DEFAULT" else None for x in m.groups())
    return algo, lock


def _stated_differs(stated: str | None, planned: str | None) -> str | None:
    """What differs between the ALGORITHM / LOCK the DDL stated and the ones the plan states."""
    if not stated:
        return None
    s_algo, s_lock = _parts(stated)
    p_algo, p_lock = _parts(planned or "")
    if s_algo and p_algo and s_algo != p_algo:
        return f"the DDL stated ALGORITHM={s_algo}; this change needs ALGORITHM={p_algo}, which the plan states instead"
    if not p_algo and (s_algo or s_lock):
        return f"the DDL stated {stated}; this statement takes no ALGORITHM clause, the plan states none"
    if s_lock and s_lock != (p_lock or "NONE"):
        return f"the DDL stated LOCK={s_lock}; the plan states {'LOCK=' + p_lock if p_lock else 'no LOCK clause'}"
    return None


def _seconds(timeout: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*(ms|s|min)?\s*", timeout)
    if not m:
        return 5
    value, unit = int(m[1]), m[2] or "ms"
    return max(1, value // 1000 if unit == "ms" else value * 60 if unit == "min" else value)


def plan_mysql(
    operations: Sequence[Operation],
    target: Target,
    stats: dict[str, TableStats],
    *,
    lock_timeout: str,
    statement_timeout: str,
    batch_size: int,
    pause_ms: int,
    schema: Schema | None = None,
) -> Plan:
    planner = _Planner(target, stats, _seconds(lock_timeout), batch_size, pause_ms, schema)
    handlers: dict[type, Callable[[Any], None]] = {
        CreateTable: planner.create_table,
        DropTable: planner.drop_table,
        RenameTable: planner.rename_table,
        AddColumn: planner.add_column,
        DropColumn: planner.drop_column,
        RenameColumn: planner.rename_column,
        SetDefault: planner.set_default,
        DropDefault: planner.set_default,
        ChangeColumnType: planner.change_type,
        AddIndex: planner.add_index,
        DropIndex: planner.drop_index,
        AddForeignKey: planner.add_foreign_key,
        AddCheck: planner.add_check,
        AddPrimaryKey: planner.add_primary_key,
        AddUnique: planner.add_unique,
        DropConstraint: planner.drop_constraint,
        Backfill: planner.backfill,
    }
    for op in operations:
        handler: Callable[[Any], None] | None = handlers.get(type(op))
        if handler is None:
            hint = ""
            if op.op in ("set_not_null", "drop_not_null"):
                hint = (
                    ": MODIFY COLUMN needs the whole definition; use change_column_type with old_type = new_type "
                    "and not_null"
                )
            raise PlanningError(f"{op.op} is not planned for {target.label} yet{hint}")
        first = len(planner.migrations)
        handler(op)
        stated = getattr(op, "stated_algorithm", None)
        for migration in planner.migrations[first:]:
            for step in migration.steps:
                if differs := _stated_differs(stated, step.algorithm):
                    planner.warnings.append(f"{step.description}: {differs}")
    if documented_only(target.dialect):
        planner.warnings.append(
            f"{target.label}: the online-DDL facts come from the MySQL 8.0 manual and are not measured by this tool's "
            "tests (they run MariaDB 10.11)"
        )
    return Plan(
        target=target,
        operations=list(operations),
        migrations=planner.migrations,
        warnings=planner.warnings,
        lock_timeout=f"{planner.lock_wait}s",
        statement_timeout=statement_timeout,
        schema_source=schema.source if schema is not None else None,
    )
