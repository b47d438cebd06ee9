"""The time model behind each step's estimate.

Deliberately simple and stated, so a reader can redo the arithmetic: throughput figures for a
modest server with the table in the page cache or on SSD. When no stats were given for a table,
a step whose time grows with the table has no estimate (None) rather than a made-up one.

| work                                   | rate                         |
|----------------------------------------|------------------------------|
| catalog-only change (metadata)         | 0.05 s, plus the wait for the lock (at most lock_timeout) |
| sequential scan (VALIDATE, SET NOT NULL scan) | 200 MB/s              |
| table rewrite (with index rebuild)     | 40 MB/s                      |
| index build (CONCURRENTLY: two passes) | 40 MB/s per pass, +1 µs per row for the sort |
| batched backfill                       | 20,000 rows/s of updates, plus the pause between batches |

A table's size, when only rows are known, is taken as 100 bytes per row.
"""

from __future__ import annotations

from ..model import Estimate, TableStats

METADATA_SECONDS = 0.05
SCAN_BYTES_PER_SECOND = 200e6
REWRITE_BYTES_PER_SECOND = 40e6
INDEX_BYTES_PER_SECOND = 40e6
INDEX_SECONDS_PER_ROW = 1e-6
BACKFILL_ROWS_PER_SECOND = 20_000
BYTES_PER_ROW = 100


def table_bytes(stats: TableStats) -> int:
    return stats.bytes if stats.bytes is not None else stats.rows * BYTES_PER_ROW


def metadata() -> Estimate:
    return Estimate(seconds=METADATA_SECONDS, basis="catalog change only; plus the wait for the lock")


def _unknown(work: str) -> Estimate:
    return Estimate(seconds=None, basis=f"{work}: grows with the table; give table stats for a figure")


def scan(stats: TableStats | None) -> Estimate:
    if stats is None:
        return _unknown("one sequential scan")
    b = table_bytes(stats)
    return Estimate(seconds=round(b / SCAN_BYTES_PER_SECOND, 3), basis=f"scan of {b:,} bytes at 200 MB/s")


def rewrite(stats: TableStats | None) -> Estimate:
    if stats is None:
        return _unknown("table rewrite")
    b = table_bytes(stats)
    return Estimate(seconds=round(b / REWRITE_BYTES_PER_SECOND, 3), basis=f"rewrite of {b:,} bytes at 40 MB/s")


def index_build(stats: TableStats | None, concurrently: bool) -> Estimate:
    if stats is None:
        return _unknown("index build")
    b = table_bytes(stats)
    passes = 2 if concurrently else 1
    seconds = passes * b / INDEX_BYTES_PER_SECOND + stats.rows * INDEX_SECONDS_PER_ROW
    return Estimate(
        seconds=round(seconds, 3), basis=f"{passes} pass(es) over {b:,} bytes at 40 MB/s + sort of {stats.rows:,} rows"
    )


def backfill(stats: TableStats | None, batch_size: int, pause_ms: int) -> Estimate:
    if stats is None:
        return _unknown("batched backfill")
    batches = -(-stats.rows // batch_size)
    seconds = stats.rows / BACKFILL_ROWS_PER_SECOND + batches * pause_ms / 1000
    return Estimate(
        seconds=round(seconds, 3),
        basis=f"{stats.rows:,} rows at 20,000 rows/s + {batches:,} pauses of {pause_ms} ms",
    )
