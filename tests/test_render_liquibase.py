"""Liquibase renderings run by the real Liquibase 4.28 (npm liquibase@4.28.1, Java 17) on the
machine's PostgreSQL 15 (JDBC needs TCP; the embedded 18 listens on a socket only).

The changelogs are included from a master changelog; `liquibase update` must give the same
catalog as the SQL rendering applied with psql on a twin database, `liquibase rollback-count`
must return the starting schema, and `liquibase validate` accepts the files; they also validate
against the XSD they declare, taken from the liquibase-core jar (xmlschema).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import psycopg
import pytest
import xmlschema

from cases import RENDER_ALL, RENDER_CORE, Case
from conftest import IN_CI, Server
from migration_manager.catalog import Snapshot, differences
from migration_manager.model import Target
from migration_manager.planner import plan
from migration_manager.render import render_liquibase, write_files
from migration_manager.render.files import RenderedFile
from migration_manager.render.liquibase import changesets as liquibase_changesets
from support import apply_sql_rendering, assert_back_to_start, prepared_plan, schema_without

REPO = Path(__file__).resolve().parent.parent
LIQUIBASE = REPO / "node_modules" / "liquibase" / "dist" / "liquibase" / "liquibase"


def liquibase_command(jdbc_url: str, username: str, *command: str) -> tuple[list[str], dict[str, str]]:
    """The Liquibase CLI running master.xml against `jdbc_url`: argv, env. Fails in CI (skips
    elsewhere) when Liquibase is missing."""
    if not LIQUIBASE.exists():
        message = f"{LIQUIBASE} is missing: run ./scripts/setup (npm ci installs liquibase@4.28.1)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    args = [
        "bash",
        str(LIQUIBASE),
        "--show-banner=false",
        "--log-level=WARNING",
        "--changelog-file=master.xml",
        f"--url={jdbc_url}",
        f"--username={username}",
        *command,
    ]
    return args, {**os.environ, "JAVA_OPTS": f"{JAVA_OPTS} {_class_archive()}".strip()}


# a quicker JVM start (C1 only, serial GC): these commands are short
JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"
_OFFLINE_CHANGELOG = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.28.xsd">
  <changeSet id="1" author="tests"><sql>CREATE TABLE t (id int)</sql><rollback>DROP TABLE t</rollback></changeSet>
</databaseChangeLog>
"""


@functools.cache
def _class_archive() -> str:
    """The JVM option that maps an archive of the classes a Liquibase run loads (dynamic class data
    sharing), written once per machine by an offline `update-sql`: each later run maps them instead of
    parsing and verifying them again (a fifth of its CPU). Empty when the archive cannot be made. Only
    an archive whose writing run finished is used (a cut-off one would crash the JVM)."""
    java = shutil.which("java")
    jar = LIQUIBASE.parent / "internal" / "lib" / "liquibase-core.jar"
    if java is None or not jar.exists():
        return ""
    java_bin = Path(java).resolve()
    key = hashlib.sha256(
        f"{java_bin}:{java_bin.stat().st_mtime_ns}:{jar}:{jar.stat().st_mtime_ns}:{jar.stat().st_size}".encode()
    ).hexdigest()[:16]
    final = Path(tempfile.gettempdir()) / "mm-liquibase-cds" / f"liquibase-{key}.jsa"
    if not final.exists():
        final.parent.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="mmcds") as work:
            (Path(work) / "master.xml").write_text(_OFFLINE_CHANGELOG, encoding="utf-8")
            partial = Path(work) / "classes.jsa"
            opts = f"{JAVA_OPTS} -XX:ArchiveClassesAtExit={partial} -Xlog:cds*=off"
            argv = ["bash", str(LIQUIBASE), "--show-banner=false", "--log-level=WARNING", "--changelog-file=master.xml"]
            done = subprocess.run(
                [*argv, "--url=offline:postgresql", "update-sql"],
                cwd=work,
                capture_output=True,
                timeout=300,
                env={**os.environ, "JAVA_OPTS": opts},
            )
            if done.returncode != 0 or not partial.exists():
                return ""
            os.replace(partial, final)  # whole, under its final name at once
    return f"-XX:SharedArchiveFile={final}"


def pg_jdbc(uri: str) -> str:
    """The JDBC URL of a database on the machine's PostgreSQL (127.0.0.1:5432)."""
    return f"jdbc:postgresql://127.0.0.1:5432/{uri.rsplit('/', 1)[1].split('?')[0]}"


def liquibase(folder: Path, uri: str, *command: str) -> str:
    args, env = liquibase_command(pg_jdbc(uri), "postgres", *command)
    done = subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, f"liquibase {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def write_master(folder: Path, files: list[RenderedFile]) -> None:
    """master.xml including the rendered changelogs in order, as a repository's master would."""
    includes = "\n".join(
        f'    <include file="{f.path}" relativeToChangelogFile="true"/>' for f in files if f.path.endswith(".xml")
    )
    (folder / "master.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"\n'
        '    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
        '    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog\n'
        '        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.28.xsd">\n'
        f"{includes}\n</databaseChangeLog>\n"
    )


def schema(uri: str) -> Snapshot:
    return schema_without(uri, "databasechangelog")


@pytest.mark.parametrize("case", RENDER_CORE, ids=lambda c: c.id)
def test_liquibase_rendering_matches_sql_and_rolls_back(
    case: Case, tcp_db_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    server, db, twin_db = tcp_db_pair
    p = prepared_plan(case, server.version, db, twin_db)
    assert p is not None  # every rendered case runs on both versions
    start = schema(db)

    apply_sql_rendering(server.bin_dir, db, p, tmp_path / "sql")
    expected = schema(db)

    folder = tmp_path / "changelog"
    files = render_liquibase(p)
    write_files(files, folder)
    write_master(folder, files)
    if case is RENDER_CORE[0]:
        liquibase(folder, twin_db, "validate")
    liquibase(folder, twin_db, "update")
    assert differences(expected, schema(twin_db)) == []
    with psycopg.connect(twin_db, autocommit=True) as conn:
        case.check(conn)

    changesets = sum(f.content.count("<changeSet ") for f in files)
    assert changesets == sum(liquibase_changesets(p, m) for m in p.migrations)  # as each README says
    liquibase(folder, twin_db, "rollback-count", f"--count={changesets}")
    back = schema(twin_db)
    assert_back_to_start(case, start, back)


def test_render_defaults_to_the_repositorys_liquibase_folder(tmp_path: Path) -> None:
    import repos
    from test_mcp_tools import SQL, call

    root = repos.write(tmp_path / "app", repos.RAILS_WITH_LIQUIBASE)
    shown = call("render_migration", {"root": str(root), "sql": SQL, "format": "liquibase"})
    assert shown.structured_content is not None, shown
    paths = [f["path"] for f in shown.structured_content["files"]]
    assert paths and all(p.startswith("db/changelog/") for p in paths)  # beside the newest changelog
    assert any(p.endswith(".xml") for p in paths)


def test_changelogs_validate_against_the_xsd_they_declare() -> None:
    """Explicitly, with the XSD taken from the liquibase-core jar the tests run (xmlschema), for
    every rendered case; a changelog with an attribute the XSD lacks is refused (the check bites)."""
    jar = LIQUIBASE.parent / "internal" / "lib" / "liquibase-core.jar"
    if not jar.exists():
        message = f"{jar} is missing: run ./scripts/setup (npm ci installs liquibase@4.28.1)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    schemas: dict[str, xmlschema.XMLSchema] = {}
    checked = 0
    for case in RENDER_ALL:
        for rendered in render_liquibase(plan(case.ops, Target(version=15))):
            if not rendered.path.endswith(".xml"):
                continue
            m = re.search(r"http://www\.liquibase\.org/xml/ns/dbchangelog/(dbchangelog-[\d.]+\.xsd)", rendered.content)
            assert m, f"{rendered.path} declares no Liquibase XSD"
            if m[1] not in schemas:
                xsd = zipfile.ZipFile(jar).read(f"www.liquibase.org/xml/ns/dbchangelog/{m[1]}").decode()
                schemas[m[1]] = xmlschema.XMLSchema(xsd)
            errors = list(schemas[m[1]].iter_errors(rendered.content))
            assert errors == [], f"{case.id} {rendered.path}: {errors[0]}"
            checked += 1
            last = rendered.content
    assert checked >= len(RENDER_ALL)
    wrong = last.replace("<changeSet ", '<changeSet runWhenever="true" ', 1)
    assert list(next(iter(schemas.values())).iter_errors(wrong))


def test_a_transactional_migration_is_one_changeset_all_or_nothing(
    tcp_db_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    """A transactional migration is one transaction in every format: when a later step's lock never
    comes (a reader holds the table through every retry), nothing of it is applied or recorded,
    not even the steps before it (here the sequence of an identity column, created before the column)."""
    from cases import CASES

    server, db, _ = tcp_db_pair
    (case,) = [c for c in CASES if c.id == "add_column_identity"]
    p = plan(case.ops, Target(version=server.version), lock_retries=1, lock_timeout="100ms")
    first = p.migrations[0]
    assert first.transactional and len(first.steps) > 1
    one = p.model_copy(update={"migrations": [first]})
    folder = tmp_path / "changelog"
    files = render_liquibase(one)
    write_files(files, folder)
    write_master(folder, files)
    start = schema(db)
    with psycopg.connect(db) as reader:
        reader.execute("SELECT count(*) FROM events")  # ACCESS SHARE until the end of this block
        args, env = liquibase_command(pg_jdbc(db), "postgres", "update")
        done = subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode != 0, done.stdout + done.stderr
    assert differences(start, schema(db)) == []
    with psycopg.connect(db, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM databasechangelog").fetchone()
    assert row == (0,)
    liquibase(folder, db, "update")  # the reader gone, it runs whole
    assert differences(start, schema(db)) != []
