"""Which steps a down cannot undo: a lossy step that removes something (a table, column, constraint,
index) and has no down statement to build it again (a plan made without a schema or the old
definition). Such a down must refuse (Rails: raise ActiveRecord::IrreversibleMigration; Django: a
RunSQL without reverse_sql) rather than "succeed" doing nothing: Rails and Django would record it as
reverted, and the migration before it would then fail, or the older code would meet a schema without
what it expects. An empty down is still the undo of a step that removes nothing: a backfill (the
values it replaced are gone, the schema is back) or an added enum value (PostgreSQL cannot remove
one; left in place it is harmless). A lossy down that builds something (a table recreated empty) runs."""

from __future__ import annotations

import re

from ..model import Migration, Step

_REMOVES = re.compile(r"\bDROP\s+(?:TABLE|COLUMN|CONSTRAINT|INDEX|FOREIGN\s+KEY|PRIMARY\s+KEY)\b", re.I)


def irreversible(step: Step) -> bool:
    return step.lossy_down and not step.down and any(_REMOVES.search(sql) for sql in step.up)


def why_irreversible(migration: Migration) -> str:
    """What the down cannot undo and why, from the plan's down notes: one line."""
    reasons = [
        f"{step.description}: {step.down_note}" if step.down_note else step.description
        for step in migration.steps
        if irreversible(step)
    ]
    return "; ".join(reasons) + ". Restore from a backup taken before it, or undo it by hand"
