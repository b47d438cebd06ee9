"""Rails: db/migrate/YYYYMMDDHHMMSS_name.rb (and db/<name>_migrate for other databases)."""

from __future__ import annotations

import re

from ..dialect_hints import rails_adapter
from ..naming import NAME, in_the_future, next_timestamp
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_FILE = re.compile(r"(\d{14})_([a-z0-9_]+)\.rb")
_PATH = re.compile(r"(^|/)db/(\w+_)?migrate/\d{14}_[a-z0-9_]+\.rb$")
_CLASS = re.compile(r"^\s*class\s+([A-Z]\w*)\s*<\s*ActiveRecord::Migration", re.M)
_SCHEMA_VERSION = re.compile(r"ActiveRecord::Schema(?:\[[\d.]+\])?\.define\(version:\s*([\d_]+)\)")
_STRUCTURE_VERSION = re.compile(r"\('(\d{14})'\)")


def camelize(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def find(repo: Repo) -> list[FrameworkFindings]:
    folders = sorted({dirname(p) for p in repo.files if _PATH.search(p)})
    if not folders:
        return []
    dialect = None
    for path in repo.files:
        if path.endswith("config/database.yml"):
            dialect = rails_adapter(repo.text(path) or "") or dialect
    return [_read(repo, folder, dialect) for folder in folders]


def _read(repo: Repo, folder: str, dialect: str | None) -> FrameworkFindings:
    problems: list[Problem] = []
    entries: list[MigrationEntry] = []
    seen: dict[str, str] = {}
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
            elif cls.group(1) != camelize(name):
                problems.append(
                    Problem(
                        severity="error",
                        code="class_name",
                        message=f"class {cls.group(1)} does not match the file name (Rails expects {camelize(name)})",
                        path=path,
                    )
                )
            has_down = bool(re.search(r"^\s*def\s+(down|change)\b", text, re.M))
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
