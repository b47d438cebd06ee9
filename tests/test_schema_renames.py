"""Issue 17, cases 4, 10 and 11: RENAME COLUMN planned from the real schema, on PostgreSQL 15 and 18.

Case 4: the type, NOT NULL and default are read, the indexes and constraints of the old column are
built on the new one and take their names back in the contract, so the end is the naive RENAME
COLUMN's; the contract never drops the old column unless the new one holds every value.
Case 10: with the schema read, preflight passes the plan's assumptions.
Case 11: the contract's down is online (no statement scans the table under a write-blocking lock).
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from conftest import Server
from migration_manager.catalog import differences
from migration_manager.errors import PlanningError
from migration_manager.model import Plan, Target
from migration_manager.planner import plan
from migration_manager.render import render_sql, write_files
from migration_manager.schema.sources import schema_from_dsn
from migration_manager.sql.postgres import parse_operations
from migration_manager.verify import pairs_in, verify
from schema_proof import Source, catalog, data, prove, run_out_of_order, run_sql
from support import psql_file

USERS = """
CREATE TABLE teams (id bigint PRIMARY KEY, code text UNIQUE);
INSERT INTO teams SELECT g, 't' || g FROM generate_series(1, 20) AS g;
CREATE TABLE users (
    id bigint PRIMARY KEY,
    fullname text NOT NULL DEFAULT '',
    email text,
    team text,
    CONSTRAINT users_fullname_key UNIQUE (fullname),
    CONSTRAINT users_fullname_short CHECK (length(fullname) < 200),
    CONSTRAINT users_team_fkey FOREIGN KEY (team) REFERENCES teams (code)
);
CREATE INDEX users_fullname_idx ON users (fullname);
CREATE INDEX users_fullname_lower_idx ON users (lower(fullname)) WHERE fullname <> '';
INSERT INTO users SELECT g, 'User ' || g, 'u' || g || '@example.com', 't' || (1 + g % 20)
  FROM generate_series(1, 12000) AS g;
ANALYZE;
"""
NOTES = """
CREATE TABLE notes (id bigint PRIMARY KEY, author text REFERENCES users (fullname) ON DELETE CASCADE);
INSERT INTO notes SELECT g, 'User ' || (1 + g % 12000) FROM generate_series(1, 10000) AS g;
"""
RENAME = "ALTER TABLE users RENAME COLUMN fullname TO display_name"
TEAM = "ALTER TABLE users RENAME COLUMN team TO team_code"


def _plan(server: Server, uri: str, change: str = RENAME) -> Plan:
    return plan(parse_operations(change), Target(version=server.version), schema=schema_from_dsn(uri))


def _render(p: Plan, out: Path) -> list[Path]:
    write_files(render_sql(p), out)
    return sorted(x for x in out.glob("*.sql") if not x.name.endswith("_down.sql"))


def _index_names(uri: str) -> set[str]:
    with psycopg.connect(uri, autocommit=True) as conn:
        rows = conn.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'users'::regclass")
        return {r[0] for r in rows.fetchall()}


@pytest.mark.parametrize("source", ["dsn", "structure"])
def test_case4_rename_carries_type_default_not_null_indexes_and_constraints(
    source: Source, server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    def works(conn: psycopg.Connection) -> None:
        row = conn.execute("INSERT INTO users (id) VALUES (0) RETURNING display_name").fetchone()
        assert row == ("",)  # the default came along
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO users (id, display_name) VALUES (-1, 'User 7')")
        conn.execute("DELETE FROM users WHERE id = 0")

    proof = prove(server, empty_db, empty_twin, tmp_path, setup=USERS, change=RENAME, source=source, check=works)
    sql = "\n".join(s for m in proof.plan.migrations for st in m.steps for s in st.up)
    assert "ADD COLUMN display_name text" in sql  # the type read, not asked
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_fullname_key_mm_new" in sql
    assert "ADD CONSTRAINT users_fullname_key_mm_new UNIQUE USING INDEX users_fullname_key_mm_new" in sql
    assert "VALIDATE CONSTRAINT users_fullname_short_mm_new" in sql
    assert _index_names(empty_db) >= {"users_fullname_key", "users_fullname_idx", "users_fullname_lower_idx"}
    guards = [m.steps[0] for m in proof.plan.migrations[1:]]
    assert all("has run" in g.description for g in guards)  # every migration checks the one before
    assert proof.plan.migrations[0].steps[0].assumption


def test_case4_a_foreign_key_on_the_column_is_carried(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    proof = prove(server, empty_db, empty_twin, tmp_path, setup=USERS, change=TEAM)
    sql = "\n".join(s for m in proof.plan.migrations for st in m.steps for s in st.up)
    assert "FOREIGN KEY (team_code) REFERENCES teams (code) NOT VALID" in sql


SETUPS = {"users": USERS, "users and notes": USERS + NOTES}


def test_case4_a_foreign_key_of_another_table_follows_the_column(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    proof = prove(server, empty_db, empty_twin, tmp_path, setup=USERS + NOTES, change=RENAME)
    sql = "\n".join(s for m in proof.plan.migrations for st in m.steps for s in st.up)
    assert "REFERENCES users (display_name) ON DELETE CASCADE NOT VALID" in sql
    assert "VALIDATE CONSTRAINT notes_author_fkey_mm_new" in sql


def test_case4_the_contract_without_the_backfill_stops_and_keeps_the_data(
    server: Server, empty_db: str, tmp_path: Path
) -> None:
    run_sql(empty_db, USERS)
    p = _plan(server, empty_db)
    ups = _render(p, tmp_path)
    psql_file(server.bin_dir, empty_db, ups[0])  # the expand only
    before, before_data = catalog(empty_db), data(empty_db)
    ups_contract = [ups[-2], ups[-1]]
    error = run_out_of_order(server, empty_db, ups_contract, 1)
    assert "needs the work of" in error and "nothing was changed" in error
    assert data(empty_db) == before_data and catalog(empty_db) == before
    with psycopg.connect(empty_db, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM users WHERE fullname = 'User ' || id").fetchone()
        assert row == (12000,)


def test_case4_the_contract_checks_the_data_not_only_the_catalog(server: Server, empty_db: str, tmp_path: Path) -> None:
    """Every migration before the contract ran, then a row lost its copy (a disabled trigger, a manual
    UPDATE): the contract refuses to drop the old column."""
    run_sql(empty_db, USERS)
    ups = _render(_plan(server, empty_db), tmp_path)
    for f in ups[:-1]:
        psql_file(server.bin_dir, empty_db, f)
    run_sql(
        empty_db,
        "ALTER TABLE users DISABLE TRIGGER USER; UPDATE users SET fullname = 'changed' WHERE id = 5; "
        "ALTER TABLE users ENABLE TRIGGER USER",
    )
    error = run_out_of_order(server, empty_db, ups, len(ups) - 1)
    assert "display_name equal to fullname" in error
    with psycopg.connect(empty_db, autocommit=True) as conn:
        assert conn.execute("SELECT fullname FROM users WHERE id = 5").fetchone() == ("changed",)


@pytest.mark.parametrize("setup", ["users", "users and notes"])
def test_case4_each_migration_run_out_of_order_changes_nothing(
    setup: str, server: Server, empty_db: str, tmp_path: Path
) -> None:
    run_sql(empty_db, SETUPS[setup])
    ups = _render(_plan(server, empty_db), tmp_path)
    assert len(ups) >= 6
    for k in range(1, len(ups)):
        error = run_out_of_order(server, empty_db, ups, k)
        assert "needs the work of" in error and "nothing was changed" in error, error
        psql_file(server.bin_dir, empty_db, ups[k - 1])
    psql_file(server.bin_dir, empty_db, ups[-1])
    assert "users_fullname_key" in _index_names(empty_db)


def test_case4_what_cannot_be_carried_is_refused_by_name(server: Server, empty_db: str) -> None:
    run_sql(empty_db, USERS + "CREATE VIEW user_names AS SELECT id, fullname FROM users;")
    with pytest.raises(PlanningError, match=r"public\.user_names read the column"):
        _plan(server, empty_db)
    run_sql(empty_db, "DROP VIEW user_names")
    with pytest.raises(PlanningError, match="primary key"):
        _plan(server, empty_db, "ALTER TABLE users RENAME COLUMN id TO user_id")


def test_case11_the_contracts_down_is_online(server: Server, empty_db: str, tmp_path: Path) -> None:
    run_sql(empty_db, USERS + NOTES)
    p = _plan(server, empty_db)
    contract = p.migrations[-1]
    down = [s for st in contract.steps for s in st.down]
    assert not any(s.startswith("UPDATE") for s in down) and not contract.transactional
    assert any("mm_batches" in s for s in down)  # refilled in batches
    assert any("CHECK (fullname IS NOT NULL) NOT VALID" in s for s in down)
    assert not any(st.lossy_down for m in p.migrations for st in m.steps)
    write_files(render_sql(p), tmp_path / "m")
    report = verify(pairs_in(tmp_path / "m"), dsn=server.admin_uri, schema_sql=USERS + NOTES)
    assert report.passed, report.problems
    downs = [st for f in report.files if f.direction == "down" for st in f.statements]
    assert any("mm_batches" in st.sql for st in downs)
    blocking = [p for p in report.problems if p.kind.startswith("blocks-writes")]
    assert blocking == []


def test_case10_preflight_with_the_schema_read_passes(
    server: Server, empty_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from migration_manager.cli import main

    run_sql(empty_db, USERS)
    code = main(["preflight", "--sql", RENAME, "--dsn", empty_db, "--json"])
    report = json.loads(capsys.readouterr().out)
    assumptions = [r for r in report["results"] if r["check"]["kind"] == "assumption"]
    assert assumptions and all(r["status"] == "pass" for r in assumptions), assumptions
    assert code == 0, [r for r in report["results"] if r["status"] != "pass"]


def test_blind_rename_still_plans_as_before_with_guards(server: Server) -> None:
    p = plan(parse_operations(RENAME), Target(version=server.version))
    assert p.schema_source is None
    assert any("not copied" in n for m in p.migrations for st in m.steps for n in st.notes)
    contract = p.migrations[-1]
    assert "has run" in contract.steps[0].description and "equal to fullname" in contract.steps[0].description


def test_case4_old_and_new_code_write_during_the_transition(server: Server, empty_db: str, tmp_path: Path) -> None:
    """Between the expand and the contract old code writes fullname, new code display_name (the old
    column's default filling fullname): both columns stay equal, so the contract's data check passes."""
    run_sql(empty_db, USERS)
    ups = _render(_plan(server, empty_db), tmp_path)
    psql_file(server.bin_dir, empty_db, ups[0])
    run_sql(
        empty_db,
        "INSERT INTO users (id, fullname) VALUES (-1, 'old code');"
        "INSERT INTO users (id, display_name) VALUES (-2, 'new code');"
        "UPDATE users SET display_name = 'renamed by new code' WHERE id = 3;"
        "UPDATE users SET fullname = 'renamed by old code' WHERE id = 4;",
    )
    for f in ups[1:-1]:
        psql_file(server.bin_dir, empty_db, f)
    run_sql(empty_db, "INSERT INTO users (id, display_name) VALUES (-3, 'newer code')")
    psql_file(server.bin_dir, empty_db, ups[-1])
    with psycopg.connect(empty_db, autocommit=True) as conn:
        rows = conn.execute("SELECT id, display_name FROM users WHERE id IN (-3, -2, -1, 3, 4) ORDER BY id").fetchall()
    assert rows == [
        (-3, "newer code"),
        (-2, "new code"),
        (-1, "old code"),
        (3, "renamed by new code"),
        (4, "renamed by old code"),
    ]


@pytest.mark.parametrize("setup", ["users", "users and notes"])
def test_case11_each_down_restores_what_was_there_before_its_up(
    setup: str, server: Server, empty_db: str, tmp_path: Path
) -> None:
    """Each migration's down alone: the catalog as it was before that up, the original columns' data
    intact (a backfill's down keeps the copied values; the expand's down drops the column)."""
    run_sql(empty_db, SETUPS[setup])
    p = _plan(server, empty_db)
    write_files(render_sql(p), tmp_path)
    ups = sorted(x for x in tmp_path.glob("*.sql") if not x.name.endswith("_down.sql"))
    original = data(empty_db)
    for up in ups:
        before = catalog(empty_db)
        psql_file(server.bin_dir, empty_db, up)
        psql_file(server.bin_dir, empty_db, up.with_name(up.stem + "_down.sql"))
        assert differences(before, catalog(empty_db)) == [], up.name
        now = data(empty_db)
        assert {k: now[k] for k in original} == original, up.name
        psql_file(server.bin_dir, empty_db, up)


def test_fields_that_differ_from_the_schema_read_are_said_and_not_used(server: Server, empty_db: str) -> None:
    from migration_manager.model import RenameColumn

    run_sql(empty_db, USERS)
    op = RenameColumn(table="users", column="email", new_name="mail", type="varchar(10)", not_null=True)
    p = plan([op], Target(version=server.version), schema=schema_from_dsn(empty_db))
    assert any("type 'varchar(10)' given" in w for w in p.warnings)
    assert any("not_null given" in w for w in p.warnings)
    ups = "\n".join(s for m in p.migrations for st in m.steps for s in st.up)
    assert "ADD COLUMN mail text" in ups and "mail IS NOT NULL" not in ups


def test_case4_the_contract_waits_out_a_busy_table_with_retries(server: Server, empty_db: str, tmp_path: Path) -> None:
    """The contract runs outside a transaction (for its online down) but its change is one DO block that
    retries on lock_timeout like a transactional migration: a reader holding the table for a second
    delays it, and does not fail it."""
    import threading
    import time

    run_sql(empty_db, USERS)
    ups = _render(_plan(server, empty_db), tmp_path)
    for f in ups[:-1]:
        psql_file(server.bin_dir, empty_db, f)
    held = threading.Event()

    def reader() -> None:
        with psycopg.connect(empty_db) as conn:
            conn.execute("LOCK TABLE users IN ACCESS SHARE MODE")
            held.set()
            time.sleep(1.5)

    t = threading.Thread(target=reader)
    t.start()
    held.wait(10)
    stderr = psql_file(server.bin_dir, empty_db, ups[-1])
    t.join()
    assert "lock not available" in stderr and "retrying" in stderr
    assert "display_name" in str(catalog(empty_db)["columns"]) and "fullname" not in str(catalog(empty_db)["columns"])


def test_status_tells_where_a_rename_stands(server: Server, empty_db: str, tmp_path: Path) -> None:
    """Each migration's done list says only what that migration did: applied in part, the plan reads
    as its first migrations applied and the rest pending, never as one interrupted."""
    from migration_manager.status import migration_status

    run_sql(empty_db, USERS + NOTES)
    p = _plan(server, empty_db)
    ups = _render(p, tmp_path)
    for k in range(len(ups) + 1):
        states = [m.state for m in migration_status(p, empty_db).migrations]
        assert states == ["applied"] * k + ["not_applied"] * (len(ups) - k), (k, states)
        if k < len(ups):
            psql_file(server.bin_dir, empty_db, ups[k])
