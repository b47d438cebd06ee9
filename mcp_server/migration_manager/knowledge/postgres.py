"""What each PostgreSQL DDL action does to a live table, per server version.

One table of facts that the planner (and later the linter) reads. Every row is measured by
tests/test_knowledge_facts.py on real servers (pg_locks for the lock, relfilenode for the
rewrite, the per-transaction tuple counters for the scan), on PostgreSQL 18 and 15.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from ..locks import LockMode

# Writes (INSERT/UPDATE/DELETE) take ROW EXCLUSIVE; reads take ACCESS SHARE. These are the
# modes that conflict with each (PostgreSQL documentation, "Conflicting Lock Modes").
_BLOCKS_WRITES = {LockMode.SHARE, LockMode.SHARE_ROW_EXCLUSIVE, LockMode.EXCLUSIVE, LockMode.ACCESS_EXCLUSIVE}
_BLOCKS_READS = {LockMode.ACCESS_EXCLUSIVE}


def blocks_writes(mode: LockMode) -> bool:
    return mode in _BLOCKS_WRITES


def blocks_reads(mode: LockMode) -> bool:
    return mode in _BLOCKS_READS


class Action(StrEnum):
    ADD_COLUMN = "add column (no default, or a non-volatile default)"
    ADD_COLUMN_VOLATILE_DEFAULT = "add column with a volatile default"
    ADD_COLUMN_IDENTITY = "add identity or serial column"
    ADD_COLUMN_GENERATED_STORED = "add stored generated column"
    ADD_COLUMN_GENERATED_VIRTUAL = "add virtual generated column"
    DROP_COLUMN = "drop column"
    RENAME_COLUMN = "rename column"
    RENAME_TABLE = "rename table"
    SET_DEFAULT = "set or drop default"
    SET_NOT_NULL = "set not null"
    SET_NOT_NULL_PROVEN = "set not null with a validated CHECK (col IS NOT NULL)"
    DROP_NOT_NULL = "drop not null"
    ADD_CHECK = "add check constraint"
    ADD_CHECK_NOT_VALID = "add check constraint NOT VALID"
    ADD_FOREIGN_KEY = "add foreign key"
    ADD_FOREIGN_KEY_NOT_VALID = "add foreign key NOT VALID"
    VALIDATE_CONSTRAINT = "validate constraint"
    DROP_CONSTRAINT = "drop constraint"
    ADD_CONSTRAINT_USING_INDEX = "add unique/primary key constraint USING INDEX"
    CREATE_INDEX = "create index"
    CREATE_INDEX_CONCURRENTLY = "create index concurrently"
    CREATE_INDEX_ON_ONLY = "create index on only a partitioned table (invalid until every partition's is attached)"
    ATTACH_INDEX_PARTITION = "attach a partition's index to the partitioned index"
    DROP_INDEX = "drop index"
    DROP_INDEX_CONCURRENTLY = "drop index concurrently"
    CHANGE_TYPE_IN_PLACE = "change column type, binary coercible"
    CHANGE_TYPE_REWRITE = "change column type with a rewrite"
    ADD_IDENTITY_TO_NOT_NULL = "add GENERATED AS IDENTITY to a NOT NULL column"
    CREATE_TABLE = "create table"
    DROP_TABLE = "drop table"
    CREATE_TRIGGER = "create trigger"
    DROP_TRIGGER = "drop trigger"
    CREATE_VIEW = "create view"
    UPDATE_BATCH = "update one batch of rows"
    ADD_ENUM_VALUE = "add enum value"
    READ_CATALOG = "read the catalog (a plan's assumption checked)"
    CREATE_OBJECT = "create a type, extension, function, domain or schema"


@dataclass(frozen=True)
class Fact:
    lock: LockMode | None  # strongest lock on the table acted on; None = no table lock
    rewrites: bool
    scans: bool
    transactional: bool = True  # may run inside a transaction block
    note: str = ""


AE = LockMode.ACCESS_EXCLUSIVE
_FACTS: dict[Action, Fact] = {
    Action.ADD_COLUMN: Fact(AE, False, False, note="metadata only since PostgreSQL 11 (fast default)"),
    Action.ADD_COLUMN_VOLATILE_DEFAULT: Fact(AE, True, True, note="each row gets its own value: full rewrite"),
    Action.ADD_COLUMN_IDENTITY: Fact(AE, True, True, note="every row needs a sequence value: full rewrite"),
    Action.ADD_COLUMN_GENERATED_STORED: Fact(AE, True, True, note="the value is computed and stored per row"),
    Action.ADD_COLUMN_GENERATED_VIRTUAL: Fact(AE, False, False, note="PostgreSQL 18+: computed on read"),
    Action.DROP_COLUMN: Fact(AE, False, False, note="marks the column dropped; space is reclaimed by later writes"),
    Action.RENAME_COLUMN: Fact(AE, False, False, note="breaks running code that uses the old name"),
    Action.RENAME_TABLE: Fact(AE, False, False, note="breaks running code that uses the old name"),
    Action.SET_DEFAULT: Fact(AE, False, False, note="affects new rows only"),
    Action.SET_NOT_NULL: Fact(AE, False, True, note="scans the table under ACCESS EXCLUSIVE to check for NULLs"),
    Action.SET_NOT_NULL_PROVEN: Fact(AE, False, False, note="PostgreSQL 12+: no scan when a valid check proves it"),
    Action.DROP_NOT_NULL: Fact(AE, False, False),
    Action.ADD_CHECK: Fact(AE, False, True, note="validates every row under ACCESS EXCLUSIVE"),
    Action.ADD_CHECK_NOT_VALID: Fact(AE, False, False, note="new and updated rows are checked from now on"),
    Action.ADD_FOREIGN_KEY: Fact(LockMode.SHARE_ROW_EXCLUSIVE, False, True, note="validates under a write lock"),
    Action.ADD_FOREIGN_KEY_NOT_VALID: Fact(LockMode.SHARE_ROW_EXCLUSIVE, False, False),
    Action.VALIDATE_CONSTRAINT: Fact(
        LockMode.SHARE_UPDATE_EXCLUSIVE, False, True, note="scans, but reads and writes go on meanwhile"
    ),
    Action.DROP_CONSTRAINT: Fact(AE, False, False, note="a foreign key's drop also locks the referenced table"),
    Action.ADD_CONSTRAINT_USING_INDEX: Fact(AE, False, False, note="the index already enforces it: no scan"),
    Action.CREATE_INDEX: Fact(LockMode.SHARE, False, True, note="blocks writes for the whole build"),
    Action.CREATE_INDEX_CONCURRENTLY: Fact(
        LockMode.SHARE_UPDATE_EXCLUSIVE, False, True, transactional=False, note="two scans; writes go on"
    ),
    Action.CREATE_INDEX_ON_ONLY: Fact(
        LockMode.SHARE, False, False, note="catalog only: the parent holds no rows and its partitions are not touched"
    ),
    Action.ATTACH_INDEX_PARTITION: Fact(LockMode.ACCESS_SHARE, False, False, note="catalog only"),
    Action.DROP_INDEX: Fact(AE, False, False),
    Action.DROP_INDEX_CONCURRENTLY: Fact(LockMode.SHARE_UPDATE_EXCLUSIVE, False, False, transactional=False),
    Action.CHANGE_TYPE_IN_PLACE: Fact(AE, False, False, note="binary coercible: catalog change only"),
    Action.CHANGE_TYPE_REWRITE: Fact(AE, True, True, note="rewrites the table and rebuilds its indexes"),
    Action.ADD_IDENTITY_TO_NOT_NULL: Fact(AE, False, False),
    Action.CREATE_TABLE: Fact(None, False, False),
    Action.DROP_TABLE: Fact(AE, False, False),
    Action.CREATE_TRIGGER: Fact(LockMode.SHARE_ROW_EXCLUSIVE, False, False, note="brief; blocks writes while held"),
    Action.DROP_TRIGGER: Fact(AE, False, False),
    Action.CREATE_VIEW: Fact(LockMode.ACCESS_SHARE, False, False),
    Action.UPDATE_BATCH: Fact(LockMode.ROW_EXCLUSIVE, False, False, note="row locks on the batch only"),
    Action.ADD_ENUM_VALUE: Fact(None, False, False, note="no table lock"),
    Action.READ_CATALOG: Fact(None, False, False, note="reads pg_attribute only"),
    Action.CREATE_OBJECT: Fact(None, False, False, note="a new object: no table is locked, nothing uses it yet"),
}


def fact(action: Action, version: int) -> Fact:
    """The fact for `action` on a PostgreSQL `version` server."""
    base = _FACTS[action]
    if action is Action.ADD_COLUMN and version < 11:
        return Fact(AE, True, True, note="before PostgreSQL 11 any default rewrites the table")
    if action is Action.SET_NOT_NULL_PROVEN and version < 12:
        return _FACTS[Action.SET_NOT_NULL]
    if action is Action.ADD_ENUM_VALUE and version < 12:
        return Fact(None, False, False, transactional=False, note="before 12 it cannot run in a transaction block")
    if action is Action.ADD_COLUMN_GENERATED_VIRTUAL and version < 18:
        raise ValueError("virtual generated columns need PostgreSQL 18")
    return base


# --------------------------------------------------------------------------- defaults

# Functions whose value differs per row. A default calling one of these cannot be stored
# once in the catalog (the "fast default" of PostgreSQL 11+), so adding the column rewrites.
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "random_normal",
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "setseed",
        "txid_current",
        "pg_current_xact_id",
    }
)
# Stable or immutable functions often used in defaults: evaluated once when the column is added.
NON_VOLATILE_FUNCTIONS = frozenset(
    {
        "now",
        "current_timestamp",
        "transaction_timestamp",
        "statement_timestamp",
        "current_date",
        "localtimestamp",
        "current_user",
        "session_user",
        "lower",
        "upper",
        "coalesce",
        "to_jsonb",
        "jsonb_build_object",
        "json_build_object",
        "array",
        "make_interval",
        "make_date",
        "to_timestamp",
        "date_trunc",
        "length",
        "md5",
        "concat",
        "btrim",
    }
)


# --------------------------------------------------------------------------- types

# Types other databases have and PostgreSQL does not, with what to use instead.
FOREIGN_TYPES: dict[str, str] = {
    "datetime": "timestamp (or timestamptz)",
    "datetime2": "timestamp",
    "smalldatetime": "timestamp(0)",
    "tinyint": "smallint",
    "mediumint": "integer",
    "tinytext": "text",
    "mediumtext": "text",
    "longtext": "text",
    "tinyblob": "bytea",
    "mediumblob": "bytea",
    "longblob": "bytea",
    "blob": "bytea",
    "clob": "text",
    "nvarchar": "varchar",
    "nvarchar2": "varchar",
    "varchar2": "varchar",
    "number": "numeric",
    "unsigned": "bigint with CHECK (col >= 0)",
    "image": "bytea",
    "ntext": "text",
    "uniqueidentifier": "uuid",
    "bit varying2": "varbit",
    "year": "smallint",
    "enum": "a CREATE TYPE ... AS ENUM type",
    "set": "text[]",
}


_SPACES = re.compile(r"\s+")
_ZONED = re.compile(r"^(timestamp|time)(\(\d+\))? with(out)? time zone$")


@cache
def normalize_type(sql_type: str) -> str:
    """Lower-case a type and spell its common aliases the one way PostgreSQL reports them."""
    t = _SPACES.sub(" ", sql_type.strip().lower())
    t = re.sub(r"\s*\(\s*", "(", t)
    t = re.sub(r"\s*,\s*", ",", t)
    t = re.sub(r"\s*\)", ")", t)
    zoned = _ZONED.match(t)
    if zoned:  # format_type's spelling: timestamp(3) with time zone is timestamptz(3)
        return zoned[1] + ("" if zoned[3] else "tz") + (zoned[2] or "")
    aliases = {
        "character varying": "varchar",
        "character": "char",
        "int": "integer",
        "int4": "integer",
        "int8": "bigint",
        "int2": "smallint",
        "decimal": "numeric",
        "timestamp without time zone": "timestamp",
        "timestamp with time zone": "timestamptz",
        "bool": "boolean",
        "float8": "double precision",
        "float4": "real",
        "bit varying": "varbit",
    }
    for alias, canonical in aliases.items():
        if t == alias or t.startswith(alias + "("):
            return canonical + t[len(alias) :]
    return t


_ARGS = re.compile(r"^(?P<base>[a-z ]+?)(?:\((?P<args>[0-9, ]+)\))?$")


def _split(t: str) -> tuple[str, list[int]]:
    m = _ARGS.match(t)
    if not m:
        return t, []
    args = [int(a) for a in m.group("args").split(",")] if m.group("args") else []
    return m.group("base"), args


def type_change_in_place(old_type: str, new_type: str, version: int) -> tuple[bool, str]:
    """Whether ALTER COLUMN TYPE old -> new keeps the table as it is (no rewrite, no index rebuild).

    Returns the verdict and the reason. The UTC condition for timestamp -> timestamptz is met
    by the plan itself, which sets the session time zone to UTC for that statement.
    """
    old, new = normalize_type(old_type), normalize_type(new_type)
    if old == new:
        return True, "same type"
    ob, oa = _split(old)
    nb, na = _split(new)
    if ob == "varchar" and nb == "varchar":
        if not na:
            return True, "varchar(n) -> varchar without a limit is binary coercible"
        if oa and na[0] >= oa[0]:
            return True, "raising a varchar limit is binary coercible"
        return False, "lowering a varchar limit must check every row"
    if ob in {"varchar", "text"} and nb == "text":
        return True, "varchar -> text is binary coercible"
    if ob == "text" and nb == "varchar" and not na:
        return True, "text -> varchar without a limit is binary coercible"
    if ob == "numeric" and nb == "numeric":
        if not na:
            return True, "removing a numeric's precision is binary coercible"
        if oa and len(oa) == len(na) and na[0] >= oa[0] and (len(na) < 2 or na[1] == oa[1]):
            return True, "raising a numeric's precision with the same scale is binary coercible"
        return False, "changing a numeric's scale, or lowering its precision, rewrites the table"
    if ob in {"varbit", "bit varying"} and nb in {"varbit", "bit varying"} and (not na or (oa and na[0] >= oa[0])):
        return True, "raising a varbit limit is binary coercible"
    if ob == "cidr" and nb == "inet":
        return True, "cidr -> inet is binary coercible"
    # A precision on the new type adds a length coercion on top of the cast: a rewrite, even for
    # timestamp(3) -> timestamptz(3) (measured: tests/test_lint_rules.py, change-column-type examples).
    if ob == "timestamp" and nb == "timestamptz" and not na:
        if version >= 12:
            return True, "timestamp -> timestamptz needs no rewrite on 12+ when the session time zone is UTC"
        return False, "timestamp -> timestamptz rewrites the table before PostgreSQL 12"
    return False, f"{old} -> {new} is not binary coercible: PostgreSQL rewrites the table"


def default_is_volatile(function_names: set[str]) -> bool | None:
    """True when a default calls a volatile function, False when all it calls are known not to be,
    None when it calls a function this table does not know (the planner then takes the safe route)."""
    if function_names & VOLATILE_FUNCTIONS:
        return True
    if function_names <= NON_VOLATILE_FUNCTIONS:
        return False
    return None
