"""lint reads Liquibase changelogs (XML, YAML, JSON, formatted SQL) into the statements its rules
see, proven equal to what Liquibase 4.28 sends: ONE `liquibase update-sql` run (Java 17) against
the machine's PostgreSQL 15 prints the SQL of a JHipster-style master and everything it includes,
and the reader's statements, normalized by pglast (Liquibase's default schema `public.` and its own
DATABASECHANGELOG bookkeeping left out), must be the same, in the same order.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pglast import prettify

from conftest import Server
from migration_manager.lint.config import LintConfig
from migration_manager.lint.engine import lint_paths
from migration_manager.lint.model import LintReport
from migration_manager.lint.read_liquibase import LiquibaseState
from migration_manager.lint.source import statements
from test_render_liquibase import liquibase_command, pg_jdbc

MASTER = "config/liquibase/master.xml"

FILES = {
    "config/liquibase/changelog/00000000000000_initial_schema.xml": """\
<?xml version="1.0" encoding="utf-8"?>
<databaseChangeLog
    xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd">
    <changeSet id="00000000000000" author="jhipster">
        <createSequence sequenceName="sequence_generator" startValue="1050" incrementBy="50"/>
    </changeSet>
    <changeSet id="00000000000001" author="jhipster">
        <createTable tableName="jhi_user">
            <column name="id" type="bigint">
                <constraints primaryKey="true" nullable="false"/>
            </column>
            <column name="login" type="varchar(50)">
                <constraints unique="true" nullable="false" uniqueConstraintName="ux_user_login"/>
            </column>
            <column name="activated" type="boolean" valueBoolean="false">
                <constraints nullable="false" />
            </column>
            <column name="created_date" type="timestamp" defaultValueComputed="${now}"/>
        </createTable>
        <createTable tableName="jhi_authority">
            <column name="name" type="varchar(50)">
                <constraints primaryKey="true" nullable="false"/>
            </column>
        </createTable>
        <createTable tableName="jhi_user_authority">
            <column name="user_id" type="bigint">
                <constraints nullable="false"/>
            </column>
            <column name="authority_name" type="varchar(50)">
                <constraints nullable="false"/>
            </column>
        </createTable>
        <addPrimaryKey columnNames="user_id, authority_name" tableName="jhi_user_authority"/>
        <addForeignKeyConstraint baseColumnNames="authority_name"
                                 baseTableName="jhi_user_authority"
                                 constraintName="fk_authority_name"
                                 referencedColumnNames="name"
                                 referencedTableName="jhi_authority"/>
        <rollback>
            <dropTable tableName="jhi_user"/>
        </rollback>
    </changeSet>
</databaseChangeLog>
""",
    "config/liquibase/changelog/20240101_alter.xml": """\
<?xml version="1.0" encoding="utf-8"?>
<databaseChangeLog
    xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd">
    <changeSet id="a1" author="dev">
        <preConditions onFail="MARK_RAN"><tableExists tableName="jhi_user"/></preConditions>
        <createIndex indexName="idx_user_login" tableName="jhi_user" unique="true">
            <column name="login"/>
        </createIndex>
        <createIndex indexName="idx_user_created" tableName="jhi_user">
            <column name="created_date"/>
            <column name="id" descending="true"/>
        </createIndex>
    </changeSet>
    <changeSet id="a2" author="dev">
        <addColumn tableName="jhi_user">
            <column name="email" type="varchar(254)" defaultValue="none">
                <constraints nullable="false"/>
            </column>
            <column name="score" type="int" defaultValueNumeric="0"/>
            <column name="team_id" type="bigint">
                <constraints references="jhi_authority(name)" foreignKeyName="fk_user_team"/>
            </column>
            <column name="code" type="varchar(10)">
                <constraints unique="true"/>
            </column>
        </addColumn>
        <addNotNullConstraint tableName="jhi_user" columnName="created_date"
            columnDataType="timestamp" defaultNullValue="2020-01-01 00:00:00"/>
        <addNotNullConstraint tableName="jhi_user" columnName="login" columnDataType="varchar(50)"/>
        <addForeignKeyConstraint baseColumnNames="user_id" baseTableName="jhi_user_authority"
            constraintName="fk_user_id" referencedColumnNames="id" referencedTableName="jhi_user" onDelete="CASCADE"/>
        <addForeignKeyConstraint baseColumnNames="user_id" baseTableName="jhi_user_authority"
            constraintName="fk_user_id2" referencedColumnNames="id" referencedTableName="jhi_user" validate="false"/>
        <addUniqueConstraint tableName="jhi_user" columnNames="email" constraintName="ux_user_email"/>
        <modifyDataType tableName="jhi_user" columnName="login" newDataType="varchar(100)"/>
        <renameColumn tableName="jhi_user" oldColumnName="code" newColumnName="user_code" columnDataType="varchar(10)"/>
        <addDefaultValue tableName="jhi_user" columnName="score" defaultValueNumeric="1"/>
        <dropNotNullConstraint tableName="jhi_user" columnName="login" columnDataType="varchar(100)"/>
    </changeSet>
    <changeSet id="a3" author="dev" runInTransaction="false">
        <sql>CREATE INDEX CONCURRENTLY idx_user_email ON jhi_user (email)</sql>
    </changeSet>
    <changeSet id="a4" author="dev" dbms="mysql">
        <dropTable tableName="jhi_user"/>
    </changeSet>
    <changeSet id="a5" author="dev">
        <sql splitStatements="true">UPDATE jhi_user SET score = 2; DELETE FROM jhi_authority</sql>
        <update tableName="jhi_user"><column name="score" valueNumeric="3"/></update>
        <update tableName="jhi_user"><column name="login" value="x"/><where>id = 1</where></update>
        <delete tableName="jhi_authority"/>
        <dropIndex indexName="idx_user_created" tableName="jhi_user"/>
        <dropColumn tableName="jhi_user" columnName="user_code"/>
        <renameTable oldTableName="jhi_authority" newTableName="authority"/>
        <dropTable tableName="authority" cascadeConstraints="true"/>
        <rollback>
            <sql>DROP TABLE jhi_user</sql>
        </rollback>
    </changeSet>
    <changeSet id="a6" author="dev">
        <sqlFile path="a6.sql" relativeToChangelogFile="true"/>
    </changeSet>
    <changeSet id="a7" author="dev">
        <createIndex indexName="idx_user_score" tableName="jhi_user">
            <column name="score"/>
        </createIndex>
    </changeSet>
</databaseChangeLog>
""",
    "config/liquibase/changelog/20240102_more.yaml": """\
databaseChangeLog:
  - changeSet:
      id: y1
      author: dev
      changes:
        - addColumn:
            tableName: jhi_user
            columns:
              - column:
                  name: ratio
                  type: ${floatType}
              - column:
                  name: nick
                  type: varchar(20)
                  constraints:
                    nullable: false
        - createIndex:
            indexName: idx_user_nick
            tableName: jhi_user
            columns:
              - column:
                  name: ratio
                  type: ${floatType}
              - column:
                  name: nick
  - changeSet:
      id: y2
      author: dev
      runInTransaction: false
      changes:
        - sql:
            sql: DROP INDEX CONCURRENTLY idx_user_nick
""",
    "config/liquibase/changelog/20240103_json.json": """\
{
  "databaseChangeLog": [
    {
      "changeSet": {
        "id": "j1",
        "author": "dev",
        "changes": [
          {
            "addColumn": {
              "tableName": "jhi_user",
              "columns": [
                {"column": {"name": "flag", "type": "BOOLEAN", "defaultValueBoolean": true}}
              ]
            }
          },
          {
            "createIndex": {
              "indexName": "idx_user_flag",
              "tableName": "jhi_user",
              "columns": [{"column": {"name": "flag"}}]
            }
          }
        ]
      }
    }
  ]
}
""",
    "config/liquibase/changelog/20240104_formatted.sql": """\
--liquibase formatted sql

--changeset dev:f1
ALTER TABLE jhi_user ADD COLUMN age integer NOT NULL DEFAULT 0;
CREATE INDEX idx_user_age ON jhi_user (age);
--rollback DROP INDEX idx_user_age;

--changeset dev:f2 runInTransaction:false
CREATE INDEX CONCURRENTLY idx_user_age2 ON jhi_user (age);
""",
    "config/liquibase/changelog/a6.sql": """\
ALTER TABLE jhi_user ALTER COLUMN score TYPE bigint;
LOCK TABLE jhi_user;
""",
    "config/liquibase/changelog/later/b_second.yaml": """\
databaseChangeLog:
  - changeSet:
      id: b1
      author: dev
      changes:
        - dropColumn:
            tableName: jhi_user
            columnName: nick
""",
    "config/liquibase/changelog/later/a_first.xml": """\
<?xml version="1.0" encoding="utf-8"?>
<databaseChangeLog
    xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd">
    <changeSet id="a1" author="dev">
        <addForeignKeyConstraint baseTableName="jhi_user" baseColumnNames="team_id" constraintName="fk_team2"
            referencedTableName="jhi_user" referencedColumnNames="id" onDelete="SET NULL" onUpdate="CASCADE"/>
        <addUniqueConstraint tableName="jhi_user" columnNames="nick, score"/>
    </changeSet>
</databaseChangeLog>
""",
    "config/liquibase/master.xml": """\
<?xml version="1.0" encoding="utf-8"?>
<databaseChangeLog
    xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd">
    <property name="now" value="now()" dbms="postgresql"/>
    <property name="floatType" value="double" dbms="h2"/>
    <property name="floatType" value="float4" dbms="postgresql"/>
    <include file="config/liquibase/changelog/00000000000000_initial_schema.xml" relativeToChangelogFile="false"/>
    <include file="changelog/20240101_alter.xml" relativeToChangelogFile="true"/>
    <include file="changelog/20240102_more.yaml" relativeToChangelogFile="true"/>
    <include file="changelog/20240103_json.json" relativeToChangelogFile="true"/>
    <include file="changelog/20240104_formatted.sql" relativeToChangelogFile="true"/>
    <includeAll path="changelog/later/" relativeToChangelogFile="true"/>
</databaseChangeLog>
""",
}


@pytest.fixture(scope="module")
def changelogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("liquibase_lint")
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def update_sql(changelogs: Path, pg15: Server) -> Iterator[str]:
    """What `liquibase update-sql` prints for the master, against an empty database."""
    name = "mm_lintlb_probe"
    with psycopg.connect(pg15.admin_uri, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    try:
        args, env = liquibase_command(pg_jdbc(pg15.uri(name)), "postgres", "update-sql")
        args = [f"--changelog-file={MASTER}" if a.startswith("--changelog-file=") else a for a in args]
        done = subprocess.run(args, cwd=changelogs, capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        yield done.stdout
    finally:
        with psycopg.connect(pg15.admin_uri, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def report(changelogs: Path) -> LintReport:
    return lint_paths([changelogs / "config/liquibase"], LintConfig(), root=changelogs)


def normal(sql: str) -> str:
    return prettify(re.sub(r"\bpublic\.", "", sql.strip().rstrip(";")))


def liquibase_statements(output: str) -> list[str]:
    """The statements of the changeSets Liquibase printed, without its own bookkeeping."""
    out: list[str] = []
    inside = False
    for line in output.splitlines():
        if line.startswith("-- Changeset "):
            inside = True
            continue
        if line.startswith("-- Release Database Lock"):
            inside = False
        if not inside or not line.strip() or line.startswith("--") or line.startswith("SET SEARCH_PATH"):
            continue
        if line.startswith("INSERT INTO public.databasechangelog"):
            continue
        out.append(line)
    return [normal(s.text) for s in statements("\n".join(out))]


def line_of(name: str, marker: str) -> int:
    """The 1-based line of the first line of a fixture holding `marker`."""
    lines = FILES[name].splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text)


def test_the_reader_sends_what_liquibase_sends(changelogs: Path, update_sql: str) -> None:
    state = LiquibaseState([changelogs / MASTER])
    read = state.read(changelogs / MASTER)
    assert read is not None
    mine = [normal(st.text) for log in read for piece in log.read.pieces for st in statements(piece.sql)]
    theirs = liquibase_statements(update_sql)
    assert len(theirs) > 40  # every change type of the fixtures reached the comparison
    assert mine == theirs


def test_every_rule_that_fires_from_the_sql_fires_from_the_changelogs(
    changelogs: Path, update_sql: str, report: LintReport, tmp_path: Path
) -> None:
    """Liquibase's own SQL, cut into one .sql file per changelog as it printed them, linted as
    SQL: the same rules fire from the changelogs."""
    per_file: dict[str, list[str]] = {}
    current = None
    for line in update_sql.splitlines():
        m = re.match(r"-- Changeset (.+?)::", line)
        if m:
            current = per_file.setdefault(m.group(1), [])
        elif current is not None and not line.startswith(("INSERT INTO public.databasechangelog", "SET SEARCH", "--")):
            current.append(line)
    for i, lines in enumerate(per_file.values()):
        (tmp_path / f"{i:03d}.sql").write_text("\n".join(lines))
    as_sql = lint_paths([tmp_path], LintConfig(), root=tmp_path)
    assert {f.rule for f in report.findings} == {f.rule for f in as_sql.findings}


ALTER = "config/liquibase/changelog/20240101_alter.xml"
YAML = "config/liquibase/changelog/20240102_more.yaml"
JSON = "config/liquibase/changelog/20240103_json.json"
FORMATTED = "config/liquibase/changelog/20240104_formatted.sql"


def test_findings_at_the_line_of_the_change(report: LintReport) -> None:
    found = {(f.path, f.line, f.rule) for f in report.findings}
    expected = {
        (ALTER, line_of(ALTER, 'indexName="idx_user_login"'), "index-without-concurrently"),
        (ALTER, line_of(ALTER, "<addColumn"), "constraint-missing-not-valid"),  # references= on a column
        (ALTER, line_of(ALTER, 'columnName="created_date"'), "set-not-null-scan"),
        (ALTER, line_of(ALTER, 'constraintName="fk_user_id"') - 1, "constraint-missing-not-valid"),
        (ALTER, line_of(ALTER, "ux_user_email"), "constraint-builds-index"),
        (ALTER, line_of(ALTER, "<modifyDataType"), "change-column-type"),
        (ALTER, line_of(ALTER, "<renameColumn"), "rename-breaks-running-code"),
        (ALTER, line_of(ALTER, '<update tableName="jhi_user"><column name="score"'), "unbatched-dml"),
        (ALTER, line_of(ALTER, "<dropIndex"), "drop-index-without-concurrently"),
        (ALTER, line_of(ALTER, "<dropColumn"), "drop-loses-data"),
        ("config/liquibase/changelog/a6.sql", 2, "lock-table"),  # sqlFile: at the file's own lines
        (YAML, line_of(YAML, "- addColumn:"), "add-column-not-null-without-default"),
        (YAML, line_of(YAML, "- createIndex:"), "index-without-concurrently"),
        (JSON, line_of(JSON, '"createIndex"'), "index-without-concurrently"),
        (FORMATTED, line_of(FORMATTED, "CREATE INDEX idx_user_age"), "index-without-concurrently"),
    }
    assert expected <= found, sorted(expected - found)
    # validate="false" is NOT VALID; runInTransaction="false" lets CONCURRENTLY run; the new tables
    # of the initial schema are small; rollback blocks and the changeSet for MySQL are not linted
    assert (ALTER, line_of(ALTER, 'constraintName="fk_user_id2"') - 1, "constraint-missing-not-valid") not in found
    assert not [f for f in report.findings if f.rule == "concurrently-in-transaction"]
    assert not [f for f in report.findings if "initial_schema" in f.path]
    assert not [
        f
        for f in report.findings
        if f.line in (line_of(ALTER, "DROP TABLE jhi_user"), line_of(ALTER, 'dbms="mysql"') + 1) and f.path == ALTER
    ]
    assert (
        f"{ALTER}:{line_of(ALTER, 'dbms=')}: changeSet a4::dev is for dbms=mysql, not PostgreSQL: not linted"
        in report.skipped
    )
    assert any("preConditions" in s for s in report.skipped)
    # what follows an sqlFile runs after it
    rules = [(f.path, f.rule) for f in report.findings]
    assert rules.index(("config/liquibase/changelog/a6.sql", "lock-table")) < rules.index(
        (ALTER, "index-without-concurrently"), rules.index(("config/liquibase/changelog/a6.sql", "lock-table"))
    )
    # the master first, then its includes in its order, each file once
    assert report.files == [
        MASTER,
        "config/liquibase/changelog/00000000000000_initial_schema.xml",
        ALTER,
        "config/liquibase/changelog/a6.sql",
        YAML,
        JSON,
        FORMATTED,
        "config/liquibase/changelog/later/a_first.xml",  # includeAll: in the order of their names
        "config/liquibase/changelog/later/b_second.yaml",
    ]


def test_fixes_in_liquibase_words(report: LintReport) -> None:
    index = next(f for f in report.findings if f.rule == "index-without-concurrently" and f.path == ALTER)
    assert index.fix is not None and 'runInTransaction="false"' in index.fix and "<sql>" in index.fix
    fk = next(f for f in report.findings if f.rule == "constraint-missing-not-valid")
    assert fk.fix is not None and 'validate="false"' in fk.fix


def test_what_cannot_be_read_is_a_note_naming_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "db" / "changelog"
    folder.mkdir(parents=True)
    (folder / "001.xml").write_text(
        '<?xml version="1.0"?>\n<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
        '  <changeSet id="1" author="a">\n'
        '    <createView viewName="v">SELECT 1</createView>\n'
        '    <addColumn tableName="t"><column name="c" type="${missingType}"/></addColumn>\n'
        '    <addColumn tableName="t"><column name="d" type="${missingType}"/></addColumn>\n'
        "  </changeSet>\n</databaseChangeLog>\n"
    )
    (folder / "002.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<databaseChangeLog><changeSet id="1" author="a"><sql>&e;</sql></changeSet></databaseChangeLog>\n'
    )
    (folder / "003.xml").write_text("<databaseChangeLog><changeSet>\n")
    (folder / "docker-compose.yml").write_text("services: {}\n")
    (folder / "004.yaml").write_text(
        "databaseChangeLog:\n  - include:\n      file: plain/005_plain.sql\n      relativeToChangelogFile: true\n"
    )
    (folder / "plain").mkdir()
    (folder / "plain" / "005_plain.sql").write_text("SELECT 1;\nLOCK TABLE t;\n")
    report = lint_paths([tmp_path / "db"], LintConfig(), root=tmp_path)
    skipped = "\n".join(report.skipped)
    assert "db/changelog/001.xml:4: createView: not read yet" in skipped
    assert "db/changelog/001.xml:5: ${missingType} is no property this changelog defines" in skipped
    assert "001.xml:6: ${missingType}" not in skipped  # said once a file, at its first use
    assert "db/changelog/002.xml:1: declares entities: not read (lint never expands them)" in skipped
    assert "db/changelog/003.xml:1: not well-formed XML" in skipped
    assert "db/changelog/docker-compose.yml: Liquibase changelog (YAML) or other YAML: not read yet" in skipped
    assert "root:" not in "".join(f.statement for f in report.findings)  # /etc/passwd never read
    # a plain SQL file a changelog includes runs whole, as one changeSet: linted once, from its changelog
    assert [(f.path, f.line) for f in report.findings if f.rule == "lock-table"] == [
        ("db/changelog/plain/005_plain.sql", 2)
    ]


def test_a_master_given_with_its_folder_lints_each_changelog_once_in_its_order(changelogs: Path) -> None:
    """The changelog folder walked alone sorts 00000000000000 first; the master says otherwise."""
    master = changelogs / MASTER
    state = LiquibaseState([master, *sorted((changelogs / "config/liquibase/changelog").iterdir())])
    assert state.read(changelogs / "config/liquibase/changelog/20240101_alter.xml") == []  # the master reads it
    read = state.read(master)
    assert read is not None
    assert [log.path.name for log in read] == [
        "master.xml",
        "00000000000000_initial_schema.xml",
        "20240101_alter.xml",
        "a6.sql",  # its sqlFile runs between changeSets a6 and a7
        "20240101_alter.xml",
        "20240102_more.yaml",
        "20240103_json.json",
        "20240104_formatted.sql",
        "a_first.xml",
        "b_second.yaml",
    ]


def test_on_mysql_only_the_sql_written_out_is_linted_and_the_rest_is_said(changelogs: Path) -> None:
    report = lint_paths([changelogs / "config/liquibase"], LintConfig(dialect="mysql"), root=changelogs)
    assert f"{ALTER}: its Liquibase change types are read for PostgreSQL only" in report.skipped
    written = {ALTER, "config/liquibase/changelog/a6.sql", YAML, FORMATTED}  # files with <sql> or SQL
    assert report.findings and {f.path for f in report.findings} <= written


CHANGESETS_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
    <changeSet id="1" author="alice">
        <createTable tableName="t">
            <column name="id" type="bigint"><constraints primaryKey="true"/></column>
            <column name="name" type="text"/>
        </createTable>
        <createIndex tableName="t" indexName="t_name_first"><column name="name"/></createIndex>
    </changeSet>
    <changeSet id="2" author="alice">
        <createIndex tableName="t" indexName="t_name"><column name="name"/></createIndex>
    </changeSet>
</databaseChangeLog>
"""

CHANGESETS_SQL = """\
--liquibase formatted sql

--changeset alice:1
CREATE TABLE t (id bigint PRIMARY KEY, name text);
CREATE INDEX t_name_first ON t (name);

--changeset alice:2
CREATE INDEX t_name ON t (name);
"""


@pytest.mark.parametrize(
    ("name", "text", "line"), [("changelog.xml", CHANGESETS_XML, 11), ("changelog.sql", CHANGESETS_SQL, 8)]
)
def test_a_table_created_by_an_earlier_changeset_of_the_same_file_is_not_new(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    """Liquibase runs each changeSet on its own: changeSet 2 may run years after changeSet 1
    created the table (tolgee: one schema.xml of 839 changeSets). Within changeSet 1 it is new."""
    folder = tmp_path / "src/main/resources/db"
    folder.mkdir(parents=True)
    (folder / name).write_text(text)
    report = lint_paths([tmp_path / "src"], LintConfig(), root=tmp_path)
    found = [f for f in report.findings if f.rule == "index-without-concurrently"]
    assert [(f.path, f.line, f.severity) for f in found] == [(f"src/main/resources/db/{name}", line, "warning")]
    assert f"created by src/main/resources/db/{name} (changeSet 1::alice), which may have run long ago" in (
        found[0].message
    )
