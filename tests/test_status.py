"""status / migration_status on PostgreSQL 18 and 15: a real multi-migration plan rendered as SQL,
applied one file at a time with psql, and after each file status says exactly which migrations
the database has and which one is next; an interrupted concurrent build is reported as a
leftover; a framework's version table is read (Alembic through the repository's files, Flyway by
name); the CLI's exit codes and the MCP tool, with good and bad input."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from conftest import Server
from migration_manager.cli import main
from migration_manager.discover import find_migrations
from migration_manager.model import DoneCheck, Plan, Target
from migration_manager.planner import plan
from migration_manager.render import render_alembic, render_sql, write_files
from migration_manager.schema.sources import schema_from_dsn
from migration_manager.sql.postgres import parse_operations
from migration_manager.status import migration_status
from migration_manager.status.text import format_status
from support import psql_file
from test_mcp_tools import call, error

SETUP = """
CREATE SCHEMA app;
CREATE TABLE app.events (id bigint NOT NULL, kind text, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE app.events_2026_a PARTITION OF app.events_2026 FOR VALUES IN ('a');
CREATE TABLE app.events_2026_rest PARTITION OF app.events_2026 DEFAULT;
INSERT INTO app.events SELECT g, CASE WHEN g % 3 = 0 THEN 'a' ELSE 'k' || g % 7 END,
       date '2025-01-01' + (g % 700) FROM generate_series(1, 12000) AS g;
CREATE TABLE app.kinds (kind text PRIMARY KEY);
INSERT INTO app.kinds SELECT DISTINCT kind FROM app.events;
CREATE TABLE app.notes (id bigint PRIMARY KEY, kind text);
INSERT INTO app.notes SELECT g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'k1' END FROM generate_series(1, 10000) AS g;
ANALYZE;
"""

# An index on a partitioned table (per partition, concurrently, then attached) and a foreign key
# on an unindexed column (its covering index first): three migrations, each with a done list.
CHANGE = (
    "CREATE INDEX events_kind_idx ON app.events (kind);\n"
    "ALTER TABLE app.notes ADD CONSTRAINT notes_kind_fk FOREIGN KEY (kind) REFERENCES app.kinds (kind)"
)

# On the fixture schema: the covering index on orders(user_id), the key NOT VALID, its validation.
FK = "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)"


def run_sql(uri: str, sql: str) -> None:
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(sql)


def planned(server: Server, uri: str, change: str = CHANGE) -> Plan:
    return plan(parse_operations(change), Target(version=server.version), schema=schema_from_dsn(uri))


def ups(p: Plan, folder: Path) -> list[Path]:
    write_files(render_sql(p, datetime(2026, 1, 2, 3, 4, 5)), folder)
    return sorted(f for f in folder.glob("*.sql") if not f.name.endswith("_down.sql"))


def states(uri: str, p: Plan, **kw: Any) -> list[str]:
    return [m.state for m in migration_status(p, uri, **kw).migrations]


def test_status_follows_the_plan_file_by_file(
    server: Server, empty_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(empty_db, SETUP)
    p = planned(server, empty_db)
    assert len(p.migrations) == 3 and all(m.done for m in p.migrations)
    files = ups(p, tmp_path / "sql")
    assert len(files) == len(p.migrations)
    saved = tmp_path / "plan.json"
    saved.write_text(p.model_dump_json())
    for k in range(len(files) + 1):
        report = migration_status(p, empty_db)
        assert [m.state for m in report.migrations] == ["applied"] * k + ["not_applied"] * (len(files) - k), (
            format_status(report)
        )
        assert all(m.evidence == "objects" for m in report.migrations)
        if k < len(files):
            assert report.next == k + 1 and report.next_name == p.migrations[k].name
            assert report.gate == p.migrations[k].gate_before
        else:
            assert report.next is None and report.all_applied
        leftovers = {(x.kind, x.name) for x in report.leftovers}
        # between the foreign key added NOT VALID and its validation, the constraint is reported
        assert (("not_valid_constraint", "notes_kind_fk") in leftovers) == (k == 2)
        if k == 2:
            (x,) = report.leftovers
            assert x.migration == 3 and "validates it" in x.fix
        code = main(["status", "--plan", str(saved), "--dsn", empty_db, "--json"])
        out = json.loads(capsys.readouterr().out)
        assert code == (0 if k == len(files) else 1) and out["all_applied"] == (k == len(files))
        assert [m["state"] for m in out["migrations"]] == [m.state for m in report.migrations]
        if k < len(files):
            psql_file(server.bin_dir, empty_db, files[k])
    assert main(["status", "--plan", str(saved), "--dsn", empty_db]) == 0
    assert "All migrations of the plan are applied." in capsys.readouterr().out


def test_an_interrupted_concurrent_build_is_a_leftover(server: Server, db: str, tmp_path: Path) -> None:
    # orders.user_id repeats: a unique index built concurrently fails and stays behind INVALID
    p = planned(server, db, "CREATE UNIQUE INDEX orders_user_key ON orders (user_id)")
    (up,) = ups(p, tmp_path)
    with pytest.raises(AssertionError, match="could not create unique index"):
        psql_file(server.bin_dir, db, up)
    report = migration_status(p, db)
    (x,) = [x for x in report.leftovers if x.kind == "invalid_index"]
    assert x.name == "orders_user_key" and x.table.endswith("orders") and x.migration == 1
    assert "run migration 1" in x.fix and "again" in x.fix
    assert report.migrations[0].state == "partly" and report.next == 1
    assert any("interrupted" in n for n in report.migrations[0].notes)
    assert "INVALID" in format_status(report)


def test_a_type_change_file_by_file_with_its_gate_and_leftovers(server: Server, db: str, tmp_path: Path) -> None:
    """int -> bigint on orders.amount: expand, backfill, NOT NULL check, validate, swap, contract (gated).
    The done lists repeat what must still be there, and the swap renames the shadow: the early
    migrations' checks fail once later ones ran, and a later migration vouches for them; the
    contract's check (no amount_old) holds before anything ran too, and is not taken for its work."""
    p = planned(server, db, "ALTER TABLE orders ALTER COLUMN amount TYPE bigint")
    files = ups(p, tmp_path)
    n = len(files)
    assert n == len(p.migrations) >= 4 and p.migrations[-1].gate_before and not p.migrations[-2].gate_before
    swap = next(i for i, m in enumerate(p.migrations) if m.name.endswith("_swap"))
    for k in range(n + 1):
        report = migration_status(p, db)
        assert [m.state for m in report.migrations] == ["applied"] * k + ["not_applied"] * (n - k), format_status(
            report
        )
        assert report.next == (k + 1 if k < n else None)
        assert report.gate == (p.migrations[-1].gate_before if k == n - 1 else None)
        found = {(x.kind, x.name): x for x in report.leftovers}
        if k in (0, n):
            assert not found
        elif k <= swap:
            assert found[("shadow_column", "amount_new")].migration == swap + 1
            assert found[("sync_trigger", "orders_amount_to_new_mm_sync")].migration == swap + 1
        else:
            assert found[("shadow_column", "amount_old")].migration == n
            assert found[("sync_trigger", "orders_amount_to_old_mm_sync")].migration == n
        if k < n:
            psql_file(server.bin_dir, db, files[k])
    assert "later_migration" in {m.evidence for m in report.migrations}
    text = format_status(report)
    assert "All migrations of the plan are applied." in text


def test_the_gate_the_next_migration_waits_at(server: Server, db: str, tmp_path: Path) -> None:
    p = planned(server, db, "ALTER TABLE users DROP COLUMN note")
    gated = [i for i, m in enumerate(p.migrations) if m.gate_before]
    assert gated and gated[0] > 0
    # A plan as a saved JSON holds each migration's done list; give the migrations before the gate one
    # (the drop-column family states none yet) so that status can tell they have run.
    for m in p.migrations[: gated[0]]:
        m.done = m.done or [DoneCheck(description="users.note is there", sql="to_regclass('users') IS NOT NULL")]
    report = migration_status(p, db)
    assert report.next == gated[0] + 1 and report.gate == p.migrations[gated[0]].gate_before
    text = format_status(report)
    assert "It waits at a gate:" in text and p.migrations[gated[0]].gate_before in text  # type: ignore[operator]


def _alembic_repo(root: Path, p: Plan, revisions: list[str]) -> None:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (root / "migrations" / "env.py").write_text("from alembic import context\n")
    write_files(render_alembic(p, revisions=revisions), root / "migrations" / "versions")


def test_the_alembic_version_table_through_the_repository(server: Server, empty_db: str, tmp_path: Path) -> None:
    run_sql(empty_db, SETUP)
    p = planned(server, empty_db)
    revisions = ["a1b2c3d4e5f1", "a1b2c3d4e5f2", "a1b2c3d4e5f3"]
    _alembic_repo(tmp_path / "repo", p, revisions)
    found = find_migrations(tmp_path / "repo")
    files = ups(p, tmp_path / "sql")
    psql_file(server.bin_dir, empty_db, files[0])
    psql_file(server.bin_dir, empty_db, files[1])
    # what `alembic upgrade a1b2c3d4e5f2` leaves: the head only (its ancestors are implied)
    run_sql(
        empty_db,
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
        f"INSERT INTO alembic_version VALUES ('{revisions[1]}')",
    )
    report = migration_status(p, empty_db, found=found)
    assert [(m.state, m.evidence, m.version) for m in report.migrations] == [
        ("applied", "version_table", revisions[0]),
        ("applied", "version_table", revisions[1]),
        ("not_applied", "version_table", revisions[2]),
    ]
    (table,) = report.version_tables
    assert table.framework == "alembic" and table.matched and table.table.endswith("alembic_version")
    assert report.next == 3
    # without the repository the table's versions cannot be matched: the objects decide, and it says so
    alone = migration_status(p, empty_db)
    assert not alone.version_tables[0].matched and "--root" in (alone.version_tables[0].note or "")
    assert [m.evidence for m in alone.migrations] == ["objects"] * 3
    assert [m.state for m in alone.migrations] == ["applied", "applied", "not_applied"]
    # the version table is what the framework goes by: it wins over the objects, and a disagreement is said
    run_sql(empty_db, f"UPDATE alembic_version SET version_num = '{revisions[0]}'")
    behind = migration_status(p, empty_db, found=found)
    assert [m.state for m in behind.migrations] == ["applied", "not_applied", "not_applied"]
    assert any("disagree" in n for n in behind.migrations[1].notes)
    saved = tmp_path / "plan.json"
    saved.write_text(p.model_dump_json())
    assert main(["status", "--plan", str(saved), "--dsn", empty_db, "--root", str(tmp_path / "repo")]) == 1


def test_the_flyway_history_by_name(server: Server, db: str, tmp_path: Path) -> None:
    p = planned(
        server, db, "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)"
    )
    assert len(p.migrations) == 3
    files = ups(p, tmp_path)
    psql_file(server.bin_dir, db, files[0])
    run_sql(
        db,
        "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), "
        "description varchar(200), type varchar(20), script varchar(1000), success boolean NOT NULL);"
        f"INSERT INTO flyway_schema_history VALUES (1, '7', 'x', 'SQL', 'V7__{p.migrations[0].name}.sql', true),"
        f" (2, '8', 'y', 'SQL', 'V8__{p.migrations[1].name}.sql', false)",
    )
    report = migration_status(p, db)
    assert [(m.state, m.evidence) for m in report.migrations] == [
        ("applied", "version_table"),
        ("partly", "version_table"),
        ("not_applied", "objects"),
    ]
    assert "failed" in " ".join(report.migrations[1].notes)
    assert report.next == 2 and any("did not finish" in w for w in report.warnings)


def _fk_plan(server: Server, db: str, tmp_path: Path) -> Path:
    saved = tmp_path / "fk.json"
    saved.write_text(planned(server, db, FK).model_dump_json())
    return saved


def test_cli_bad_input_and_unreachable_database(
    server: Server, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"migrations": []}')
    assert main(["status", "--plan", str(bad), "--dsn", db]) == 2
    assert "not a plan saved with `migration-manager plan --json`" in capsys.readouterr().err
    assert main(["status", "--plan", str(bad), "--schema", "s.sql", "--dsn", db]) == 2
    assert "--plan is planned" in capsys.readouterr().err
    assert main(["status", "--plan", str(tmp_path / "missing.json"), "--dsn", db]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["status", "--sql", "CREATE INDEX i ON orders (code)", "--dsn", db, "--root", "/nonexistent"]) == 2
    assert "--root /nonexistent: not a folder" in capsys.readouterr().err
    code = main(["status", "--sql", "CREATE INDEX i ON t (c)", "--dsn", "postgresql://u:s3cret@127.0.0.1:1/x"])
    err = capsys.readouterr().err
    assert code == 4 and "cannot connect" in err and "s3cret" not in err
    with pytest.raises(SystemExit) as exc:
        main(["status", "--sql", "CREATE INDEX i ON t (c)"])
    assert exc.value.code == 2 and "--dsn" in capsys.readouterr().err
    # a password in the DSN is used, never shown; a database without the plan's tables is pointed out
    secret = make_conninfo(db, password="s3cret")
    assert main(["status", "--plan", str(_fk_plan(server, db, tmp_path)), "--dsn", secret, "--json"]) == 1
    shown = capsys.readouterr()
    assert "s3cret" not in shown.out + shown.err and json.loads(shown.out)["next"] == 1
    # planned again from the database: fine before anything ran, and the report says how it was planned
    assert main(["status", "--sql", "CREATE INDEX users_name_idx ON users (name)", "--dsn", db]) == 1
    out = capsys.readouterr().out
    assert "planned from live database" in out and "Next: migration 1" in out and "made again" in out
    run_sql(db, "DROP TABLE orders, users CASCADE")
    assert main(["status", "--plan", str(tmp_path / "fk.json"), "--dsn", secret]) == 1
    assert "is it the database the plan is for?" in capsys.readouterr().out


def test_mcp_tool(server: Server, db: str, tmp_path: Path) -> None:
    sql = "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)"
    planned_ = call("plan_change", {"sql": sql, "dsn": db})
    assert not planned_.is_error and planned_.structured_content is not None
    result = call("migration_status", {"dsn": db, "plan": planned_.structured_content["plan"]})
    assert not result.is_error and result.structured_content is not None
    status = result.structured_content["status"]
    assert [m["state"] for m in status["migrations"]] == ["not_applied"] * 3 and status["next"] == 1
    assert "Next: migration 1" in result.structured_content["summary"]
    again = call("migration_status", {"dsn": db, "sql": sql, "root": str(tmp_path)})
    assert not again.is_error and again.structured_content is not None
    assert "planned again" in again.structured_content["status"]["plan_source"]
    assert "exactly one of" in error("migration_status", {"dsn": db})
    assert "exactly one of" in error(
        "migration_status", {"dsn": db, "sql": sql, "plan": planned_.structured_content["plan"]}
    )
    refused = error("migration_status", {"dsn": "postgresql://u:pw9@127.0.0.1:1/x", "sql": sql})
    assert "cannot connect to" in refused and "pw9" not in refused
    assert "absolute path" in error("migration_status", {"dsn": db, "sql": sql, "root": "relative/dir"})
    assert error("migration_status", {"dsn": db, "plan": {"migrations": "no"}})


def test_real_alembic_upgrades_read_back_through_the_repository(server: Server, db: str, tmp_path: Path) -> None:
    from test_render_alembic import alembic, project, sqlalchemy_url

    p = planned(server, db, FK)
    root = project(tmp_path / "repo", sqlalchemy_url(db))
    revisions = ["b1b2c3d4e5f1", "b1b2c3d4e5f2", "b1b2c3d4e5f3"]
    write_files(render_alembic(p, head="000000000001", revisions=revisions), root / "migrations" / "versions")
    alembic(root, "upgrade", revisions[1])
    report = migration_status(p, db, found=find_migrations(root))
    assert [(m.state, m.evidence) for m in report.migrations] == [
        ("applied", "version_table"),
        ("applied", "version_table"),
        ("not_applied", "version_table"),
    ]
    assert not any("disagree" in n for m in report.migrations for n in m.notes)  # the objects agree
    assert report.next == 3 and [x.kind for x in report.leftovers] == ["not_valid_constraint"]
    alembic(root, "upgrade", "head")
    saved = tmp_path / "plan.json"
    saved.write_text(p.model_dump_json())
    assert main(["status", "--plan", str(saved), "--dsn", db, "--root", str(root)]) == 0


def _cut_repo(fmt: str, p: Plan, root: Path) -> str:
    """Render `p` into a fresh repository of framework `fmt`; return the migrations folder."""
    from migration_manager.render.choose import Destination, render

    folder = {
        "rails": "db/migrate",
        "dbmate": "db/migrations",
        "golang-migrate": "migrations",
        "diesel": "migrations",
        "django": "shop/migrations",
        "flyway": "db/migration",
    }[fmt]
    (root / folder).mkdir(parents=True)
    if fmt == "diesel":
        (root / "diesel.toml").write_text("[print_schema]\n")
    if fmt == "django":
        (root / "manage.py").write_text("")
        (root / "shop" / "__init__.py").write_text("")
        (root / folder / "__init__.py").write_text("")
    destination = Destination(fmt, folder, app="shop", version="7" if fmt == "flyway" else "1")  # type: ignore[arg-type]
    write_files(render(p, destination, datetime(2026, 1, 2, 3, 4, 5)), root / folder)
    return folder


_VERSION_TABLES = {
    "rails": "CREATE TABLE schema_migrations (version varchar PRIMARY KEY)",
    "dbmate": "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)",
    "golang-migrate": "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)",
    "diesel": "CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, "
    "run_on timestamp DEFAULT now())",
    "django": "CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255), name varchar(255), "
    "applied timestamptz DEFAULT now())",
    "flyway": "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), "
    "description varchar(200), type varchar(20), script varchar(1000), success boolean NOT NULL)",
}


@pytest.mark.parametrize("fmt", list(_VERSION_TABLES))
def test_each_frameworks_version_table(fmt: str, server: Server, db: str, tmp_path: Path) -> None:
    """The rows each framework writes once the plan's first migration has run (all its files: the
    statement-file formats cut a non-transactional migration into several), matched via --root."""
    p = planned(server, db, FK)
    root = tmp_path / "repo"
    folder = _cut_repo(fmt, p, root)
    found = find_migrations(root)
    (fw,) = [f for f in found.frameworks if f.folder == folder]
    first = [e for e in fw.migrations if e.name.startswith(p.migrations[0].name)]
    assert first
    ids = [e.id for e in first]
    rows = {
        "rails": [f"INSERT INTO schema_migrations VALUES ('{x}')" for x in ids],
        "dbmate": [f"INSERT INTO schema_migrations VALUES ('{x}')" for x in ids],
        "golang-migrate": [f"INSERT INTO schema_migrations VALUES ({ids[-1]}, false)"],
        "diesel": [f"INSERT INTO __diesel_schema_migrations (version) VALUES ('{x}')" for x in ids],
        "django": [f"INSERT INTO django_migrations (app, name) VALUES ('shop', '{x}')" for x in ids],
        "flyway": [
            f"INSERT INTO flyway_schema_history VALUES ({k}, '{x}', 'd', 'SQL', "
            f"'V{x}__{p.migrations[0].name}.sql', true)"
            for k, x in enumerate(ids, start=1)
        ],
    }[fmt]
    run_sql(db, ";".join([_VERSION_TABLES[fmt], *rows]))
    report = migration_status(p, db, found=found)
    assert [(m.state, m.evidence) for m in report.migrations] == [
        ("applied", "version_table"),
        ("not_applied", "version_table"),
        ("not_applied", "version_table"),
    ], format_status(report)
    assert report.migrations[0].version == ", ".join(ids) and report.next == 2
    (table,) = report.version_tables
    assert table.matched and table.framework == ("rails" if fmt == "dbmate" else fmt)
    if len(ids) > 1 and fmt in ("dbmate", "diesel"):  # only the first file of the migration has run
        run_sql(
            db,
            f"DELETE FROM {'schema_migrations' if fmt == 'dbmate' else '__diesel_schema_migrations'} "
            f"WHERE version = '{ids[-1]}'",
        )
        assert migration_status(p, db, found=found).migrations[0].state == "partly"
    if fmt == "golang-migrate":  # failed half-way: golang-migrate marks the version dirty
        run_sql(db, "UPDATE schema_migrations SET dirty = true")
        assert migration_status(p, db, found=found).migrations[0].state == "partly"


def test_liquibase_changesets_by_name(server: Server, db: str) -> None:
    p = planned(server, db, FK)
    steps = len(p.migrations[0].steps)
    base = f"20260102030405_{p.migrations[0].name}"
    run_sql(
        db,
        "CREATE TABLE databasechangelog (id varchar(255), author varchar(255), filename varchar(255));"
        + ";".join(
            f"INSERT INTO databasechangelog VALUES ('{base}-{k}', 'migration-manager', 'db/changelog/{base}.xml')"
            for k in range(1, steps + 1)
        ),
    )
    report = migration_status(p, db)
    first = report.migrations[0]
    assert (first.state, first.evidence) == ("applied", "version_table")
    if steps > 1:
        run_sql(db, f"DELETE FROM databasechangelog WHERE id = '{base}-{steps}'")
        assert migration_status(p, db).migrations[0].state == "partly"
    # a transactional migration is one changeSet, whatever its steps
    second = p.migrations[1]
    assert second.transactional and len(second.steps) > 1
    run_sql(
        db,
        f"INSERT INTO databasechangelog VALUES ('20260102030406_{second.name}-1', 'migration-manager', 'x.xml')",
    )
    assert migration_status(p, db).migrations[1].state == "applied"


def test_a_later_migration_that_ran_vouches_for_the_earlier_ones(server: Server, db: str, tmp_path: Path) -> None:
    p = planned(server, db, FK)
    for f in ups(p, tmp_path):
        psql_file(server.bin_dir, db, f)
    # as if the first migration's work had been changed since (a later change dropped its index):
    gone = p.model_copy(deep=True)
    gone.migrations[0].done = [DoneCheck(description="never", sql="false")]
    report = migration_status(gone, db)
    assert [(m.state, m.evidence) for m in report.migrations] == [
        ("applied", "later_migration"),
        ("applied", "objects"),
        ("applied", "objects"),
    ]
    assert report.all_applied
    # with a link that checks nothing, status says "probably", never "applied"
    unchecked = p.model_copy(deep=True)
    unchecked.migrations[0].done = []
    unchecked.migrations[1].done = []
    told = migration_status(unchecked, db)
    assert [m.state for m in told.migrations] == ["unknown", "unknown", "applied"]
    assert any("probably" in n for n in told.migrations[0].notes) and told.next == 1


def test_a_version_table_and_objects_changed_by_later_migrations_agree(server: Server, db: str, tmp_path: Path) -> None:
    """After a whole type change, the early migrations' checks fail (the swap renamed amount_new) and the
    contract's holds as it did before: with every version recorded, no disagreement is claimed."""
    p = planned(server, db, "ALTER TABLE orders ALTER COLUMN amount TYPE bigint")
    root = tmp_path / "repo"
    _cut_repo("rails", p, root)
    found = find_migrations(root)
    ids = [e.id for f in found.frameworks for e in f.migrations]
    assert len(ids) == len(p.migrations)
    run_sql(db, _VERSION_TABLES["rails"])
    assert not any(n for m in migration_status(p, db, found=found).migrations for n in m.notes if "disagree" in n)
    for k, f in enumerate(ups(p, tmp_path / "sql")):
        psql_file(server.bin_dir, db, f)
        run_sql(db, f"INSERT INTO schema_migrations VALUES ('{ids[k]}')")
        report = migration_status(p, db, found=found)
        assert [m.state for m in report.migrations] == ["applied"] * (k + 1) + ["not_applied"] * (len(ids) - k - 1)
        assert not any("disagree" in n for m in report.migrations for n in m.notes), format_status(report)
