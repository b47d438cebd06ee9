"""find_migrations on JVM layouts (issue 18, items 3 and 4): Liquibase masters named by Spring
configuration, liquibase.properties, the Maven and Gradle plugins or configuration code, their
classpath-relative includes; Flyway locations from Spring Boot, flyway.conf / flyway.toml, the
build plugins and Java / Kotlin code. Every fixture is written here, shaped like those projects."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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
        "spring.liquibase.change-log=${SCHEMA_ROOT:classpath:config/liquibase/schema-root.xml}\n"
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
        f"{res}/sql/003-index.sql": "-- liquibase formatted sql\n--changeset bo:3\nCREATE INDEX i ON invoice (id);\n"
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


# ---- Flyway ---------------------------------------------------------------------------------

RES = "src/main/resources"


def test_spring_yaml_locations_with_the_vendor_placeholder(tmp_path: Path) -> None:
    files: repos.Files = {
        f"{RES}/application.yml": "spring:\n  datasource:\n    url: jdbc:postgresql://db/app\n"
        "  flyway:\n    locations:\n      - classpath:db/migration/common\n      - classpath:db/migration/{vendor}\n",
        f"{RES}/db/migration/common/V1__init.sql": "CREATE TABLE a (id int);\n",
        f"{RES}/db/migration/common/V2__more.sql": "CREATE TABLE b (id int);\n",
        f"{RES}/db/migration/postgresql/V3__pg_only.sql": "CREATE EXTENSION citext;\n",
        f"{RES}/db/migration/h2/V3__h2_only.sql": "SELECT 1;\n",
    }
    fw = of(scan(tmp_path, files), "flyway")
    assert set(fw) == {f"{RES}/db/migration/{v}" for v in ("common", "postgresql", "h2")}
    for f in fw.values():
        assert f.config == f"{RES}/application.yml"
        assert f.next_id == "4"  # versions are shared with the other locations of the set
    assert fw[f"{RES}/db/migration/common"].dialect == "postgresql"
    assert fw[f"{RES}/db/migration/h2"].dialect == "h2"
    assert fw[f"{RES}/db/migration/postgresql"].dialect == "postgresql"
    assert [m.id for m in fw[f"{RES}/db/migration/common"].migrations] == ["1", "2"]
    assert fw[f"{RES}/db/migration/common"].heads == ["2"]
    assert fw[f"{RES}/db/migration/postgresql"].next_file == f"{RES}/db/migration/postgresql/V4__NAME.sql"


def test_spring_properties_locations_classpath_filesystem_and_problems(tmp_path: Path) -> None:
    files: repos.Files = {
        f"{RES}/application.properties": "spring.datasource.url=jdbc:mysql://db/app\n"
        "spring.flyway.locations=classpath:db/schema, \\\n    filesystem:sql/seed\n",
        f"{RES}/application-prod.properties": "spring.flyway.locations=classpath:db/missing,"
        "filesystem:/opt/flyway/sql,${EXTRA_LOCATIONS}\n",
        "src/test/resources/application-test.properties": "spring.flyway.locations[0]=classpath:db/schema\n"
        "spring.flyway.locations[1]=classpath:db/testdata\n",
        f"{RES}/db/schema/V1__init.sql": "CREATE TABLE a (id int);\n",
        f"{RES}/db/schema/V2__add_b.sql": "ALTER TABLE a ADD b int;\n",
        f"{RES}/db/schema/V3_add_c.sql": "ALTER TABLE a ADD c int;\n",  # one underscore: Flyway skips it
        f"{RES}/db/schema/notes.txt": "why\n",
        f"{RES}/db/schema/afterMigrate.sql": "ANALYZE;\n",  # a callback, not a stray
        "sql/seed/V2__seed.sql": "INSERT INTO a VALUES (1);\n",
        "src/test/resources/db/testdata/V100__fixtures.sql": "INSERT INTO a VALUES (2);\n",
    }
    result = scan(tmp_path, files)
    fw = of(result, "flyway")
    assert set(fw) == {f"{RES}/db/schema", "sql/seed", "src/test/resources/db/testdata"}
    schema = fw[f"{RES}/db/schema"]
    assert schema.config == f"{RES}/application.properties" and schema.dialect == "mysql"
    assert [m.id for m in schema.migrations] == ["1", "2"]
    problems = codes(schema.problems)
    assert problems["not_a_migration"] == [f"{RES}/db/schema/V3_add_c.sql", f"{RES}/db/schema/notes.txt"]
    assert [p.severity for p in schema.problems if p.code == "not_a_migration"] == ["error", "warning"]
    assert problems["duplicate_id"] == [f"{RES}/db/schema/V2__add_b.sql"]  # V2 is in sql/seed too
    assert codes(fw["sql/seed"].problems)["duplicate_id"] == ["sql/seed/V2__seed.sql"]
    # the test profile reads db/schema with testdata: the next version must pass V100
    assert schema.next_id == "101" and fw["src/test/resources/db/testdata"].next_id == "101"
    assert fw["src/test/resources/db/testdata"].config == "src/test/resources/application-test.properties"
    unresolved = [p for p in result.problems if p.code == "unresolved_location"]
    assert {p.path for p in unresolved} == {f"{RES}/application-prod.properties"}
    reasons = " | ".join(p.message for p in unresolved)
    assert "'classpath:db/missing': no such folder" in reasons
    assert "absolute path" in reasons and "placeholder" in reasons and len(unresolved) == 3


def test_flyway_conf_relative_to_its_folder(tmp_path: Path) -> None:
    files: repos.Files = {
        "tools/flyway/flyway.conf": "flyway.url=jdbc:mariadb://db/app\n"
        "flyway.locations=filesystem:../../migrations/sql\n",
        "migrations/sql/V1__a.sql": "SELECT 1;\n",
        "migrations/sql/V2__b.sql": "SELECT 1;\n",
        "src/main/resources/db/migration/V1__unused_default.sql": "SELECT 1;\n",  # not what the conf reads
    }
    fw = of(scan(tmp_path, files), "flyway")
    f = fw["migrations/sql"]
    assert f.config == "tools/flyway/flyway.conf" and f.dialect == "mariadb"
    assert f.heads == ["2"] and f.next_file == "migrations/sql/V3__NAME.sql"


def test_flyway_toml_environments(tmp_path: Path) -> None:
    files: repos.Files = {
        "flyway.toml": '[environments.default]\nurl = "jdbc:postgresql://localhost/app"\n\n'
        '[environments.staging]\nurl = "jdbc:mysql://staging/app"\n\n'
        '[environments.staging.flyway]\nlocations = ["filesystem:database/staging"]\n\n'
        '[flyway]\nlocations = ["filesystem:database/migrations", "filesystem:database/nowhere"]\n',
        "database/migrations/V1__a.sql": "SELECT 1;\n",
        "database/migrations/V1.1__b.sql": "SELECT 1;\n",
        "database/staging/V1__s.sql": "SELECT 1;\n",
    }
    result = scan(tmp_path, files)
    fw = of(result, "flyway")
    assert set(fw) == {"database/migrations", "database/staging"}
    assert fw["database/migrations"].dialect == "postgresql" and fw["database/migrations"].next_id == "1.2"
    assert fw["database/staging"].dialect == "mysql" and fw["database/staging"].config == "flyway.toml"
    assert [(p.code, p.path) for p in result.problems] == [("unresolved_location", "flyway.toml")]
    assert "database/nowhere" in result.problems[0].message


def test_flyway_locations_in_java_and_kotlin_code(tmp_path: Path) -> None:
    files: repos.Files = {
        "app/src/main/java/com/example/MigrationConfig.java": "package com.example;\n\n"
        "class MigrationConfig {\n  Flyway flyway(DataSource ds) {\n    return Flyway.configure()\n"
        '        .dataSource(ds)\n        .locations("classpath:db/app", "classpath:db/reference")\n'
        "        .load();\n  }\n}\n",
        "app/src/main/resources/db/app/V1__app.sql": "SELECT 1;\n",
        "app/src/main/resources/db/reference/V2__ref.sql": "SELECT 1;\n",
        "worker/src/main/kotlin/com/example/Migrate.kt": "package com.example\n\n"
        "fun migrate(ds: DataSource, props: Props) {\n"
        '    Flyway.configure().dataSource(ds).locations(Location("filesystem:db/worker")).load().migrate()\n'
        "    Flyway.configure().dataSource(ds).locations(*props.locations).load()\n}\n",
        "worker/db/worker/V1__w.sql": "SELECT 1;\n",
    }
    result = scan(tmp_path, files)
    fw = of(result, "flyway")
    assert set(fw) == {"app/src/main/resources/db/app", "app/src/main/resources/db/reference", "worker/db/worker"}
    assert fw["app/src/main/resources/db/app"].next_id == "3"
    assert fw["worker/db/worker"].config == "worker/src/main/kotlin/com/example/Migrate.kt"
    assert [(p.code, p.path) for p in result.problems] == [
        ("unresolved_location", "worker/src/main/kotlin/com/example/Migrate.kt")
    ]
    assert "line 5" in result.problems[0].message


def test_flyway_maven_and_gradle_plugins(tmp_path: Path) -> None:
    files: repos.Files = {
        "svc-a/pom.xml": "<project><build><plugins><plugin><groupId>org.flywaydb</groupId>"
        "<artifactId>flyway-maven-plugin</artifactId><configuration><url>jdbc:postgresql://x/a</url>"
        "<locations><location>filesystem:${project.basedir}/src/main/resources/db/maven</location>"
        "</locations></configuration></plugin></plugins></build></project>\n",
        "svc-a/src/main/resources/db/maven/V1__a.sql": "SELECT 1;\n",
        "svc-b/build.gradle": "plugins { id 'org.flywaydb.flyway' version '10.0.0' }\n"
        "flyway {\n    url = 'jdbc:postgresql://x/b'\n    locations = ['classpath:db/gradle']\n}\n",
        "svc-b/src/main/resources/db/gradle/V5__b.sql": "SELECT 1;\n",
        "svc-c/build.gradle.kts": 'flyway {\n    locations = arrayOf("filesystem:migrations")\n}\n',
        "svc-c/migrations/V1__c.sql": "SELECT 1;\n",
        "svc-c/migrations/README.md": "how to add one\n",
        "svc-c/migrations/V1__c_README.md": "what V1 does\n",  # a migration's own README is no stray
    }
    result = scan(tmp_path, files)
    fw = of(result, "flyway")
    assert fw["svc-a/src/main/resources/db/maven"].config == "svc-a/pom.xml"
    assert fw["svc-b/src/main/resources/db/gradle"].config == "svc-b/build.gradle"
    assert fw["svc-b/src/main/resources/db/gradle"].next_file == "svc-b/src/main/resources/db/gradle/V6__NAME.sql"
    c = fw["svc-c/migrations"]
    assert c.config == "svc-c/build.gradle.kts"
    assert codes(c.problems) == {"not_a_migration": ["svc-c/migrations/README.md"]}
    assert set(fw) == {"svc-a/src/main/resources/db/maven", "svc-b/src/main/resources/db/gradle", "svc-c/migrations"}
    assert result.problems == []


# ---- render into what find found --------------------------------------------------------------


def _render(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    sql = "CREATE INDEX books_title ON book (title)"
    main(["render", "--root", str(root), "--sql", sql, "--no-schema", "--json", *args])
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_render_into_the_jhipster_changelog_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repos.write(tmp_path, JHIPSTER)
    out = _render(root, capsys=capsys)
    assert out["format"] == "liquibase" and out["folder"] == f"{LB}/changelog"
    changelogs = [f for f in out["files"] if f["path"].endswith(".xml")]
    base = changelogs[0]["path"].removesuffix(".xml")
    # the master includes from the classpath root, so the line to add does too
    line = f'<include file="config/liquibase/changelog/{base}.xml" relativeToChangelogFile="false"/>'
    assert line in changelogs[0]["content"]
    assert out["changelog_includes"][0] == line  # what the agent adds, exactly


def test_render_include_line_relative_to_the_master(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files: repos.Files = {
        "api/build.gradle": "liquibase { activities { main { changelogFile 'src/main/resources/db/all.xml' } } }\n",
        "api/src/main/resources/db/all.xml": f"<databaseChangeLog {_NS}>\n"
        '  <include file="changes/001.xml" relativeToChangelogFile="true"/>\n</databaseChangeLog>\n',
        "api/src/main/resources/db/changes/001.xml": changelog(create_table("001", "a")),
    }
    out = _render(repos.write(tmp_path, files), capsys=capsys)
    assert out["folder"] == "api/src/main/resources/db/changes"
    changelog_file = next(f for f in out["files"] if f["path"].endswith(".xml"))
    base = changelog_file["path"].removesuffix(".xml")
    line = f'<include file="changes/{base}.xml" relativeToChangelogFile="true"/>'
    assert line in changelog_file["content"] and out["changelog_includes"][0] == line


def test_render_into_a_spring_flyway_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repos.write(
        tmp_path,
        {
            f"{RES}/application.yml": "spring:\n  flyway:\n    locations: classpath:flyway/sql/pg\n",
            f"{RES}/flyway/sql/pg/V3.8.0_1__a.sql": "SELECT 1;\n",
            f"{RES}/flyway/sql/pg/V3.8.1_1__b.sql": "SELECT 1;\n",
        },
    )
    out = _render(root, capsys=capsys)
    assert out["format"] == "flyway" and out["folder"] == f"{RES}/flyway/sql/pg"
    names = [f["path"] for f in out["files"]]
    assert names[0].startswith("V3.8.1_2__"), names
    main(["render", "--root", str(root), "--sql", "CREATE INDEX b_x ON b (x)", "--no-schema", "--write"])
    capsys.readouterr()
    again = of(find_migrations(root), "flyway")[f"{RES}/flyway/sql/pg"]
    assert again.heads == ["3.8.1_2"] and again.next_id == "3.8.1_3"
    assert again.problems == []  # the rendered undo, .conf and README files are all understood


def test_unreadable_jvm_settings_are_reported_once(tmp_path: Path) -> None:
    """Both detectors read the same settings; a broken file is one problem, not one per reader."""
    files: repos.Files = {
        f"{RES}/application.yml": "spring:\n  flyway:\n    locations: [classpath:db/migration\n",
        "pom.xml": "<project><artifactId>liquibase-thing</artifactId>\n",
        f"{RES}/db/migration/V1__a.sql": "SELECT 1;\n",
    }
    result = scan(tmp_path, files)
    assert sorted((p.code, p.path) for p in result.problems) == [
        ("malformed", "pom.xml"),
        ("malformed", f"{RES}/application.yml"),
    ]
    assert list(of(result, "flyway")) == [f"{RES}/db/migration"]  # the default location still stands


def test_flyway_locations_from_a_value_bound_field(tmp_path: Path) -> None:
    """`.locations(locations)` where Spring fills the field from spring.flyway.locations: the
    property is read from the configuration files, its default from the annotation."""
    files: repos.Files = {
        "src/main/java/org/example/FlywayConfig.java": "class FlywayConfig {\n"
        '  @Value("${spring.flyway.locations:classpath:flyway/sql/mysql}")\n  private String locations;\n'
        '  @Value("${app.extra-locations}")\n  private String extra;\n'
        "  void run(DataSource ds) {\n    Flyway.configure().dataSource(ds).locations(locations).load().migrate();\n"
        "    Flyway.configure().dataSource(ds).locations(extra).load().migrate();\n  }\n}\n",
        f"{RES}/flyway/sql/mysql/V1__a.sql": "SELECT 1;\n",
        f"{RES}/flyway/sql/mysql/README.md": "notes\n",
    }
    result = scan(tmp_path, files)
    f = of(result, "flyway")[f"{RES}/flyway/sql/mysql"]
    assert f.config == "src/main/java/org/example/FlywayConfig.java" and f.next_id == "2"
    assert codes(f.problems) == {"not_a_migration": [f"{RES}/flyway/sql/mysql/README.md"]}
    assert [(p.code, p.message[:7]) for p in result.problems] == [("unresolved_location", "line 8:")]


def test_not_included_looks_beside_the_included_changelogs_only(tmp_path: Path) -> None:
    files: repos.Files = {
        "changelog.xml": f'<databaseChangeLog {_NS}>\n  <include file="db/001.xml"/>\n</databaseChangeLog>\n',
        "db/001.xml": changelog(create_table("1", "a")),
        "db/002.xml": changelog(create_table("2", "b")),  # forgotten
        "db/notes.xml": "<notes>not a changelog</notes>\n",
        "docs/examples/sample.xml": changelog(create_table("9", "z")),  # elsewhere: not this master's
        "pom.xml": "<project/>\n",
    }
    lb = of(scan(tmp_path, files), "liquibase")
    f = lb["."]
    assert [m.id for m in f.migrations] == ["1::gen"]
    assert codes(f.problems) == {"not_included": ["db/002.xml"]}


def test_a_master_named_only_in_code_through_a_variable_is_found_as_the_root(tmp_path: Path) -> None:
    """OpenMRS names its master in Java code through a variable and calls it
    liquibase-update-to-latest.xml: nothing names it and its name is no usual one. The changelog
    that includes others and that no other includes is the master; the included ones are not."""
    res = "api/src/main/resources"
    files: repos.Files = {
        f"{res}/liquibase-update-to-latest.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog {_NS}>\n'
            '  <include file="org/openmrs/liquibase/updates/update-2.1.x.xml" relativeToChangelogFile="true"/>\n'
            '  <include file="org/openmrs/liquibase/updates/update-2.2.x.xml" relativeToChangelogFile="true"/>\n'
            "</databaseChangeLog>\n"
        ),
        f"{res}/org/openmrs/liquibase/updates/update-2.1.x.xml": changelog(create_table("2.1-1", "person")),
        f"{res}/org/openmrs/liquibase/updates/update-2.2.x.xml": changelog(create_table("2.2-1", "visit")),
        "api/src/main/java/org/openmrs/util/DatabaseUpdater.java": (
            "class DatabaseUpdater { static final String CHANGE_LOG = changelogFile(); }\n"
        ),
    }
    (lb,) = of(scan(tmp_path, files), "liquibase").values()
    assert [m.id for m in lb.migrations] == ["2.1-1::gen", "2.2-1::gen"]
    assert lb.problems == [] or all(p.severity != "error" for p in lb.problems), lb.problems


def test_several_candidate_masters_are_named_with_the_way_to_choose(tmp_path: Path) -> None:
    """Two changelogs that include others, neither included (OpenMRS has an update-to-latest and a
    schema-only one): find does not guess; it names both and says how to name the master, and a
    liquibase.properties that names one settles it."""
    res = "api/src/main/resources"
    files: repos.Files = {
        f"{res}/{name}.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog {_NS}>\n'
            f'  <include file="parts/{name}-1.xml" relativeToChangelogFile="true"/>\n</databaseChangeLog>\n'
        )
        for name in ("update-to-latest", "schema-only")
    }
    files[f"{res}/parts/update-to-latest-1.xml"] = changelog(create_table("u1", "person"))
    files[f"{res}/parts/schema-only-1.xml"] = changelog(create_table("s1", "person"))
    result = scan(tmp_path, files)
    assert of(result, "liquibase") == {}
    (problem,) = [p for p in result.problems if p.code == "unnamed_master"]
    assert f"{res}/update-to-latest.xml" in problem.message and f"{res}/schema-only.xml" in problem.message
    assert "liquibase.properties" in problem.message
    files["liquibase.properties"] = f"changeLogFile: {res}/update-to-latest.xml\n"
    (lb,) = of(scan(tmp_path / "named", files), "liquibase").values()
    assert [m.id for m in lb.migrations] == ["u1::gen"]
