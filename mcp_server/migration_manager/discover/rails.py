"""Rails: db/migrate/YYYYMMDDHHMMSS_name.rb (and db/<name>_migrate for other databases; an engine's
migrations copied by `rails railties:install:migrations` are YYYYMMDDHHMMSS_name.engine.rb)."""

from __future__ import annotations

import re

from ..dialect_hints import rails_adapter
from ..naming import NAME, in_the_future, next_timestamp
from .models import FrameworkFindings, MigrationEntry, Problem
from .rails_names import inflections
from .walk import Repo, basename, dirname

# ActiveRecord's MigrationFilenameRegexp /\A([0-9]+)_([_a-z0-9]*)\.?([_a-z0-9]*)?\.rb\z/: a scope
# (the engine's name) may come before .rb
_FILE = re.compile(r"(\d{14})_([a-z0-9_]+)(?:\.[a-z0-9_]+)?\.rb")
_PATH = re.compile(r"(^|/)db/(\w+_)?migrate/\d{14}_[a-z0-9_]+(\.[a-z0-9_]+)?\.rb$")
_CLASS = re.compile(r"^\s*class\s+([A-Z]\w*)\s*<\s*ActiveRecord::Migration", re.M)
_SCHEMA_VERSION = re.compile(r"ActiveRecord::Schema(?:\[[\d.]+\])?\.define\(version:\s*([\d_]+)\)")
_STRUCTURE_VERSION = re.compile(r"\('(\d{14})'\)")
# strong_migrations raises StrongMigrations::UnsafeMigration on `execute` and on callable defaults
# unless they sit in safety_assured: the Gemfile's `gem "strong_migrations"`, or the lock's entry.
_CHECKERS = ("strong_migrations",)
_GEMFILE = re.compile(r"^\s*gem\s*\(?\s*['\"](strong_migrations)['\"]", re.M)
_LOCKED = re.compile(r"^\s{2,4}(strong_migrations)(?:\s|\(|!|$)", re.M)


def find(repo: Repo) -> list[FrameworkFindings]:
    folders = sorted({dirname(p) for p in repo.files if _PATH.search(p)})
    if not folders:
        return []
    dialect = None
    for path in repo.files:
        if path.endswith("config/database.yml"):
            dialect = rails_adapter(repo.text(path) or "") or dialect
    found = [_read(repo, folder, dialect) for folder in folders]
    for f in found:
        f.checked_by = checked_by(repo, f.folder)
    return found


def checked_by(repo: Repo, folder: str) -> list[str]:
    """The migration-checking gems of the application that `folder` (…/db/migrate) belongs to: its
    Gemfile or Gemfile.lock beside db/, else in a folder above (a monorepo's shared Gemfile)."""
    app = dirname(dirname(folder))
    while True:
        prefix = "" if app == "." else app + "/"
        named: set[str] = set()
        for name, pattern in (("Gemfile", _GEMFILE), ("Gemfile.lock", _LOCKED)):
            if prefix + name in repo.files:
                named.update(pattern.findall(repo.text(prefix + name) or ""))
        if named or any(prefix + name in repo.files for name in ("Gemfile", "Gemfile.lock")):
            return [gem for gem in _CHECKERS if gem in named]
        if app == ".":
            return []
        app = dirname(app)


def _read(repo: Repo, folder: str, dialect: str | None) -> FrameworkFindings:
    problems: list[Problem] = []
    entries: list[MigrationEntry] = []
    seen: dict[str, str] = {}
    names = inflections(repo, folder)
    for path in repo.under(folder):
        m = _FILE.fullmatch(basename(path))
        if dirname(path) != folder:
            continue
        if not m:
            if path.endswith(".rb"):
                problems.append(
                    Problem(
                        severity="warning",
                        code="unrecognised_name",
                        message="not named YYYYMMDDHHMMSS_name.rb: Rails will not run it",
                        path=path,
                    )
                )
            continue
        version, name = m.groups()
        text = repo.text(path)
        if version in seen:
            problems.append(
                Problem(
                    severity="error",
                    code="duplicate_id",
                    message=f"version {version} is also {seen[version]}",
                    path=path,
                )
            )
        seen.setdefault(version, path)
        if in_the_future(version):
            problems.append(
                Problem(
                    severity="warning",
                    code="out_of_order",
                    message=f"dated in the future ({version}): migrations made now sort before it",
                    path=path,
                )
            )
        has_down = None
        if text is not None:
            cls = _CLASS.search(text)
            if cls is None:
                problems.append(
                    Problem(
                        severity="error",
                        code="malformed",
                        message="no `class ... < ActiveRecord::Migration`",
                        path=path,
                    )
                )
            elif not names.matches(cls.group(1), name):
                problems.append(
                    Problem(
                        severity="error",
                        code="class_name",
                        message=f"class {cls.group(1)} does not match the file name "
                        f"(Rails expects {names.camelize(name)})",
                        path=path,
                    )
                )
            has_down = bool(re.search(r"^\s*def\s+(self\.)?(down|change)\b", text, re.M))
            if not has_down:
                problems.append(
                    Problem(
                        severity="warning",
                        code="missing_down",
                        message="only `up`: this migration cannot be rolled back",
                        path=path,
                    )
                )
        entries.append(MigrationEntry(id=version, name=name, path=path, has_down=has_down))
    entries.sort(key=lambda e: e.id)
    db = dirname(folder)
    schema_version = _schema_version(repo, db, basename(folder))
    if schema_version and entries and schema_version < entries[-1].id:
        problems.append(
            Problem(
                severity="warning",
                code="schema_behind",
                message=f"the schema file is at version {schema_version}, older than the latest "
                f"migration {entries[-1].id} (not run, or not dumped)",
                path=db,
            )
        )
    stamp = next_timestamp(e.id for e in entries)
    return FrameworkFindings(
        framework="rails",
        folder=folder,
        migrations=entries,
        heads=[entries[-1].id] if entries else [],
        dialect=dialect,
        naming="YYYYMMDDHHMMSS_snake_name.rb, class CamelName < ActiveRecord::Migration[x.y]",
        next_id=stamp,
        next_file=f"{folder}/{stamp}_{NAME}.rb",
        problems=problems,
    )


def _schema_version(repo: Repo, db: str, folder_name: str) -> str | None:
    prefix = "" if folder_name == "migrate" else folder_name.removesuffix("_migrate") + "_"
    schema = f"{db}/{prefix}schema.rb"
    structure = f"{db}/{prefix}structure.sql"
    if schema in repo.files:
        m = _SCHEMA_VERSION.search(repo.text(schema) or "")
        return m.group(1).replace("_", "") if m else None
    if structure in repo.files:
        versions = _STRUCTURE_VERSION.findall(repo.text(structure) or "")
        return max(versions) if versions else None
    return None
