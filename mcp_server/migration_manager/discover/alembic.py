"""Alembic: alembic.ini (or [tool.alembic] in pyproject.toml) -> script_location -> versions/, or the
folders version_locations lists, read as one revision graph."""

from __future__ import annotations

import re
import uuid

from ..naming import ALEMBIC_TEMPLATE, NAME, alembic_file_name, now_utc
from . import pyfiles
from .alembic_config import AlembicConfig, configs
from .graph import analyze
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname


def _dialect(url: str | None) -> str | None:
    if not url:
        return None
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    return {"postgres": "postgresql"}.get(scheme, scheme) if re.fullmatch(r"[a-z0-9]+", scheme) else None


# common date prefixes of file names -> the file_template tokens that make them (Alembic's documented
# %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d- among them)
_DATE_PREFIXES = (
    (re.compile(r"\d{4}-\d{2}-\d{2}_"), "%%(year)d-%%(month).2d-%%(day).2d_"),
    (re.compile(r"\d{4}_\d{2}_\d{2}_\d{4}-"), "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-"),
    (
        re.compile(r"\d{4}_\d{2}_\d{2}_\d{6}-"),
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d%%(second).2d-",
    ),
    (re.compile(r"\d{4}_\d{2}_\d{2}-"), "%%(year)d_%%(month).2d_%%(day).2d-"),
)


def _learned_template(entries: list[MigrationEntry]) -> str | None:
    """The file_template every revision file's name follows (two files at least), when it is a date
    before the revision id (and the slug after it or not); None when the names do not all agree."""
    if len(entries) < 2:
        return None
    learned: set[str] = set()
    for e in entries:
        stem = basename(e.path).removesuffix(".py")
        before, rev, after = stem.partition(e.id)
        prefix = next((t for pattern, t in _DATE_PREFIXES if pattern.fullmatch(before)), None)
        if not rev or prefix is None or (after and not after.startswith("_")):
            return None
        learned.add(prefix + "%%(rev)s" + ("_%%(slug)s" if after else ""))
    return learned.pop() if len(learned) == 1 else None


def _next_file(folder: str, template: str | None, rev: str) -> str:
    return f"{folder}/{alembic_file_name(template, rev, NAME, now_utc())}.py"


def find(repo: Repo) -> list[FrameworkFindings]:
    results = []
    seen: set[tuple[str, ...]] = set()
    found = configs(repo)
    # Without configuration: a versions/ folder beside an env.py, as `alembic init` makes it.
    for folder in repo.folders_named("versions"):
        script = dirname(folder)
        if f"{script}/env.py" in repo.files and all(c.script != script for c in found):
            found.append(AlembicConfig("", script, (folder,), False, None, None))
    for config in found:
        if not config.locations or config.locations in seen:
            continue
        seen.add(config.locations)
        results.append(_read(repo, config))
    return results


def _revision_files(repo: Repo, config: AlembicConfig, problems: list[Problem]) -> list[str]:
    """The .py files Alembic reads as revisions: those directly in each location, and in its
    subfolders with recursive_version_locations. Subfolders left unread that hold revisions are
    named (a warning): their revisions are not part of the graph."""
    files: list[str] = []
    unread: set[str] = set()
    for folder in config.locations:
        inside = repo.under(folder)
        if not inside:
            problems.append(
                Problem(severity="warning", code="missing_folder", message="no migration files here yet", path=folder)
            )
        for path in inside:
            if not path.endswith(".py") or path.endswith("__init__.py") or "/__pycache__/" in path:
                continue
            sub = dirname(path)
            if sub == folder or config.recursive:
                files.append(path)
            elif not _in_other(sub, folder, config.locations) and "down_revision" in (repo.text(path) or ""):
                unread.add(sub)
    for sub in sorted(unread):
        problems.append(
            Problem(
                severity="warning",
                code="unread_folder",
                message="revision files in this subfolder are not read (Alembic reads only the files directly in "
                f"{', '.join(config.locations)}): set recursive_version_locations = true or list the folder in "
                "version_locations, else its revisions are not part of the graph",
                path=sub,
            )
        )
    return sorted(dict.fromkeys(files))


def _in_other(sub: str, folder: str, locations: tuple[str, ...]) -> bool:
    """Whether `sub` (under `folder`) is, or is inside, another listed location nested in it."""
    return any(sub == o or sub.startswith(o + "/") for o in locations if len(o) > len(folder))


def _write_folder(config: AlembicConfig, head_path: str | None) -> str:
    """Where `alembic revision` (no --version-path) puts the next revision: the one version location;
    with several, the folder of the head's file (here: the location holding it), else the first."""
    if len(config.locations) == 1 or head_path is None:
        return config.locations[0]
    folder = dirname(head_path)
    holding = [loc for loc in config.locations if folder == loc or folder.startswith(loc + "/")]
    return max(holding, key=len) if holding else config.locations[0]


def _read(repo: Repo, config: AlembicConfig) -> FrameworkFindings:
    problems: list[Problem] = []
    parents: dict[str, list[str]] = {}
    entries: dict[str, MigrationEntry] = {}
    for path in _revision_files(repo, config, problems):
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
    folder = _write_folder(config, entries[g.heads[0]].path if len(g.heads) == 1 else None)
    template = config.template
    learned = _learned_template(list(entries.values())) if template is None else None
    template = template or learned
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
        config=config.path or None,
        migrations=[entries[r] for r in g.order],
        heads=g.heads,
        bases=g.bases,
        branch_points=g.branch_points,
        merges=g.merges,
        dialect=_dialect(config.url),
        naming=f"file_template {template or ALEMBIC_TEMPLATE}"
        + (" (no file_template is configured; learned from the file names)" if learned else "")
        + "; revision ids are 12 hex digits; "
        "the new file's down_revision is the head"
        + (f"; version_locations {' '.join(config.locations)} are one graph" if len(config.locations) > 1 else "")
        + ("; subfolders are read (recursive_version_locations)" if config.recursive else ""),
        next_id=rev,
        next_file=_next_file(folder, template, rev),
        file_template=template,
        problems=problems,
    )
