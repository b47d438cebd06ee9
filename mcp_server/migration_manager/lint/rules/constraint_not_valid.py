"""ADD CONSTRAINT CHECK or FOREIGN KEY without NOT VALID: every row is checked under the lock."""

from __future__ import annotations

from collections.abc import Iterator

from ...knowledge.postgres import Action
from ...locks import LockMode
from ..fixes import PlannedFix
from ..tree import deparse, strings, table_key, unwrap
from ._helpers import action_lock, alter_commands, constraint_def, lock_words
from .base import Context, Example, Hit, Rule


def check(ctx: Context) -> Iterator[Hit]:
    node = ctx.node
    if ctx.kind == "AlterDomainStmt" and node.get("subtype") == "C":  # ADD CONSTRAINT
        kind, c = unwrap(node.get("def"))
        if kind == "Constraint" and not c.get("skip_validation"):
            domain = ".".join(strings(node.get("typeName")))
            name = c.get("conname")
            yield Hit(
                f"adding {name or 'a constraint'} to domain {domain} checks every column of that domain, in "
                "every table, while writes to each table wait",
                lock_words(LockMode.SHARE),
                f"{ctx.text.strip().rstrip(';')} NOT VALID;\nALTER DOMAIN {domain} VALIDATE CONSTRAINT "
                f"{name or '<name>'};",
            )
    for key, cmd in alter_commands(ctx, "AT_AddConstraint"):
        c = constraint_def(cmd)
        contype = c.get("contype")
        if contype not in ("CONSTR_CHECK", "CONSTR_FOREIGN") or c.get("skip_validation"):
            continue
        if ctx.is_new(key):
            continue
        label = c.get("conname") or "the constraint"
        if contype == "CONSTR_CHECK":
            expr_kind, expr = unwrap(c.get("raw_expr"))
            action, what = Action.ADD_CHECK, f"CHECK ({deparse(ctx.text, expr_kind, expr)})"
        else:
            action, what = Action.ADD_FOREIGN_KEY, f"foreign key to {table_key(c.get('pktable', {}))}"
        yield Hit(
            f"{label}: {what} is checked against every row of {key} while the lock is held",
            action_lock(action, ctx.version),
            PlannedFix(
                ctx.text,
                ctx.version,
                ctx.node,
                f"add it NOT VALID, then in a second transaction: ALTER TABLE {key} VALIDATE CONSTRAINT {label};",
            ),
            table=key,
        )


RULE = Rule(
    id="constraint-missing-not-valid",
    severity="error",
    summary="CHECK or FOREIGN KEY added without NOT VALID",
    why="Validation reads the whole table while writes (and, for CHECK, reads) wait. NOT VALID then "
    "VALIDATE CONSTRAINT does the same check under SHARE UPDATE EXCLUSIVE, which blocks neither.",
    check=check,
    reads=("AlterTableStmt", "AlterDomainStmt"),
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
