"""Flyway: V<version>__<desc>.sql, U (undo), R__ (repeatable), in flyway.conf / flyway.toml locations
or the usual folders."""

from __future__ import annotations

import re
import tomllib
from pathlib import PurePosixPath

from ..naming import NAME, next_version, version_key
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_FILE = re.compile(r"([VUR])(\d+(?:[._]\d+)*)?__(.+)\.sql")
_URL = re.compile(r"jdbc:(\w+):")
_DEFAULT_FOLDERS = ("db/migration", "src/main/resources/db/migration", "sql")


def _config(repo: Repo) -> tuple[str | None, list[str], str | None]:
    """(config file, locations, dialect) from flyway.conf or flyway.toml, if any."""
    for path in repo.files:
        name = basename(path)
        text = repo.text(path) if name in ("flyway.conf", "flyway.toml") else None
        if text is None:
            continue
        here = PurePosixPath(path).parent
        locations: list[str] = []
        url = None
        if name == "flyway.conf":
            for line in text.splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "flyway.locations":
                    locations = [v.strip() for v in value.split(",") if v.strip()]
                elif key.strip() == "flyway.url":
                    url = value.strip()
        else:
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                repo.problems.append(Problem(severity="error", code="malformed", message=str(exc), path=path))
                continue
            flyway = data.get("flyway", {})
            locations = list(flyway.get("locations", [])) if isinstance(flyway, dict) else []
            for env in data.get("environments", {}).values():
                if isinstance(env, dict) and isinstance(env.get("url"), str):
                    url = env["url"]
        folders = []
        for loc in locations:
            kind, _, where = loc.partition(":") if ":" in loc else ("filesystem", "", loc)
            if kind == "classpath":
                folders.append(f"src/main/resources/{where}".rstrip("/"))
            else:
                folders.append(str(here / where) if str(here) != "." else where)
        m = _URL.search(url or "")
        return path, folders, m.group(1) if m else None
    return None, [], None


def find(repo: Repo) -> list[FrameworkFindings]:
    config, locations, dialect = _config(repo)
    folders = locations or [
        f
        for f in {dirname(p) for p in repo.files if _FILE.fullmatch(basename(p))}
        if f == "sql" or any(f == d or f.endswith("/" + d) for d in _DEFAULT_FOLDERS)
    ]
    out = []
    for folder in sorted(set(folders)):
        files = [p for p in repo.under(folder) if _FILE.fullmatch(basename(p))]
        if files or locations:
            out.append(_read(repo, folder, files, config if locations else None, dialect))
    return out


def _read(repo: Repo, folder: str, files: list[str], config: str | None, dialect: str | None) -> FrameworkFindings:
    problems: list[Problem] = []
    versioned: dict[tuple[int, ...], MigrationEntry] = {}
    undo: dict[tuple[int, ...], str] = {}
    repeatable: list[MigrationEntry] = []
    for path in files:
        m = _FILE.fullmatch(basename(path))
        assert m is not None
        prefix, version, desc = m.groups()
        if prefix == "R":
            repeatable.append(MigrationEntry(id=f"R__{desc}", name=desc, path=path, kind="repeatable"))
            continue
        if version is None:
            problems.append(
                Problem(severity="error", code="malformed", message=f"{prefix} file without a version", path=path)
            )
            continue
        key = version_key(version)
        if prefix == "U":
            undo[key] = path
            continue
        if key in versioned:
            problems.append(
                Problem(
                    severity="error",
                    code="duplicate_id",
                    message=f"version {version} is also {versioned[key].path}",
                    path=path,
                )
            )
            continue
        versioned[key] = MigrationEntry(id=version, name=desc, path=path, kind="versioned")
    for key, path in undo.items():
        if key not in versioned:
            problems.append(
                Problem(
                    severity="error",
                    code="orphan_undo",
                    message="undo script with no versioned migration of that version",
                    path=path,
                )
            )
    ordered = [
        versioned[k].model_copy(update={"down_path": undo.get(k), "has_down": k in undo}) for k in sorted(versioned)
    ]
    nxt = next_version(e.id for e in ordered)
    return FrameworkFindings(
        framework="flyway",
        folder=folder,
        config=config,
        migrations=ordered + sorted(repeatable, key=lambda e: e.id),
        heads=[ordered[-1].id] if ordered else [],
        dialect=dialect,
        naming="V<version>__<description>.sql (U<version>__ undo, R__ repeatable); versions compare as numbers",
        next_id=nxt,
        next_file=f"{folder}/V{nxt}__{NAME}.sql",
        problems=problems,
    )
