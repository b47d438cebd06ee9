"""PostgreSQL's table lock modes: a module of its own, so the linter reads them without loading
the pydantic models of a plan (model.py re-exports LockMode)."""

from __future__ import annotations

import re
from enum import StrEnum


class LockMode(StrEnum):
    """PostgreSQL's table lock modes, named as pg_locks.mode names them, weakest first."""

    ACCESS_SHARE = "AccessShareLock"
    ROW_SHARE = "RowShareLock"
    ROW_EXCLUSIVE = "RowExclusiveLock"
    SHARE_UPDATE_EXCLUSIVE = "ShareUpdateExclusiveLock"
    SHARE = "ShareLock"
    SHARE_ROW_EXCLUSIVE = "ShareRowExclusiveLock"
    EXCLUSIVE = "ExclusiveLock"
    ACCESS_EXCLUSIVE = "AccessExclusiveLock"

    @property
    def sql_name(self) -> str:
        """The name LOCK TABLE and the documentation use: ACCESS EXCLUSIVE, SHARE UPDATE EXCLUSIVE..."""
        return re.sub(r"(?<!^)(?=[A-Z])", " ", self.value.removesuffix("Lock")).upper()

    @property
    def strength(self) -> int:
        return list(LockMode).index(self)
