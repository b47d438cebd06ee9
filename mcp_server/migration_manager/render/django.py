"""Django output: <app>/migrations/NNNN_name.py per migration, depending on the app's current
leaf. A transactional migration is one migrations.RunSQL whose statements sit in the lock-retry
block (lock_retry.py; one block, so a retry never sleeps holding an earlier step's locks), with
the down statements in the plan's down order in reverse_sql. A migration that must run outside a
transaction says `atomic = False` and has one RunSQL(sql=[...], reverse_sql=[...]) per step
(Django reverses the operations and runs each reverse_sql list in order). A README per migration.

Django's model state must learn what the SQL did, or the next `makemigrations` writes it again:
where django_state.py can derive the state operation (AddIndex, AddField, ...), the RunSQL go in
SeparateDatabaseAndState(database_operations=[...], state_operations=[...]); where it cannot (an
unknown model, a type or default Django cannot state exactly), the file and its README say so.
(AddIndexConcurrently would lose the plan's recovery of an INVALID index and its lock settings.)"""

from __future__ import annotations

from ..model import Plan
from .context import migration_context, readme
from .django_deps import AppTables, dependencies
from .django_state import Model, derive_state, describe
from .files import RenderedFile
from .templating import environment


def pysql(sql: str, indent: int = 0) -> str:
    """A Python literal for one SQL statement: raw triple-quoted when it spans lines."""
    text = sql.rstrip().rstrip(";")
    if "\n" not in text or '"""' in text or text.endswith("\\"):
        return repr(text)
    return 'r"""\n' + text + "\n" + " " * indent + '"""'


def render_django(
    plan: Plan,
    *,
    app: str,
    head: str | None,
    first_number: str = "0001",
    models: dict[str, Model] | None = None,
    own_tables: frozenset[str] = frozenset(),
    other_apps: tuple[AppTables, ...] = (),
) -> list[RenderedFile]:
    """`models`: table -> model of the app (django_state.read_models); None or {}: none known.
    `own_tables`, `other_apps`: the tables this app's and the other apps' migrations create, so that
    a migration referencing another app's table depends on that app's latest migration."""
    env = environment("django")
    state = derive_state(plan, models or {}, app)
    cross, unordered = dependencies(plan.migrations, app, own_tables, other_apps)
    env.filters.update(pysql=pysql, pyrepr=repr)
    start = int(first_number)
    width = max(4, len(first_number))
    bases = [f"{str(start + i).zfill(width)}_{m.name}" for i, m in enumerate(plan.migrations)]
    previous = [head, *bases[:-1]]
    files: list[RenderedFile] = []
    for index, base in enumerate(bases):
        context = migration_context(
            plan,
            index,
            bases,
            ".py",
            app=app,
            dependency=previous[index],
            dependency_pairs=[*([(app, previous[index])] if previous[index] else []), *cross.get(index, [])],
            unordered=unordered.get(index, []),
            run_up=f"python manage.py migrate {app} {base}",
            run_down=f"python manage.py migrate {app} {previous[index] or 'zero'}",
            down_refuses="`migrate` stops with IrreversibleError",
            state_ops=state.ops.get(index, []),
            state_notes=state.notes.get(index, []),
            state_imports=sorted(state.imports) if state.ops.get(index) else [],
            state_models=any("models." in op.source for op in state.ops.get(index, [])),
        )
        files.append(RenderedFile(path=f"{base}.py", content=env.get_template("migration.py.j2").render(context)))
        about = readme(env, context)
        section = describe(plan.migrations[index], state.ops.get(index, []), state.notes.get(index, []))
        files.append(RenderedFile(path=about.path, content=about.content.rstrip("\n") + "\n\n" + section))
    return files
