"""ADD CONSTRAINT CHECK or FOREIGN KEY without NOT VALID: every row is checked under the lock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType

from ...knowledge.postgres import Action
from ...model import LockMode
from ..fixes import planned
from ..nodes import sql_of, table_key
from ._helpers import action_lock, alter_commands, lock_words
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    node = ctx.node
    if isinstance(node, ast.AlterDomainStmt) and node.subtype == "C":  # ADD CONSTRAINT
        c: Any = node.def_
        if isinstance(c, ast.Constraint) and not c.skip_validation:
            domain = ".".join(n.sval for n in node.typeName or ())
            yield Hit(
                f"adding {c.conname or 'a constraint'} to domain {domain} checks every column of that domain, in "
                "every table, while writes to each table wait",
                lock_words(LockMode.SHARE),
                f"{ctx.text.strip().rstrip(';')} NOT VALID;\nALTER DOMAIN {domain} VALIDATE CONSTRAINT "
                f"{c.conname or '<name>'};",
            )
    for key, cmd in alter_commands(ctx.node, AlterTableType.AT_AddConstraint):
        c = cmd.def_
        if c.contype not in (ConstrType.CONSTR_CHECK, ConstrType.CONSTR_FOREIGN) or c.skip_validation:
            continue
        if ctx.is_new(key):
            continue
        name = c.conname or "the constraint"
        if c.contype == ConstrType.CONSTR_CHECK:
            action, what = Action.ADD_CHECK, f"CHECK ({sql_of(c.raw_expr)})"
        else:
            action, what = Action.ADD_FOREIGN_KEY, f"foreign key to {table_key(c.pktable)}"
        yield Hit(
            f"{name}: {what} is checked against every row of {key} while the lock is held",
            action_lock(action, ctx.version),
            planned(ctx.text, ctx.version)
            or f"add it NOT VALID, then in a second transaction: ALTER TABLE {key} VALIDATE CONSTRAINT {name};",
        )


RULE = Rule(
    id="constraint-missing-not-valid",
    severity="error",
    summary="CHECK or FOREIGN KEY added without NOT VALID",
    why="Validation reads the whole table while writes (and, for CHECK, reads) wait. NOT VALID then "
    "VALIDATE CONSTRAINT does the same check under SHARE UPDATE EXCLUSIVE, which blocks neither.",
    check=check,
    examples=(
        Example(
            "ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0);",
            True,
            lock=LockMode.ACCESS_EXCLUSIVE,
            scan=True,
        ),
        Example(
            "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
            True,
            lock=LockMode.SHARE_ROW_EXCLUSIVE,
            scan=True,
        ),
        Example(
            "ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID;",
            False,
            lock=LockMode.ACCESS_EXCLUSIVE,
        ),
        Example(
            "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);",
            True,
            lock=LockMode.SHARE,
            scan=True,
            setup="CREATE DOMAIN positive AS integer; ALTER TABLE orders ADD COLUMN qty positive;"
            " UPDATE orders SET qty = 1;",
        ),
        # VALIDATE CONSTRAINT scans, but under a lock that lets reads and writes through
        Example(
            "ALTER TABLE orders VALIDATE CONSTRAINT amount_positive;",
            False,
            lock=LockMode.SHARE_UPDATE_EXCLUSIVE,
            scan=True,
            setup="ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID;",
        ),
    ),
)
