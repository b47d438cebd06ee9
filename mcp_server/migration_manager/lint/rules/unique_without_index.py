"""ADD CONSTRAINT UNIQUE / PRIMARY KEY / EXCLUDE without USING INDEX builds the index under the lock."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ..tree import strings
from ._helpers import alter_commands, constraint_def, lock_words
from .base import Context, Example, Hit, Rule

_KINDS = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY", "CONSTR_EXCLUSION": "EXCLUDE"}


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx, "AT_AddConstraint"):
        c = constraint_def(cmd)
        kind = c.get("contype", "")
        if kind not in _KINDS or c.get("indexname") or ctx.is_new(key):
            continue
        name = c.get("conname") or f"{key.rpartition('.')[2]}_key"
        columns = ", ".join(strings(c.get("keys")))
        fix = None
        if kind != "CONSTR_EXCLUSION":
            fix = (
                f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {key} ({columns});  -- outside a transaction\n"
                f"ALTER TABLE {key} ADD CONSTRAINT {name} {_KINDS[kind]} USING INDEX {name};"
            )
        yield Hit(
            f"{_KINDS[kind]} {name} builds its index while ACCESS EXCLUSIVE is held on {key}",
            lock_words(LockMode.ACCESS_EXCLUSIVE),
            fix,
            table=key,
        )


RULE = Rule(
    id="constraint-builds-index",
    severity="error",
    summary="UNIQUE / PRIMARY KEY / EXCLUDE constraint that builds its index under the lock",
    why="The index is built inside the ALTER TABLE, under ACCESS EXCLUSIVE: reads and writes wait for a build "
    "that reads the whole table. Build it CONCURRENTLY first and attach it with USING INDEX.",
    check=check,
    reads=("AlterTableStmt",),
    examples=(
        Example(
            "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);",
            True,
            lock=LockMode.ACCESS_EXCLUSIVE,
            scan=True,
        ),
        Example(
            "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_key;",
            False,
            lock=LockMode.ACCESS_EXCLUSIVE,
            setup="CREATE UNIQUE INDEX orders_code_key ON orders (code);",
        ),
    ),
)
