"""Flyway: V<version>__<desc>.sql, U (undo), R__ (repeatable), in the locations flyway.conf /
flyway.toml, Spring Boot (spring.flyway.locations), the Maven or Gradle plugin or configuration code
give (classpath: from the resource roots, filesystem:, {vendor}), else the usual folders. Every file
in a location that is not a migration is reported."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from ..naming import NAME, next_version, version_key
from .jvm import Resolver, Setting, describe, module_of, properties
from .jvm import settings as jvm_settings
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_FILE = re.compile(r"([VUR])(\d+(?:[._]\d+)*)?__(.+)\.sql")
# SQL callbacks (beforeMigrate.sql, afterEachMigrate__log.sql ...) and per-script .conf files
_CALLBACK = re.compile(r"(before|after|create)[A-Z]\w*(__.+)?\.sql|.+\.sql\.conf")
_URL = re.compile(r"jdbc:(\w+):")
_DEFAULT_FOLDERS = ("db/migration", "src/main/resources/db/migration", "sql")


@dataclass
class _Set:
    """The locations one configuration gives Flyway: it reads them as one set of migrations."""

    source: str
    folders: list[str]
    dialects: dict[str, str | None]  # per folder: a {vendor} folder's vendor, else the URL's database


def _conf_settings(repo: Repo, problems: list[Problem]) -> list[Setting]:
    """flyway.locations (and the url beside it) of flyway.conf / flyway.toml files: [flyway] and
    each [environments.<name>.flyway]."""
    out: list[Setting] = []
    for path in repo.files:
        name = basename(path)
        if not name.startswith("flyway") or not name.endswith((".conf", ".toml")):
            continue
        text = repo.text(path)
        if text is None:
            continue
        if name.endswith(".conf"):
            pairs = {k: (v, n) for k, v, n in properties(text)}
            url = pairs.get("flyway.url", ("", None))[0] or None
            if "flyway.locations" in pairs:
                value, line = pairs["flyway.locations"]
                values = tuple(v.strip() for v in value.split(",") if v.strip())
                out.append(Setting(values, path, "flyway.locations", line, url))
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(severity="error", code="malformed", message=str(exc), path=path))
            continue
        envs = data.get("environments", {})
        envs = envs if isinstance(envs, dict) else {}
        urls = [e["url"] for e in envs.values() if isinstance(e, dict) and isinstance(e.get("url"), str)]
        flyway = data.get("flyway", {})
        flyway = flyway if isinstance(flyway, dict) else {}
        default_env = flyway.get("environment", "default")
        scopes: list[tuple[str, Any, Any]] = [
            ("[flyway] locations", flyway, envs.get(default_env) if isinstance(envs, dict) else None)
        ]
        scopes += [
            (f"[environments.{n}.flyway] locations", e.get("flyway"), e)
            for n, e in envs.items()
            if isinstance(e, dict) and isinstance(e.get("flyway"), dict)
        ]
        for key, scope, env in scopes:
            if not isinstance(scope, dict) or "locations" not in scope:
                continue
            locations = scope["locations"]
            values = (locations,) if isinstance(locations, str) else tuple(str(v) for v in locations)
            url = env.get("url") if isinstance(env, dict) and isinstance(env.get("url"), str) else None
            out.append(Setting(values, path, key, None, url or (urls[0] if urls else None)))
    return out


def _sets(repo: Repo) -> list[_Set]:
    """Every configured location set, resolved; `{vendor}` gives one set per vendor folder. What
    cannot be resolved is a problem of the repository (the config file, and why)."""
    problems: list[Problem] = []
    settings = _conf_settings(repo, problems)
    settings += jvm_settings(repo).locations
    repo.problems.extend(problems)
    resolver = Resolver(repo)
    out: list[_Set] = []
    for s in settings:
        m = _URL.search(s.url or "")
        fixed: list[str] = []
        vendors: dict[str, list[str]] = {}
        for value in s.values:
            found, why = resolver.folders(value, s.source)
            if why:
                repo.problems.append(
                    Problem(
                        severity="warning",
                        code="unresolved_location",
                        message=f"{describe(s)}: Flyway location {why}",
                        path=s.source,
                    )
                )
            for folder, vendor in found:
                if vendor is None:
                    fixed.append(folder)
                else:
                    vendors.setdefault(vendor, []).append(folder)
        url = m.group(1) if m else None
        vendors = {v: [f for f in fs if f not in fixed] for v, fs in vendors.items()}  # common is no vendor
        groups: dict[str | None, list[str]] = {v: fixed + fs for v, fs in vendors.items() if fs} or {None: fixed}
        for vendor, folders in groups.items():
            # Flyway discards a location inside another one of the same set
            kept = [f for f in dict.fromkeys(folders) if not any(f.startswith(o + "/") for o in folders if o != f)]
            if kept:
                out.append(_Set(s.source, kept, {f: vendor if f not in fixed else url for f in kept}))
    return out


def find(repo: Repo) -> list[FrameworkFindings]:
    sets = _sets(repo)
    configured = {module_of(s.source) for s in sets}
    defaults = [
        f
        for f in {dirname(p) for p in repo.files if _FILE.fullmatch(basename(p))}
        if (f == "sql" or any(f == d or f.endswith("/" + d) for d in _DEFAULT_FOLDERS))
        and module_of(f + "/x") not in configured
        and not (f == "sql" and "." in configured)
    ]
    sets += [_Set("", [f], {f: None}) for f in sorted(defaults)]
    owner: dict[str, _Set] = {}
    for s in sets:
        for folder in s.folders:
            owner.setdefault(folder, s)
    out = []
    for folder, s in sorted(owner.items()):
        files = [p for p in repo.under(folder) if _FILE.fullmatch(basename(p))]
        if not files and not s.source:
            continue
        # the other folders Flyway reads with this one: versions are shared across them
        others = sorted({o for t in sets if folder in t.folders for o in t.folders if o != folder})
        out.append(_read(repo, folder, files, s.source or None, s.dialects[folder], others))
    return out


def _versions(repo: Repo, folder: str) -> dict[tuple[int, ...], str]:
    out: dict[tuple[int, ...], str] = {}
    for path in repo.under(folder):
        m = _FILE.fullmatch(basename(path))
        if m and m.group(1) == "V" and m.group(2):
            out.setdefault(version_key(m.group(2)), path)
    return out


def _strays(repo: Repo, folder: str) -> list[Problem]:
    """Every file in a location that Flyway will not run as a migration, and why."""
    problems = []
    files = set(repo.under(folder))
    for path in sorted(files):
        name = basename(path)
        if _FILE.fullmatch(name) or _CALLBACK.fullmatch(name):
            continue
        if name.endswith("_README.md") and path.removesuffix("_README.md") + ".sql" in files:
            continue  # a migration's README (render writes one beside each)
        if name.lower().endswith(".sql"):
            why = (
                "an SQL file Flyway ignores: not V<version>__<description>.sql, U<version>__ or R__"
                " (prefixes are upper case, two underscores before the description)"
            )
            problems.append(Problem(severity="error", code="not_a_migration", message=why, path=path))
        else:
            problems.append(
                Problem(
                    severity="warning",
                    code="not_a_migration",
                    message="not an .sql file: Flyway does not run it from this location",
                    path=path,
                )
            )
    return problems


def _read(
    repo: Repo, folder: str, files: list[str], config: str | None, dialect: str | None, others: list[str]
) -> FrameworkFindings:
    problems: list[Problem] = _strays(repo, folder)
    shared: dict[tuple[int, ...], str] = {}
    for other in others:
        for key, path in _versions(repo, other).items():
            shared.setdefault(key, path)
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
        if key in shared and not shared[key].startswith(folder.rstrip("/") + "/"):
            problems.append(
                Problem(
                    severity="error",
                    code="duplicate_id",
                    message=f"version {version} is also {shared[key]}, in a location Flyway reads with this one",
                    path=path,
                )
            )
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
    nxt = next_version([*(e.id for e in ordered), *(".".join(map(str, k)) for k in shared)])
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
