"""Alembic output: one revision file per migration, chained from the repository's current head.

Each revision runs the plan's SQL through op.execute(sa.text(...)): the exact statements the
engine's tests prove on PostgreSQL, with colons escaped for sa.text. Non-transactional
migrations run inside op.get_context().autocommit_block(). A README per revision says how to
run, check and roll it back.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from ..model import Plan
from .context import migration_context, readme
from .files import RenderedFile
from .templating import environment

_BIND = re.compile(r"(?<![:\w\\]):(?=\w)")  # what sa.text() would take for a bind parameter


def sqltext(sql: str, indent: int = 0) -> str:
    """A Python literal for sa.text(): colons escaped, triple-quoted (raw) when multi-line."""
    escaped = _BIND.sub(r"\\:", sql.rstrip().rstrip(";"))
    if "\n" not in escaped or '"""' in escaped or escaped.endswith("\\"):
        return repr(escaped)
    return 'r"""\n' + escaped + "\n" + " " * indent + '"""'


def render_alembic(
    plan: Plan,
    *,
    head: str | None = None,
    now: datetime | None = None,
    revisions: list[str] | None = None,
) -> list[RenderedFile]:
    """Files named <rev>_<name>.py (and <rev>_<name>_README.md), paths relative to versions/."""
    env = environment("alembic")
    env.filters.update(sqltext=sqltext, pystr=lambda s: repr(str(s)), pyrepr=repr)
    revs = revisions or [uuid.uuid4().hex[-12:] for _ in plan.migrations]
    created = (now or datetime.now(UTC)).replace(microsecond=0, tzinfo=None).isoformat(sep=" ")
    bases = [f"{rev}_{m.name}" for rev, m in zip(revs, plan.migrations, strict=True)]
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
        files.append(RenderedFile(path=f"{base}.py", content=env.get_template("revision.py.j2").render(context)))
        files.append(readme(env, context))
    return files
