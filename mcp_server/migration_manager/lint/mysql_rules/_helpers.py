"""What the MariaDB / MySQL rules ask of a statement."""

from __future__ import annotations

from typing import Any

from sqlglot import exp


def alter_table(node: Any) -> str | None:
    if isinstance(node, exp.Alter) and str(node.args.get("kind", "")).upper() == "TABLE":
        return str(node.this.name)
    return None


def option(node: Any, kind: type) -> str | None:
    for o in node.args.get("options") or ():
        if isinstance(o, kind):
            found: Any = o
            return str(found.this).upper()
    return None


def is_ddl(node: Any) -> bool:
    if isinstance(node, exp.Alter | exp.Create | exp.Drop | exp.TruncateTable):
        return True
    return isinstance(node, exp.Command) and str(node.this).upper() in ("RENAME", "CREATE", "DROP", "ALTER")
