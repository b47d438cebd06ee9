"""verify: try migrations on a scratch database before production does.

Load the current schema (a schema file, or the repository's existing SQL migrations), seed
synthetic rows, then: up -> snapshot -> down -> compare with the start (tables, columns, types,
defaults, constraints, indexes, sequences, enum values, and the row counts) -> up again (the
migrations must run again after a rollback and give the same schema). Each statement is traced
(trace.py); a write-blocking lock held while a table is rewritten or read in full is a problem,
because its duration grows with the table.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from ..catalog import differences, snapshot
from ..ident import quote_ident
from ..model import LockMode
from .model import Direction, FileTrace, Problem, VerifyReport
from .scratch import scratch_database
from .seed import seed
from .trace import trace_file

Progress = Callable[[str], None]
_META = re.compile(r"^\\\S.*$", re.MULTILINE)  # psql meta-commands in a pg_dump (\restrict, \connect ...)
_TABLES = "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"


def _blocks_writes(mode: str) -> bool:
    return mode in LockMode._value2member_map_ and LockMode(mode).strength >= LockMode.SHARE.strength


def _problems_in(trace: FileTrace) -> list[Problem]:
    found: list[Problem] = []
    for st in trace.statements:
        if st.error:
            found.append(
                Problem(kind="failed", path=trace.path, line=st.line, message=f"{trace.direction}: {st.error}")
            )
        for table in st.rewritten:
            mode = st.locks.get(table)
            if mode and _blocks_writes(mode):
                found.append(
                    Problem(
                        kind="blocks-writes-while-rewriting",
                        path=trace.path,
                        line=st.line,
                        message=f"{trace.direction}: rewrites {table} while holding {LockMode(mode).sql_name}: "
                        "writes (and reads, under ACCESS EXCLUSIVE) wait for a time that grows with the table",
                    )
                )
        for table in st.scanned:
            mode = st.locks.get(table)
            if mode and _blocks_writes(mode) and table not in st.rewritten:
                found.append(
                    Problem(
                        kind="blocks-writes-while-scanning",
                        path=trace.path,
                        line=st.line,
                        message=f"{trace.direction}: reads all of {table} while holding {LockMode(mode).sql_name}: "
                        "writes wait for a time that grows with the table",
                    )
                )
    return found


def _counts(uri: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with psycopg.connect(uri, autocommit=True) as conn:
        for (name,) in conn.execute(_TABLES).fetchall():
            row = conn.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()
            counts[name] = int(row[0]) if row else 0
    return counts


def _snap(uri: str) -> Any:
    with psycopg.connect(uri, autocommit=True) as conn:
        return snapshot(conn)


def verify(
    pairs: list[tuple[Path, Path | None]],
    *,
    dsn: str | None = None,
    schema_sql: str | None = None,
    existing: list[Path] | None = None,
    rows: int = 0,
    progress: Progress | None = None,
    warm: bool = False,
) -> VerifyReport:
    """`pairs`: (up file, down file or None) in the order they run. `warm`: without a dsn, use the
    embedded PostgreSQL this process keeps running between calls (scratch.py)."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    problems: list[Problem] = []
    files: list[FileTrace] = []
    say("starting the scratch database")
    with scratch_database(dsn, warm=warm) as (uri, where):
        with psycopg.connect(uri, autocommit=True) as conn:
            version = conn.info.server_version // 10000
            if schema_sql:
                say("loading the schema")
                conn.execute(_META.sub("", schema_sql))
        for path in existing or []:
            say(f"applying existing {path.name}")
            trace = trace_file(uri, path, "up", f"existing/{path.name}")
            if any(st.error for st in trace.statements):
                problems += [p for p in _problems_in(trace) if p.kind == "failed"]
                return VerifyReport(
                    where=where,
                    server_version=version,
                    rows=rows,
                    files=[trace],
                    problems=problems,
                    seconds=time.perf_counter() - started,
                )
        if rows:
            say(f"seeding {rows} rows per table")
            with psycopg.connect(uri, autocommit=True) as conn:
                problems += [Problem(kind="seed", message=m) for m in seed(conn, rows)]
        start, start_rows = _snap(uri), _counts(uri)

        def run(direction: Direction, items: list[tuple[Path, str]]) -> bool:
            for index, (path, label) in enumerate(items, start=1):
                say(f"{direction} {index}/{len(items)} {label}")
                trace = trace_file(uri, path, direction, label)
                files.append(trace)
                problems.extend(_problems_in(trace))
                if any(st.error for st in trace.statements):
                    return False
            return True

        ups = [(up, up.name) for up, _ in pairs]
        if not run("up", ups):
            return VerifyReport(
                where=where,
                server_version=version,
                rows=rows,
                files=files,
                problems=problems,
                seconds=time.perf_counter() - started,
            )
        after_up = _snap(uri)
        downs = [(down, down.name) for _, down in reversed(pairs) if down is not None]
        if len(downs) < len(pairs):
            missing = [up.name for up, down in pairs if down is None]
            problems.append(Problem(kind="down-does-not-restore", message=f"no down file for {', '.join(missing)}"))
        elif run("down", downs):
            back = differences(start, _snap(uri))
            if back:
                problems.append(
                    Problem(
                        kind="down-does-not-restore",
                        message="after the downs the schema differs: " + "; ".join(back[:10]),
                    )
                )
            lost = {t: (n, _counts(uri).get(t)) for t, n in start_rows.items()}
            for table, (before, now) in lost.items():
                if now is not None and now < before:
                    problems.append(
                        Problem(kind="down-loses-rows", message=f"{table} had {before} rows, {now} after the downs")
                    )
            if run("up again", ups):
                again = differences(after_up, _snap(uri))
                if again:
                    problems.append(
                        Problem(
                            kind="not-rerunnable",
                            message="up after down gives another schema: " + "; ".join(again[:10]),
                        )
                    )
    return VerifyReport(
        where=where,
        server_version=version,
        rows=rows,
        files=files,
        problems=problems,
        seconds=time.perf_counter() - started,
    )


def pairs_in(folder: Path, scratch: Path | None = None) -> list[tuple[Path, Path | None]]:
    """Up files with their downs, in migration order: NAME.sql + NAME_down.sql (this project's
    SQL), NAME.up.sql + NAME.down.sql (golang-migrate), V<v>__NAME.sql + U<v>__NAME.sql (Flyway),
    or dbmate files (`-- migrate:up` / `-- migrate:down` sections, split into `scratch`)."""
    from ..lint.collect import migration_order

    sqls = list(folder.glob("*.sql"))
    dbmate = [p for p in sqls if "-- migrate:up" in p.read_text(encoding="utf-8", errors="replace")]
    if dbmate and scratch is not None:
        return _dbmate_pairs(migration_order(dbmate), scratch)
    ups = [
        p
        for p in sqls
        if not p.name.endswith(("_down.sql", ".down.sql"))
        and not re.match(r"U\d", p.name)
        and not p.name.startswith("R__")
    ]
    out: list[tuple[Path, Path | None]] = []
    for up in migration_order(ups):
        if up.name.endswith(".up.sql"):
            down = up.with_name(up.name[: -len(".up.sql")] + ".down.sql")
        elif re.match(r"V\d[^_]*__", up.name):
            down = up.with_name("U" + up.name[1:])
        else:
            down = up.with_name(up.name[: -len(".sql")] + "_down.sql")
        out.append((up, down if down.exists() else None))
    return out


def _dbmate_pairs(files: list[Path], scratch: Path) -> list[tuple[Path, Path | None]]:
    scratch.mkdir(parents=True, exist_ok=True)
    out: list[tuple[Path, Path | None]] = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        up_part, _, down_part = text.partition("-- migrate:down")
        up_part = up_part.split("-- migrate:up", 1)[-1].split("\n", 1)[-1]
        down_part = down_part.split("\n", 1)[-1] if down_part else ""
        up = scratch / f.name
        up.write_text(up_part)
        down = scratch / f"{f.stem}_down.sql"
        down.write_text(down_part)
        out.append((up, down))
    return out
