"""Plain SQL output: YYYYMMDDHHMMSS_name.sql, ..._down.sql and ..._README.md per migration.

Each file runs as written with `psql -v ON_ERROR_STOP=1 -f FILE`. Transactional migrations are
wrapped in BEGIN/COMMIT with SET LOCAL timeouts (nothing leaks into a reused connection);
non-transactional ones set the timeouts for the session and RESET them at the end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..model import Plan
from ..summary import mysql_line
from .context import migration_context, readme
from .files import RenderedFile
from .online_tools import online_tools
from .templating import environment


def stamps(plan: Plan, now: datetime | None) -> list[str]:
    """One timestamp per migration, a second apart, so the files sort in plan order."""
    start = (now or datetime.now(UTC)).replace(microsecond=0)
    return [(start + timedelta(seconds=i)).strftime("%Y%m%d%H%M%S") for i in range(len(plan.migrations))]


def render_sql(plan: Plan, now: datetime | None = None) -> list[RenderedFile]:
    if not plan.target.is_postgresql:
        return render_sql_mysql(plan, now)
    env = environment("sql")
    files: list[RenderedFile] = []
    names = [f"{stamp}_{m.name}" for stamp, m in zip(stamps(plan, now), plan.migrations, strict=True)]
    for index, base in enumerate(names):
        context = migration_context(
            plan,
            index,
            names,
            ".sql",
            run_up=f"psql -v ON_ERROR_STOP=1 -f {base}.sql",
            run_down=f"psql -v ON_ERROR_STOP=1 -f {base}_down.sql",
        )
        files.append(RenderedFile(path=f"{base}.sql", content=env.get_template("up.sql.j2").render(context)))
        files.append(RenderedFile(path=f"{base}_down.sql", content=env.get_template("down.sql.j2").render(context)))
        files.append(readme(env, context))
    return files


def mystatement(sql: str) -> str:
    """A statement for the mysql client: a compound one (BEGIN NOT ATOMIC ... END) between DELIMITER lines."""
    body = sql.rstrip().rstrip(";")
    if ";" in body:
        return f"DELIMITER $$\n{body}$$\nDELIMITER ;"
    return body + ";"


def render_sql_mysql(plan: Plan, now: datetime | None = None) -> list[RenderedFile]:
    """MariaDB / MySQL: one schema change per file, applied with the mysql client."""
    env = environment("sql_mysql")
    env.filters.update(mystatement=mystatement, mysql_line=mysql_line, online_tools=online_tools)
    files: list[RenderedFile] = []
    names = [f"{stamp}_{m.name}" for stamp, m in zip(stamps(plan, now), plan.migrations, strict=True)]
    for index, base in enumerate(names):
        context = migration_context(
            plan,
            index,
            names,
            ".sql",
            run_up=f"mysql --database=DB < {base}.sql",
            run_down=f"mysql --database=DB < {base}_down.sql",
        )
        files.append(RenderedFile(path=f"{base}.sql", content=env.get_template("up.sql.j2").render(context)))
        files.append(RenderedFile(path=f"{base}_down.sql", content=env.get_template("down.sql.j2").render(context)))
        files.append(readme(env, context))
    return files
