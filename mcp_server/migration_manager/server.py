"""The MCP server (stdio): the engine's tools for Claude Code and any other MCP client.

Thin on purpose: each tool checks its input, calls the engine, and returns a pydantic model.
Every failure becomes a ToolError whose text says what was wrong and what to send instead; an
unexpected one is logged (to stderr: stdout is the protocol) and reported the same way, so the
server survives any call.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, WithJsonSchema

from . import __version__, confine
from .defaults import (
    DEFAULT_LOCK_RETRIES,
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
    DURATION_PATTERN,
    MAX_BATCH_SIZE,
    MAX_LOCK_RETRIES,
    MAX_PAUSE_MS,
    MAX_SQL_CHARS,
    NEWEST_PG,
    OLDEST_PG,
    unsupported_pg,
)
from .discover import RepoMigrations, find_migrations
from .errors import InputError, MigrationManagerError, PlanningError
from .lint import LintConfig, lint_paths, lint_text, load_config
from .lint.model import Dialect as LintDialect
from .lint.model import Severity
from .lint.sizes import Sizes, TableSize, sizes_from_dsn
from .mcp_schemas import OPERATIONS_URI, compact_tool, operations_reference, operations_schema
from .model import Operation, Plan, TableStats
from .planner import plan
from .preflight import PreflightReport, preflight
from .render import write_files
from .render.choose import Format, choose, placement, render, state_notes
from .render.dialect import render_dialect
from .request import operations_from_data, plan_from_data, request_from_sql, target_from, timestamp_from
from .schema.model import Schema
from .status import StatusReport
from .summary import format_plan
from .verify import VerifyReport

log = logging.getLogger("migration_manager.server")

P = ParamSpec("P")
R = TypeVar("R")

INSTRUCTIONS = f"""\
Zero-downtime schema migrations for PostgreSQL {OLDEST_PG}-{NEWEST_PG} (and MariaDB / MySQL: plan, render,
lint and preflight with `dialect`). find_migrations reads a repository's
migrations (any framework) and says where the next one goes. plan_change turns a schema change (DDL
or typed operations) into ordered migrations whose every step says the lock it takes, whether
it rewrites or scans the table, and the application gates between them. render_migration writes
those migrations as files (up, down, README) under a repository root (for Liquibase with the
master changelog's entries to add, `changelog_includes`). lint_sql reviews existing
or hand-written migrations. preflight_sql lists (and with a DSN runs, read-only) the checks to pass
before each migration; verify_migration tries migrations on a scratch database (up, down, up again,
locks traced). migration_status says which of a plan's migrations a database has, what an
interrupted one left, and the next one with its gate. Plan first, show the plan, then render."""


# --------------------------------------------------------------------------- input and output
# Every limit is in the schema the client sees (json_schema_extra, or Field's ge / le) and is checked
# before anything runs or is written: by the engine where the CLI needs the same check (plan(),
# timestamp_from, the SQL parser's size limit), so both say the same thing. Ints and bools are strict:
# "16", "yes" or 1.5 are refused, not coerced.

# The items are checked inside against the Operation union (operations_from_data): its full schema
# would be ~22 KB in every tool that takes a change; the reference is the OPERATIONS_URI resource.
Operations = Annotated[
    list[dict[str, Any]] | None,
    WithJsonSchema(operations_schema()),
    Field(
        description=f"the change as typed operations (each kind's fields: resource {OPERATIONS_URI}); give this "
        "or `sql`, not both"
    ),
]
Sql = Annotated[
    Annotated[str, Field(json_schema_extra={"maxLength": MAX_SQL_CHARS})] | None,
    Field(description="the change as PostgreSQL DDL, e.g. 'ALTER TABLE orders ADD COLUMN ...'; or give `operations`"),
]
PgVersion = Annotated[
    StrictInt,
    Field(
        description=f"PostgreSQL major version of the production server ({OLDEST_PG}-{NEWEST_PG})",
        json_schema_extra={"minimum": OLDEST_PG, "maximum": NEWEST_PG},
    ),
]
RenderDialectArg = Annotated[
    Literal["postgresql", "mariadb", "mysql"] | None,
    Field(
        description="the database; default: the one the repository points to (find_migrations' dialect), else "
        "postgresql; a repository on SQLite or another database is refused unless this is given"
    ),
]
DialectArg = Annotated[
    Literal["postgresql", "mariadb", "mysql"],
    Field(
        description="the database; for mariadb / mysql give `release` and prefer `operations` (DDL is read as "
        "PostgreSQL)"
    ),
]
Release = Annotated[str | None, Field(description="MariaDB / MySQL server version, e.g. '10.11' or '8.0.36'")]
Stats = Annotated[
    dict[str, TableStats] | None,
    Field(description='row counts and sizes per table, for time estimates: {"orders": {"rows": 5000000}}'),
]
LockTimeout = Annotated[
    str,
    Field(
        description="longest wait for a lock per attempt (queries queue behind a waiting DDL), e.g. 200ms, 3s, 1min",
        json_schema_extra={"pattern": DURATION_PATTERN},
    ),
]
LockRetries = Annotated[
    StrictInt,
    Field(
        description="attempts at a transactional PostgreSQL migration's locks, with backoff between them",
        json_schema_extra={"minimum": 1, "maximum": MAX_LOCK_RETRIES},
    ),
]
StatementTimeout = Annotated[
    str,
    Field(
        description="statement_timeout for catalog-only migrations, e.g. 60s",
        json_schema_extra={"pattern": DURATION_PATTERN},
    ),
]
BatchSize = Annotated[
    StrictInt,
    Field(
        description="rows per transaction of the backfills the plan derives",
        json_schema_extra={"minimum": 1, "maximum": MAX_BATCH_SIZE},
    ),
]
PauseMs = Annotated[
    StrictInt,
    Field(
        description="pause between backfill batches, in milliseconds",
        json_schema_extra={"minimum": 0, "maximum": MAX_PAUSE_MS},
    ),
]


Root = Annotated[str, Field(description="absolute path of the repository; every path stays inside it")]
SchemaDsn = Annotated[
    str | None,
    Field(
        description="postgresql://user@host/db (mysql://user@host/db for mariadb/mysql) to read the real schema "
        "from (read-only; the password is never echoed): types, NOT NULL, defaults, indexes, keys, views and sizes "
        "are then read, not guessed"
    ),
]


class PlanResult(BaseModel):
    summary: str = Field(description="the plan as text: show this to the user")
    plan: Plan


class FileOut(BaseModel):
    path: str = Field(description="path relative to the repository root")
    content: str


class FindingOut(BaseModel):
    """lint.model.Finding, with the descriptions an MCP client reads."""

    model_config = ConfigDict(extra="forbid")

    rule: str = Field(description="the rule's id, e.g. index-without-concurrently")
    severity: Severity = Field(
        description="error / warning / note; a whole-table statement is a note on a small table, an error on a big "
        "one, a warning when the table's size is unknown (give `stats` or `dsn`)"
    )
    path: str
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    message: str
    lock: str | None = Field(None, description="the lock the statement takes and what it blocks")
    why: str = Field(description="why it matters for the running application")
    fix: str | None = Field(None, description="the safe alternative, as SQL where there is one")
    statement: str = Field(description="the statement, as written (first 400 characters)")


class LintReportOut(BaseModel):
    """lint.model.LintReport, with the descriptions an MCP client reads."""

    model_config = ConfigDict(extra="forbid")

    pg_version: int
    dialect: LintDialect = "postgresql"
    files: list[str] = Field(description="the files linted, in the order they run")
    statements: int = Field(description="statements read")
    findings: list[FindingOut]
    dialect_note: str | None = Field(None, description="why this dialect, when lint chose it from the SQL")
    skipped: list[str] = Field(
        default_factory=list,
        description="files and calls not read, as 'path[:line]: why' (a Rails migration, RunPython, computed "
        "arguments); `files` empty: nothing given was lintable, which is not a clean pass",
    )
    project_notes: list[str] = Field(
        default_factory=list,
        description="what lint took from the project's own configuration (a Rails app's strong_migrations "
        "initializer: its lock_timeout, its target_version), and where",
    )


class RenderResult(BaseModel):
    summary: str = Field(description="the plan as text")
    files: list[FileOut] = Field(description="every file of the plan, in the order to apply them")
    written: list[str] = Field(description="paths written (relative to the root); empty unless write=true")
    warnings: list[str]
    changelog_includes: list[str] = Field(
        default_factory=list,
        description="Liquibase: the entries to add to the master changelog, exactly as given and in this order, "
        "in the master's own syntax; empty when the master's includeAll already picks the files up (the warnings "
        "say so: then add none) or for other formats",
    )


# --------------------------------------------------------------------------- helpers


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


def sendable(result: R) -> R:
    """A file name that is not valid UTF-8 reaches Python as lone surrogates (PEP 383), which JSON-RPC
    cannot carry (the SDK failed the whole call): such names are sent with \\xNN for each byte."""
    if not isinstance(result, BaseModel):
        return result
    import pydantic_core

    try:
        pydantic_core.to_json(result)
    except pydantic_core.PydanticSerializationError:
        return type(result).model_validate(_escaped(result.model_dump()))
    return result


def tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Engine errors become ToolErrors with their message; anything else is logged and reported."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return sendable(fn(*args, **kwargs))
        except ToolError:
            raise
        except PlanningError as exc:
            raise ToolError(f"cannot plan this safely: {exc}") from exc
        except MigrationManagerError as exc:
            raise ToolError(str(exc)) from exc
        except Exception as exc:  # a bug: keep serving, say what happened
            log.exception("unexpected error in %s", fn.__name__)
            raise ToolError(
                f"internal error in {fn.__name__} ({type(exc).__name__}: {exc}); the input may still be fine: "
                "please report this with the arguments you sent"
            ) from exc

    return wrapper


def _operations(
    operations: list[dict[str, Any]] | None, sql: str | None, dialect: str = "postgresql"
) -> list[Operation]:
    if (operations is None) == (sql is None):
        raise InputError("give exactly one of `operations` (a list of typed operations) or `sql` (DDL text)")
    if sql is not None:
        return request_from_sql(sql, dialect).operations
    assert operations is not None
    if not operations:
        raise InputError("`operations` is empty: give at least one operation")
    return operations_from_data(operations)


def _plan(
    operations: list[dict[str, Any]] | None,
    sql: str | None,
    pg_version: int,
    stats: dict[str, TableStats] | None,
    lock_timeout: str,
    statement_timeout: str,
    batch_size: int,
    pause_ms: int,
    dialect: str = "postgresql",
    release: str | None = None,
    lock_retries: int = DEFAULT_LOCK_RETRIES,
    schema_dsn: str | None = None,
    root: Path | None = None,
) -> Plan:
    if dialect == "postgresql" and (problem := unsupported_pg(pg_version)):
        raise InputError(f"pg_version {pg_version}: {problem}")
    schema = None
    if dialect == "postgresql" and (schema_dsn or root):
        from .schema.sources import resolve_schema

        # render: the repository's structure dump; replaying its migrations is left to the CLI's --replay
        schema = resolve_schema(schema_dsn, None, None if schema_dsn else str(root), replay=False)
    elif dialect != "postgresql" and schema_dsn:
        from .schema.sources import resolve_schema

        schema = resolve_schema(schema_dsn, None, None, dialect=dialect)
    return plan(
        _operations(operations, sql, dialect),
        target_from(None if dialect != "postgresql" else pg_version, dialect, release),
        stats,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        batch_size=batch_size,
        pause_ms=pause_ms,
        lock_retries=lock_retries,
        schema=schema,
    )


def confined(root: str, relative: str, what: str = "out_dir") -> tuple[Path, Path]:
    """(root, folder) with the root inside the folders the server may use (the client's roots, else
    `serve --allow`: confine.py) and the folder inside the root, after resolving '..' and symlinks."""
    base = Path(root)
    if not base.is_absolute():
        raise InputError(f"root must be an absolute path to the repository (got {root!r})")
    base = base.resolve()
    confine.check(base)  # before looking at it: say nothing about folders outside
    if not base.is_dir():
        raise InputError(f"root {root!r} is not an existing directory")
    rel = Path(relative)
    if rel.is_absolute():
        raise InputError(f"{what} must be relative to root (got the absolute path {relative!r})")
    folder = (base / rel).resolve()
    if not folder.is_relative_to(base):
        raise InputError(f"{what} {relative!r} leads outside the root {str(base)!r}; give a path inside it")
    return base, folder


# --------------------------------------------------------------------------- the tools


def find_migrations_tool(root: Root) -> RepoMigrations:
    """Read a repository's migrations, whatever framework it uses; call this before planning.

    Finds Alembic, Rails, Flyway, Liquibase, Django, plain SQL, golang-migrate, dbmate, Diesel and
    Prisma migrations under `root` (ignoring .git, node_modules, virtual environments and build
    folders; never following a symlink out of the root). For each framework: its folder, the
    migrations in the order they apply, the head(s), the database named by its configuration,
    the naming convention, the id and path for the next migration (`next_file`, with NAME for the
    new migration's name), and problems (several heads, duplicate ids, missing downs, broken
    links, unreadable files). Reads only.
    """
    base, _ = confined(root, ".")
    return find_migrations(base)


def plan_change(
    operations: Operations = None,
    sql: Sql = None,
    pg_version: PgVersion = 16,
    stats: Stats = None,
    lock_timeout: LockTimeout = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: StatementTimeout = DEFAULT_STATEMENT_TIMEOUT,
    batch_size: BatchSize = 1000,
    pause_ms: PauseMs = 50,
    dialect: DialectArg = "postgresql",
    release: Release = None,
    lock_retries: LockRetries = DEFAULT_LOCK_RETRIES,
    dsn: SchemaDsn = None,
) -> PlanResult:
    """Plan a schema change so it never blocks the application for a time that grows with the table.

    Call this first for any change to a production PostgreSQL schema (add/drop/rename column or
    table, change a type, NOT NULL, defaults, indexes, foreign keys, checks, unique, primary key,
    enum values, backfills). Pass the change as `sql` (DDL as the user would write it) or as
    `operations`. Give `dsn` (a database the user names) so the plan reads what the tables really
    are; without it, DDL cannot say whether a column is NOT NULL, its default or its current type,
    and the migration checks that at run time and stops, saying which field to give.

    Returns `summary` (show it to the user) and `plan`: ordered migrations; each has its steps
    (up/down SQL, the lock and table, rewrites/scans, risk, estimate), `gate_before` (what the
    application must deploy before it runs) and pre-flight `checks`. Nothing is written.
    Each operation kind and its fields: the resource migration-manager://operations.
    """
    p = _plan(
        operations,
        sql,
        pg_version,
        stats,
        lock_timeout,
        statement_timeout,
        batch_size,
        pause_ms,
        dialect,
        release,
        lock_retries,
        schema_dsn=dsn,
    )
    return PlanResult(summary=format_plan(p), plan=p)


def render_migration(
    root: Root,
    operations: Operations = None,
    sql: Sql = None,
    pg_version: PgVersion = 16,
    stats: Stats = None,
    format: Annotated[
        Format,
        Field(
            description="sql, alembic, liquibase, rails, flyway, django, dbmate, golang-migrate or diesel; "
            "auto (default): what the repository uses"
        ),
    ] = "auto",
    out_dir: Annotated[
        str | None,
        Field(
            description="folder for the files, relative to root; default: the folder where the repository "
            "already keeps its migrations (find_migrations), else db/migrations/ (the framework's usual folder). "
            "Written there only with write=true"
        ),
    ] = None,
    timestamp: Annotated[
        Annotated[str, Field(json_schema_extra={"pattern": r"^\d{14}$"})] | None,
        Field(description="YYYYMMDDHHMMSS of the first file; default now (UTC)"),
    ] = None,
    write: Annotated[StrictBool, Field(description="write the files; false (default) only returns them")] = False,
    overwrite: Annotated[StrictBool, Field(description="replace files that already exist (default: refuse)")] = False,
    lock_timeout: LockTimeout = DEFAULT_LOCK_TIMEOUT,
    statement_timeout: StatementTimeout = DEFAULT_STATEMENT_TIMEOUT,
    batch_size: BatchSize = 1000,
    pause_ms: PauseMs = 50,
    dialect: RenderDialectArg = None,
    release: Release = None,
    lock_retries: LockRetries = DEFAULT_LOCK_RETRIES,
    dsn: SchemaDsn = None,
) -> RenderResult:
    """Render a planned change as migration files: per migration an up file, a down file and a README
    (purpose, strategy, estimated time, pre-flight checks, execution, verification, rollback, risks).

    Takes the same change as plan_change. Returns every file's path (relative to `root`) and
    content. By default the files are in the framework and folder the repository already uses (as
    find_migrations reports it): SQL files numbered after the newest one, or Alembic revisions
    chained to the current head (refused while there are several heads). Nothing is written unless
    write=true (out_dir alone only chooses the folder); then it writes them: all or nothing, never
    outside the root, never over an existing file unless overwrite=true.
    Apply the up files in name order; a migration with a gate must wait until the application has
    deployed what the gate says.
    """
    base, _ = confined(root, ".")
    when = timestamp_from(timestamp)
    found = find_migrations(base)
    destination = choose(found, format, out_dir)
    base, folder = confined(root, destination.folder)
    chosen, note = render_dialect(found, destination, dialect, flag="dialect")
    p = _plan(
        operations,
        sql,
        pg_version,
        stats,
        lock_timeout,
        statement_timeout,
        batch_size,
        pause_ms,
        chosen,
        release,
        lock_retries,
        schema_dsn=dsn,
        root=base,
    )
    rendered = render(p, destination, when)
    relative = folder.relative_to(base)
    files = [FileOut(path=str(relative / f.path), content=f.content) for f in rendered]
    written: list[str] = []
    if write:
        paths = write_files(rendered, folder, overwrite=overwrite)
        written = [str(path.relative_to(base)) for path in paths]
    includes, placed = placement(destination, rendered, folder)
    warnings = ([note] if note else []) + placed + p.warnings + state_notes(p, destination)
    return RenderResult(
        summary=format_plan(p), files=files, written=written, warnings=warnings, changelog_includes=includes
    )


def lint_sql(
    sql: Annotated[str | None, Field(description="SQL migration text to lint; or give root and paths")] = None,
    root: Annotated[str | None, Field(description="absolute path of the repository, with `paths`")] = None,
    paths: Annotated[
        list[str] | None,
        Field(description="migration files or folders relative to root, linted in migration order"),
    ] = None,
    pg_version: Annotated[
        Annotated[StrictInt, Field(json_schema_extra={"minimum": OLDEST_PG, "maximum": NEWEST_PG})] | None,
        Field(description="PostgreSQL major version (default: pyproject [tool.migration-manager], else 16)"),
    ] = None,
    ignore: Annotated[list[str] | None, Field(description="rule ids to switch off")] = None,
    dialect: Annotated[
        LintDialect | None,
        Field(
            description="the database the SQL is for (default: pyproject [tool.migration-manager], else MySQL when "
            "the SQL reads as MySQL, else postgresql)"
        ),
    ] = None,
    stats: Annotated[
        dict[str, TableStats] | None,
        Field(
            description='table sizes, as plan takes them: {"orders": {"rows": 5000000, "bytes": 1000000000}}; '
            "they set the severity of whole-table statements (small: note, big: error, unknown: warning)"
        ),
    ] = None,
    dsn: Annotated[
        str | None,
        Field(description="postgresql://... to read the tables' sizes from (planner estimates, read-only); or `stats`"),
    ] = None,
) -> LintReportOut:
    """Lint existing or hand-written SQL migrations for statements that would block the application,
    break running code or lose data, version-aware and schema-aware (files are read in migration
    order; a table created in the same file is new; a whole-table statement is a note on a small
    table, an error on a big one, a warning when `stats` / `dsn` do not give its size). Alembic
    revisions and Django migrations are read as the SQL their up direction sends (op.* calls,
    Django operations, op.execute / RunSQL), at each call's line; files it cannot read (Rails,
    Liquibase for now) are listed in `skipped`, never passed as clean.

    Each finding has the rule, severity, file:line:column, the message, the lock taken and why it
    matters, and the safe alternative (from the planner where it can write one). A statement that
    does not parse is a finding; the rest is still linted. Reads only.
    """
    if (sql is None) == (paths is None):
        raise InputError("give exactly one of `sql` (the text) or `paths` (with `root`)")
    if root is not None:
        confined(root, ".")  # before its configuration is read
    start = Path(root) if root else Path.cwd()
    config = (load_config(start) if root else LintConfig()).override(pg_version, dialect, ignore)
    if stats is not None and dsn is not None:
        raise InputError("give `stats` or `dsn` for the tables' sizes, not both")
    if stats is not None:
        config.sizes = Sizes({k: TableSize(v.rows, v.bytes) for k, v in stats.items()}, "the stats given")
    elif dsn is not None:
        config.sizes = sizes_from_dsn(dsn)
    if sql is not None:
        return LintReportOut.model_validate(lint_text(sql, config).as_dict())
    if root is None:
        raise InputError("`paths` are relative to `root`: give root, the repository's absolute path")
    base, _ = confined(root, ".")
    resolved = [confined(root, p, "path")[1] for p in paths or []]
    if not resolved:
        raise InputError("`paths` is empty: give at least one file or folder")
    if not config.dialect_set:  # a repository on SQLite is refused, not linted as PostgreSQL
        from .lint.repo_dialect import refuse_unlinted_database

        refuse_unlinted_database(base, "dialect")
    return LintReportOut.model_validate(lint_paths(resolved, config, base).as_dict())


def preflight_sql(
    operations: Operations = None,
    sql: Sql = None,
    pg_version: PgVersion = 16,
    dsn: Annotated[
        str | None,
        Field(description="postgresql://user@host:port/dbname to run the checks on, read-only; omit to only list them"),
    ] = None,
    long_transaction_seconds: Annotated[
        StrictInt, Field(description="an open transaction older than this on a table fails the activity check", ge=0)
    ] = 60,
    dialect: DialectArg = "postgresql",
    release: Release = None,
) -> PreflightReport:
    """The checks that must pass before each migration of a planned change, each with its expected
    answer: NULLs before NOT NULL, duplicates before UNIQUE, orphans before a foreign key, values
    that will not convert before a type change, long transactions and lock waits on the tables,
    INVALID indexes left by a failed build, table sizes, replication lag.

    Takes the same change as plan_change. With `dsn` the checks run on that database in read-only
    transactions (statement and lock timeouts set), each result is compared with its expected
    answer (pass / fail / pending: it needs an earlier migration of the plan first), and the plan's
    time estimate is recomputed from the sizes found. The DSN's password never appears in the
    result or in errors. Without `dsn` the checks are returned to be run by hand.
    """
    p = _plan(
        operations,
        sql,
        pg_version,
        None,
        DEFAULT_LOCK_TIMEOUT,
        DEFAULT_STATEMENT_TIMEOUT,
        1000,
        50,
        dialect,
        release,
        schema_dsn=dsn,
    )
    return preflight(p, dsn, long_transaction_seconds=long_transaction_seconds)


def verify_migration(
    operations: Operations = None,
    sql: Sql = None,
    root: Annotated[str | None, Field(description="absolute path of the repository, with migrations_dir")] = None,
    migrations_dir: Annotated[
        str | None,
        Field(description="SQL migrations to verify, relative to root (NAME.sql + NAME_down.sql, or .up/.down.sql)"),
    ] = None,
    schema_sql: Annotated[
        str | None,
        Field(description="the current schema as SQL (pg_dump --schema-only; mysqldump --no-data for mariadb/mysql)"),
    ] = None,
    rows: Annotated[StrictInt, Field(description="synthetic rows per table", ge=0, le=1_000_000)] = 1000,
    pg_version: PgVersion = 16,
    dsn: Annotated[
        str | None,
        Field(
            description="a server to create the scratch database on; omit for an embedded PostgreSQL (mariadb / "
            "mysql: a mysql://user@host:port DSN, default the local server at 127.0.0.1:3306 as root)"
        ),
    ] = None,
    dialect: DialectArg = "postgresql",
    release: Release = None,
) -> VerifyReport:
    """Try migrations on a scratch database before production: load the schema, seed rows, then
    up -> down -> compare with the start -> up again, tracing every statement (the locks it took in
    pg_locks, tables rewritten, tables read in full, time).

    Give a change (`sql` or `operations`, planned and rendered as SQL) or existing files (`root` and
    `migrations_dir`). Returns per file and statement what happened, and problems: a write-blocking
    lock held while a table is rewritten or scanned (its duration grows with the table), a down
    that does not restore the schema or loses rows, migrations that fail or cannot run again. The
    scratch database is a fresh database on an embedded PostgreSQL the server starts at its first
    verify (about a second) and keeps for the next ones, dropped after the call; or with `dsn` a
    temporary database created and dropped on that server. For mariadb / mysql: a temporary database
    on the `dsn` server, metadata locks per statement and tables rebuilt (InnoDB table_id). Writes
    nothing in the repository.
    """
    import tempfile

    from .render import render_sql
    from .verify import pairs_in, verify

    if (migrations_dir is None) == (sql is None and operations is None):
        raise InputError("give a change (`sql` or `operations`) or `migrations_dir` with `root`, not both")
    with tempfile.TemporaryDirectory(prefix="mm-verify-") as tmp:
        if migrations_dir is not None:
            if root is None:
                raise InputError("`migrations_dir` is relative to `root`: give root, the repository's absolute path")
            _, folder = confined(root, migrations_dir, "migrations_dir")
            if not folder.is_dir():
                raise InputError(f"migrations_dir {migrations_dir!r} is not a folder under the root")
            pairs = pairs_in(folder, Path(tmp) / "split")
            if not pairs:
                raise InputError(f"migrations_dir {migrations_dir!r} holds no .sql migrations")
        else:
            p = _plan(
                operations,
                sql,
                pg_version,
                None,
                DEFAULT_LOCK_TIMEOUT,
                DEFAULT_STATEMENT_TIMEOUT,
                1000,
                50,
                dialect,
                release,
            )
            write_files(render_sql(p), Path(tmp))
            pairs = pairs_in(Path(tmp))
        if dialect != "postgresql":
            from .model import Dialect
            from .verify.run_mysql import verify_mysql

            return verify_mysql(pairs, dialect=Dialect(dialect), dsn=dsn, schema_sql=schema_sql, rows=rows)
        return verify(pairs, dsn=dsn, schema_sql=schema_sql, rows=rows, warm=True)  # the server outlives the call


class StatusResult(BaseModel):
    summary: str = Field(description="the status as text: show this to the user")
    status: StatusReport


def migration_status(
    dsn: Annotated[
        str,
        Field(
            description="postgresql://user@host:port/dbname of the database to read (read-only; the password is "
            "never echoed)"
        ),
    ],
    plan: Annotated[
        dict[str, Any] | None,
        WithJsonSchema({"anyOf": [{"type": "object"}, {"type": "null"}]}),  # checked inside against Plan
        Field(
            description="the plan as plan_change returned it (its `plan` field): exact; or give `sql` / "
            "`operations` to plan the change again from the database"
        ),
    ] = None,
    sql: Sql = None,
    operations: Operations = None,
    root: Annotated[
        str | None,
        Field(
            description="absolute path of the repository the plan was rendered into: matches the plan's "
            "migrations to the versions Alembic, Rails, dbmate, golang-migrate or Diesel record"
        ),
    ] = None,
) -> StatusResult:
    """Where a planned change stands in a database: for each of its migrations, applied / not_applied /
    partly / unknown, and the evidence (the framework's version table row where one holds it, else the
    migration's own checks of its objects, else a later migration that ran); what an interrupted plan
    left on its tables (INVALID indexes, NOT VALID constraints, shadow *_new / *_old columns, sync
    triggers and functions), each with what to do; and `next`, the migration to run next, with `gate`,
    what the application must have deployed before it runs.

    Give the change as `plan` (the plan plan_change returned when the migrations were rendered: exact)
    or as `sql` / `operations` (planned again from the database as it is now, which can differ once part
    of the change has run). Reads only, in a READ ONLY transaction with short timeouts.
    """
    from .schema.sources import schema_from_dsn
    from .status import REPLANNED
    from .status import migration_status as status_of
    from .status.text import format_status

    given = sum(x is not None for x in (plan, sql, operations))
    if given != 1:
        raise InputError("give exactly one of `plan` (the plan plan_change returned), `sql` (DDL text) or `operations`")
    found = None
    if root is not None:
        base, _ = confined(root, ".")
        found = find_migrations(base)
    if plan is None:
        schema = schema_from_dsn(dsn)
        given_plan = _plan_from(operations, sql, schema)
        source = f"the change planned again from {schema.source}"
    else:
        given_plan = plan_from_data(plan)
        source = "the plan given"
    report = status_of(given_plan, dsn, found=found, plan_source=source)
    if source != "the plan given" and report.next is not None:
        report.warnings.append(REPLANNED)
    return StatusResult(summary=format_status(report), status=report)


def _plan_from(operations: list[dict[str, Any]] | None, sql: str | None, schema: Schema) -> Plan:
    return plan(
        _operations(operations, sql), target_from(schema.server_version, "postgresql", None), None, schema=schema
    )


# --------------------------------------------------------------------------- the server

# The hints say what each tool does to the world: read-only or not, whether it can destroy what is
# there (render's overwrite=true replaces files), whether calling again with the same arguments
# changes nothing more, and whether it reaches beyond the repository (a database, given a dsn).
# A tool taking `root` gets the client's roots (confine.with_client_roots) for `confined`.
READS_REPO = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)
READS_DATABASE = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=True)
TOOLS: list[tuple[Callable[..., Any], ToolAnnotations]] = [
    (confine.with_client_roots(find_migrations_tool), READS_REPO),
    (plan_change, READS_DATABASE),  # with a dsn it reads the schema from that database
    (
        confine.with_client_roots(render_migration),
        ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=False, openWorldHint=False),
    ),
    (confine.with_client_roots(lint_sql), READS_REPO),
    (preflight_sql, READS_DATABASE),
    (
        # it creates a scratch database (embedded, or on the dsn's server) and drops it; user data is untouched
        confine.with_client_roots(verify_migration),
        ToolAnnotations(readOnlyHint=False, destructiveHint=False, idempotentHint=True, openWorldHint=True),
    ),
    (confine.with_client_roots(migration_status), READS_DATABASE),
]


def build_server() -> MCPServer:
    tools = [
        compact_tool(
            tool_errors(fn),
            name=fn.__name__.removesuffix("_tool"),
            description=inspect.cleandoc(fn.__doc__ or ""),
            annotations=hints,
        )
        for fn, hints in TOOLS
    ]
    server = MCPServer("migration-manager", instructions=INSTRUCTIONS, version=__version__, tools=tools)
    server.resource(
        OPERATIONS_URI,
        name="operations",
        description="JSON schema of one item of the tools' `operations`: every kind (`op`) and its fields",
        mime_type="application/schema+json",
    )(operations_reference)
    return server


def serve(allow: list[str] | None = None) -> None:
    """Run over stdio. Logs go to stderr: stdout carries the protocol. `allow`: the folders a root
    may lie in when the client declares no roots (default: the working directory)."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    folders = confine.allow(allow or [Path.cwd()])
    log.info("roots: the client's, else inside %s", ", ".join(str(f) for f in folders))
    signal.signal(signal.SIGTERM, _stop_then_terminate)
    build_server().run()


def _stop_then_terminate(signum: int, _frame: object) -> None:
    """SIGTERM (how a client may stop the server) skips atexit: stop verify's warm embedded
    PostgreSQL first, then die of the signal as usual."""
    from .verify.scratch import stop_warm

    stop_warm()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
