"""Django: <app>/migrations/NNNN_name.py beside an __init__.py, `dependencies` read with ast."""

from __future__ import annotations

import ast
import re

from ..naming import NAME, next_number
from . import pyfiles
from .graph import analyze
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_FILE = re.compile(r"(\d{4,})_(\w+)\.py")
_ENGINE = re.compile(r"['\"]ENGINE['\"]\s*:\s*['\"]django\.db\.backends\.(\w+)['\"]")


def _dialect(repo: Repo) -> str | None:
    for path in repo.files:
        if basename(path) == "settings.py" or "/settings/" in path:
            m = _ENGINE.search(repo.text(path) or "")
            if m:
                return {"postgresql_psycopg2": "postgresql"}.get(m.group(1), m.group(1))
    return None


def _migration_class(tree: ast.Module) -> ast.ClassDef | None:
    return next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == "Migration"), None)


def find(repo: Repo) -> list[FrameworkFindings]:
    folders = [f for f in repo.folders_named("migrations") if f"{f}/__init__.py" in repo.files]
    folders = [f for f in folders if any(_FILE.fullmatch(basename(p)) for p in repo.under(f))]
    if not folders:
        return []
    dialect = _dialect(repo)
    return [_read(repo, folder, dialect) for folder in folders]


def _read(repo: Repo, folder: str, dialect: str | None) -> FrameworkFindings:
    app = basename(dirname(folder))
    problems: list[Problem] = []
    entries: dict[str, MigrationEntry] = {}
    parents: dict[str, list[str]] = {}
    numbers: dict[str, str] = {}
    for path in repo.under(folder):
        m = _FILE.fullmatch(basename(path))
        if not m or dirname(path) != folder:
            continue
        text = repo.text(path)
        if text is None:
            continue
        try:
            tree = pyfiles.parse(text, path)
        except pyfiles.NotPython as exc:
            problems.append(Problem(severity="error", code="malformed", message=str(exc), path=path))
            continue
        cls = _migration_class(tree)
        if cls is None:
            problems.append(Problem(severity="error", code="malformed", message="no `class Migration`", path=path))
            continue
        deps = pyfiles.literal(pyfiles.assignments(cls.body).get("dependencies"))
        same_app: list[str] = []
        other: list[str] = []
        if deps is NotImplemented or not isinstance(deps, list | tuple):
            problems.append(
                Problem(
                    severity="warning",
                    code="malformed",
                    message="dependencies is not a literal list: order read from the file name",
                    path=path,
                )
            )
        else:
            for dep in deps:
                if isinstance(dep, tuple | list) and len(dep) == 2 and all(isinstance(x, str) for x in dep):
                    (same_app if dep[0] == app else other).append(dep[1] if dep[0] == app else f"{dep[0]}.{dep[1]}")
        mid = basename(path).rsplit(".", 1)[0]
        entries[mid] = MigrationEntry(
            id=mid, name=m.group(2), path=path, depends_on=same_app + other, has_down=None, kind=None
        )
        parents[mid] = same_app
        if m.group(1) in numbers:
            problems.append(
                Problem(
                    severity="warning",
                    code="duplicate_id",
                    message=f"{numbers[m.group(1)]} is also numbered {m.group(1)}",
                    path=path,
                )
            )
        numbers.setdefault(m.group(1), path)
    g = analyze(parents)
    for mid, gone in g.missing.items():
        problems.append(
            Problem(
                severity="error",
                code="broken_dependency",
                message=f"{mid} depends on {', '.join(gone)}, which does not exist",
                path=entries[mid].path,
            )
        )
    if len(g.heads) > 1:
        problems.append(
            Problem(
                severity="error",
                code="multiple_heads",
                message=f"conflicting migrations in {app}: {', '.join(g.heads)} are all leaves; "
                "run `manage.py makemigrations --merge`",
                path=folder,
            )
        )
    number = next_number(e.id.split("_", 1)[0] for e in entries.values())
    number = number.zfill(4)
    return FrameworkFindings(
        framework="django",
        folder=folder,
        migrations=[entries[m] for m in g.order],
        heads=g.heads,
        bases=g.bases,
        branch_points=g.branch_points,
        merges=g.merges,
        dialect=dialect,
        naming=f"NNNN_name.py in {app}/migrations; dependencies = [('{app}', '<head>')]",
        next_id=number,
        next_file=f"{folder}/{number}_{NAME}.py",
        problems=problems,
    )
