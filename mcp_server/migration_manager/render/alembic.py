"""Alembic output: one revision file per migration, chained from the repository's current head.

Each statement of the plan becomes Alembic's own op call where Alembic has one that emits the
same DDL (alembic_calls: op.add_column, op.create_index(..., postgresql_concurrently=True,
if_not_exists=True), op.create_foreign_key(..., postgresql_not_valid=True) ...), and
op.execute(sa.text(...)) otherwise: the exact statements the engine's tests prove on PostgreSQL,
with colons escaped for sa.text. Non-transactional migrations run inside
op.get_context().autocommit_block(). A README per revision says how to run, check and roll it
back.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ..model import Migration, Plan
from ..naming import alembic_file_name
from ..summary import mysql_line
from .alembic_calls import alembic_call, sqltext
from .context import migration_context, readme
from .files import RenderedFile
from .templating import environment


def uses_dialect_types(migration: Migration) -> bool:
    """Some op call names a type from sqlalchemy.dialects.postgresql (so the file imports it)."""
    sqls = [sql for step in migration.steps for sql in (*step.up, *step.down)]
    return any("postgresql." in (alembic_call(sql) or "") for sql in sqls)


def render_alembic(
    plan: Plan,
    *,
    head: str | None = None,
    now: datetime | None = None,
    revisions: list[str] | None = None,
    file_template: str | None = None,
) -> list[RenderedFile]:
    """Files named as `file_template` says (Alembic's default: <rev>_<name>.py), each with its
    <file name>_README.md, paths relative to the version folder."""
    env = environment("alembic")
    env.filters.update(
        mysql_line=mysql_line, sqltext=sqltext, alembic_call=alembic_call, pystr=lambda s: repr(str(s)), pyrepr=repr
    )
    env.globals["uses_dialect_types"] = uses_dialect_types
    revs = revisions or [uuid.uuid4().hex[-12:] for _ in plan.migrations]
    when = (now or datetime.now(UTC)).replace(microsecond=0, tzinfo=None)
    created = when.isoformat(sep=" ")
    bases = [alembic_file_name(file_template, rev, m.name, when) for rev, m in zip(revs, plan.migrations, strict=True)]
    downs = [head, *revs[:-1]]
    files: list[RenderedFile] = []
    for index, base in enumerate(bases):
        context = migration_context(
            plan,
            index,
            bases,
            ".py",
            revision=revs[index],
            down_revision=downs[index],
            created=created,
            run_up=f"alembic upgrade {revs[index]}",
            run_down=f"alembic downgrade {downs[index] or 'base'}",
        )
        template = "revision.py.j2" if plan.target.is_postgresql else "revision_mysql.py.j2"
        files.append(RenderedFile(path=f"{base}.py", content=env.get_template(template).render(context)))
        files.append(readme(env, context))
    return files
