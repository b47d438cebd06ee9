"""render_migration's `changelog_includes`: the entries the repository's Liquibase master changelog
needs for the new changelogs, in the master's own syntax and naming them as the master already
names that folder; none when the master's includeAll picks the folder up. Each master below gets
exactly the entries returned (nothing else) and the real Liquibase 4.28 then runs `update` on
the machine's PostgreSQL 15: every new changeSet ran once, in order. Also: a repository with no
migrations gets its first ones in db/migrations/, with a note saying so.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import psycopg
import pytest

from conftest import Server
from migration_manager.server import render_migration
from test_render_liquibase import liquibase_command, pg_jdbc

SQL = "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()"  # five migrations
STAMP = "20261201090000"
FIRST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.28.xsd">
    <changeSet id="001-create-orders" author="app">
        <sql>CREATE TABLE orders (id bigint PRIMARY KEY, total numeric)</sql>
        <rollback>DROP TABLE orders</rollback>
    </changeSet>
</databaseChangeLog>
"""
XML_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.28.xsd">
"""

# name -> (files, the master, the folder Liquibase runs in, the expected first entry with STAMP)
MASTERS: dict[str, tuple[dict[str, str], str, str, str]] = {
    # YAML master naming its changelogs `changes/...`, relative to itself
    "yaml_changes_prefix": (
        {
            "db/changelog/db.changelog-master.yaml": "databaseChangeLog:\n"
            "  - include:\n      file: changes/001-create-orders.xml\n      relativeToChangelogFile: true\n",
            "db/changelog/changes/001-create-orders.xml": FIRST_XML,
        },
        "db/changelog/db.changelog-master.yaml",
        "db/changelog",
        '  - include: {file: "changes/20261201090000_add_token_to_orders.xml", relativeToChangelogFile: true}',
    ),
    # XML master naming its changelogs from the search path (the repository root), not relative
    "xml_search_path": (
        {
            "db/changelog/db.changelog-master.xml": XML_HEAD
            + '    <include file="db/changelog/changes/001-create-orders.xml"/>\n</databaseChangeLog>\n',
            "db/changelog/changes/001-create-orders.xml": FIRST_XML,
        },
        "db/changelog/db.changelog-master.xml",
        ".",
        '<include file="db/changelog/changes/20261201090000_add_token_to_orders.xml" relativeToChangelogFile="false"/>',
    ),
    # JSON master, relative
    "json_relative": (
        {
            "db/changelog.json": json.dumps(
                {
                    "databaseChangeLog": [
                        {"include": {"file": "changes/001-create-orders.xml", "relativeToChangelogFile": True}}
                    ]
                }
            ),
            "db/changes/001-create-orders.xml": FIRST_XML,
        },
        "db/changelog.json",
        "db",
        '{"include": {"file": "changes/20261201090000_add_token_to_orders.xml", "relativeToChangelogFile": true}}',
    ),
    # an includeAll over the folder: no entry at all
    "xml_include_all": (
        {
            "db/changelog/db.changelog-master.xml": XML_HEAD
            + '    <includeAll path="changes/" relativeToChangelogFile="true"/>\n</databaseChangeLog>\n',
            "db/changelog/changes/001-create-orders.xml": FIRST_XML,
        },
        "db/changelog/db.changelog-master.xml",
        "db/changelog",
        "",
    ),
}


def _repo(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    return root


def _add_entries(master: Path, entries: list[str]) -> None:
    """What the agent does with changelog_includes: append them to the master's list, as they are."""
    text = master.read_text()
    if master.suffix == ".xml":
        text = text.replace("</databaseChangeLog>", "".join(f"    {e}\n" for e in entries) + "</databaseChangeLog>")
    elif master.suffix == ".json":
        data = json.loads(text)
        data["databaseChangeLog"] += [json.loads(e) for e in entries]
        text = json.dumps(data, indent=2)
    else:
        text = text.rstrip("\n") + "\n" + "".join(f"{e}\n" for e in entries)
    master.write_text(text)


def _update(cwd: Path, changelog: str, uri: str) -> subprocess.CompletedProcess[str]:
    args, env = liquibase_command(pg_jdbc(uri), "postgres", "update")
    args = [a if not a.startswith("--changelog-file=") else f"--changelog-file={changelog}" for a in args]
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def _ran(uri: str) -> list[str]:
    with psycopg.connect(uri) as conn:
        rows = conn.execute("SELECT id FROM databasechangelog ORDER BY orderexecuted").fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("name", sorted(MASTERS))
def test_the_returned_entries_are_all_the_master_needs(
    name: str, tcp_empty_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    files, master, cwd, first = MASTERS[name]
    root = _repo(tmp_path / "repo", files)
    result = render_migration(root=str(root), sql=SQL, format="liquibase", timestamp=STAMP, write=True)
    changelogs = [f.path for f in result.files if f.path.endswith(".xml")]
    assert len(changelogs) == 5 and all(p.startswith(str(Path(master).parent)) for p in changelogs)
    if first:
        assert len(result.changelog_includes) == 5 and result.changelog_includes[0] == first
        assert any(master in w and "changelog_includes" in w for w in result.warnings)
        _add_entries(root / master, result.changelog_includes)
        # the file itself names the same entry
        assert first.strip() in (root / changelogs[0]).read_text()
    else:
        assert result.changelog_includes == []
        assert any("includeAll" in w and "add no include" in w for w in result.warnings), result.warnings

    _, uri, twin = tcp_empty_pair
    changelog = str(Path(master).relative_to(cwd)) if cwd != "." else master
    done = _update(root / cwd, changelog, uri)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = _ran(uri)
    assert ran[0] == "001-create-orders" and len(ran) == len(set(ran))
    new = [re.sub(r"-\d+$", "", i) for i in ran[1:]]
    assert sorted(set(new)) == sorted(Path(p).stem for p in changelogs)  # every new changelog ran, once
    assert new == sorted(new)  # in the order of the migrations
    with psycopg.connect(uri) as conn:
        row = conn.execute(
            "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'token'"
        ).fetchone()
    assert row == ("NO",)

    if not first:  # the check bites: an include beside the includeAll runs the file twice and fails
        entry = f'<include file="changes/{Path(changelogs[0]).name}" relativeToChangelogFile="true"/>'
        _add_entries(root / master, [entry])
        again = _update(root / cwd, changelog, twin)
        assert again.returncode != 0
        assert "duplicate" in (again.stdout + again.stderr).lower()


def test_include_all_warns_when_new_files_would_sort_before_existing_ones(tmp_path: Path) -> None:
    files = dict(MASTERS["xml_include_all"][0])
    files["db/changelog/changes/v2-more.xml"] = FIRST_XML.replace("001-create-orders", "v2-more")
    root = _repo(tmp_path, files)
    result = render_migration(root=str(root), sql=SQL, format="liquibase", timestamp=STAMP)
    assert result.changelog_includes == []
    assert any("name order" in w and "v2-more.xml" in w for w in result.warnings), result.warnings


def test_a_formatted_sql_master_gets_no_entry_and_says_why(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            "db/changelog/db.changelog-master.sql": "--liquibase formatted sql\n"
            "--changeset app:1\nCREATE TABLE orders (id bigint PRIMARY KEY);\n--rollback DROP TABLE orders;\n"
        },
    )
    result = render_migration(root=str(root), sql=SQL, format="liquibase", timestamp=STAMP)
    assert result.changelog_includes == []
    assert any("formatted SQL" in w for w in result.warnings), result.warnings


def test_other_formats_return_no_entries(tmp_path: Path) -> None:
    result = render_migration(root=str(tmp_path), sql=SQL, out_dir="sql", timestamp=STAMP)
    assert result.changelog_includes == []


def test_an_empty_repository_gets_its_first_migrations_in_db_migrations(tmp_path: Path) -> None:
    result = render_migration(root=str(tmp_path), sql=SQL, timestamp=STAMP, write=True)
    assert result.files and all(f.path.startswith("db/migrations/") for f in result.files)
    assert result.written == [f.path for f in result.files]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db"]  # nothing in the root itself
    note = next(w for w in result.warnings if "first" in w)
    assert "db/migrations/" in note and "out_dir" in note and "README" in note
    # once they are there, find_migrations sees them and the next rendering follows them
    after = render_migration(root=str(tmp_path), sql="ALTER TABLE orders ADD COLUMN a int")
    assert all(f.path.startswith("db/migrations/") for f in after.files)
    assert not any("first" in w for w in after.warnings)


def test_an_empty_repository_gets_a_liquibase_master_to_create(tmp_path: Path) -> None:
    result = render_migration(root=str(tmp_path), sql=SQL, format="liquibase", timestamp=STAMP)
    assert all(f.path.startswith("db/changelog/") for f in result.files)
    assert result.changelog_includes[0] == (
        '<include file="20261201090000_add_token_to_orders.xml" relativeToChangelogFile="true"/>'
    )
    assert any("no Liquibase master changelog" in w for w in result.warnings)


def test_the_cli_prints_the_entries(tmp_path: Path) -> None:
    from test_bad_input import run

    files, master, _, first = MASTERS["yaml_changes_prefix"]
    root = _repo(tmp_path, files)
    args = ("render", "--sql", SQL, "--root", str(root), "--format", "liquibase", "--timestamp", STAMP, "--no-schema")
    shown = run(*args)
    assert shown.returncode == 0, shown.stderr
    assert f"# add to {master}, in this order:\n    {first}" in shown.stdout
    as_json = json.loads(run(*args, "--json").stdout)
    assert as_json["changelog_includes"][0] == first


def test_the_entries_go_to_the_changelog_that_includes_the_newest_one(
    tcp_empty_pair: tuple[Server, str, str], tmp_path: Path
) -> None:
    """fineract's master includes tenant/changelog-tenant.xml under a context, and that one includes
    the parts: the new parts' includes belong in the tenant changelog (an include at the end of the
    master ran outside the context, after the master's final changelog). Liquibase 4.28 runs them."""
    files = {
        "db/changelog/db.changelog-master.xml": XML_HEAD
        + '    <include file="tenant/changelog-tenant.xml" relativeToChangelogFile="true" context="tenant_db"/>\n'
        + '    <include file="final.xml" relativeToChangelogFile="true"/>\n</databaseChangeLog>\n',
        "db/changelog/final.xml": XML_HEAD + "</databaseChangeLog>\n",
        "db/changelog/tenant/changelog-tenant.xml": XML_HEAD
        + '    <include file="parts/001-create-orders.xml" relativeToChangelogFile="true"/>\n</databaseChangeLog>\n',
        "db/changelog/tenant/parts/001-create-orders.xml": FIRST_XML,
    }
    root = _repo(tmp_path / "repo", files)
    master = root / "db/changelog/db.changelog-master.xml"
    before = master.read_text()
    result = render_migration(root=str(root), sql=SQL, format="liquibase", timestamp=STAMP, write=True)
    assert all(f.path.startswith("db/changelog/tenant/parts/") for f in result.files if f.path.endswith(".xml"))
    assert result.changelog_includes[0] == (
        '<include file="parts/20261201090000_add_token_to_orders.xml" relativeToChangelogFile="true"/>'
    )
    assert any("db/changelog/tenant/changelog-tenant.xml" in w for w in result.warnings), result.warnings
    _add_entries(root / "db/changelog/tenant/changelog-tenant.xml", result.changelog_includes)
    assert master.read_text() == before
    _, uri, _ = tcp_empty_pair
    done = _update(root / "db/changelog", "db.changelog-master.xml", uri)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = _ran(uri)
    assert ran[0] == "001-create-orders" and len(ran) == len(set(ran))
    changelogs = sorted(Path(f.path).stem for f in result.files if f.path.endswith(".xml"))
    assert len(changelogs) == 5 and sorted({re.sub(r"-\d+$", "", i) for i in ran[1:]}) == changelogs
