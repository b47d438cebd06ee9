"""The repository's schema from its own migrations: each up, in the order its tool applies them,
run with psql in a scratch embedded PostgreSQL, then read from the catalogs. Cached by the
content hash of the files replayed, so the second plan of the day starts no server.

Replayed directly: plain SQL folders, Flyway (versioned files), golang-migrate (.up.sql), dbmate
(the `-- migrate:up` section), Diesel (up.sql) and Prisma (migration.sql). Frameworks whose
migrations are code (Alembic, Django, Rails, Liquibase) are not replayed here; for Rails the
repository's db/structure.sql is read instead (sources.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from . import cache
from .model import Schema

if TYPE_CHECKING:
    from ..discover import RepoMigrations

REPLAYED = ("sql", "flyway", "golang-migrate", "dbmate", "diesel", "prisma")


def _up_text(framework: str, path: Path) -> str | None:
    text = path.read_text(encoding="utf-8", errors="replace")
    if framework == "dbmate":
        up = text.split("-- migrate:down", 1)[0]
        return up.split("-- migrate:up", 1)[-1]
    if framework == "flyway" and not path.name.startswith("V"):
        return None  # undo and repeatable files do not build the schema in version order
    if framework == "golang-migrate" and path.name.endswith(".down.sql"):
        return None
    return text


def up_files(root: Path, found: RepoMigrations | None = None) -> tuple[str, list[Path]] | None:
    """(framework, up files in order) of the first replayable PostgreSQL migration folder, or None.
    `found`: the repository as find_migrations already read it (else it is read here)."""
    if found is None:
        from ..discover import find_migrations

        found = find_migrations(root)
    for f in found.frameworks:
        if f.framework not in REPLAYED or (f.dialect and "postgres" not in f.dialect.lower()):
            continue
        files = [root / m.path for m in f.migrations]
        files = [p / "up.sql" if p.is_dir() else p for p in files]
        files = [p for p in files if p.is_file() and p.suffix == ".sql"]
        if files:
            return f.framework, files
    return None


def schema_from_migrations(root: Path, *, use_cache: bool = True, found: RepoMigrations | None = None) -> Schema | None:
    """The schema the repository's SQL migrations build, or None when it has none to replay."""
    ups = up_files(root, found)
    if ups is None:
        return None
    framework, files = ups
    from ..preflight.run import connect
    from ..verify.scratch import cache_dir, scratch_database
    from .read import read_schema
    from .sources import file_hash, load_sql_file

    key = cache_dir() / "schemas" / f"replay-{file_hash(*files)}.json"
    label = f"{framework} migrations of {root} ({len(files)} files) replayed into"
    if use_cache and (hit := cache.load(key)) is not None:
        return hit
    with tempfile.TemporaryDirectory(prefix="mm-replay-") as tmp, scratch_database(None) as (uri, where):
        for i, path in enumerate(files):
            text = _up_text(framework, path)
            if text is None:
                continue
            up = Path(tmp) / f"{i:05d}.sql"
            up.write_text(text, encoding="utf-8")
            try:
                load_sql_file(
                    uri,
                    up,
                    label=str(path.relative_to(root)),
                    hint="Give a live database (--dsn) or a schema dump (--schema FILE) instead, or plan without "
                    "one (--no-schema)",
                )
            except InputError as exc:
                raise InputError(f"replaying the repository's migrations to read its schema failed at {exc}") from None
        with connect(uri) as conn:
            schema = read_schema(conn, f"{label} {where}")
    cache.store(key, schema)
    return schema
