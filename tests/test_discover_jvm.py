"""find_migrations on JVM layouts (issue 18, items 3 and 4): Liquibase masters named by Spring
configuration, liquibase.properties, the Maven and Gradle plugins or configuration code, their
classpath-relative includes; Flyway locations from Spring Boot, flyway.conf / flyway.toml, the
build plugins and Java / Kotlin code. Every fixture is written here, shaped like those projects."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import repos
from migration_manager.cli import main
from migration_manager.discover import FrameworkFindings, Problem, RepoMigrations, find_migrations


def scan(tmp_path: Path, files: repos.Files) -> RepoMigrations:
    return find_migrations(repos.write(tmp_path, files))


def of(result: RepoMigrations, framework: str) -> dict[str, FrameworkFindings]:
    return {f.folder: f for f in result.frameworks if f.framework == framework}


def codes(problems: list[Problem]) -> dict[str, list[str | None]]:
    out: dict[str, list[str | None]] = {}
    for p in problems:
        out.setdefault(p.code, []).append(p.path)
    return out


# ---- Liquibase ------------------------------------------------------------------------------

_NS = 'xmlns="http://www.liquibase.org/xml/ns/dbchangelog"'


def changelog(*changesets: str) -> str:
    body = "".join(changesets)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<databaseChangeLog {_NS}>\n{body}</databaseChangeLog>\n'


def create_table(cs_id: str, table: str, context: str = "") -> str:
    ctx = f' context="{context}"' if context else ""
    return (
        f'  <changeSet id="{cs_id}" author="gen"{ctx}>\n'
        f'    <createTable tableName="{table}"><column name="id" type="bigint"/></createTable>\n'
        "  </changeSet>\n"
    )


def load_data(cs_id: str, csv: str) -> str:
    return (
        f'  <changeSet id="{cs_id}" author="gen" context="faker">\n'
        f'    <loadData file="{csv}" separator=";" tableName="t" relativeToChangelogFile="true"/>\n'
        "  </changeSet>\n"
    )


def fk(cs_id: str, table: str) -> str:
    return (
        f'  <changeSet id="{cs_id}" author="gen">\n'
        f'    <addForeignKeyConstraint baseTableName="{table}" baseColumnNames="owner_id" '
        f'constraintName="fk_{table}" referencedTableName="app_user" referencedColumnNames="id"/>\n'
        "  </changeSet>\n"
    )


LB = "src/main/resources/config/liquibase"
_CHANGELOGS = {
    "00000000000000_initial_schema.xml": changelog(
        create_table("00000000000000", "app_sequence"), create_table("00000000000001", "app_user")
    ),
    "20240105101500_added_entity_Shelf.xml": changelog(
        create_table("20240105101500-1", "shelf"), load_data("20240105101500-1-data", "fake-data/shelf.csv")
    ),
    "20240105101500_added_entity_constraints_Shelf.xml": changelog(fk("20240105101500-2", "shelf")),
    "20240105101600_added_entity_Book.xml": changelog(
        create_table("20240105101600-1", "book"),
        create_table("20240105101600-1-relations", "rel_book__tag"),
        load_data("20240105101600-1-data", "fake-data/book.csv"),
    ),
    "20240105101700_added_entity_Tag.xml": changelog(
        create_table("20240105101700-1", "tag"),
        create_table("20240105101700-1-index", "tag_index"),
        load_data("20240105101700-1-data", "fake-data/tag.csv"),
    ),
    "20240105101600_added_entity_constraints_Book.xml": changelog(fk("20240105101600-2", "book")),
}
_ORDER = [  # entities, then constraints, as the generator appends them
    "00000000000000_initial_schema.xml",
    "20240105101500_added_entity_Shelf.xml",
    "20240105101600_added_entity_Book.xml",
    "20240105101700_added_entity_Tag.xml",
    "20240105101500_added_entity_constraints_Shelf.xml",
    "20240105101600_added_entity_constraints_Book.xml",
]


def jhipster_master(prefix: str = "config/liquibase/changelog") -> str:
    props = '  <property name="now" value="current_timestamp" dbms="postgresql"/>\n'
    includes = "".join(f'  <include file="{prefix}/{n}" relativeToChangelogFile="false"/>\n' for n in _ORDER)
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<databaseChangeLog {_NS}>\n{props}{includes}'
        "  <!-- generator-needle-liquibase-add-changelog -->\n</databaseChangeLog>\n"
    )


JHIPSTER: repos.Files = {
    "pom.xml": "<project><modelVersion>4.0.0</modelVersion><artifactId>shelf</artifactId></project>\n",
    "src/main/resources/config/application.yml": "spring:\n  application:\n    name: shelf\n"
    "  liquibase:\n    change-log: classpath:config/liquibase/master.xml\n",
    "src/main/resources/config/application-dev.yml": "spring:\n  datasource:\n    url: jdbc:h2:mem:shelf\n"
    "  liquibase:\n    contexts: dev, faker\n",
    "src/test/resources/config/application.yml": "spring:\n  liquibase:\n    contexts: test\n",
    f"{LB}/master.xml": jhipster_master(),
    **{f"{LB}/changelog/{name}": text for name, text in _CHANGELOGS.items()},
    **{f"{LB}/fake-data/{t}.csv": "id;name\n1;x\n" for t in ("shelf", "book", "tag")},
    f"{LB}/data/authority.csv": "name\nROLE_ADMIN\n",
}


def _assert_jhipster(lb: FrameworkFindings, master: str) -> None:
    assert lb.config == master and lb.folder == dirname(master)
    assert len(lb.migrations) == 12
    assert len({m.path for m in lb.migrations}) == 6
    assert lb.migrations[0].id == "00000000000000::gen"
    assert lb.heads == ["20240105101600-2::gen"]
    assert lb.migrations[-1].path == f"{LB}/changelog/20240105101600_added_entity_constraints_Book.xml"
    assert lb.migrations[3].kind == "context=faker"
    assert re.fullmatch(rf"{LB}/changelog/\d{{14}}_NAME\.xml", lb.next_file)
    problems = codes(lb.problems)
    assert "broken_include" not in problems and "not_included" not in problems


def dirname(path: str) -> str:
    return path.rpartition("/")[0]


def test_jhipster_master_named_by_spring_with_classpath_includes(tmp_path: Path) -> None:
    result = scan(tmp_path, JHIPSTER)
    lb = of(result, "liquibase")
    assert list(lb) == [LB]
    _assert_jhipster(lb[LB], f"{LB}/master.xml")
    assert "spring.liquibase.change-log in src/main/resources/config/application.yml" in lb[LB].naming
    assert result.problems == []


def test_jhipster_master_under_another_name_is_still_followed(tmp_path: Path) -> None:
    """The name matters only when nothing names the master; the includes resolve from the
    classpath root (src/main/resources) either way."""
    files = {k: v for k, v in JHIPSTER.items() if not k.endswith("application.yml")}
    files[f"{LB}/db.changelog-master.xml"] = files.pop(f"{LB}/master.xml")
    lb = of(scan(tmp_path, files), "liquibase")
    assert list(lb) == [LB]
    _assert_jhipster(lb[LB], f"{LB}/db.changelog-master.xml")

    files = {**JHIPSTER, "src/main/resources/config/application.yml": "spring.liquibase.change-log: x\n"}
    files = {k: v for k, v in files.items() if not k.endswith("application.yml")}
    files[f"{LB}/schema-root.xml"] = files.pop(f"{LB}/master.xml")  # no name to go by
    files["src/main/resources/config/application.properties"] = (
        "spring.liquibase.change-log=classpath:config/liquibase/schema-root.xml\n"
    )
    lb = of(scan(tmp_path / "renamed", files), "liquibase")
    _assert_jhipster(lb[LB], f"{LB}/schema-root.xml")


def test_jhipster_broken_and_forgotten_changelogs_are_reported(tmp_path: Path) -> None:
    files = {
        **JHIPSTER,
        # a profile naming a master that is not there, and a changelog nothing includes
        "src/main/resources/config/application-prod.yml": "spring:\n  liquibase:\n"
        "    change-log: classpath:config/liquibase/prod-master.xml\n",
        f"{LB}/changelog/20240301000000_added_entity_Forgotten.xml": changelog(create_table("x-1", "forgotten")),
        f"{LB}/master.xml": jhipster_master().replace(
            "  <!-- generator", '  <include file="config/liquibase/changelog/gone.xml"/>\n  <!-- generator'
        ),
    }
    result = scan(tmp_path, files)
    lb = of(result, "liquibase")[LB]
    assert len(lb.migrations) == 12
    problems = codes(lb.problems)
    assert problems["broken_include"] == [f"{LB}/master.xml"]
    assert problems["not_included"] == [f"{LB}/changelog/20240301000000_added_entity_Forgotten.xml"]
    repo_problems = {p.code: p for p in result.problems}
    assert repo_problems["broken_include"].path == "src/main/resources/config/application-prod.yml"
    assert "prod-master.xml" in repo_problems["broken_include"].message


def test_liquibase_properties_in_a_module_with_classpath_yaml_includes(tmp_path: Path) -> None:
    res = "billing/src/main/resources/db/changelog"
    files: repos.Files = {
        "settings.gradle": "include 'billing'\n",
        "billing/liquibase.properties": "changeLogFile=db/changelog/root.yaml\nurl=jdbc:postgresql://db/billing\n",
        f"{res}/root.yaml": "databaseChangeLog:\n"
        "  - include:\n      file: db/changelog/changes/001-invoices.yaml\n"
        "  - include:\n      file: classpath:db/changelog/changes/002-payments.yaml\n"
        "  - includeAll:\n      path: db/changelog/sql/\n      relativeToChangelogFile: false\n",
        f"{res}/changes/001-invoices.yaml": "databaseChangeLog:\n  - changeSet:\n      id: '1'\n      author: ana\n"
        "      changes:\n        - createTable:\n            tableName: invoice\n            columns:\n"
        "              - column: {name: id, type: bigint}\n",
        f"{res}/changes/002-payments.yaml": "databaseChangeLog:\n  - changeSet:\n      id: '2'\n      author: ana\n"
        "      changes:\n        - sqlFile:\n            path: ../sql-scripts/payments.sql\n"
        "            relativeToChangelogFile: true\n",
        f"{res}/sql-scripts/payments.sql": "CREATE TABLE payment (id bigint);\n",
        f"{res}/sql/003-index.sql": "--liquibase formatted sql\n--changeset bo:3\nCREATE INDEX i ON invoice (id);\n"
        "--rollback DROP INDEX i;\n",
        f"{res}/sql/004-plain.sql": "UPDATE invoice SET id = id;\n",
    }
    lb = of(scan(tmp_path, files), "liquibase")
    assert list(lb) == [res]
    f = lb[res]
    assert f.config == f"{res}/root.yaml" and f.dialect == "postgresql"
    assert [m.id for m in f.migrations] == ["1::ana", "2::ana", "3::bo", "raw::includeAll"]
    assert "changeLogFile in billing/liquibase.properties:1" in f.naming
    problems = codes(f.problems)
    assert problems["not_formatted"] == [f"{res}/sql/004-plain.sql"]
    assert "broken_include" not in problems and "not_included" not in problems  # payments.sql is an sqlFile
    assert f.next_id == "4" and f.next_file == f"{res}/sql/4_NAME.yaml"


def test_liquibase_maven_plugin_changelog_with_pom_properties(tmp_path: Path) -> None:
    files: repos.Files = {
        "pom.xml": """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <properties><changelog.dir>db/lb</changelog.dir></properties>
  <build><plugins><plugin>
    <groupId>org.liquibase</groupId><artifactId>liquibase-maven-plugin</artifactId>
    <configuration><changeLogFile>${changelog.dir}/all.xml</changeLogFile>
      <url>jdbc:mysql://localhost/app</url></configuration>
  </plugin></plugins></build>
</project>
""",
        "src/main/resources/db/lb/all.xml": f"<databaseChangeLog {_NS}>\n"
        '  <includeAll path="db/lb/changes/" relativeToChangelogFile="false"/>\n</databaseChangeLog>\n',
        "src/main/resources/db/lb/changes/001.xml": changelog(create_table("1", "a")),
        "src/main/resources/db/lb/changes/002.xml": changelog(create_table("2", "b"), create_table("3", "c")),
    }
    lb = of(scan(tmp_path, files), "liquibase")
    f = lb["src/main/resources/db/lb"]
    assert f.config == "src/main/resources/db/lb/all.xml"
    assert [m.id for m in f.migrations] == ["1::gen", "2::gen", "3::gen"]
    assert "<changeLogFile> in pom.xml" in f.naming
    assert f.heads == ["3::gen"] and f.next_file == "src/main/resources/db/lb/changes/4_NAME.xml"
    assert f.problems == []


@pytest.mark.parametrize(
    ("build_file", "text"),
    [
        (
            "api/build.gradle.kts",
            'plugins { id("org.liquibase.gradle") version "2.2.0" }\nliquibase {\n'
            '    activities.register("main") {\n        this.arguments = mapOf(\n'
            '            "changelogFile" to "src/main/resources/db/app-changes.xml",\n'
            '            "url" to "jdbc:postgresql://localhost/api",\n        )\n    }\n}\n',
        ),
        (
            "api/build.gradle",
            "plugins { id 'org.liquibase.gradle' version '2.2.0' }\nliquibase {\n  activities {\n    main {\n"
            "      changelogFile 'src/main/resources/db/app-changes.xml'\n"
            "      url 'jdbc:postgresql://localhost/api'\n    }\n  }\n}\n",
        ),
    ],
)
def test_liquibase_gradle_plugin_activity(tmp_path: Path, build_file: str, text: str) -> None:
    files: repos.Files = {
        "settings.gradle": "include 'api'\n",
        build_file: text,
        "api/src/main/resources/db/app-changes.xml": f"<databaseChangeLog {_NS}>\n"
        '  <include file="db/changes/001.xml"/>\n  <include file="changes/002.xml" relativeToChangelogFile="true"/>\n'
        "</databaseChangeLog>\n",
        "api/src/main/resources/db/changes/001.xml": changelog(create_table("001", "a")),
        "api/src/main/resources/db/changes/002.xml": changelog(create_table("002", "b")),
    }
    lb = of(scan(tmp_path, files), "liquibase")
    f = lb["api/src/main/resources/db"]
    assert [m.id for m in f.migrations] == ["001::gen", "002::gen"]
    assert f"changelog in {build_file}" in f.naming
    assert f.next_id == "003" and f.next_file == "api/src/main/resources/db/changes/003_NAME.xml"
    assert f.problems == []


def test_liquibase_changelog_set_in_java_config_code(tmp_path: Path) -> None:
    files: repos.Files = {
        "src/main/java/com/example/config/DatabaseConfig.java": "package com.example.config;\n\n"
        "public class DatabaseConfig {\n  SpringLiquibase liquibase(DataSource ds) {\n"
        "    SpringLiquibase liquibase = new SpringLiquibase();\n"
        '    liquibase.setChangeLog("classpath:/schema/main.xml");\n'
        "    liquibase.setChangeLogParameters(Map.of());\n    return liquibase;\n  }\n}\n",
        "src/main/java/com/example/config/OtherConfig.java": "class OtherConfig {\n"
        "  void f(SpringLiquibase liquibase) { liquibase.setChangeLog(CHANGELOG); }\n}\n",
        "src/main/resources/schema/main.xml": changelog(create_table("a", "a")),
    }
    result = scan(tmp_path, files)
    f = of(result, "liquibase")["src/main/resources/schema"]
    assert [m.id for m in f.migrations] == ["a::gen"]
    assert "changelog in src/main/java/com/example/config/DatabaseConfig.java:6" in f.naming
    assert codes(result.problems) == {"unresolved_changelog": ["src/main/java/com/example/config/OtherConfig.java"]}


# ---- render into what find found --------------------------------------------------------------


def _render(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    sql = "CREATE INDEX books_title ON book (title)"
    main(["render", "--root", str(root), "--sql", sql, "--no-schema", "--json", *args])
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_render_into_the_jhipster_changelog_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repos.write(tmp_path, JHIPSTER)
    out = _render(root, capsys=capsys)
    assert out["format"] == "liquibase" and out["folder"] == f"{LB}/changelog"
