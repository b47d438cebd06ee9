"""How big the tables lint judges are, and what that makes of a whole-table statement.

A statement that works through every row (an unbatched UPDATE / DELETE, a rewrite, a scan under a
lock that blocks writes, a plain index build) matters in proportion to the table: on a lookup table
of a few hundred rows it is over in milliseconds. The sizes come from a stats file (`--stats`, the
shape `plan` takes: {"orders": {"rows": 5000000, "bytes": 1000000000}}) or from a database's
planner estimates (`--dsn`: pg_class.reltuples and relpages, read by schema/read.py). Without
either, the size is unknown and the finding says how to give it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..defaults import LINT_SMALL_BYTES, LINT_SMALL_ROWS
from ..errors import InputError
from .model import Severity

if TYPE_CHECKING:
    from .schema import Schema as LintSchema

Size = Literal["small", "big", "unknown"]


@dataclass(frozen=True)
class TableSize:
    rows: int | None  # None: never analyzed (reltuples -1)
    bytes: int | None = None


@dataclass
class Sizes:
    """Table sizes by name ("orders" or "schema.orders"), and where they came from."""

    tables: dict[str, TableSize]
    source: str  # "--stats stats.json", "--dsn host=... dbname=..."

    def of(self, key: str) -> TableSize | None:
        """The size of the table lint keys as `key` ("orders", "app.orders"): exactly, else in
        public, else the only table of that name in any schema."""
        if key in self.tables:
            return self.tables[key]
        if "." not in key:
            if f"public.{key}" in self.tables:
                return self.tables[f"public.{key}"]
            found = [v for k, v in self.tables.items() if k.rpartition(".")[2] == key]
            return found[0] if len(found) == 1 else None
        schema, _, name = key.partition(".")
        return self.tables.get(name) if schema == "public" else None

    def fingerprint(self) -> str:
        """A hash of the sizes: what a cache of lint results must key on besides the file."""
        data = {k: [v.rows, v.bytes] for k, v in sorted(self.tables.items())}
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]


def judge(size: TableSize | None) -> Size:
    if size is None or size.rows is None:
        return "unknown"
    big = size.rows >= LINT_SMALL_ROWS or (size.bytes is not None and size.bytes >= LINT_SMALL_BYTES)
    return "big" if big else "small"


def threshold() -> str:
    return f"{LINT_SMALL_ROWS:,} rows / {LINT_SMALL_BYTES // (1024 * 1024)} MB"


def sizes_from_stats(path: Path) -> Sizes:
    """A stats file as `plan --stats` reads it, checked the same way (request.stats_from_data)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"--stats {path}: cannot read it: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"--stats {path}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    return sizes_from_data(data, f"--stats {path}")


def sizes_from_data(data: Any, source: str) -> Sizes:
    from ..request import stats_from_data

    stats = stats_from_data(data)
    return Sizes({k: TableSize(v.rows, v.bytes) for k, v in stats.items()}, source)


def sizes_from_dsn(dsn: str) -> Sizes:
    """The planner's row and page estimates of every table of the database `dsn` names (read-only)."""
    from ..schema.sources import schema_from_dsn

    if dsn.split("://")[0] in ("mysql", "mariadb", "mysql+pymysql"):
        raise InputError("--dsn: lint reads table sizes from PostgreSQL only; for MariaDB / MySQL give --stats FILE")
    schema = schema_from_dsn(dsn)
    return Sizes({k: TableSize(t.rows, t.bytes) for k, t in schema.tables.items()}, f"--dsn ({schema.source})")


def by_size(
    severity: Severity, message: str, table: str, schema: LintSchema, sizes: Sizes | None, path: str
) -> tuple[Severity, str]:
    """The severity and message of a finding on statement working through every row of `table`:
    a note when the table is small (or empty), `severity` when it is big, a warning when its size
    is unknown, the message saying which and from what."""
    if table in schema.emptied:
        return "note", f"{message} ({table} is emptied earlier in this transaction: no rows to work through)"
    size = sizes.of(table) if sizes is not None else None
    verdict = judge(size)
    if size is not None and sizes is not None:
        if verdict == "small":
            return "note", f"{message} ({table} is small: {_figures(size)} by {sizes.source}, below {threshold()})"
        if verdict == "big":
            return severity, f"{message} ({table}: {_figures(size)} by {sizes.source}, from {threshold()} an error)"
        return "warning", f"{message} (the size of {table} is unknown: never analyzed; ANALYZE it, or give --stats)"
    known = schema.table(table)
    earlier = ""
    if known is not None and known.created_in is not None and known.created_in != path:
        # created by an earlier migration: deployed long ago, perhaps, and big by now (a whole-history
        # lint must not pass an index build on a table 0001 created): unknown, not small
        earlier = f"; it is created by {known.created_in}, which may have run long ago"
    return "warning", (
        f"{message} (the size of {table} is unknown{earlier}: give --stats FILE "
        f'{{"{table}": {{"rows": N, "bytes": B}}}} or --dsn to judge it; from {threshold()} it is an error, '
        "below a note)"
    )


def _figures(size: TableSize) -> str:
    rows = f"{size.rows:,} rows"
    return rows if size.bytes is None else f"{rows}, {size.bytes / (1024 * 1024):.1f} MB"
