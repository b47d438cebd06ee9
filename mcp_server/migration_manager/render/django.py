"""Django output: <app>/migrations/NNNN_name.py per migration, depending on the app's current
leaf. A transactional migration is one migrations.RunSQL whose statements sit in the lock-retry
block (lock_retry.py; one block, so a retry never sleeps holding an earlier step's locks), with
the down statements in the plan's down order in reverse_sql. A migration that must run outside a
transaction says `atomic = False` and has one RunSQL(sql=[...], reverse_sql=[...]) per step
(Django reverses the operations and runs each reverse_sql list in order). A README per migration."""

from __future__ import annotations

from ..model import Plan
from .context import migration_context, readme
from .files import RenderedFile
from .templating import environment


def pysql(sql: str, indent: int = 0) -> str:
    """A Python literal for one SQL statement: raw triple-quoted when it spans lines."""
    text = sql.rstrip().rstrip(";")
    if "\n" not in text or '"""' in text or text.endswith("\\"):
        return repr(text)
    return 'r"""\n' + text + "\n" + " " * indent + '"""'


def render_django(plan: Plan, *, app: str, head: str | None, first_number: str = "0001") -> list[RenderedFile]:
    env = environment("django")
    env.filters.update(pysql=pysql, pyrepr=repr)
    start = int(first_number)
    width = max(4, len(first_number))
    bases = [f"{str(start + i).zfill(width)}_{m.name}" for i, m in enumerate(plan.migrations)]
    dependencies = [head, *bases[:-1]]
    files: list[RenderedFile] = []
    for index, base in enumerate(bases):
        context = migration_context(
            plan,
            index,
            bases,
            ".py",
            app=app,
            dependency=dependencies[index],
            run_up=f"python manage.py migrate {app} {base}",
            run_down=f"python manage.py migrate {app} {dependencies[index] or 'zero'}",
        )
        files.append(RenderedFile(path=f"{base}.py", content=env.get_template("migration.py.j2").render(context)))
        files.append(readme(env, context))
    return files
