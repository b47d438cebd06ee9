"""Flyway output: V<version>__<description>.sql per migration, its U undo file, and for a
migration that must run outside a transaction the script configuration
V<version>__<description>.sql.conf with executeInTransaction=false. Versions continue the
repository's scheme (find_migrations' next id); a README per migration."""

from __future__ import annotations

import re

from ..model import Plan
from ..summary import mysql_line
from .context import migration_context, readme
from .files import RenderedFile
from .sql import mystatement
from .templating import environment


def next_versions(first: str, count: int) -> list[str]:
    """first, then the following ones in the same scheme (3 -> 4, 1.10 -> 1.11, 2_1 -> 2_2)."""
    parts = re.split(r"([._])", first)
    out = []
    for i in range(count):
        bumped = [*parts[:-1], str(int(parts[-1]) + i)] if parts[-1].isdigit() else [*parts, str(i)]
        out.append("".join(bumped))
    return out


def render_flyway(plan: Plan, *, first_version: str = "1") -> list[RenderedFile]:
    env = environment("flyway")
    env.filters.update(mystatement=mystatement, mysql_line=mysql_line)
    mysql = not plan.target.is_postgresql
    versions = next_versions(first_version, len(plan.migrations))
    bases = [f"V{v}__{m.name}" for v, m in zip(versions, plan.migrations, strict=True)]
    files: list[RenderedFile] = []
    for index, (version, migration) in enumerate(zip(versions, plan.migrations, strict=True)):
        base = bases[index]
        context = migration_context(
            plan,
            index,
            bases,
            ".sql",
            version=version,
            description=migration.name,
            run_up=f"flyway migrate -target={version}",
            run_down=f"flyway undo -target={versions[index - 1] if index else '0'}  # or run U{version}__"
            f"{migration.name}.sql by hand",
        )
        files.append(
            RenderedFile(
                path=f"{base}.sql",
                content=env.get_template("versioned_mysql.sql.j2" if mysql else "versioned.sql.j2").render(context),
            )
        )
        files.append(
            RenderedFile(
                path=f"U{version}__{migration.name}.sql",
                content=env.get_template("undo_mysql.sql.j2" if mysql else "undo.sql.j2").render(context),
            )
        )
        if not migration.transactional and not mysql:  # the undo too (DROP INDEX CONCURRENTLY)
            for script in (base, f"U{version}__{migration.name}"):
                files.append(RenderedFile(path=f"{script}.sql.conf", content="executeInTransaction=false\n"))
        files.append(readme(env, context))
    return files
