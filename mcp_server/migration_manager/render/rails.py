"""Rails (ActiveRecord) output: db/migrate/YYYYMMDDHHMMSS_name.rb per migration.

`up`/`down` run the plan's SQL with `execute <<~'MM_SQL'` heredocs (single-quoted: nothing is
interpolated); a migration that must run outside a transaction says `disable_ddl_transaction!`.
The Migration[x.y] version is the repository's. A README per migration.
"""

from __future__ import annotations

from datetime import datetime

from ..model import Plan
from .files import RenderedFile
from .sql import stamps, statement_timeout
from .templating import environment


def camelize(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def heredoc(sql: str) -> str:
    lines = sql.rstrip().rstrip(";").splitlines()
    if any(line.strip() == "MM_SQL" for line in lines):
        raise ValueError("SQL contains the heredoc terminator MM_SQL")
    return "\n".join(("      " + line) if line.strip() else "" for line in lines)


def rbcomment(text: str) -> str:
    return "\n".join(f"# {line}" for line in text.splitlines())


def render_rails(
    plan: Plan, now: datetime | None = None, *, rails_version: str = "6.1", taken: frozenset[str] = frozenset()
) -> list[RenderedFile]:
    """`taken`: class names already used by the repository's migrations (Rails refuses duplicates)."""
    env = environment("rails")
    env.filters.update(heredoc=heredoc, rbcomment=rbcomment)
    bases = [f"{stamp}_{m.name}" for stamp, m in zip(stamps(plan, now), plan.migrations, strict=True)]
    files: list[RenderedFile] = []
    for index, (base, migration) in enumerate(zip(bases, plan.migrations, strict=True)):
        stamp, name = base.split("_", 1)
        class_name = camelize(name)
        if class_name in taken:
            name, class_name = f"{name}_{stamp}", camelize(f"{name}_{stamp}")
            base = f"{stamp}_{name}"
            bases[index] = base
        context = {
            "plan": plan,
            "migration": migration,
            "index": index + 1,
            "count": len(plan.migrations),
            "base": base,
            "names": bases,
            "files": [f"{b}.rb" for b in bases],
            "readme": f"{base}_README.md",
            "class_name": class_name,
            "rails_version": rails_version,
            "statement_timeout": statement_timeout(plan, migration),
            "run_up": f"bin/rails db:migrate:up VERSION={stamp}",
            "run_down": f"bin/rails db:migrate:down VERSION={stamp}",
        }
        files.append(RenderedFile(path=f"{base}.rb", content=env.get_template("migration.rb.j2").render(context)))
        files.append(RenderedFile(path=f"{base}_README.md", content=env.get_template("README.md.j2").render(context)))
    return files
