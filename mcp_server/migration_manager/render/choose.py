"""Which format and folder a rendering goes to: what the caller asked, else what the repository
already uses (find_migrations), so new files fit in after the existing ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, get_args

from ..discover import RepoMigrations
from ..discover.rails_names import Inflections, inflections_on_disk
from ..errors import InputError
from ..model import Plan
from .alembic import render_alembic
from .django import render_django
from .django_deps import AppTables, dependencies, read_app
from .django_state import Model, derive_state, read_models
from .files import RenderedFile
from .flyway import render_flyway
from .liquibase import render_liquibase
from .liquibase_master import Master, includes, read_master
from .liquibase_master import notes as master_notes
from .rails import camelize, render_rails
from .sql import render_sql
from .statement_files import render_dbmate, render_diesel, render_golang_migrate

Format = Literal[
    "auto", "sql", "alembic", "liquibase", "rails", "flyway", "dbmate", "golang-migrate", "diesel", "django"
]
Concrete = Literal["sql", "alembic", "liquibase", "rails", "flyway", "dbmate", "golang-migrate", "diesel", "django"]
SUPPORTED: tuple[str, ...] = get_args(Concrete)
_RAILS_VERSION = re.compile(r"ActiveRecord::Migration\[(\d+\.\d+)\]")


@dataclass
class Destination:
    format: Concrete
    folder: str  # relative to the root
    head: str | None = None  # Alembic: the revision the first new one follows
    file_template: str | None = None  # Alembic: how the repository names revision files
    after: datetime | None = None  # SQL, Rails: the first file is numbered after the newest one there
    rails_version: str = "6.1"  # Rails: ActiveRecord::Migration[x.y] as the repository writes it
    taken: frozenset[str] = frozenset()  # Rails: class names the repository's migrations use
    inflections: Inflections | None = None  # Rails: the app's acronyms (inflections.rb), for class names
    schema_rb: bool = True  # Rails: the schema is dumped as db/schema.rb (no db/structure.sql beside the folder)
    safety_assured: bool = False  # Rails: the application runs strong_migrations (up and down go in safety_assured)
    version: str = "1"  # Flyway, golang-migrate, Django: the first new version (number)
    app: str = ""  # Django: the app label
    diesel_v2: bool = True  # Diesel: folders named as diesel_cli 2.x does (False: the repository's newest is 1.x)
    master: Master | None = None  # Liquibase: how the master changelog takes the new files
    models: dict[str, Model] | None = None  # Django: table -> model, read from the app's models
    own_tables: frozenset[str] = frozenset()  # Django: the tables the app's migrations create
    other_apps: tuple[AppTables, ...] = ()  # Django: the repository's other apps and the tables they create
    notes: tuple[str, ...] = ()  # what the caller must know about this choice (a first migration)


# How the caller names the choices, for error messages: the MCP tool's parameters by default;
# the CLI passes CLI_NAMES so that its messages name its own flags.
MCP_NAMES = {"out_dir": "out_dir", "format": "format", "overwrite": "overwrite", "write": "write=true"}
CLI_NAMES = {"out_dir": "--out", "format": "--format", "overwrite": "--overwrite", "write": "--write"}


def choose(
    found: RepoMigrations, fmt: Format, out_dir: str | None, *, names: dict[str, str] = MCP_NAMES
) -> Destination:
    usable = [f for f in found.frameworks if f.framework in SUPPORTED]
    if out_dir is not None:
        usable = [f for f in usable if f.folder == out_dir.strip("/") or (out_dir in (".", "") and f.folder == ".")]
    if fmt != "auto":
        usable = [f for f in usable if f.framework == fmt]
    if len(usable) > 1:
        raise InputError(
            "the repository has several migration folders that could take these files: "
            + ", ".join(f"{f.framework} in {f.folder}" for f in usable)
            + f"; give {names['out_dir']} (and {names['format']}) to choose one"
        )
    if not usable:
        chosen: Concrete = "sql" if fmt == "auto" else fmt
        if chosen in ("alembic", "rails", "django"):
            raise InputError(f"no {chosen} migrations folder found under the root; give {names['out_dir']} of one")
        if out_dir is not None:
            return Destination(chosen, out_dir)
        return _first(found, chosen, names)
    f = usable[0]
    if f.framework == "alembic":
        if len(f.heads) > 1:
            raise InputError(
                f"{f.folder} has {len(f.heads)} Alembic heads ({', '.join(f.heads)}): merge them first "
                "(alembic merge), then render"
            )
        return Destination("alembic", f.folder, head=f.heads[0] if f.heads else None, file_template=f.file_template)
    if f.framework == "rails":
        version = "6.1"
        if f.migrations:
            try:
                text = (Path(found.root) / f.migrations[-1].path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            m = _RAILS_VERSION.search(text)
            version = m.group(1) if m else version
        acronyms = inflections_on_disk(Path(found.root), f.folder)
        taken = frozenset(camelize(m.name, acronyms) for m in f.migrations)
        return Destination(
            "rails",
            f.folder,
            after=datetime.strptime(f.next_id, "%Y%m%d%H%M%S"),
            rails_version=version,
            taken=taken,
            inflections=acronyms,
            schema_rb=not (Path(found.root) / f.folder).parent.joinpath("structure.sql").is_file(),
            safety_assured="strong_migrations" in f.checked_by,
        )
    if f.framework == "flyway":
        return Destination("flyway", f.folder, version=f.next_id)
    if f.framework == "django":
        if len(f.heads) > 1:
            raise InputError(
                f"{f.folder} has {len(f.heads)} leaf migrations ({', '.join(f.heads)}): "
                "run `manage.py makemigrations --merge` first, then render"
            )
        app_dir = Path(f.folder).parent
        naming = re.match(r"NNNN_name\.py in (\w+)/", f.naming)  # the app label find read (apps.py)
        app = naming.group(1) if naming else app_dir.name
        models = read_models(Path(found.root), app_dir.as_posix(), app)
        head = f.heads[0] if f.heads else None
        root = Path(found.root)
        others = tuple(read_app(root, o) for o in found.frameworks if o.framework == "django" and o.folder != f.folder)
        return Destination(
            "django",
            f.folder,
            head=head,
            version=f.next_id,
            app=app,
            models=models,
            own_tables=read_app(root, f).tables,
            other_apps=others,
        )
    if f.framework == "golang-migrate":
        return Destination("golang-migrate", f.folder, version=f.next_id)
    if f.framework == "dbmate":
        return Destination("dbmate", f.folder, after=datetime.strptime(f.next_id, "%Y%m%d%H%M%S"))
    if f.framework == "diesel":
        after = datetime.strptime(f.next_id[:17], "%Y-%m-%d-%H%M%S")
        return Destination("diesel", f.folder, after=after, diesel_v2=len(f.next_id) > 17)
    if f.framework == "liquibase":  # beside the newest changelog; the master's entry for it: placement()
        newest = (f.migrations[-1].path.rpartition("/")[0] if f.migrations else f.folder) or "."
        changelogs = {m.path for m in f.migrations}
        # the changelog that includes the newest one takes the new files' includes too: a nested one
        # (fineract's tenant/changelog-tenant.xml, included under a context) rather than the root master
        includer = (f.migrations[-1].included_from if f.migrations else None) or f.config
        master = read_master(Path(found.root), includer, newest, changelogs)
        return Destination("liquibase", newest, master=master)
    return Destination("sql", f.folder, after=datetime.strptime(f.next_id, "%Y%m%d%H%M%S"))


# Where a first migration goes when the repository has none of that kind (and no out_dir is given):
# the folder each tool looks in by default, else the common one; never the repository's root.
FIRST_FOLDERS: dict[str, str] = {
    "sql": "db/migrations",
    "dbmate": "db/migrations",
    "golang-migrate": "db/migrations",
    "flyway": "db/migration",
    "liquibase": "db/changelog",
    "diesel": "migrations",
}


def _first(found: RepoMigrations, fmt: Concrete, names: dict[str, str]) -> Destination:
    folder = FIRST_FOLDERS[fmt]
    if found.frameworks:
        held = ", ".join(sorted({f"{f.framework} in {f.folder}" for f in found.frameworks}))
        why = f"the repository has no {fmt} migrations (it has {held})"
    else:
        why = "the repository has no migrations yet: these are its first"
    run = {
        "sql": "apply each up file in name order as its README says; plain SQL files record nothing, so keep "
        "track of which have run (or adopt a migration tool)",
        "liquibase": f"create a master changelog in {folder}/ that includes them (changelog_includes)",
        "flyway": f"point Flyway's locations at filesystem:{folder}",
    }.get(fmt, f"run them with {fmt} from the repository's root")
    note = f"{why}; they go in {folder}/ (give {names['out_dir']} for another folder): {run}"
    return Destination(fmt, folder, master=Master(path="") if fmt == "liquibase" else None, notes=(note,))


def placement(destination: Destination, files: list[RenderedFile], folder: Path) -> tuple[list[str], list[str]]:
    """What the repository needs besides the files: (the entries to add to the Liquibase master
    changelog, exactly as they are, in order; notes for the user). `folder`: where the files go."""
    notes = list(destination.notes)
    if destination.format != "liquibase":
        return [], notes
    master = destination.master or Master(path="")
    paths = [f.path for f in files]
    return includes(master, paths), notes + master_notes(master, paths, folder)


def render(
    plan: Plan, destination: Destination, now: datetime | None = None, *, names: dict[str, str] = MCP_NAMES
) -> list[RenderedFile]:
    """Files with paths relative to the destination folder."""
    if not plan.target.is_postgresql and destination.format not in ("sql", "alembic", "liquibase", "rails", "flyway"):
        raise InputError(
            f"{plan.target.label} plans render as SQL, Alembic, Liquibase, Rails or Flyway files so far, not "
            f"{destination.format}; give {names['format']} 'sql' and wrap the files in your framework "
            "(each README says how)"
        )
    if destination.format == "alembic":
        return render_alembic(plan, head=destination.head, now=now, file_template=destination.file_template)
    if destination.format == "liquibase":
        return render_liquibase(plan, now, destination.master)
    if destination.format == "flyway":
        return render_flyway(plan, first_version=destination.version)
    if destination.format == "django":
        return render_django(
            plan,
            app=destination.app,
            head=destination.head,
            first_number=destination.version,
            models=destination.models,
            own_tables=destination.own_tables,
            other_apps=destination.other_apps,
        )
    if destination.format == "dbmate":
        return render_dbmate(plan, now or destination.after)
    if destination.format == "diesel":
        return render_diesel(plan, now or destination.after, v2=destination.diesel_v2)
    if destination.format == "golang-migrate":
        return render_golang_migrate(plan, first_version=destination.version if destination.version != "1" else None)
    if destination.format == "rails":
        return render_rails(
            plan,
            now or destination.after,
            rails_version=destination.rails_version,
            taken=destination.taken,
            safety_assured=destination.safety_assured,
            names=destination.inflections,
            schema_rb=destination.schema_rb,
        )
    return render_sql(plan, now or destination.after)


def state_notes(plan: Plan, destination: Destination) -> list[str]:
    """Django: what the rendering could not tell Django's model state, and the foreign keys to tables
    of apps it could not order the migration after (each file says it too)."""
    if destination.format != "django":
        return []
    notes = derive_state(plan, destination.models or {}, destination.app).notes
    _, unordered = dependencies(plan.migrations, destination.app, destination.own_tables, destination.other_apps)
    return [f"Django model state not derived: {note}" for index in sorted(notes) for note in notes[index]] + [
        f"Django dependencies: {note}" for index in sorted(unordered) for note in unordered[index]
    ]
