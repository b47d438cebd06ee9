"""ADD COLUMN ... REFERENCES: the foreign key comes validated, with SHARE ROW EXCLUSIVE on the
referenced table (its writes wait), in the same statement that locks this table."""

from __future__ import annotations

from collections.abc import Iterator

from ...locks import LockMode
from ..tree import bodies, table_key
from ._helpers import alter_commands, column_def, lock_words
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    for key, cmd in alter_commands(ctx, "AT_AddColumn"):
        definition = column_def(cmd)
        for c in bodies(definition.get("constraints"), "Constraint"):
            if c.get("contype") != "CONSTR_FOREIGN" or ctx.is_new(key):
                continue
            ref = table_key(c.get("pktable", {}))
            column = definition.get("colname")
            yield Hit(
                f"{column} is added with a foreign key to {ref}: {ref} is locked against writes in the same "
                f"statement that holds ACCESS EXCLUSIVE on {key}",
                lock_words(LockMode.SHARE_ROW_EXCLUSIVE),
                f"ALTER TABLE {key} ADD COLUMN {column} ...;  -- without REFERENCES\n"
                f"ALTER TABLE {key} ADD CONSTRAINT {key.rpartition('.')[2]}_{column}_fkey FOREIGN KEY ({column}) "
                f"REFERENCES {ref} NOT VALID;\n"
                f"ALTER TABLE {key} VALIDATE CONSTRAINT {key.rpartition('.')[2]}_{column}_fkey;",
            )


RULE = Rule(
    id="add-column-references",
    severity="warning",
    summary="column added with REFERENCES",
    why="Adding the foreign key takes SHARE ROW EXCLUSIVE on the referenced table as well, so writes to both "
    "tables wait; a lock queue on either one stalls the application.",
    check=check,
    reads=("AlterTableStmt",),
    examples=(
        Example(
            "ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES users (id);",
            True,
            table="users",
            lock=LockMode.SHARE_ROW_EXCLUSIVE,
        ),
        Example("ALTER TABLE orders ADD COLUMN buyer_id bigint;", False, table="users", lock=None),
    ),
)
