"""Flyway renderings applied the way Flyway applies them, on PostgreSQL 18 and 15.

No Flyway binary can be installed here (its distributions are not on PyPI, npm or Debian), so
the files are applied with psql following Flyway's rules: versioned files in version order
(1.10 after 1.9), each in one transaction unless its script configuration says
executeInTransaction=false; undo files in reverse order under the same rule. The result must
equal the plain SQL rendering's catalog, and the undo must return the starting schema.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

import repos
from cases import RENDER_CORE, Case
from conftest import Server
from migration_manager.catalog import differences, snapshot
from migration_manager.discover import find_migrations
from migration_manager.naming import version_key
from migration_manager.render import write_files
from migration_manager.render.choose import choose, render
from support import apply_sql_rendering, assert_back_to_start, prepared_plan


def apply_like_flyway(server: Server, uri: str, folder: Path, prefix: str, reverse: bool = False) -> list[str]:
    scripts = [p for p in folder.glob(f"{prefix}*__*.sql")]
    scripts.sort(key=lambda p: version_key(p.name[1:].split("__", 1)[0]), reverse=reverse)
    for script in scripts:
        conf = script.with_name(script.name + ".conf")
        in_transaction = not (conf.exists() and "executeInTransaction=false" in conf.read_text())
        psql = str(server.bin_dir / "psql") if server.bin_dir else "psql"
        args = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *(["-1"] if in_transaction else []), "-d", uri]
        done = subprocess.run([*args, "-f", str(script)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{script.name} failed:\n{done.stderr}"
    return [s.name for s in scripts]


@pytest.mark.parametrize("case", RENDER_CORE, ids=lambda c: c.id)
def test_flyway_rendering_matches_sql_and_undoes(
    case: Case, server: Server, db: str, twin_db: str, tmp_path: Path
) -> None:
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None  # every rendered case runs on both versions
    with psycopg.connect(db, autocommit=True) as conn:
        start = snapshot(conn)
    apply_sql_rendering(server.bin_dir, db, p, tmp_path / "sql")
    with psycopg.connect(db, autocommit=True) as conn:
        expected = snapshot(conn)

    app = repos.write(
        tmp_path / "app",
        {"flyway.conf": "flyway.locations=filesystem:db/migration\n", "db/migration/V1.9__old.sql": "SELECT 1;\n"},
    )
    destination = choose(find_migrations(app), "auto", None)
    assert destination.format == "flyway" and destination.version == "1.10"
    write_files(render(p, destination), app / "db/migration")
    (app / "db/migration/V1.9__old.sql").unlink()  # already applied, as far as this database goes
    applied = apply_like_flyway(server, twin_db, app / "db/migration", "V")
    assert applied[0].startswith("V1.10__")
    with psycopg.connect(twin_db, autocommit=True) as conn:
        assert differences(expected, snapshot(conn)) == []
        case.check(conn)
    apply_like_flyway(server, twin_db, app / "db/migration", "U", reverse=True)
    with psycopg.connect(twin_db, autocommit=True) as conn:
        back = snapshot(conn)
    assert_back_to_start(case, start, back)
