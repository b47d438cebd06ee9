"""The schema an Alembic project's revisions build: `alembic upgrade head` run against a scratch
embedded PostgreSQL, then read from its catalogs (alembic_version left out). Cached by the content
hash of the revisions and env.py.

This runs the repository's own code (env.py and every revision), so it is done only when asked
(`--replay`), never implicitly. env.py is given the scratch database three ways: as
`sqlalchemy.url` in a copy of the project's alembic.ini, and as DATABASE_URL / SQLALCHEMY_URL in
its environment; an env.py that takes its URL from elsewhere (application settings) fails to
connect, and the error says what to give instead.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from . import cache
from .model import Schema

if TYPE_CHECKING:
    from ..discover import FrameworkFindings

_LOGGING = """
[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)s %(message)s
"""

HINT = "Give a live database (--dsn) or a schema dump (--schema FILE) instead, or plan without one (--no-schema)"


def _ini(root: Path, finding: FrameworkFindings, url: str, out: Path) -> Path:
    """A copy of the project's alembic.ini (or a minimal one) pointing at the scratch database."""
    script_location = (root / finding.folder).parent.resolve()
    parser = configparser.ConfigParser(interpolation=None)
    source = root / finding.config if finding.config and finding.config.endswith(".ini") else None
    if source is not None and source.is_file():
        parser.read(source, encoding="utf-8")
        here = str(source.parent.resolve())  # the copy is elsewhere: %(here)s is the project's folder
        for section in parser.sections():
            for key, value in parser.items(section):
                if "%(here)s" in value:
                    parser.set(section, key, value.replace("%(here)s", here))
    else:
        parser.read_string(_LOGGING)
    if not parser.has_section("alembic"):
        parser.add_section("alembic")
    if not parser.has_option("alembic", "version_locations") or not parser.has_option("alembic", "script_location"):
        # versions/ is the folder found; with version_locations, the folder is one of those listed
        parser.set("alembic", "script_location", str(script_location))
    parser.set("alembic", "sqlalchemy.url", url.replace("%", "%%"))
    parser.set("alembic", "prepend_sys_path", str(root.resolve()))
    with out.open("w", encoding="utf-8") as fh:
        parser.write(fh)
    return out


def schema_from_alembic(root: Path, finding: FrameworkFindings, *, use_cache: bool = True) -> Schema:
    from ..preflight.run import connect
    from ..verify.scratch import cache_dir, scratch_database
    from .read import read_schema
    from .sources import file_hash

    folder = (root / finding.folder).parent
    files = sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)
    if not files:
        raise InputError(f"{finding.folder}: no Alembic revisions to replay")
    project_ini = root / finding.config if finding.config and finding.config.endswith(".ini") else None
    # the ini says which folders are read, and version_locations may lie outside script_location
    configured = [project_ini] if project_ini is not None and project_ini.is_file() else []
    revisions = sorted({root / m.path for m in finding.migrations} - set(files))
    key = cache_dir() / "schemas" / f"alembic-{file_hash(*configured, *files, *revisions)}.json"
    label = f"alembic migrations of {root} ({len(finding.migrations)} revisions, `alembic upgrade head`) replayed into"
    if use_cache and (hit := cache.load(key)) is not None:
        return hit
    with tempfile.TemporaryDirectory(prefix="mm-alembic-") as tmp, scratch_database(None) as (uri, where):
        url = _sqlalchemy_url(uri)
        ini = _ini(root, finding, url, Path(tmp) / "alembic.ini")
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SQLALCHEMY_URL": url,
            "PYTHONPATH": os.pathsep.join([str(root.resolve()), os.environ.get("PYTHONPATH", "")]),
        }
        try:
            done = subprocess.run(
                [sys.executable, "-m", "alembic", "-c", str(ini), "upgrade", "head"],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            raise InputError(f"`alembic upgrade head` in {root} took over 300 s; {HINT}") from None
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
            raise InputError(
                f"replaying the Alembic migrations of {root} with `alembic upgrade head` failed (its env.py or a "
                f"revision needs what is not here, e.g. the application's packages or its own database URL):\n"
                f"{tail}\n{HINT}"
            )
        with connect(uri) as conn:
            schema = read_schema(conn, f"{label} {where}")
    for k in [k for k, t in schema.tables.items() if t.name == "alembic_version"]:
        del schema.tables[k]
    cache.store(key, schema)
    return schema


def _sqlalchemy_url(conninfo: str) -> str:
    """The scratch database's libpq conninfo (or URI) as an SQLAlchemy URL for psycopg 3."""
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy.engine import URL

    d = {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}
    query = {k: d[k] for k in ("host",) if k in d and d[k].startswith("/")}
    return URL.create(
        "postgresql+psycopg",
        username=d.get("user"),
        password=d.get("password"),
        host=None if query else d.get("host"),
        port=int(d["port"]) if "port" in d else None,
        database=d.get("dbname"),
        query={**query, **({"port": d["port"]} if query and "port" in d else {})},
    ).render_as_string(hide_password=False)
