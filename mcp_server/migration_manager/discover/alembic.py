"""Alembic: alembic.ini (or [tool.alembic] in pyproject.toml) -> script_location -> versions/."""

from __future__ import annotations

import configparser
import posixpath
import re
import tomllib
import uuid
from pathlib import Path

from ..naming import NAME, now_utc
from . import pyfiles
from .graph import analyze
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_DEFAULT_TEMPLATE = "%%(rev)s_%%(slug)s"


_TEMPLATED = re.compile(r"\{[^{}]*\}|\$\{?\w|%\(\w+\)s")  # {alembic_dir}, ${VAR}, $VAR, %(other)s
_PACKAGE = re.compile(r"([A-Za-z_][\w.]*):([^\\/].*)?")  # myapp.db:migrations (not C:\ or a URL)


def _unresolvable(repo: Repo, config: str, raw: str, why: str) -> None:
    repo.problems.append(
        Problem(
            severity="warning",
            code="unresolvable",
            message=f"script_location = {raw}: {why}; its migrations are not read from this setting",
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


def _location(repo: Repo, config: str, raw: str, here: str) -> str | None:
    """script_location as Alembic resolves it, relative to the root; None (with one problem) when
    it cannot be: a value the application fills in, a package not in the repository, a path
    outside it. `here`: the configuration file's folder (%(here)s)."""
    value = raw.strip()
    has_here = "%(here)s" in value
    value = value.replace("%(here)s", here)
    if _TEMPLATED.search(value):
        _unresolvable(repo, config, raw, "a placeholder the application fills in at run time")
        return None
    package = _PACKAGE.fullmatch(value)
    if package and not has_here:
        folder = _package_folder(repo, package.group(1), package.group(2) or "")
        if folder is None:
            _unresolvable(repo, config, raw, f"package {package.group(1)} is not in the repository")
        return folder
    if value.startswith("/") or re.match(r"[A-Za-z]:[\\/]", value):
        absolute = Path(value)
        if not absolute.is_relative_to(repo.root):
            _unresolvable(repo, config, raw, "an absolute path outside the repository")
            return None
        return absolute.relative_to(repo.root).as_posix()
    inside = repo.inside(value if has_here else posixpath.join(here, value))
    if not has_here and inside is not None and not repo.under(inside):
        from_root = repo.inside(value)  # Alembic reads it from where it runs: maybe the root
        if from_root is not None and repo.under(from_root):
            inside = from_root
    if inside is None:
        _unresolvable(repo, config, raw, "a path outside the repository")
    return inside


def _configs(repo: Repo) -> list[tuple[str, str, str | None, str | None]]:
    """(config path, script folder, file_template, url) for each configuration found."""
    found = []
    for ini in (f for f in repo.files if basename(f) == "alembic.ini"):
        text = repo.text(ini)
        if text is None:
            continue
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read_string(text)
        except configparser.Error as exc:
            repo.problems.append(Problem(severity="error", code="malformed", message=f"alembic.ini: {exc}", path=ini))
            continue
        if not parser.has_option("alembic", "script_location"):
            continue
        location = _location(repo, ini, parser.get("alembic", "script_location"), dirname(ini))
        if location is None:
            continue
        template = parser.get("alembic", "file_template", fallback=None)
        url = parser.get("alembic", "sqlalchemy.url", fallback=None)
        found.append((ini, location, template, url))
    if "pyproject.toml" in repo.files:
        text = repo.text("pyproject.toml")
        try:
            tool = tomllib.loads(text or "").get("tool", {}).get("alembic", {})
        except tomllib.TOMLDecodeError:
            tool = {}
        if isinstance(tool, dict) and isinstance(tool.get("script_location"), str):
            location = _location(repo, "pyproject.toml", tool["script_location"], ".")
            if location is not None:
                found.append(("pyproject.toml", location, tool.get("file_template"), None))
    return found


def _dialect(url: str | None) -> str | None:
    if not url:
        return None
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    return {"postgres": "postgresql"}.get(scheme, scheme) if re.fullmatch(r"[a-z0-9]+", scheme) else None


def _next_file(folder: str, template: str | None, rev: str) -> str:
    t = (template or _DEFAULT_TEMPLATE).replace("%%", "%")
    n = now_utc()
    values = {
        "rev": rev,
        "slug": NAME,
        "year": n.year,
        "month": n.month,
        "day": n.day,
        "hour": n.hour,
        "minute": n.minute,
        "second": n.second,
        "epoch": int(n.timestamp()),
    }
    try:
        name = t % values
    except (KeyError, ValueError, TypeError):
        name = f"{rev}_{NAME}"
    return f"{folder}/{name}.py"


def find(repo: Repo) -> list[FrameworkFindings]:
    results = []
    seen: set[str] = set()
    configs = _configs(repo)
    # Without configuration: a versions/ folder beside an env.py, as `alembic init` makes it.
    for folder in repo.folders_named("versions"):
        script = dirname(folder)
        if f"{script}/env.py" in repo.files and all(c[1] != script for c in configs):
            configs.append(("", script, None, None))
    for config, script, template, url in configs:
        folder = f"{script}/versions" if script not in ("", ".") else "versions"
        if folder in seen:
            continue
        seen.add(folder)
        results.append(_read(repo, folder, config or None, template, _dialect(url)))
    return results


def _read(repo: Repo, folder: str, config: str | None, template: str | None, dialect: str | None) -> FrameworkFindings:
    problems: list[Problem] = []
    parents: dict[str, list[str]] = {}
    entries: dict[str, MigrationEntry] = {}
    if not repo.under(folder):
        problems.append(
            Problem(severity="warning", code="missing_folder", message="no migration files here yet", path=folder)
        )
    for path in repo.under(folder):
        if not path.endswith(".py") or "/" in path[len(folder) + 1 :] or path.endswith("__init__.py"):
            continue
        text = repo.text(path)
        if text is None:
            continue
        try:
            tree = pyfiles.parse_header(text, path)
        except pyfiles.NotPython as exc:
            problems.append(Problem(severity="error", code="malformed", message=str(exc), path=path))
            continue
        names = pyfiles.assignments(tree.body)
        rev = pyfiles.literal(names.get("revision"))
        if not isinstance(rev, str):
            problems.append(
                Problem(severity="error", code="malformed", message="no literal `revision = '...'`", path=path)
            )
            continue
        down = pyfiles.as_list(pyfiles.literal(names.get("down_revision")))
        if down is None:
            problems.append(
                Problem(severity="error", code="malformed", message="down_revision is not a literal", path=path)
            )
            down = []
        depends = pyfiles.as_list(pyfiles.literal(names.get("depends_on"))) or []
        if rev in entries:
            problems.append(
                Problem(
                    severity="error",
                    code="duplicate_id",
                    message=f"revision {rev} also in {entries[rev].path}",
                    path=path,
                )
            )
            continue
        empty_down = pyfiles.function_body_is_empty(text, "downgrade")
        if empty_down and (len(down) > 1 or pyfiles.function_body_is_empty(text, "upgrade")):
            empty_down = False  # a merge (or a revision whose upgrade does nothing): pass undoes it all
        stem = basename(path).rsplit(".", 1)[0]
        name = stem[len(rev) + 1 :] if stem.startswith(rev + "_") else stem
        entries[rev] = MigrationEntry(
            id=rev,
            name=name,
            path=path,
            has_down=empty_down is False,
            depends_on=down + depends,
            kind="merge" if len(down) > 1 else None,
        )
        parents[rev] = down
        if empty_down is not False:
            problems.append(
                Problem(
                    severity="warning",
                    code="missing_down",
                    message="downgrade() is missing or empty: this revision cannot be rolled back",
                    path=path,
                )
            )
    g = analyze(parents, {r: entries[r].path for r in parents})
    for rev, gone in g.missing.items():
        problems.append(
            Problem(
                severity="error",
                code="broken_down_revision",
                message=f"{rev} comes after {', '.join(gone)}, which no file defines",
                path=entries[rev].path,
            )
        )
    if g.cycle:
        problems.append(
            Problem(severity="error", code="cycle", message=f"revisions form a cycle: {g.cycle}", path=folder)
        )
    if len(g.heads) > 1:
        problems.append(
            Problem(
                severity="error",
                code="multiple_heads",
                message=f"{len(g.heads)} heads ({', '.join(g.heads)}): `alembic upgrade head` fails; "
                f"merge them first (alembic merge -m merge {' '.join(g.heads)})",
                path=folder,
            )
        )
    rev = uuid.uuid4().hex[-12:]
    return FrameworkFindings(
        framework="alembic",
        folder=folder,
        config=config,
        migrations=[entries[r] for r in g.order],
        heads=g.heads,
        bases=g.bases,
        branch_points=g.branch_points,
        merges=g.merges,
        dialect=dialect,
        naming=f"file_template {template or _DEFAULT_TEMPLATE}; revision ids are 12 hex digits; "
        "the new file's down_revision is the head",
        next_id=rev,
        next_file=_next_file(folder, template, rev),
        problems=problems,
    )
