"""A session that holds a table open while a migration runs, and a writer that measures what the
application feels meanwhile.

The blocker reads the table in an open transaction (ACCESS SHARE, as any long report would).
A DDL statement that waits for its lock behind it queues, and every later query on the table
waits behind the DDL. The writer updates one row every few milliseconds on its own connection
and records when each update completed; counting the updates that completed while the DDL was
already waiting and the blocker still held the table tells a queue that stays closed (none)
from one that is given back between attempts (some).
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

BUSY_TABLE = """
CREATE TABLE busy (id integer PRIMARY KEY, n integer NOT NULL DEFAULT 0);
INSERT INTO busy (id) SELECT g FROM generate_series(1, 100) AS g;
"""

WAITING = """
SELECT count(*) FROM pg_locks AS l
 WHERE l.relation = to_regclass('busy') AND NOT l.granted AND l.mode = 'AccessExclusiveLock'
"""


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str
    writes_while_blocked: int  # writer updates completed while the DDL waited and the blocker held
    blocked_seconds: float  # how long that window was


def run_behind_blocker(uri: str, start: Callable[[], subprocess.Popen[str]], hold: float = 3.0) -> Outcome:
    """Start the migration while a blocker holds `busy`; let the blocker go after `hold` seconds
    from the moment the migration is first seen waiting for its lock."""
    done: list[float] = []
    stop = threading.Event()

    def writer() -> None:
        with psycopg.connect(uri, autocommit=True) as conn:
            while not stop.is_set():
                try:
                    conn.execute("UPDATE busy SET n = n + 1 WHERE id = 1")
                except psycopg.Error:
                    return  # the test is over (its database dropped)
                done.append(time.monotonic())
                time.sleep(0.01)

    holder = psycopg.connect(uri)
    holder.execute("SELECT count(*) FROM busy")  # ACCESS SHARE until the transaction ends
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    proc = start()
    try:
        with psycopg.connect(uri, autocommit=True) as watch:
            deadline = time.monotonic() + 60
            while True:
                row = watch.execute(WAITING).fetchone()
                if row and row[0]:
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    out, err = proc.communicate()
                    raise AssertionError(f"the migration never waited for its lock:\n{out}\n{err}")
                time.sleep(0.005)
        seen = time.monotonic()
        time.sleep(hold)
        released = time.monotonic()
        holder.commit()
        out, err = proc.communicate(timeout=180)
    finally:
        holder.close()
        stop.set()
        if proc.poll() is None:
            proc.kill()
        thread.join(timeout=30)
    # The first 0.3 s are left out: an update that was already running when the DDL queued.
    window = [t for t in done if seen + 0.3 <= t < released]
    return Outcome(proc.returncode, out + err, len(window), released - seen - 0.3)
