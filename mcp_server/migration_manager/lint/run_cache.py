"""The whole output of a lint run, kept for the next run given the same inputs: a second run over
unchanged migrations prints what the first printed, with its exit code, and lints nothing.

The key is everything the output is made of: the tool (cache.tool_hash), the arguments that shape
the report (paths, format, version, dialect, rules ignored, what fails the run), the working
folder (paths are shown relative to it), the configuration file lint reads, whether `ruby` is
there (it reads Rails files), and the path and bytes of every file collected. A run that reads
anything else is not kept: table sizes from --stats or --dsn (a database changes), the
framework's own SQL (--framework-sql), and Liquibase changelogs (an include may name a file
outside the paths given); the per-file cache (cache.py) still serves those. The files a SQL
migration's tool reads beside it (Flyway's .sql.conf and configuration, Diesel's metadata.toml:
sql_runner.side_files) are part of the key.

One file per set of arguments, replaced by each run: `run-<hash>.out`, signed like the packs
(cache_files.sign, with the user's key) so a file planted in the project cannot put words in
lint's mouth. What is signed: the run key (32 bytes), the exit code (one byte), the output.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from .cache_files import make_folder, prune, sign, signing_key, tool_hash, verified, write_atomically
from .liquibase_files import may_be_changelog
from .sql_runner import side_files

KEEP = 32  # run files kept, the newest: one per set of arguments


class RunCache:
    """A plain class, not a dataclass: making one compiles code, a tenth of a run answered here."""

    __slots__ = ("folder", "key", "scope")

    def __init__(self, folder: Path, scope: str, key: bytes) -> None:
        self.folder = folder
        self.scope = scope  # the arguments and folder that name the file
        self.key = key  # the run key: scope, tool, configuration and every file's bytes

    def path(self) -> Path:
        return self.folder / f"run-{hashlib.sha256(self.scope.encode('utf-8', 'surrogatepass')).hexdigest()[:24]}.out"

    def lookup(self) -> tuple[int, memoryview] | None:
        """The exit code and the output of the last run with this key, if it is the one kept (a
        view of the file's bytes: the output is megabytes, and copying it cost as much as the rest)."""
        secret = signing_key()
        if secret is None:
            return None
        try:
            body = verified(self.path().read_bytes(), secret)  # not signed with this user's key: never shown
        except OSError:
            return None
        if body is None or len(body) < 33 or body[:32] != self.key:
            return None
        return body[32], body[33:]

    def save(self, code: int, output: bytes) -> None:
        secret = signing_key()
        if secret is None or not 0 <= code < 256:
            return
        try:
            make_folder(self.folder)
            write_atomically(self.path(), sign(self.key + bytes([code]) + output, secret))
            prune(self.folder, "run-", KEEP)
        except OSError:
            pass  # a read-only checkout: the next run lints again


def _ruby() -> str | None:
    """Where `ruby` is on PATH, as shutil.which finds it (shutil itself costs 2 ms to import)."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", "ruby")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def run_cache(folder: Path, arguments: Iterable[str], files: list[Path], config_file: Path | None) -> RunCache | None:
    """The run cache for these arguments and collected files; None when the run reads something
    the key cannot hold (a Liquibase changelog) or a file cannot be read."""
    scope = "\0".join([os.getcwd(), *arguments])
    h = hashlib.sha256(f"{tool_hash()}\0{scope}\0{_ruby()}\0".encode("utf-8", "surrogatepass"))
    try:
        h.update(config_file.read_bytes() if config_file is not None else b"-")
        for f in files:
            data = f.read_bytes()
            if may_be_changelog(f.suffix, data[:200]):
                return None
            h.update(b"\0%d\0" % len(data) + str(f).encode("utf-8", "surrogatepass") + b"\0" + data)
            if f.suffix == ".sql":  # what the tool that runs it reads beside it (sql_runner.py)
                for side in side_files(f, data):
                    h.update(b"\1" + (side.read_bytes() if side.is_file() else b"-"))
    except OSError:
        return None
    return RunCache(folder, scope, h.digest())
