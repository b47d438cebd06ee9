"""Liquibase output: one XML changelog per migration.

A transactional migration is one changeSet, so one transaction as in every other format (if any
statement fails, nothing is applied or recorded): its statements in one lock-retry block, its
rollback the steps' downs in reverse order in another. A non-transactional migration has a
changeSet per step with its rollback, runInTransaction="false": each commits on its own.
The SQL runs in <sql splitStatements="false"> (DO blocks stay whole); the migration's pre-flight
checks become <preConditions onFail="HALT"> with <sqlCheck expectedResult="0"> on its first
changeSet. Each file says the entry to add to the master changelog, in the master's syntax (or that
the master's includeAll picks it up). A README per migration.
"""

from __future__ import annotations

from datetime import datetime

from ..model import Check, Migration, Plan
from ..summary import mysql_line
from .context import migration_context, readme
from .files import RenderedFile
from .liquibase_master import Master, entry
from .sql import stamps
from .templating import environment


def cdata(text: str) -> str:
    return text.rstrip().rstrip(";").replace("]]>", "]]]]><![CDATA[>")


def xmlcomment(text: str) -> str:
    return text.replace("--", "- -")


def check_sql(check: Check) -> str:
    """A query that returns 0 when the check passes."""
    if check.expect == "zero":
        return check.sql.rstrip().rstrip(";")
    return f"SELECT count(*) FROM ({check.sql.rstrip().rstrip(';')}) AS mm_check"


def changesets(plan: Plan, migration: Migration) -> int:
    """How many changeSets the migration's changelog has (what `rollback-count` undoes it with);
    MariaDB / MySQL changelogs have one per step (changelog_mysql.xml.j2)."""
    return 1 if migration.transactional and plan.target.is_postgresql else len(migration.steps)


def render_liquibase(plan: Plan, now: datetime | None = None, master: Master | None = None) -> list[RenderedFile]:
    """`master`: how the repository's master changelog takes the files (liquibase_master); default:
    an XML master beside them."""
    master = master or Master(path="")
    env = environment("liquibase")
    env.filters.update(cdata=cdata, xmlcomment=xmlcomment, check_sql=check_sql, mysql_line=mysql_line)
    bases = [f"{stamp}_{m.name}" for stamp, m in zip(stamps(plan, now), plan.migrations, strict=True)]
    files: list[RenderedFile] = []
    for index, (base, migration) in enumerate(zip(bases, plan.migrations, strict=True)):
        context = migration_context(
            plan,
            index,
            bases,
            ".xml",
            run_up=f"liquibase update  # with {base}.xml included from the master changelog",
            run_down=f"liquibase rollback-count {changesets(plan, migration)}",
            include_entry=entry(master, f"{base}.xml"),
            include_note=f"The master changelog's includeAll of {master.include_all!r} picks it up: add no include."
            if master.include_all is not None
            else "Include it from an XML, YAML or JSON master changelog, after the earlier migrations.",
        )
        template = "changelog.xml.j2" if plan.target.is_postgresql else "changelog_mysql.xml.j2"
        files.append(RenderedFile(path=f"{base}.xml", content=env.get_template(template).render(context)))
        files.append(readme(env, context))
    return files
