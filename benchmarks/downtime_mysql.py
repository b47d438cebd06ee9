"""Write stalls on MariaDB: the naive ALTER against the plan's migrations, on a 1,000,000-row table.

The machine's MariaDB (127.0.0.1:3306, root, no password). A template table of 1,000,000 rows is
built once from the SEQUENCE engine (seq_1_to_1000000); each measurement gets a fresh copy of it
(`CREATE TABLE ... LIKE` + `INSERT ... SELECT`), made before the load starts. One writer thread,
its own connection, autocommit, alternates an INSERT of a new row and an UPDATE of a random row
by key, with PAUSE between writes. After half a second of warm-up the change runs, and the writer
goes on half a second past its end. First the naive DDL (a plain ALTER as a user would write it:
no ALGORITHM, no LOCK, so the server picks), then the plan's up files (planned with the table's
real size as stats, rendered as SQL files, run with the mysql client as their README says), each
on its own copy.

Recorded: the longest gap between two successful writes (a write queued behind a lock shows its
whole wait), p99 write latency, writes slower than 100 ms, failed writes, and the DDL's duration.
Usage: .venv/bin/python benchmarks/downtime_mysql.py [--runs 1] [--only NAME] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql

from migration_manager.model import AddColumn, AddIndex, ChangeColumnType, Column, Operation, TableStats, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files

HOST, PORT, USER = "127.0.0.1", 3306, "root"
DATABASE = "mm_bench_downtime"
ROWS = 1_000_000
PAUSE = 0.002  # seconds between the writer's writes
SLOW = 0.100  # a write slower than this "waited"

TEMPLATE = f"""
CREATE TABLE orders_tpl (
    id int NOT NULL PRIMARY KEY,
    user_id int,
    amount int NOT NULL DEFAULT 0,
    code varchar(32)
) ENGINE=InnoDB;
INSERT INTO orders_tpl SELECT seq, 1 + seq % 10000, seq % 1000, concat('C', seq) FROM seq_1_to_{ROWS};
"""


@dataclass(frozen=True)
class Change:
    name: str
    naive: str
    ops: list[Operation]


CHANGES = [
    Change(
        "add nullable column",
        "ALTER TABLE orders ADD COLUMN note varchar(100)",
        [AddColumn(table="orders", column=Column(name="note", type="varchar(100)"))],
    ),
    Change(
        "add NOT NULL column with default",
        "ALTER TABLE orders ADD COLUMN status int NOT NULL DEFAULT 0",
        [AddColumn(table="orders", column=Column(name="status", type="int", nullable=False, default="0"))],
    ),
    Change(
        "add index",
        "ALTER TABLE orders ADD INDEX orders_code_idx (code)",
        [AddIndex(table="orders", columns=["code"], name="orders_code_idx")],
    ),
    Change(
        "widen varchar(32) -> varchar(63)",
        "ALTER TABLE orders MODIFY COLUMN code varchar(63)",
        [ChangeColumnType(table="orders", column="code", old_type="varchar(32)", new_type="varchar(63)")],
    ),
    Change(  # utf8mb4: 128 bytes -> 256, past the 255 bytes a one-byte length holds
        "widen varchar(32) -> varchar(64)",
        "ALTER TABLE orders MODIFY COLUMN code varchar(64)",
        [ChangeColumnType(table="orders", column="code", old_type="varchar(32)", new_type="varchar(64)")],
    ),
    Change(
        "int -> bigint",
        "ALTER TABLE orders MODIFY COLUMN amount bigint NOT NULL DEFAULT 0",
        [
            ChangeColumnType(
                table="orders", column="amount", old_type="int", new_type="bigint", not_null=True, default="0"
            )
        ],
    ),
]


def connect(database: str | None = DATABASE) -> Any:
    flags = pymysql.constants.CLIENT.MULTI_STATEMENTS
    return pymysql.connect(host=HOST, port=PORT, user=USER, database=database, autocommit=True, client_flag=flags)


def execute(sql: str) -> None:
    with connect() as conn, conn.cursor() as cur:
        cur.execute(sql)
        while cur.nextset():
            pass


def build_template() -> str:
    with connect(None) as conn, conn.cursor() as cur:
        cur.execute("SELECT version()")
        version = str(cur.fetchone()[0])
        cur.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        cur.execute(f"CREATE DATABASE {DATABASE}")
    execute(TEMPLATE)
    return version


def fresh_copy() -> None:
    execute(
        "DROP TABLE IF EXISTS orders; CREATE TABLE orders LIKE orders_tpl; "
        "INSERT INTO orders SELECT * FROM orders_tpl; ANALYZE TABLE orders;"
    )


@dataclass
class Writer:
    """One thread writing in a loop; every write timed, failures counted (and the connection replaced)."""

    latencies: list[float] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)
    failures: int = 0
    first_error: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Writer:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=120)

    def _run(self) -> None:
        conn = connect()
        next_id = ROWS + 1
        n = 0
        while not self._stop.is_set():
            args: tuple[Any, ...]
            if n % 2 == 0:
                sql = "INSERT INTO orders (id, user_id, amount, code) VALUES (%s, %s, %s, %s)"
                args = (next_id, next_id % 10000, 1, f"N{next_id}")
                next_id += 1
            else:
                sql = "UPDATE orders SET amount = amount + 1 WHERE id = %s"
                args = (random.randint(1, ROWS),)
            n += 1
            started = time.perf_counter()
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, args)
            except pymysql.MySQLError as exc:
                self.failures += 1
                self.first_error = self.first_error or str(exc)
                conn.close()
                conn = connect()
            else:
                now = time.perf_counter()
                self.latencies.append(now - started)
                self.done_at.append(now)
            time.sleep(PAUSE)
        conn.close()

    def summary(self) -> dict[str, Any]:
        gaps = [b - a for a, b in zip(self.done_at, self.done_at[1:], strict=False)]
        lat = sorted(self.latencies)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0
        return {
            "max_stall_ms": round(1000 * max(gaps, default=0.0), 1),
            "p99_write_ms": round(1000 * p99, 2),
            "slow_writes": sum(1 for x in self.latencies if x > SLOW),
            "failed_writes": self.failures,
            "writes": len(self.latencies),
            "first_error": self.first_error,
        }


def run_client(path: Path) -> str:
    """Apply a file with the mysql client; the server's error if it stopped, else ''."""
    args = ["mysql", f"--host={HOST}", f"--port={PORT}", f"--user={USER}", f"--database={DATABASE}"]
    with path.open("rb") as f:
        done = subprocess.run(args, stdin=f, capture_output=True, timeout=600)
    return done.stderr.decode().strip() if done.returncode != 0 else ""


def plan_files(change: Change, folder: Path) -> tuple[list[Path], list[str]]:
    p = plan(change.ops, Target(dialect="mariadb", release="10.11"), {"orders": TableStats(rows=ROWS)})
    write_files(render_sql(p), folder)
    ups = sorted(f for f in folder.glob("*.sql") if not f.name.endswith("_down.sql"))
    assert len(ups) == len(p.migrations), [f.name for f in ups]
    algorithms = [s.algorithm or "-" for m in p.migrations for s in m.steps]
    return ups, algorithms


def measure(change: Change, variant: str, folder: Path) -> dict[str, Any]:
    fresh_copy()
    algorithms: list[str] = []
    files: list[Path] = []
    if variant == "plan":
        files, algorithms = plan_files(change, folder)
    error = ""
    with Writer() as writer:
        time.sleep(0.5)
        started = time.perf_counter()
        if variant == "naive":
            execute(change.naive)
        else:
            for path in files:
                error = run_client(path)
                if error:
                    break
        took = time.perf_counter() - started
        time.sleep(0.5)
    return {
        **writer.summary(),
        "ddl_s": round(took, 2),
        "algorithm": ", ".join(algorithms) or "(server's choice)",
        "outcome": f"refused: {_reason(error)}" if error else "done",
    }


def _reason(error: str) -> str:
    """The server's words from a mysql client error ('ERROR 1846 (0A000) at line 15: ...')."""
    return error.splitlines()[-1].split(": ", 1)[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--only", help="run the changes whose name contains this")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    changes = [c for c in CHANGES if not args.only or args.only in c.name]
    results: dict[str, dict[str, list[dict[str, Any]]]] = {c.name: {"naive": [], "plan": []} for c in changes}
    print(f"building the {ROWS:,}-row template...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    version = build_template()
    print(f"MariaDB {version}: template in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.runs):
                for k, change in enumerate(changes):
                    for variant in ("naive", "plan"):
                        print(f"run {run + 1}/{args.runs}: {change.name}: {variant}", file=sys.stderr, flush=True)
                        out = measure(change, variant, Path(tmp) / f"r{run}_{k}")
                        results[change.name][variant].append(out)
    finally:
        with connect(None) as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    if args.json:
        print(json.dumps({"mariadb": version, "runs": args.runs, "raw": results}, indent=2))
        return
    print(f"MariaDB {version}, {ROWS:,} rows, one writer thread, medians of {args.runs} run(s)\n")
    print(
        "| change | variant | ALGORITHM stated | longest write stall (ms) | p99 write (ms) | writes > 100 ms | "
        "failed writes | DDL (s) | outcome |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---|")
    for name, r in results.items():
        for variant in ("naive", "plan"):
            s = r[variant]
            print(
                f"| {name} | {variant} | {s[0]['algorithm']} | {_median(s, 'max_stall_ms'):.0f} | "
                f"{_median(s, 'p99_write_ms'):.1f} | {_median(s, 'slow_writes'):.0f} | "
                f"{_median(s, 'failed_writes'):.0f} | {_median(s, 'ddl_s'):.2f} | "
                f"{'; '.join(sorted({x['outcome'] for x in s}))} |"
            )


def _median(samples: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(s[key] for s in samples))


if __name__ == "__main__":
    main()
