"""A cache of lint results per file, so a run over unchanged migrations does not lint them again.

Lint is schema-aware across files: a file's findings depend on the schema the files before it
built. So a file's entry is keyed by everything its result depends on: the tool (cache_files.
tool_hash: its version, its files' sizes and times, the Python and the packages installed beside
it, so a code change or an upgrade invalidates the cache), the configuration, the
file as the linter receives it (path, text, the SQL pieces read from a Python or Ruby file) and
the state entering it: a chain hash over every source linted before it in the run, which is what
the schema is built from. Changing one file therefore re-lints it and the files after it;
appending a migration re-lints that one alone.

An entry holds the file's findings (fixes included) and its statement count; the last file of a
run, and every SNAPSHOT_EVERY-th, also hold the schema after them, so that a miss after hits can
go on from there (the files between are linted again, their results dropped, to rebuild it).

Rails files are parsed by one `ruby` process per run (read_rails.py), before any is linted: their
parse is kept too, by text and reader, so a run over files seen before starts no `ruby`.

A pack is pickled, and unpickling runs code: so each pack is signed (HMAC-SHA256) with a key of
the user's own, kept outside the project ($XDG_CACHE_HOME/migration-manager/cache-key, made on
first use, mode 0600), and a pack whose signature does not verify (committed to a repository,
written by someone else) is ignored without being unpickled. Without a key (no writable cache
home) nothing is cached.

One pack file per set of paths linted, written atomically (a temporary file renamed over it): two
runs at once each write a whole, valid pack, the last one wins; the newest KEEP packs are kept. A
pack that cannot be read is ignored (linted afresh, then replaced). The fixes the planner wrote
are kept apart, by shape, for any set of paths (fix_store.py), and a whole run's output for the
same arguments again (run_cache.py).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .cache_files import make_folder, prune, sign, signing_key, tool_hash, verified, write_atomically

if TYPE_CHECKING:
    from .config import LintConfig
    from .engine import Source
    from .fix_store import FixStore
    from .linter import Linter
    from .model import Finding
    from .pyread import Read

FORMAT = 2  # bumped when the pack's layout changes
SNAPSHOT_EVERY = 64
KEEP = 32  # packs kept, the newest: one per set of paths linted

# an entry: the findings, the statements counted, the schema after the file (pickled) or None, and
# the notes on what was not read (linter.notes: a DO block's loop)
Entry = tuple[list["Finding"], int, bytes | None, list[str]]


def config_key(config: LintConfig) -> str:
    severity = ",".join(f"{k}={v}" for k, v in sorted(config.severity.items()))
    sizes = config.sizes.fingerprint() if config.sizes is not None else "-"  # sizes change severities
    return f"pg{config.pg_version}\0{config.dialect}\0{','.join(sorted(config.ignore))}\0{severity}\0{sizes}"


def source_digest(source: Source) -> bytes:
    """Everything of a source the linter reads, in a fixed order (sets sorted)."""
    h = hashlib.sha256()
    parts = (
        source.path,
        source.text,
        str(source.line_offset),
        str(source.framework),
        str(source.lock_timeout),
        _runner_key(source),
    )
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for p in source.pieces if source.pieces is not None else ():
        fields = (
            p.sql,
            str(p.line),
            str(p.in_transaction),
            repr(p.shown),
            str(p.written),
            str(p.column),
            str(p.lock_timeout),
            p.unit,
        )
        h.update("\0".join((*fields, ",".join(sorted(p.ignored)))).encode("utf-8", "surrogatepass") + b"\1")
    h.update(b"none" if source.pieces is None else b"pieces")
    h.update(",".join(sorted(source.fresh)).encode("utf-8", "surrogatepass"))
    return h.digest()


def _runner_key(source: Source) -> str:
    """How the source's tool runs it (sql_runner.Runner), its text aside (hashed already)."""
    run = source.runner
    return "-" if run is None else repr((run.tool, run.transaction, run.several))


@dataclass
class LintCache:
    """Wraps Linter.lint_source for one lint_paths run: lint(...) per source, store() at the end."""

    folder: Path
    config: LintConfig
    scope: list[str]  # the paths given, which name the pack
    hits: int = 0
    misses: int = 0
    statements: int = 0  # the statements of the sources taken from the cache
    _old: dict[str, Entry] = field(default_factory=dict)
    _new: dict[str, tuple[list[Finding], int, list[str]]] = field(default_factory=dict)
    _snapshots: dict[str, bytes | None] = field(default_factory=dict)
    _chain: bytes = b""
    _history: list[Source] = field(default_factory=list)
    _behind: bool = False  # the linter's schema lags: the last sources came from the cache
    _resume: tuple[int, bytes | None] = (-1, None)  # the last snapshot seen: its index and schema
    _loaded: bool = False
    on_miss: Callable[[], None] | None = None  # called before each source that has to be linted
    _old_rails: dict[str, Read] = field(default_factory=dict)
    _rails: dict[str, Read] = field(default_factory=dict)  # this run's Rails reads, by text and reader
    fixes: FixStore = field(init=False)  # the planner's answers of earlier runs (fix_store.py)

    def __post_init__(self) -> None:
        from .fix_store import FixStore

        self.fixes = FixStore(self.folder)

    def _pack(self) -> Path:
        h = hashlib.sha256(tool_hash().encode() + config_key(self.config).encode())
        h.update("\0".join(self.scope).encode("utf-8", "surrogatepass"))
        return self.folder / f"lint-{h.hexdigest()[:24]}.pickle"

    def _load(self) -> None:
        self._loaded = True
        self._chain = hashlib.sha256(tool_hash().encode() + b"\0" + config_key(self.config).encode()).digest()
        key = signing_key()
        if key is None:
            return
        try:
            signed = verified(self._pack().read_bytes(), key)
            if signed is None:
                return  # not signed with this user's key: never unpickled
            data = pickle.loads(signed)
        except FileNotFoundError:
            return
        except Exception:  # truncated or from another layout: start afresh
            return
        if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("entries"), dict):
            self._old = data["entries"]
            if isinstance(data.get("rails"), dict):
                self._old_rails = data["rails"]

    def read_rails(self, texts: list[str]) -> list[Read]:
        """read_rails.read_all, the files read before (same text, same reader: `ruby` or the Python
        one) taken from the cache: the `ruby` process starts only for files not seen."""
        from .pyread import Read
        from .rails_ruby import ruby
        from .read_rails import read_all

        if not self._loaded:
            self._load()
        reader = ruby() or "python"
        keys = [hashlib.sha256(f"{reader}\0{text}".encode("utf-8", "surrogatepass")).hexdigest() for text in texts]
        missing = [i for i, key in enumerate(keys) if not isinstance(self._old_rails.get(key), Read)]
        fresh = dict(zip(missing, read_all([texts[i] for i in missing]), strict=True))
        self.misses += len(missing)
        out = [fresh[i] if i in fresh else self._old_rails[key] for i, key in enumerate(keys)]
        self._rails.update(zip(keys, out, strict=True))
        return out

    def lint(self, make_linter: Callable[[], Linter], source: Source) -> tuple[list[Finding], list[str]]:
        """The findings of `source` and the notes on what was not read of it: from the cache, else
        linted by the linter `make_linter` gives (made on the first miss: a run of hits loads no
        rule) and kept for store()."""
        if not self._loaded:
            self._load()
        index = len(self._history)
        self._chain = hashlib.sha256(self._chain + source_digest(source)).digest()
        key = self._chain.hex()
        self._history.append(source)
        entry = self._old.get(key)
        if entry is not None and _valid(entry):
            findings, count, snapshot, notes = entry
            self.hits += 1
            self.statements += count
            self._behind = True
            if snapshot is not None:
                self._resume = (index, snapshot)
            self._new[key] = (findings, count, notes)
            self._snapshots[key] = snapshot
            return findings, notes
        self.misses += 1
        if self.on_miss is not None:
            self.on_miss()
        linter = make_linter()
        if self._behind:
            self._catch_up(linter, index)
        before, noted = linter.statements, len(linter.notes)
        findings = linter.lint_source(source)
        notes = linter.notes[noted:]
        self._new[key] = (findings, linter.statements - before, notes)
        if index % SNAPSHOT_EVERY == SNAPSHOT_EVERY - 1:
            self._snapshots[key] = pickle.dumps(linter.schema, pickle.HIGHEST_PROTOCOL)
        return findings, notes

    def _catch_up(self, linter: Linter, index: int) -> None:
        """Rebuild the schema entering source `index`: from the last snapshot, the sources after it
        linted again (their findings dropped)."""
        from .linter import Linter as _Linter
        from .schema import Schema

        at, snapshot = self._resume
        replay = _Linter(linter.config, defer_fixes=True)
        replay.schema = pickle.loads(snapshot) if snapshot is not None else Schema()
        for source in self._history[at + 1 : index]:
            replay.lint_source(source)
        linter.schema = replay.schema
        self._behind = False

    def store(self, linter: Linter | None) -> None:
        """Write this run's entries (fixes resolved by now), with the schema after the last source
        (`linter`: the run's, None when every source came from the cache), and the fixes planned."""
        self.fixes.save()
        unchanged = not self._old.keys() - self._new.keys() and not self._old_rails.keys() - self._rails.keys()
        if not (self._history or self._rails) or (self.misses == 0 and unchanged):
            return  # everything came from the pack and nothing in it is stale: leave it as is
        last = self._chain.hex()
        if self._history and not self._behind and linter is not None:
            self._snapshots[last] = pickle.dumps(linter.schema, pickle.HIGHEST_PROTOCOL)
        entries = {k: (f, n, self._snapshots.get(k), notes) for k, (f, n, notes) in self._new.items()}
        key = signing_key()
        if key is None:
            return
        data = pickle.dumps({"format": FORMAT, "entries": entries, "rails": self._rails}, pickle.HIGHEST_PROTOCOL)
        try:
            make_folder(self.folder)
            write_atomically(self._pack(), sign(data, key))
            prune(self.folder, "lint-", KEEP)
        except OSError:
            pass  # a read-only checkout: lint works the same, only uncached


def _valid(entry: object) -> bool:
    return (
        isinstance(entry, tuple)
        and len(entry) == 4
        and isinstance(entry[0], list)
        and isinstance(entry[1], int)
        and (entry[2] is None or isinstance(entry[2], bytes))
        and isinstance(entry[3], list)
    )
