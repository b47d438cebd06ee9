"""Rails (ActiveRecord) output: db/migrate/YYYYMMDDHHMMSS_name.rb per migration.

`up`/`down` use ActiveRecord's schema statements where one emits the statement the plan proved
(rails_calls: add_column, add_index ... algorithm: :concurrently, add_foreign_key ...
validate: false, validate_foreign_key ...), and `execute <<~'MM_SQL'` heredocs (single-quoted:
nothing is interpolated) for the rest; a migration that must run outside a transaction says `disable_ddl_transaction!`.
The Migration[x.y] version is the repository's. A README per migration.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..discover.rails_names import Inflections
from ..model import Plan
from ..summary import mysql_line
from .context import migration_context, readme
from .files import RenderedFile
from .rails_calls import RailsCalls, rb_str
from .sql import stamps
from .templating import environment


def camelize(snake: str, names: Inflections | None = None) -> str:
    """The class name Rails expects of the file: with the app's acronyms when they are known."""
    if names is not None:
        return names.camelize(snake)
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


_SYNC = re.compile(r"\bCREATE\s+(OR\s+REPLACE\s+)?(TRIGGER|FUNCTION)\b", re.IGNORECASE)


def _syncs(plan: Plan) -> bool:
    """The plan keeps things in sync with a trigger and a function while it is in flight: objects
    db/schema.rb does not dump."""
    return any(_SYNC.search(sql) for m in plan.migrations for st in m.steps for sql in st.up)


def heredoc(sql: str) -> str:
    lines = sql.rstrip().rstrip(";").splitlines()
    if any(line.strip() == "MM_SQL" for line in lines):
        raise ValueError("SQL contains the heredoc terminator MM_SQL")
    return "\n".join(("      " + line) if line.strip() else "" for line in lines)


def rbcomment(text: str) -> str:
    return "\n".join(f"# {line}" for line in text.splitlines())


_ASSURED = (
    "strong_migrations stops these statements (execute, callable defaults) outside safety_assured: they are",
    "the plan's safe form (lock timeouts and retries, CONCURRENTLY, NOT VALID then VALIDATE, batches),",
    "which migration-manager checked, so they run in safety_assured.",
)


def assured(body: str) -> str:
    """The body of `up` or `down` inside strong_migrations' safety_assured block (one with no
    statement as it is)."""
    lines = body.rstrip("\n").split("\n")
    if all(not line.strip() or line.strip().startswith("#") for line in lines):
        return body
    comment = "\n".join(f"    # {line}" for line in _ASSURED)
    inner = "\n".join(f"  {line}" if line.strip() else "" for line in lines)
    return f"{comment}\n    safety_assured do\n{inner}\n    end\n"


def render_rails(
    plan: Plan,
    now: datetime | None = None,
    *,
    rails_version: str = "6.1",
    taken: frozenset[str] = frozenset(),
    safety_assured: bool = False,
    names: Inflections | None = None,
    schema_rb: bool = True,
) -> list[RenderedFile]:
    """`taken`: class names already used by the repository's migrations (Rails refuses duplicates).
    `safety_assured`: the application runs strong_migrations, which raises on `execute` outside
    its safety_assured block: the bodies of up and down go in one."""
    env = environment("rails")
    env.filters.update(
        heredoc=heredoc,
        rbcomment=rbcomment,
        rbstr=rb_str,
        rails_call=RailsCalls(plan).call,
        mysql_line=mysql_line,
        assured=assured if safety_assured else str,
    )
    bases: list[str] = []
    for stamp, migration in zip(stamps(plan, now), plan.migrations, strict=True):
        name = migration.name
        if camelize(name, names) in taken:  # keep clear of the repository's class names
            name = f"{name}_{stamp}"
        bases.append(f"{stamp}_{name}")
    files: list[RenderedFile] = []
    for index, base in enumerate(bases):
        stamp, name = base.split("_", 1)
        context = migration_context(
            plan,
            index,
            bases,
            ".rb",
            class_name=camelize(name, names),  # with the app's acronyms: Rails loads it by that name
            rails_version=rails_version,
            run_up=f"bin/rails db:migrate:up VERSION={stamp}",
            run_down=f"bin/rails db:migrate:down VERSION={stamp}",
            down_refuses="raise ActiveRecord::IrreversibleMigration",
            schema_dump="db/schema.rb" if schema_rb and _syncs(plan) else None,
        )
        template = "migration.rb.j2" if plan.target.is_postgresql else "migration_mysql.rb.j2"
        files.append(RenderedFile(path=f"{base}.rb", content=env.get_template(template).render(context)))
        files.append(readme(env, context))
    return files
