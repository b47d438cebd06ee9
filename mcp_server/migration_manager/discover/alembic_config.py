"""Alembic's configuration as Alembic reads it: alembic.ini (its [alembic] section and the named
sections a CLI picks with --name) or [tool.alembic] in pyproject.toml -> script_location,
version_locations (split as path_separator says), recursive_version_locations, file_template."""

from __future__ import annotations

import configparser
import os
import posixpath
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .models import Problem
from .walk import Repo, basename, dirname

_TEMPLATED = re.compile(r"\{[^{}]*\}|\$\{?\w|%\(\w+\)s")  # {alembic_dir}, ${VAR}, $VAR, %(other)s
_PACKAGE = re.compile(r"([A-Za-z_][\w.]*):([^\\/].*)?")  # myapp.db:migrations (not C:\ or a URL)
# path_separator (version_path_separator before Alembic 1.16) -> what splits version_locations
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
_LEGACY_SPLIT = re.compile(r", *| +")  # no separator configured: Alembic splits on spaces and commas


@dataclass(frozen=True)
class AlembicConfig:
    path: str  # the configuration file, relative to the root; "" when there is none
    script: str  # script_location, relative to the root
    locations: tuple[str, ...]  # the folders revisions are read from, relative to the root
    recursive: bool  # recursive_version_locations: subfolders of each location are read too
    template: str | None  # file_template
    url: str | None  # sqlalchemy.url


def _unresolvable(repo: Repo, config: str, option: str, raw: str, why: str) -> None:
    repo.problems.append(
        Problem(
            severity="warning",
            code="unresolvable",
            message=f"{option} = {raw}: {why}; its migrations are not read from this setting",
            path=config,
        )
    )


def _package_folder(repo: Repo, package: str, sub: str) -> str | None:
    """Where `package` lives in the repository (as importlib.resources would find it once the
    project is installed): the folder `a/b` for `a.b`, at the root or under src/, lib/ and the
    like, that holds `sub`. The one with an __init__.py first, then the shortest path."""
    tail = "/".join(package.split("."))
    candidates = set()
    for f in repo.files:
        parent = dirname(f)
        if parent == tail or parent.endswith("/" + tail):
            candidates.add(parent)
    sub = sub.strip("/")
    found = [c for c in candidates if not sub or repo.under(posixpath.join(c, sub))]
    found.sort(key=lambda c: (f"{c}/__init__.py" not in repo.files, c.count("/"), c))
    return posixpath.normpath(posixpath.join(found[0], sub)) if found else None


def location(repo: Repo, config: str, raw: str, here: str, option: str = "script_location") -> str | None:
    """A folder setting as Alembic resolves it, relative to the root; None (with one problem) when
    it cannot be: a value the application fills in, a package not in the repository, a path
    outside it. `here`: the configuration file's folder (%(here)s)."""
    value = raw.strip()
    has_here = "%(here)s" in value
    value = value.replace("%(here)s", here)
    if _TEMPLATED.search(value):
        _unresolvable(repo, config, option, raw, "a placeholder the application fills in at run time")
        return None
    package = _PACKAGE.fullmatch(value)
    if package and not has_here:
        folder = _package_folder(repo, package.group(1), package.group(2) or "")
        if folder is None:
            _unresolvable(repo, config, option, raw, f"package {package.group(1)} is not in the repository")
        return folder
    if value.startswith("/") or re.match(r"[A-Za-z]:[\\/]", value):
        absolute = Path(value)
        if not absolute.is_relative_to(repo.root):
            _unresolvable(repo, config, option, raw, "an absolute path outside the repository")
            return None
        return absolute.relative_to(repo.root).as_posix()
    inside = repo.inside(value if has_here else posixpath.join(here, value))
    if not has_here and inside is not None and not repo.under(inside):
        from_root = repo.inside(value)  # Alembic reads it from where it runs: maybe the root
        if from_root is not None and repo.under(from_root):
            inside = from_root
    if inside is None:
        _unresolvable(repo, config, option, raw, "a path outside the repository")
    return inside


def split_locations(repo: Repo, config: str, raw: str, separator: str | None) -> list[str]:
    """version_locations cut into folders as Alembic cuts them: on path_separator when one is set,
    else on spaces and commas."""
    if separator is None:
        return [part for part in _LEGACY_SPLIT.split(raw.strip()) if part]
    char = _SEPARATORS.get(separator.strip())
    if char is None:
        repo.problems.append(
            Problem(
                severity="error",
                code="malformed",
                message=f"path_separator = {separator}: Alembic accepts space, newline, os, ':' or ';' and stops "
                "here; version_locations was split on spaces and commas instead",
                path=config,
            )
        )
        return [part for part in _LEGACY_SPLIT.split(raw.strip()) if part]
    return [part.strip() for part in raw.split(char) if part.strip()]


def _locations(repo: Repo, config: str, script: str, raws: list[str], here: str) -> tuple[str, ...]:
    """The version folders: the listed ones (they replace script_location/versions), else versions/."""
    if not raws:
        return (f"{script}/versions" if script not in ("", ".") else "versions",)
    found = [location(repo, config, raw, here, "version_locations") for raw in raws]
    return tuple(dict.fromkeys(f for f in found if f is not None))


def _ini(repo: Repo, ini: str) -> list[AlembicConfig]:
    text = repo.text(ini)
    if text is None:
        return []
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        repo.problems.append(Problem(severity="error", code="malformed", message=f"alembic.ini: {exc}", path=ini))
        return []
    here = dirname(ini)
    # [alembic] first, then the named sections (alembic --name tenant, or a CLI that passes one);
    # a named section takes [alembic]'s file_template when it has none, as such CLIs run it
    sections = sorted(parser.sections(), key=lambda s: s != "alembic")
    found = []
    for section in sections:
        if not parser.has_option(section, "script_location"):
            continue
        script = location(repo, ini, parser.get(section, "script_location"), here)
        if script is None:
            continue

        def option(name: str, section: str = section) -> str | None:
            value = parser.get(section, name, fallback=None)
            return parser.get("alembic", name, fallback=None) if value is None and section != "alembic" else value

        separator = parser.get(section, "path_separator", fallback=None) or parser.get(
            section, "version_path_separator", fallback=None
        )
        raw = parser.get(section, "version_locations", fallback=None)
        raws = split_locations(repo, ini, raw, separator) if raw else []
        found.append(
            AlembicConfig(
                path=ini,
                script=script,
                locations=_locations(repo, ini, script, raws, here),
                recursive=parser.get(section, "recursive_version_locations", fallback=None) == "true",
                template=option("file_template"),
                url=option("sqlalchemy.url"),
            )
        )
    return found


def _pyproject(repo: Repo) -> list[AlembicConfig]:
    try:
        tool = tomllib.loads(repo.text("pyproject.toml") or "").get("tool", {}).get("alembic", {})
    except tomllib.TOMLDecodeError:
        return []
    if not isinstance(tool, dict) or not isinstance(tool.get("script_location"), str):
        return []
    script = location(repo, "pyproject.toml", tool["script_location"], ".")
    if script is None:
        return []
    listed = tool.get("version_locations")
    raws = [v for v in listed if isinstance(v, str)] if isinstance(listed, list) else []
    template = tool.get("file_template")
    return [
        AlembicConfig(
            path="pyproject.toml",
            script=script,
            locations=_locations(repo, "pyproject.toml", script, raws, "."),
            recursive=tool.get("recursive_version_locations") is True,
            template=template if isinstance(template, str) else None,
            url=None,
        )
    ]


def configs(repo: Repo) -> list[AlembicConfig]:
    """Each Alembic configuration found in the repository."""
    found = [c for ini in repo.files if basename(ini) == "alembic.ini" for c in _ini(repo, ini)]
    if "pyproject.toml" in repo.files:
        found.extend(_pyproject(repo))
    return found
