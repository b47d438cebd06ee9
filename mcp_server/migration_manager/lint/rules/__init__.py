"""Every lint rule, one per module (in the manner of squawk): the check, its description, and
the examples the tests lint and measure on a real server."""

from __future__ import annotations

from ..model import Severity
from . import (
    add_column_not_null,
    add_column_references,
    add_column_rewrite,
    add_column_unique,
    change_column_type,
    concurrently_in_transaction,
    constraint_not_valid,
    drop,
    drop_index_without_concurrently,
    index_without_concurrently,
    json_column,
    lock_table,
    missing_lock_timeout,
    parse_error,
    reindex_without_concurrently,
    rename,
    set_not_null,
    table_rewrite_command,
    truncate,
    unbatched_dml,
    unique_without_index,
)
from .base import Context, Example, Hit, Rule

RULES: tuple[Rule, ...] = tuple(
    m.RULE
    for m in (
        add_column_rewrite,
        add_column_not_null,
        add_column_unique,
        add_column_references,
        constraint_not_valid,
        set_not_null,
        unique_without_index,
        index_without_concurrently,
        drop_index_without_concurrently,
        concurrently_in_transaction,
        change_column_type,
        table_rewrite_command,
        reindex_without_concurrently,
        unbatched_dml,
        truncate,
        lock_table,
        missing_lock_timeout,
        rename,
        drop,
        json_column,
        parse_error,
    )
)
BY_ID = {r.id: r for r in RULES}
BY_KIND: dict[str, tuple[Rule, ...]] = {
    kind: tuple(r for r in RULES if kind in r.reads) for kind in {k for r in RULES for k in r.reads}
}

__all__ = ["BY_ID", "BY_KIND", "RULES", "Context", "Example", "Hit", "Rule", "Severity"]
