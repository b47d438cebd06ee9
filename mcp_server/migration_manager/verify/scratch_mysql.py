"""A MariaDB / MySQL database to try migrations on: created with a unique name on the server a
mysql:// (or mariadb://) DSN names, the machine's MariaDB at 127.0.0.1:3306 as root by default,
and dropped at the end, also when the run fails."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import DatabaseError
from ..model import Dialect
from ..preflight.mysql import _connect, _shown

DEFAULT_DSN = "mysql://root@127.0.0.1:3306"


@dataclass(frozen=True)
class MyScratch:
    """Where the scratch database is: `connect()` opens a new session on it (autocommit)."""

    dsn: str
    name: str
    dialect: Dialect
    version: str

    def connect(self) -> Any:
        return _connect(_with_database(self.dsn, self.name), self.dialect)

    @property
    def where(self) -> str:
        return f"a temporary database {self.name} on {_shown(_with_database(self.dsn, ''))} ({self.version})"


def _with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}" if name else ""))


@contextmanager
def scratch_mysql(dsn: str | None, dialect: Dialect) -> Iterator[MyScratch]:
    base = dsn or DEFAULT_DSN
    name = f"mm_verify_{os.getpid()}_{uuid.uuid4().hex[:8]}"  # the pid: whose it is, when several runs share a server
    admin = _connect(_with_database(base, ""), dialect)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT version()")
            version = str(cur.fetchone()[0])
            try:
                cur.execute(f"CREATE DATABASE `{name}`")
            except Exception as exc:
                reason = str(exc.args[-1] if exc.args else exc)
                raise DatabaseError(
                    f"cannot create a scratch database on {_shown(base)}: {reason} (the user needs the CREATE and "
                    "DROP privileges on new databases)"
                ) from None
    finally:
        admin.close()
    label = ("MariaDB " if "mariadb" in version.lower() else "MySQL ") + version.split("-")[0]
    try:
        yield MyScratch(base, name, dialect, label)
    finally:
        with contextlib.suppress(Exception):  # the run's own error, if any, is the one to report
            admin = _connect(_with_database(base, ""), dialect)
            try:
                with admin.cursor() as cur:
                    cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            finally:
                admin.close()
