"""What each schema change does on MariaDB and MySQL (InnoDB): which ALTER algorithm the server
can use without copying the table, and what that means for the application.

ALGORITHM=INSTANT changes only metadata; ALGORITHM=INPLACE, LOCK=NONE rebuilds or builds in
place while reads and writes go on; both take a metadata lock briefly at the start and the end
(waiting behind any open transaction on the table, which is what lock_wait_timeout bounds).
ALGORITHM=COPY copies the table and, at best with LOCK=SHARED, blocks writes for the whole copy.
A plan states the algorithm, so a server that cannot honour it refuses instead of silently
copying.

MariaDB facts are measured on MariaDB 10.11 by tests/test_mysql_knowledge.py; MySQL facts come
from the MySQL 8.0 reference manual ("Online DDL Operations") and are not measured here (no
MySQL server on these machines): the plans say so. source(action, dialect) says which, per fact
(a MySQL fact online() does not answer from the manual falls back to MariaDB's, and says that).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..model import Dialect


class MyAction(StrEnum):
    ADD_COLUMN = "add column (no default, or a constant one)"
    ADD_COLUMN_EXPRESSION_DEFAULT = "add column with an expression default (uuid(), rand() ...)"
    DROP_COLUMN = "drop column"
    RENAME_COLUMN = "rename column"
    SET_DEFAULT = "set or drop a column default"
    ADD_INDEX = "add index (unique or not)"
    ADD_FULLTEXT_INDEX = "add a FULLTEXT index"
    ADD_PRIMARY_KEY = "add a primary key"
    DROP_INDEX = "drop index"
    WIDEN_VARCHAR = "raise a varchar length"
    CHANGE_TYPE = "change a column type otherwise"
    SET_NOT_NULL = "make a column NOT NULL"
    DROP_NOT_NULL = "make a column nullable"
    ADD_FOREIGN_KEY = "add foreign key (foreign_key_checks=0)"
    ADD_CHECK = "add check constraint"
    DROP_CONSTRAINT = "drop a check or foreign key"
    CREATE_TABLE = "create table"
    DROP_TABLE = "drop table"
    RENAME_TABLE = "rename table"


@dataclass(frozen=True)
class Online:
    algorithm: str  # as the ALTER states it: "INSTANT", "INPLACE, LOCK=NONE", "COPY, LOCK=SHARED", "" (no clause)
    rebuilds: bool  # the table is rebuilt (INPLACE) or copied (COPY): time grows with the table
    blocks_writes: bool
    note: str = ""


INSTANT = Online("INSTANT", False, False, "metadata only")
INPLACE = Online("INPLACE, LOCK=NONE", False, False, "built in place; reads and writes go on")
REBUILD = Online("INPLACE, LOCK=NONE", True, False, "the table is rebuilt in place; reads and writes go on")
SHARED_BUILD = Online(
    "INPLACE, LOCK=SHARED", True, True, "built in place under a shared lock: reads go on, writes wait for the build"
)
COPY = Online("COPY, LOCK=SHARED", True, True, "the table is copied; writes wait for the whole copy")
NO_CLAUSE = Online("", False, False, "no ALTER TABLE: a metadata lock only")

_MARIADB: dict[MyAction, Online] = {
    MyAction.ADD_COLUMN: INSTANT,
    MyAction.ADD_COLUMN_EXPRESSION_DEFAULT: COPY,
    MyAction.DROP_COLUMN: INSTANT,
    MyAction.RENAME_COLUMN: INSTANT,
    MyAction.SET_DEFAULT: INSTANT,
    MyAction.ADD_INDEX: INPLACE,
    MyAction.ADD_FULLTEXT_INDEX: SHARED_BUILD,  # the first one adds FTS_DOC_ID: a rebuild (measured)
    MyAction.ADD_PRIMARY_KEY: REBUILD,
    MyAction.DROP_INDEX: INPLACE,
    MyAction.WIDEN_VARCHAR: INSTANT,
    MyAction.CHANGE_TYPE: COPY,
    MyAction.SET_NOT_NULL: REBUILD,
    MyAction.DROP_NOT_NULL: REBUILD,
    MyAction.ADD_FOREIGN_KEY: INSTANT,  # with foreign_key_checks=0 (measured: INSTANT is accepted)
    MyAction.ADD_CHECK: COPY,
    MyAction.DROP_CONSTRAINT: INSTANT,
    MyAction.CREATE_TABLE: NO_CLAUSE,
    MyAction.DROP_TABLE: NO_CLAUSE,
    MyAction.RENAME_TABLE: NO_CLAUSE,
}


class Source(StrEnum):
    """Where a fact comes from: measured here, or read from a manual."""

    MEASURED_MARIADB = "measured on MariaDB 10.11 by tests/test_mysql_knowledge.py"
    NOT_AN_ALTER = "not an ALTER TABLE: no algorithm to state or measure (a metadata lock only)"
    MYSQL_MANUAL = "MySQL 8.0 reference manual, Online DDL Operations; not measured here"
    MYSQL_AS_MARIADB = (
        "MySQL: taken to be MariaDB's measured behaviour; not measured on MySQL nor checked against its manual"
    )


_MYSQL_OWN = {  # the actions online() answers for MySQL from its manual; the rest fall back to MariaDB's
    MyAction.ADD_COLUMN,
    MyAction.DROP_COLUMN,
    MyAction.RENAME_COLUMN,
    MyAction.WIDEN_VARCHAR,
    MyAction.DROP_CONSTRAINT,
    MyAction.ADD_FOREIGN_KEY,
}


def source(action: MyAction, dialect: Dialect) -> Source:
    """Where the fact online(action, dialect, ...) gives comes from."""
    if not _MARIADB[action].algorithm:
        return Source.NOT_AN_ALTER
    if dialect is Dialect.MARIADB:
        return Source.MEASURED_MARIADB
    return Source.MYSQL_MANUAL if action in _MYSQL_OWN else Source.MYSQL_AS_MARIADB


def online(action: MyAction, dialect: Dialect, release: tuple[int, ...]) -> Online:
    """What `action` does on this server."""
    if dialect is Dialect.MARIADB:
        return _MARIADB[action]
    # MySQL 8.0 (documented, not measured here)
    if action is MyAction.ADD_COLUMN:
        return INSTANT if release >= (8, 0, 12) else INPLACE
    if action in (MyAction.DROP_COLUMN, MyAction.RENAME_COLUMN):
        if release >= (8, 0, 29) or (action is MyAction.RENAME_COLUMN and release >= (8, 0, 28)):
            return INSTANT
        return REBUILD if action is MyAction.DROP_COLUMN else INPLACE
    if action is MyAction.WIDEN_VARCHAR:
        return INPLACE  # within the same length-byte size (up to 255 bytes, or above 255 on both sides)
    if action in (MyAction.DROP_CONSTRAINT, MyAction.ADD_FOREIGN_KEY):
        return INPLACE
    return _MARIADB[action]


def documented_only(dialect: Dialect) -> bool:
    return dialect is Dialect.MYSQL
