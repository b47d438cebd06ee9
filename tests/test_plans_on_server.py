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
