"""What the tables really are: the schema model the planner decides from.

Read from a real server's catalogs (read.py), never parsed out of dump text. Names are as the
catalog stores them (no case folding). Every object knows its schema; a table is found by
(schema, name), or by name along the search path the source had.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ConstraintKind = Literal["p", "u", "c", "f", "x", "t", "n"]


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # as format_type spells it: 'integer', 'character varying(20)', 'timestamp(3) with time zone'
    not_null: bool
    default: str | None  # pg_get_expr of the default
    identity: Literal["", "a", "d"] = ""  # '' none, 'a' ALWAYS, 'd' BY DEFAULT
    generated: Literal["", "s", "v"] = ""  # '' none, 's' STORED, 'v' VIRTUAL (18+)
    generation: str | None = None  # the generation expression
    # MariaDB / MySQL (information_schema.columns); None on PostgreSQL
    comment: str | None = None  # '' when the column has none
    charset: str | None = None  # character set of a character column
    collation: str | None = None
    extra: str = ""  # EXTRA as the server reports it: auto_increment, on update current_timestamp() ...


@dataclass(frozen=True)
class IndexInfo:
    name: str
    definition: str  # pg_get_indexdef: CREATE [UNIQUE] INDEX name ON ONLY? schema.table USING ... (...)
    unique: bool
    primary: bool
    valid: bool
    columns: tuple[str | None, ...]  # key columns in order; None for an expression
    depends_on: frozenset[str]  # every column it reads: keys, expressions, predicate, INCLUDE
    predicate: str | None  # WHERE of a partial index
    method: str
    constraint: str | None = None  # the constraint it backs (PK, UNIQUE, EXCLUDE), if any
    parent_index: str | None = None  # on a partition: the partitioned index it is attached to

    @property
    def expression(self) -> bool:
        return any(c is None for c in self.columns)


@dataclass(frozen=True)
class ConstraintInfo:
    name: str
    kind: ConstraintKind  # p primary, u unique, c check, f foreign key, x exclusion, t trigger, n not null (18)
    definition: str  # pg_get_constraintdef
    validated: bool
    columns: tuple[str, ...]  # conkey in order (the referencing side of an FK)
    index: str | None = None  # the index behind it (PK, UNIQUE, EXCLUDE; an FK's referenced index)
    ref_schema: str | None = None  # FK: the referenced table
    ref_table: str | None = None
    ref_columns: tuple[str, ...] = ()
    inherited: bool = False  # comes from a partitioned parent


@dataclass(frozen=True)
class TriggerInfo:
    name: str
    definition: str
    enabled: bool = True


@dataclass(frozen=True)
class ForeignKeyRef:
    """An FK as seen from the table it references."""

    schema: str
    table: str
    constraint: ConstraintInfo


@dataclass
class TableInfo:
    schema: str
    name: str
    kind: Literal["r", "p"]  # ordinary or partitioned
    columns: dict[str, ColumnInfo] = field(default_factory=dict)  # in attnum order
    indexes: list[IndexInfo] = field(default_factory=list)
    constraints: list[ConstraintInfo] = field(default_factory=list)
    triggers: list[TriggerInfo] = field(default_factory=list)
    partition_key: str | None = None  # pg_get_partkeydef, for a partitioned table
    partitions: list[str] = field(default_factory=list)  # qualified names ("schema.name") of its partitions
    parent: str | None = None  # qualified name of the partitioned table this one is a partition of
    rows: int | None = None  # planner estimate (reltuples; None when never analyzed), whole tree for a parent
    bytes: int | None = None  # heap size (all partitions for a parent); MariaDB / MySQL: data_length
    engine: str | None = None  # MariaDB / MySQL: InnoDB, Aria ...
    comment: str | None = None  # MariaDB / MySQL: the table COMMENT

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def partitioned(self) -> bool:
        return self.kind == "p"

    @property
    def primary_key(self) -> ConstraintInfo | None:
        return next((c for c in self.constraints if c.kind == "p"), None)

    def column(self, name: str) -> ColumnInfo | None:
        return self.columns.get(name)

    def index(self, name: str) -> IndexInfo | None:
        return next((i for i in self.indexes if i.name == name), None)

    def constraint(self, name: str) -> ConstraintInfo | None:
        return next((c for c in self.constraints if c.name == name), None)

    def indexes_on(self, column: str) -> list[IndexInfo]:
        """Indexes that read `column` anywhere: key, expression, predicate or INCLUDE."""
        return [i for i in self.indexes if column in i.depends_on]

    def constraints_on(self, column: str) -> list[ConstraintInfo]:
        return [c for c in self.constraints if column in c.columns and c.kind != "n"]

    def index_covering(self, columns: tuple[str, ...] | list[str]) -> IndexInfo | None:
        """A valid index whose leading key columns are `columns` (in any order), usable to find rows by them."""
        wanted = set(columns)
        for i in self.indexes:
            lead = i.columns[: len(wanted)]
            if i.valid and i.predicate is None and None not in lead and set(lead) == wanted:
                return i
        return None


@dataclass(frozen=True)
class ViewInfo:
    schema: str
    name: str
    materialized: bool
    definition: str  # pg_get_viewdef (the SELECT)
    depends_on: frozenset[tuple[str, str, str]]  # (schema, table, column) it reads; column '' = whole table
    options: tuple[str, ...] = ()  # reloptions such as security_barrier=true, check_option=local

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class SequenceInfo:
    schema: str
    name: str
    type: str
    increment: int
    start: int
    min_value: int
    max_value: int
    cache: int
    cycle: bool
    last_value: int | None  # None: never used (or not readable)
    owned_by: tuple[str, str, str] | None = None  # (schema, table, column)
    identity: bool = False  # the sequence of an identity column (owned internally)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class Schema:
    """The objects of the user schemas of one database, and where they were read from."""

    source: str  # how a plan names it: "live database host=... dbname=... (PostgreSQL 15.20)"
    server_version: int  # major
    search_path: list[str] = field(default_factory=lambda: ["public"])
    tables: dict[str, TableInfo] = field(default_factory=dict)  # "schema.name" -> table
    views: dict[str, ViewInfo] = field(default_factory=dict)
    sequences: dict[str, SequenceInfo] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)  # "schema.name" -> labels in order
    types: set[str] = field(default_factory=set)  # every user type "schema.name" (enum, domain, composite, range)
    functions: set[str] = field(default_factory=set)  # "schema.name"
    extensions: set[str] = field(default_factory=set)
    schemas: set[str] = field(default_factory=set)

    def _find(self, items: Mapping[str, object], name: str, schema: str | None) -> str | None:
        if schema is not None:
            key = f"{schema}.{name}"
            return key if key in items else None
        for s in self.search_path:
            key = f"{s}.{name}"
            if key in items:
                return key
        return None

    def table(self, name: str, schema: str | None = None) -> TableInfo | None:
        key = self._find(self.tables, name, schema)
        return self.tables[key] if key else None

    def has_relation(self, name: str, schema: str | None = None) -> bool:
        return (
            self._find(self.tables, name, schema) is not None
            or self._find(self.views, name, schema) is not None
            or self._find(self.sequences, name, schema) is not None
        )

    def has_type(self, name: str, schema: str | None = None) -> bool:
        return self._find(dict.fromkeys(self.types), name, schema) is not None

    def has_function(self, name: str, schema: str | None = None) -> bool:
        return self._find(dict.fromkeys(self.functions), name, schema) is not None

    def incoming_foreign_keys(self, table: TableInfo) -> list[ForeignKeyRef]:
        """FKs of every table (this one included) that reference `table`, partition copies left out."""
        out: list[ForeignKeyRef] = []
        for t in self.tables.values():
            for c in t.constraints:
                if c.kind == "f" and not c.inherited and c.ref_schema == table.schema and c.ref_table == table.name:
                    out.append(ForeignKeyRef(t.schema, t.name, c))
        return out

    def views_on(self, table: TableInfo, column: str | None = None) -> list[ViewInfo]:
        """Views (and materialized views) that read `table` (or its `column`), directly or through another view,
        in the order they can be created again (a view before the views that read it)."""
        direct = [
            v
            for v in self.views.values()
            if any(
                s == table.schema and t == table.name and (column is None or c in (column, ""))
                for s, t, c in v.depends_on
            )
        ]
        ordered: list[ViewInfo] = []
        seen: set[str] = set()
        todo = list(direct)
        while todo:
            v = todo.pop(0)
            if v.key in seen:
                continue
            seen.add(v.key)
            ordered.append(v)
            todo.extend(w for w in self.views.values() if any((s, t) == (v.schema, v.name) for s, t, _ in w.depends_on))
        # creation order: a view after every view it reads
        result: list[ViewInfo] = []
        placed: set[str] = set()
        while ordered:
            for v in ordered:
                needs = {f"{s}.{t}" for s, t, _ in v.depends_on} & {w.key for w in ordered}
                if needs <= placed:
                    result.append(v)
                    placed.add(v.key)
                    ordered.remove(v)
                    break
            else:  # a cycle cannot happen in PostgreSQL; keep what is left as it came
                result.extend(ordered)
                break
        return result

    def sequence_owned_by(self, table: TableInfo, column: str) -> SequenceInfo | None:
        return next(
            (s for s in self.sequences.values() if s.owned_by == (table.schema, table.name, column)),
            None,
        )
