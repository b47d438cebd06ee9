"""The files of lint's cache folder and what keeps them honest: where the folder is, the hash of
the tool that wrote them, the user's key that signs them, and writing them atomically. Shared by
the per-file packs (cache.py), the fix store (fix_store.py) and the kept run outputs
(run_cache.py); it loads nothing else, so a run answered from the cache starts fast.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from .. import __version__

FOLDER_NAME = ".migration-manager-cache"


def source_hash(package: Path) -> str:
    """A hash of every Python file under `package`: its name, size and modification time, what
    Python itself checks before it runs a file's cached bytecode (so an edit the interpreter would
    run is an edit the cache sees); reading the contents cost a tenth of a warm run."""
    h = hashlib.sha256()
    top = len(str(package))
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(n for n in names if n.endswith(".py")):
            path = f"{folder}/{name}"
            st = os.stat(path)
            h.update(f"{path[top:]}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


@lru_cache(maxsize=1)
def tool_hash() -> str:
    """The version and the source of the whole package (lint calls the planner for its fixes), the
    Python running it, and the packages installed beside it (pglast's parser, sqlglot, pydantic
    shape what lint says: upgrading one changes its dist-info folder's name)."""
    return f"{__version__}:{sys.version}:{source_hash(Path(__file__).resolve().parents[1])}:{installed()}"


def installed() -> str:
    """A hash of the names of the dist-info folders in the interpreter's site-packages (a name holds
    the package's version): one listing of a folder, where importlib.metadata costs 15 ms."""
    h = hashlib.sha256()
    for entry in sys.path:
        if os.path.basename(entry) in ("site-packages", "dist-packages") and os.path.isdir(entry):
            h.update(entry.encode("utf-8", "surrogateescape") + b"\0")
            h.update("\0".join(sorted(n for n in os.listdir(entry) if n.endswith(".dist-info"))).encode())
    return h.hexdigest()


MAGIC = b"MMLC1"


@lru_cache(maxsize=1)
def signing_key() -> bytes | None:
    """The user's key for signing packs, made on first use; None when it cannot be kept.

    Made whole, then put in place with a hard link, which fails if a key is there already: two
    runs starting at once both read the one that won, never a file still being written (with
    O_EXCL on the key itself, the second could read it empty and cache no key at all)."""
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(home) / "migration-manager" / "cache-key"
    try:
        key = path.read_bytes()
        return key if len(key) == 32 else None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".cache-key-{os.getpid()}-{os.urandom(8).hex()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(os.urandom(32))
            with suppress(FileExistsError):  # another run made it first: that one is the key
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        key = path.read_bytes()
        return key if len(key) == 32 else None
    except OSError:
        return None


def sign(data: bytes | memoryview, key: bytes) -> bytes:
    return MAGIC + hmac.new(key, data, hashlib.sha256).digest() + data


def verified(blob: bytes, key: bytes) -> memoryview | None:
    """The signed data, or None when the signature is not the key's: a view of `blob`, not a copy
    (a kept run's output is megabytes)."""
    head = len(MAGIC) + 32
    if len(blob) < head or not blob.startswith(MAGIC):
        return None
    data = memoryview(blob)[head:]
    digest = hmac.new(key, data, hashlib.sha256).digest()
    return data if hmac.compare_digest(digest, blob[len(MAGIC) : head]) else None


def default_folder(root: Path) -> Path:
    """MIGRATION_MANAGER_CACHE_DIR, else .migration-manager-cache in the project's root."""
    given = os.environ.get("MIGRATION_MANAGER_CACHE_DIR")
    return Path(given) if given else root / FOLDER_NAME


def make_folder(folder: Path) -> None:
    """The cache folder, with a .gitignore that keeps all of it out of git."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        write_atomically(ignore, b"# written by migration-manager lint: nothing here belongs in git\n*\n")


def prune(folder: Path, prefix: str, keep: int) -> None:
    """Keep the `keep` newest files named `prefix`* in the folder (one is written per set of paths
    linted, per set of arguments or per version of the tool): a pre-commit run on each new
    migration would otherwise leave one of each behind every time."""
    try:
        found = [
            (entry.stat().st_mtime_ns, entry.path) for entry in os.scandir(folder) if entry.name.startswith(prefix)
        ]
    except OSError:
        return
    for _, path in sorted(found, reverse=True)[keep:]:
        with suppress(OSError):  # gone already (another run pruned it), or not ours to remove
            os.unlink(path)


def write_atomically(path: Path, data: bytes) -> None:
    """Atomically: a temporary file of a name no one else picks in the same folder (O_EXCL), renamed
    over `path` (tempfile.mkstemp does the same, and costs 3 ms to import)."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{os.urandom(8).hex()}{path.suffix}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
