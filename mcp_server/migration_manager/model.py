"""The typed vocabulary shared by every part of the engine.

Operations are what a developer asks for (JSON in, or parsed from DDL). A Plan is what the
planner answers: ordered migrations of steps, each step carrying its SQL and the facts about
what it does to a live database. Names of tables, columns and the like are taken literally
(no case folding): ``"Orders"`` means the table whose name is ``Orders``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from .defaults import unsupported_pg
from .locks import LockMode as LockMode


class Strict(BaseModel):
    """A model that refuses unknown fields, so a typo is an error and not a silent default."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


def _non_empty(value: str) -> str:
    if not value or not value.strip():
        raise ValueError("must not be empty")
    return value


# --------------------------------------------------------------------------- operations


class Column(Strict):
    name: str
    type: str = Field(description="SQL type as the dialect spells it, e.g. 'text', 'varchar(80)', 'bigint'")
    nullable: bool = True
    default: str | None = Field(None, description="SQL expression, e.g. \"'new'\", 'now()', 'gen_random_uuid()'")
    primary_key: bool = False
    identity: Literal["always", "by default"] | None = None
    generated: str | None = Field(None, description="expression of GENERATED ALWAYS AS (...)")
    generated_stored: bool = Field(True, description="STORED (the only kind before 18); false = VIRTUAL (18+)")
    comment: str | None = Field(None, description="MariaDB / MySQL: the column's COMMENT (the text, unquoted)")
    charset: str | None = Field(None, description="MariaDB / MySQL: CHARACTER SET of a text column, e.g. 'utf8mb4'")
    collation: str | None = Field(None, description="MariaDB / MySQL: COLLATE of a text column, e.g. 'utf8mb4_bin'")

    _name = field_validator("name", "type")(_non_empty)


_STATED = Field(
    None,
    description="MariaDB / MySQL: the ALGORITHM= / LOCK= the DDL stated, e.g. 'INSTANT' or 'INPLACE, LOCK=NONE'; "
    "the plan states its own and warns where they differ",
)


class TableOp(Strict):
    table: str
    schema_name: str | None = Field(None, description="schema of the table; the search_path decides when absent")
    stated_algorithm: str | None = _STATED

    _table = field_validator("table")(_non_empty)


class CreateTable(TableOp):
    op: Literal["create_table"] = "create_table"
    columns: list[Column] = Field(min_length=1)
    primary_key: list[str] = Field(default_factory=list, description="table-level primary key columns")
    constraints: list[str] = Field(
        default_factory=list, description="further table constraints as SQL, e.g. 'UNIQUE (email)'"
    )
    engine: str | None = Field(None, description="MariaDB / MySQL: ENGINE=, e.g. 'InnoDB'")
    auto_increment: int | None = Field(
        None, ge=1, description="MariaDB / MySQL: the table's first AUTO_INCREMENT value"
    )
    charset: str | None = Field(None, description="MariaDB / MySQL: DEFAULT CHARSET= of the table")
    collation: str | None = Field(None, description="MariaDB / MySQL: DEFAULT COLLATE= of the table")
    comment: str | None = Field(None, description="MariaDB / MySQL: the table's COMMENT=")


class DropTable(TableOp):
    op: Literal["drop_table"] = "drop_table"
    columns: list[Column] = Field(
        default_factory=list,
        description="the table's columns, so the down migration can recreate it (with a schema source the "
        "down is built from the table as read, keys and indexes too)",
    )


class RenameTable(TableOp):
    op: Literal["rename_table"] = "rename_table"
    new_name: str


class AddColumn(TableOp):
    op: Literal["add_column"] = "add_column"
    column: Column
    backfill: str | None = Field(
        None,
        description="SQL expression for the value of existing rows when it differs from the default "
        "(may read other columns, e.g. 'lower(email)')",
    )
    default_volatile: bool | None = Field(
        None, description="override the built-in judgement of whether the default is volatile"
    )
    after: str | None = Field(None, description="MariaDB / MySQL: place the column AFTER this one")
    first: bool = Field(False, description="MariaDB / MySQL: place the column FIRST")

    @model_validator(mode="after")
    def _one_position(self) -> AddColumn:
        if self.first and self.after is not None:
            raise ValueError("give either first or after, not both")
        return self


class DropColumn(TableOp):
    op: Literal["drop_column"] = "drop_column"
    column: str
    type: str | None = Field(None, description="the column's type, so the down migration can re-add it")
    not_null: bool = Field(False, description="the column is NOT NULL today (relaxed before the app stops writing)")


class RenameColumn(TableOp):
    op: Literal["rename_column"] = "rename_column"
    column: str
    new_name: str
    type: str | None = Field(None, description="the column's type; read from the catalog at run time when absent")
    not_null: bool = Field(False, description="the column is NOT NULL: the new one becomes NOT NULL too")
    default: str | None = Field(None, description="the column's default, which the new column keeps")
    strategy: Literal["trigger", "dual_write"] = Field(
        "trigger",
        description="trigger: the database keeps both columns in sync; "
        "dual_write: the application writes both during the transition",
    )


class ChangeColumnType(TableOp):
    op: Literal["change_column_type"] = "change_column_type"
    column: str
    new_type: str
    old_type: str | None = Field(None, description="current type; needed to recognise the in-place safe cases")
    using: str | None = Field(None, description="conversion expression; the old column is written as the column name")
    not_null: bool = Field(False, description="the column is NOT NULL and must stay so")
    null_stated: bool = Field(
        False,
        description="MariaDB / MySQL: the MODIFY wrote NULL or NOT NULL (else the schema's nullability is kept)",
    )
    default: str | None = Field(None, description="default the new column must keep")
    comment: str | None = Field(None, description="MariaDB / MySQL: the COMMENT the column keeps (MODIFY restates it)")
    charset: str | None = Field(None, description="MariaDB / MySQL: the column's CHARACTER SET after the change")
    collation: str | None = Field(None, description="MariaDB / MySQL: the column's COLLATE after the change")
    restated: bool = Field(
        False,
        description="MariaDB / MySQL: read from a MODIFY / CHANGE COLUMN, which restates the whole definition; "
        "without old_type or a schema the plan then copies the table (right whatever the old type was) and has "
        "no down",
    )


class SetNotNull(TableOp):
    op: Literal["set_not_null"] = "set_not_null"
    column: str


class DropNotNull(TableOp):
    op: Literal["drop_not_null"] = "drop_not_null"
    column: str


class SetDefault(TableOp):
    op: Literal["set_default"] = "set_default"
    column: str
    default: str
    previous_default: str | None = None


class DropDefault(TableOp):
    op: Literal["drop_default"] = "drop_default"
    column: str
    previous_default: str | None = None


class AddIndex(TableOp):
    op: Literal["add_index"] = "add_index"
    columns: list[str] = Field(min_length=1, description="column names, or SQL expressions in parentheses")
    name: str | None = None
    unique: bool = False
    method: str | None = Field(
        None, description="btree (default), gin, gist, brin, hash ...; MariaDB / MySQL: also fulltext, spatial"
    )
    where: str | None = Field(None, description="predicate of a partial index")


class DropIndex(Strict):
    op: Literal["drop_index"] = "drop_index"
    name: str
    schema_name: str | None = None
    stated_algorithm: str | None = _STATED
    table: str | None = Field(None, description="with columns: lets the down migration rebuild the index")
    columns: list[str] = Field(default_factory=list)
    unique: bool = False
    method: str | None = None
    where: str | None = None


class AddForeignKey(TableOp):
    op: Literal["add_foreign_key"] = "add_foreign_key"
    columns: list[str] = Field(min_length=1)
    ref_table: str
    ref_schema: str | None = None
    ref_columns: list[str] = Field(min_length=1)
    name: str | None = None
    on_delete: Literal["no action", "restrict", "cascade", "set null", "set default"] | None = None
    on_update: Literal["no action", "restrict", "cascade", "set null", "set default"] | None = None


class AddCheck(TableOp):
    op: Literal["add_check"] = "add_check"
    expression: str
    name: str | None = None


class AddUnique(TableOp):
    op: Literal["add_unique"] = "add_unique"
    columns: list[str] = Field(min_length=1)
    name: str | None = None


class AddPrimaryKey(TableOp):
    op: Literal["add_primary_key"] = "add_primary_key"
    columns: list[str] = Field(min_length=1)
    name: str | None = None
    columns_not_null: bool = Field(False, description="every key column is already NOT NULL")


class DropConstraint(TableOp):
    op: Literal["drop_constraint"] = "drop_constraint"
    name: str
    definition: str | None = Field(None, description="its definition, so the down migration can re-add it")


class ValidateConstraint(TableOp):
    op: Literal["validate_constraint"] = "validate_constraint"
    name: str


class AddEnumValue(Strict):
    op: Literal["add_enum_value"] = "add_enum_value"
    enum: str
    schema_name: str | None = None
    value: str
    before: str | None = None
    after: str | None = None


class CreateObject(Strict):
    """A type, extension, function, domain or schema a later statement of the change needs: catalog only."""

    op: Literal["create_object"] = "create_object"
    kind: Literal["type", "extension", "function", "domain", "schema"]
    name: str = Field(description="the object's name as its DROP statement takes it (a function with its arguments)")
    sql: str = Field(description="the CREATE statement as written")

    _name = field_validator("name", "sql")(_non_empty)


class Backfill(TableOp):
    op: Literal["backfill"] = "backfill"
    column: str
    value: str = Field(description="SQL expression for the new value")
    where: str | None = Field(None, description="which rows still need it (default: the column IS NULL)")
    key: str | None = Field(
        None,
        description="column to walk in order; default: the primary key as the schema source has it (any name, "
        "composite keys in keyset order), else id",
    )
    batch_size: int = Field(1000, ge=1, le=1_000_000)
    pause_ms: int = Field(50, ge=0, le=60_000)


Operation = Annotated[
    CreateTable
    | DropTable
    | RenameTable
    | AddColumn
    | DropColumn
    | RenameColumn
    | ChangeColumnType
    | SetNotNull
    | DropNotNull
    | SetDefault
    | DropDefault
    | AddIndex
    | DropIndex
    | AddForeignKey
    | AddCheck
    | AddUnique
    | AddPrimaryKey
    | DropConstraint
    | ValidateConstraint
    | AddEnumValue
    | CreateObject
    | Backfill,
    Field(discriminator="op"),
]


class ChangeRequest(Strict):
    """What the JSON input of `plan` holds: the operations and, optionally, the target and stats."""

    operations: list[Operation] = Field(min_length=1)
    target: Target | None = None
    stats: dict[str, TableStats] = Field(default_factory=dict)


# --------------------------------------------------------------------------- target and stats


class Dialect(StrEnum):
    POSTGRESQL = "postgresql"
    MARIADB = "mariadb"
    MYSQL = "mysql"


class Target(Strict):
    dialect: Dialect = Dialect.POSTGRESQL
    version: int = Field(16, description="PostgreSQL: major version of the server the plan is for")
    release: str | None = Field(
        None, description="MariaDB / MySQL: server version, e.g. '10.11' or '8.0' (default 10.11 / 8.0)"
    )

    @field_validator("version")
    @classmethod
    def _supported(cls, version: int) -> int:
        problem = unsupported_pg(version)
        if problem:
            raise ValueError(problem)
        return version

    @model_validator(mode="after")
    def _release(self) -> Target:
        if self.dialect is Dialect.POSTGRESQL:
            if self.release is not None:
                raise ValueError("release is for MariaDB and MySQL; PostgreSQL takes version (a major number)")
            return self
        if self.release is None:
            self.release = "10.11" if self.dialect is Dialect.MARIADB else "8.0"
        m = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", self.release)
        if m is None:
            raise ValueError(f"release {self.release!r}: give major.minor, e.g. '10.11' or '8.0.36'")
        numbers = tuple(int(x) for x in m.groups() if x is not None)
        lowest = (10, 6) if self.dialect is Dialect.MARIADB else (8, 0)
        if numbers[:2] < lowest:
            raise ValueError(
                f"{self.dialect.value} {self.release} is not supported: {'.'.join(map(str, lowest))} or later"
            )
        return self

    @property
    def release_tuple(self) -> tuple[int, ...]:
        return tuple(int(x) for x in (self.release or "0").split("."))

    @property
    def is_postgresql(self) -> bool:
        return self.dialect is Dialect.POSTGRESQL

    @property
    def label(self) -> str:
        """How messages name the server: 'PostgreSQL 16', 'MariaDB 10.11', 'MySQL 8.0'."""
        if self.dialect is Dialect.POSTGRESQL:
            return f"PostgreSQL {self.version}"
        return f"{'MariaDB' if self.dialect is Dialect.MARIADB else 'MySQL'} {self.release}"


class TableStats(Strict):
    # strict: a count given as "5000000" or 5e6 is refused, not converted
    rows: StrictInt = Field(ge=0)
    bytes: StrictInt | None = Field(None, ge=0, description="heap size; estimated from rows when absent")


# --------------------------------------------------------------------------- plan


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class LockClaim(Strict):
    relation: str = Field(description="table the lock is on, as written in the operation")
    schema_name: str | None = None
    mode: LockMode
    blocks_reads: bool
    blocks_writes: bool


class Estimate(Strict):
    seconds: float | None = Field(description="expected duration; None when no stats were given")
    basis: str = Field(description="how the figure was reached")


class Step(Strict):
    description: str
    up: list[str] = Field(description="SQL statements, in order")
    down: list[str] = Field(description="SQL statements that undo this step, in order")
    transactional: bool = True
    locks: list[LockClaim] = Field(default_factory=list)
    rewrites: bool = Field(False, description="the table is rewritten (new relfilenode) under the lock")
    scans: bool = Field(False, description="the whole table is read while the lock is held")
    breaks_running_code: bool = False
    lossy_down: bool = False
    down_note: str | None = None
    new_table: str | None = Field(
        None, description="the table it acts on is created by this plan: empty and unused, so no hazard applies"
    )
    algorithm: str | None = Field(
        None,
        description="MariaDB / MySQL: the ALGORITHM and LOCK the statement states, so that the server refuses "
        "rather than copy the table (INSTANT; INPLACE, LOCK=NONE; COPY, LOCK=SHARED)",
    )
    external_command: str | None = Field(
        None, description="a command to run instead of SQL (gh-ost / pt-online-schema-change for a large table)"
    )
    accepted: str | None = Field(
        None, description="why a hazard lint would report is accepted here (a copy of a table its stats show small)"
    )
    estimate: Estimate
    risk: Risk
    notes: list[str] = Field(default_factory=list)
    assumption: bool = Field(
        False,
        description="checks, read-only, what the plan assumed of the database (preflight runs it too); stops the "
        "migration before any change when it does not hold",
    )

    @property
    def blocks_writes(self) -> bool:
        copy = self.algorithm is not None and ("LOCK=SHARED" in self.algorithm or "LOCK=EXCLUSIVE" in self.algorithm)
        return copy or any(lock.blocks_writes for lock in self.locks)

    @property
    def blocks_reads(self) -> bool:
        return any(lock.blocks_reads for lock in self.locks)

    @property
    def waits_harmlessly(self) -> bool:
        """Runs outside a transaction and takes only SHARE UPDATE EXCLUSIVE (CONCURRENTLY): it waits
        for every transaction already running on the table, and that wait holds up no query, so
        lock_timeout should not cut it short. (A backfill batch waiting on a row lock holds its own
        rows meanwhile: it keeps the timeout.)"""
        return (
            not self.transactional
            and bool(self.locks)
            and all(lock.mode is LockMode.SHARE_UPDATE_EXCLUSIVE for lock in self.locks)
        )


class Check(Strict):
    """A query to run before a migration, with the answer that means "go"."""

    description: str
    sql: str
    expect: Literal["no rows", "zero"] = Field(description="no rows returned, or a single count of 0")


class DoneCheck(Strict):
    """Something true in the database once a migration has run (what the next one's guard checks)."""

    description: str
    sql: str = Field(description="a boolean SQL expression; reads only the catalog unless the description says so")


class Migration(Strict):
    name: str = Field(description="snake_case name used in file names")
    title: str
    transactional: bool
    gate_before: str | None = Field(None, description="what the application must have done before this runs")
    steps: list[Step]
    checks: list[Check] = Field(default_factory=list, description="pre-flight checks for this migration")
    done: list[DoneCheck] = Field(
        default_factory=list,
        description="what is true in the database once this migration has run (status reads them; the next "
        "migration's guard checks them); empty: its work cannot be told from the objects",
    )
    done_partial: bool = Field(
        False, description="`done` covers only part of the migration: it merges work that states no check"
    )

    @property
    def risk(self) -> Risk:
        order = list(Risk)
        return max((s.risk for s in self.steps), key=order.index, default=Risk.LOW)

    @property
    def estimated_seconds(self) -> float | None:
        values = [s.estimate.seconds for s in self.steps]
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)


class Plan(Strict):
    target: Target
    operations: list[Operation]
    migrations: list[Migration]
    warnings: list[str] = Field(default_factory=list)
    lock_timeout: str
    statement_timeout: str
    lock_retries: int = Field(
        20,
        ge=1,
        le=100,
        description="attempts at taking a transactional migration's locks: each waits at most lock_timeout, "
        "then gives the lock queue back, sleeps (0.1 s doubling to 2 s, with jitter) and tries again",
    )
    schema_source: str | None = Field(
        None,
        description="where the plan read what the tables are (a live database, a schema file, the repository's "
        "migrations replayed); None: planned from the DDL alone, with the facts it needed checked at run time",
    )
