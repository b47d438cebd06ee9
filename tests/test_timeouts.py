"""A database that accepts the connection and never answers is given up on, with an error that
names the host and the timeout (issue 19: preflight against a silent MariaDB got no answer in 100 s).

The silent server is a local socket that accepts and then reads nothing and writes nothing. These
run the console script, as a user or a CI job would, and take about CONNECT_TIMEOUT_S (10 s) each:
the subprocess's own 60 s limit catches a hang.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from migration_manager.defaults import CONNECT_TIMEOUT_S

SCRIPT = shutil.which("migration-manager", path=str(Path(sys.executable).parent))


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port where connections are accepted and then never answered."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)  # accept() wakes to see `stop` (closing the socket does not wake it on Linux)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)  # kept open: the client waits for a greeting that never comes

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        for conn in held:
            conn.close()
        thread.join(timeout=5)


def preflight(*args: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the migration-manager console script is not installed next to this Python (run ./scripts/setup)"
    sql = "ALTER TABLE orders ADD COLUMN note text"
    return subprocess.run(
        [SCRIPT, "preflight", "--sql", sql, *args], capture_output=True, text=True, timeout=6 * CONNECT_TIMEOUT_S
    )


def test_a_silent_postgresql_server_is_given_up_on_within_the_connect_timeout(silent_port: int) -> None:
    done = preflight("--dsn", f"postgresql://app:s3cret@127.0.0.1:{silent_port}/app")
    assert done.returncode == 4, done.stderr
    assert f"host=127.0.0.1 port={silent_port}" in done.stderr
    assert f"no answer within {CONNECT_TIMEOUT_S} s" in done.stderr
    assert "s3cret" not in done.stderr + done.stdout


def test_a_silent_mariadb_server_is_given_up_on_within_the_connect_timeout(silent_port: int) -> None:
    # (MySQL takes the same connection code: one dialect is enough)
    done = preflight("--dialect", "mariadb", "--dsn", f"mysql://app:s3cret@127.0.0.1:{silent_port}/app")
    assert done.returncode == 4, done.stderr
    assert f"127.0.0.1:{silent_port}/app" in done.stderr
    assert f"no answer within {CONNECT_TIMEOUT_S} s" in done.stderr
    assert "s3cret" not in done.stderr + done.stdout
