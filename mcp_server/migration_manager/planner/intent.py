"""A change is planned as one intent: statements on the same column are merged before planning.

`ADD COLUMN currency text; UPDATE t SET currency = 'EUR'; ALTER ... SET NOT NULL; ALTER ... SET
DEFAULT 'EUR'` written as four steps would, planned one by one, leave a window in which every
insert that omits the column fails the NOT NULL check, and rows written between the backfill and
the check make VALIDATE fail. Together they mean one column added NOT NULL with its default (a
catalog-only change on PostgreSQL 11+ when the default is not volatile), and a backfill value
for existing rows where the UPDATE gives another. On a column that already exists, a SET DEFAULT
written after the backfill or the SET NOT NULL is moved before them, so new rows get the value
before the check starts counting them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence

from ..model import AddColumn, Backfill, Operation, SetDefault, SetNotNull


def _key(op: Operation) -> tuple[str | None, str, str] | None:
    if isinstance(op, AddColumn):
        return (op.schema_name, op.table, op.column.name)
    if isinstance(op, Backfill | SetNotNull | SetDefault):
        return (op.schema_name, op.table, op.column)
    return None


def merge_intents(operations: Sequence[Operation]) -> tuple[list[Operation], list[str]]:
    """The operations with same-column statements folded together, and a note for each fold."""
    ops: list[Operation | None] = list(operations)
    notes: list[str] = []
    # where each column's statements are: one pass, so a change of any size is folded in linear time
    positions: defaultdict[tuple[str | None, str, str], list[int]] = defaultdict(list)
    for i, op in enumerate(operations):
        key = _key(op)
        if key is not None:
            positions[key].append(i)
    for i, op in enumerate(operations):
        if ops[i] is None or not isinstance(op, AddColumn) or op.column.generated or op.column.identity:
            continue  # (None: a repeated ADD COLUMN, folded into the first)
        key = _key(op)
        assert key is not None
        mine = positions[key]
        later = [j for j in mine[bisect_right(mine, i) :] if ops[j] is not None]
        fill = [b for j in later if isinstance(b := ops[j], Backfill)]
        if any(b.where is not None for b in fill) or len(fill) > 1:
            continue  # a conditional or repeated UPDATE is its own intent
        column = op.column
        backfill = op.backfill
        folded: list[str] = []
        for j in later:
            other = ops[j]
            if isinstance(other, SetDefault):
                column = column.model_copy(update={"default": other.default})
                folded.append(f"SET DEFAULT {other.default}")
            elif isinstance(other, SetNotNull):
                column = column.model_copy(update={"nullable": False})
                folded.append("SET NOT NULL")
            elif isinstance(other, Backfill):
                backfill = other.value
                folded.append(f"UPDATE ... SET {other.column} = {other.value}")
        if not folded:
            continue
        if backfill is not None and backfill == column.default:
            backfill = None  # the default already gives existing rows this value
        if backfill is not None and column.default is None and not column.nullable:
            continue  # NOT NULL without a default: rows inserted meanwhile would be NULL; plan as written
        ops[i] = op.model_copy(update={"column": column, "backfill": backfill})
        for j in reversed(later):
            ops[j] = None
        notes.append(
            f"{op.table}.{column.name}: ADD COLUMN with {', '.join(folded)} planned as one change (the column is added "
            "with its default" + (" and NOT NULL" if not column.nullable else "") + ", so no insert fails in between)"
        )
    merged = [o for o in ops if o is not None]
    # An existing column: its default before the backfill / NOT NULL that come first. Each SET
    # DEFAULT goes just before the earliest backfill / NOT NULL of its column written before it;
    # those never move, so one pass finds them and a second lays the list out again.
    anchor: dict[tuple[str | None, str, str], int] = {}
    before: defaultdict[int, list[Operation]] = defaultdict(list)
    moved: set[int] = set()
    for i, op in enumerate(merged):
        key = _key(op)
        if key is None:
            continue
        if isinstance(op, Backfill | SetNotNull):
            anchor.setdefault(key, i)
        elif isinstance(op, SetDefault) and key in anchor:
            before[anchor[key]].append(op)
            moved.add(i)
            notes.append(f"{op.table}.{op.column}: SET DEFAULT moved before the backfill and NOT NULL of the column")
    if not moved:
        return merged, notes
    laid_out: list[Operation] = []
    for i, op in enumerate(merged):
        if i not in moved:
            laid_out.extend(before.get(i, ()))
            laid_out.append(op)
    return laid_out, notes
