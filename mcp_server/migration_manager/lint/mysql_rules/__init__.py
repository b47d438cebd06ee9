"""The MariaDB / MySQL lint rules, one per module."""

from __future__ import annotations

from . import (
    alter_copies,
    alter_without_algorithm,
    breaking_changes,
    missing_lock_wait_timeout,
    several_ddl,
    unbatched_dml,
)
from .base import MyContext, MyExample, MyRule

MY_RULES: tuple[MyRule, ...] = tuple(
    m.RULE
    for m in (
        alter_without_algorithm,
        alter_copies,
        missing_lock_wait_timeout,
        several_ddl,
        breaking_changes,
        unbatched_dml,
    )
)
MY_BY_ID = {r.id: r for r in MY_RULES}

__all__ = ["MY_BY_ID", "MY_RULES", "MyContext", "MyExample", "MyRule"]
