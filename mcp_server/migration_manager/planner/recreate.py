"""A dropped table built again from the schema read, for drop_table's down: its columns (types,
defaults, NOT NULL, identity, generated), the sequences it owns (serial) at the position they had,
its constraints, indexes and triggers. It comes back empty: rows cannot be restored except from
a backup. Partitioned tables and partitions are not built again (the down says so).

What DROP TABLE would refuse (another table's foreign key or a view on the table) is found here
too, so that the plan says so instead of the migration failing on the server."""

from __future__ import annotations

from collections.abc import Collection

from ..ident import qualified, quote_ident, quote_literal
from ..schema.model import ColumnInfo, Schema, SequenceInfo, TableInfo

NOT_CARRIED = "grants, row-level security policies, comments, storage options and the owner are not carried"

# constraint kinds in the order they are added: keys first (an FK of the table to itself needs them)
_ORDER = {"p": 0, "u": 1, "x": 2, "c": 3, "f": 4}


def blockers(schema: Schema, info: TableInfo, dropped: Collection[tuple[str, str]] = ()) -> list[str]:
    """What depends on the table so that a plain DROP TABLE fails: foreign keys of other tables that
    reference it, and views that read it. `dropped`: (table key, constraint, or "" for the table)
    the change drops before, which no longer stand in the way."""
    out = [
        f"foreign key {ref.constraint.name} of {ref.schema}.{ref.table}"
        for ref in schema.incoming_foreign_keys(info)
        if (ref.schema, ref.table) != (info.schema, info.name)
        and not {(f"{ref.schema}.{ref.table}", ref.constraint.name), (f"{ref.schema}.{ref.table}", "")} & set(dropped)
    ]
    out += [f"{'materialized view' if v.materialized else 'view'} {v.key}" for v in schema.views_on(info)]
    return out


def _sequence_options(seq: SequenceInfo, *, typed: bool = True) -> str:
    """CREATE SEQUENCE's options; an identity's take no AS (its type is the column's)."""
    return (
        (f"AS {seq.type} " if typed else "")
        + f"INCREMENT BY {seq.increment} MINVALUE {seq.min_value} MAXVALUE {seq.max_value} "
        f"START WITH {seq.start} CACHE {seq.cache}{' CYCLE' if seq.cycle else ' NO CYCLE'}"
    )


def _column_sql(col: ColumnInfo, identity: SequenceInfo | None) -> str:
    parts = [quote_ident(col.name), col.type]
    if col.generated:
        kind = "STORED" if col.generated == "s" else "VIRTUAL"
        parts.append(f"GENERATED ALWAYS AS ({col.generation}) {kind}")
    elif col.identity:
        kind = "ALWAYS" if col.identity == "a" else "BY DEFAULT"
        options = (
            f" (SEQUENCE NAME {qualified(identity.name, identity.schema)} {_sequence_options(identity, typed=False)})"
            if identity is not None
            else ""
        )
        parts.append(f"GENERATED {kind} AS IDENTITY{options}")
    elif col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    if col.not_null:
        parts.append("NOT NULL")
    return " ".join(parts)


def _position(seq: SequenceInfo) -> list[str]:
    """The sequence where it was, so that rows restored from a backup do not meet their ids again."""
    if seq.last_value is None:
        return []
    return [f"SELECT setval({quote_literal(qualified(seq.name, seq.schema))}, {seq.last_value})"]


def unplaced_sequences(schema: Schema, info: TableInfo) -> list[str]:
    """The table's sequences whose position the schema source does not hold (a schema file): the
    down makes them start again."""
    return [
        f"{s.schema}.{s.name}"
        for c in info.columns
        if (s := schema.sequence_owned_by(info, c)) is not None and s.last_value is None
    ]


def recreate_sql(schema: Schema, info: TableInfo) -> list[str] | None:
    """The statements that build the table again as the schema has it (empty); None for a
    partitioned table or a partition."""
    if info.partitioned or info.parent is not None:
        return None
    table = qualified(info.name, info.schema)
    owned = {c: schema.sequence_owned_by(info, c) for c in info.columns}
    serials = [(c, s) for c, s in owned.items() if s is not None and not info.columns[c].identity]
    out = [f"CREATE SEQUENCE IF NOT EXISTS {qualified(s.name, s.schema)} {_sequence_options(s)}" for _, s in serials]
    body = ",\n    ".join(_column_sql(col, owned[name]) for name, col in info.columns.items())
    out.append(f"CREATE TABLE {table} (\n    {body}\n)")
    keys = sorted((c for c in info.constraints if c.kind in _ORDER and not c.inherited), key=lambda c: _ORDER[c.kind])
    out += [f"ALTER TABLE {table} ADD CONSTRAINT {quote_ident(c.name)} {c.definition}" for c in keys]
    out += [i.definition for i in info.indexes if i.constraint is None and i.parent_index is None]
    for column, seq in serials:
        out.append(f"ALTER SEQUENCE {qualified(seq.name, seq.schema)} OWNED BY {table}.{quote_ident(column)}")
        out += _position(seq)
    for column, owner in owned.items():
        if owner is not None and info.columns[column].identity:
            out += _position(owner)
    for trigger in info.triggers:
        out.append(trigger.definition)
        if not trigger.enabled:
            out.append(f"ALTER TABLE {table} DISABLE TRIGGER {quote_ident(trigger.name)}")
    return out
