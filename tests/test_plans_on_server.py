"""Every operation family, end to end on real servers (PostgreSQL 18 embedded, the machine's 15):

render the plan as SQL files, apply the ups with psql in order, check the change on the server,
apply the downs in reverse, compare the catalog with the starting snapshot, apply the ups again.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from cases import CASES, Case
from conftest import Server
from migration_manager.catalog import differences, snapshot
from migration_manager.render import render_sql, write_files
from support import assert_back_to_start, prepared_plan, psql_file


def _files(out: Path) -> tuple[list[Path], list[Path]]:
    ups = sorted(p for p in out.glob("*.sql") if not p.name.endswith("_down.sql"))
    downs = sorted((p for p in out.glob("*_down.sql")), reverse=True)
    return ups, downs


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_up_down_up(case: Case, server: Server, db: str, tmp_path: Path) -> None:
    p = prepared_plan(case, server.version, db)
    if p is None:  # too old a server: the planner refused, as it must
        return
    if case.migrations is not None:
        assert len(p.migrations) == case.migrations, [m.title for m in p.migrations]
    write_files(render_sql(p), tmp_path)
    ups, downs = _files(tmp_path)
    assert len(ups) == len(downs) == len(p.migrations)

    with psycopg.connect(db, autocommit=True) as conn:
        before = snapshot(conn)
    for f in ups:
        psql_file(server.bin_dir, db, f)
    with psycopg.connect(db, autocommit=True) as conn:
        case.check(conn)
        changed = differences(before, snapshot(conn))
        assert bool(changed) == case.changes_schema, changed or "the up migrations changed nothing"
    for f in downs:
        psql_file(server.bin_dir, db, f)
    with psycopg.connect(db, autocommit=True) as conn:
        after_down = snapshot(conn)
    assert_back_to_start(case, before, after_down)
    if not case.reversible:
        assert any(s.lossy_down for m in p.migrations for s in m.steps)
        return
    for f in ups:
        psql_file(server.bin_dir, db, f)
    with psycopg.connect(db, autocommit=True) as conn:
        case.check(conn)


SEQUENCES = [c for c in CASES if c.id not in ("rename_column_trigger", "rename_column_dual_write")]


@pytest.mark.parametrize("case", SEQUENCES, ids=[c.id for c in SEQUENCES])
def test_each_migration_run_before_its_predecessor_stops_and_changes_nothing(
    case: Case, server: Server, db: str, tmp_path: Path
) -> None:
    """Issue 17: run migration N+1 without N (as after N failed): it stops at its guard, the catalog unchanged;
    then N, and N+1 runs."""
    from schema_proof import run_out_of_order

    p = prepared_plan(case, server.version, db)
    if p is None or len(p.migrations) < 2:
        return
    write_files(render_sql(p), tmp_path)
    ups, _ = _files(tmp_path)
    for k in range(1, len(ups)):
        # a migration that only checks (changes nothing) leaves nothing to wait for: its successor's guard
        # asks for the same fact, which holds
        if not all(st.assumption for st in p.migrations[k - 1].steps):
            error = run_out_of_order(server, db, ups, k)
            assert "needs the work of" in error and "nothing was changed" in error, error
        psql_file(server.bin_dir, db, ups[k - 1])
    psql_file(server.bin_dir, db, ups[-1])
    with psycopg.connect(db, autocommit=True) as conn:
        case.check(conn)


def test_after_a_failed_index_build_the_next_migration_stops(server: Server, db: str, tmp_path: Path) -> None:
    """A unique index build that fails on a duplicate leaves an INVALID index; the constraint migration after it
    stops on its guard instead of attaching it."""
    case = next(c for c in CASES if c.id == "add_unique")
    p = prepared_plan(case, server.version, db)
    assert p is not None
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("UPDATE orders SET code = 'dup' WHERE id IN (SELECT id FROM orders ORDER BY id LIMIT 2)")
    write_files(render_sql(p), tmp_path)
    ups, _ = _files(tmp_path)
    import subprocess

    psql = str(server.bin_dir / "psql") if server.bin_dir else "psql"
    failed = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", str(ups[0])], capture_output=True, text=True
    )
    assert failed.returncode != 0 and "could not create unique index" in failed.stderr
    from schema_proof import run_out_of_order

    error = run_out_of_order(server, db, ups, 1)
    assert "valid index" in error and "nothing was changed" in error, error
