"""Django: each app's migrations package, read as Django's MigrationLoader reads it, with ast.

Django loads every module of an app's `migrations` package whose name does not start with `_` or
`~` and needs a `Migration` class in it; the number in the name is a convention, not a key, so two
files with the same number are fine when the dependencies order them. The graph is built from
what `makemigrations` writes in the class body:

- `dependencies`: `("app", "name")` pairs, `("app", "__first__")` / `("app", "__latest__")`, and
  `migrations.swappable_dependency(settings.AUTH_USER_MODEL)`, which is `(<app of the user model>,
  "__first__")`: the setting is read from the repository's settings when it is a literal, else
  Django's default `auth.User` (an app outside the repository, so it never breaks the graph);
- `run_before`: the named migrations depend on this one;
- `replaces`: a squashed migration stands for the ones it lists, as Django's loader does when they
  are all applied or none is (what it can tell without a database): the replaced nodes leave the
  graph and whatever depended on them depends on the squashed one.

Heads are Django's leaf nodes per app (no child in the same app); more than one is the conflict
`makemigrations --merge` resolves. Dependencies on apps of the repository are checked; those on
other apps (django.contrib, third-party packages) cannot be. Every entry of a migrations folder that
Django would not load as a migration, or that find cannot read, is a problem with its path.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ..dialect_hints import django_engine
from ..naming import NAME, next_number
from . import pyfiles
from .graph import analyze
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_NUMBERED = re.compile(r"(\d{4,})_(\w+)\.py")
_MODULE = re.compile(r"([^.]+)\.py")
_SWAPPABLE_SETTING = re.compile(r"^([A-Z][A-Z0-9_]*_MODEL)\s*(?::[^=\n]+)?=\s*['\"](\w+)\.(\w+)['\"]", re.M)
_APP_LABEL = re.compile(r"^\s+label\s*=\s*['\"](\w+)['\"]", re.M)
_SPECIAL = ("__first__", "__latest__")

Key = tuple[str, str]  # (app label, migration name), as Django's graph keys its nodes


def _is_settings(path: str) -> bool:
    name = basename(path)
    return name.endswith(".py") and ("settings" in name or "/settings/" in f"/{path}")


def _dialect(repo: Repo) -> str | None:
    for path in repo.files:
        if basename(path) == "settings.py" or "/settings/" in path:
            engine = django_engine(repo.text(path) or "")
            if engine:
                return engine
    return None


def _swappable_settings(repo: Repo) -> dict[str, str]:
    """Settings such as AUTH_USER_MODEL = "accounts.User" -> the model's app label, from settings files."""
    out: dict[str, str] = {}
    for path in repo.files:
        if _is_settings(path) and "/migrations/" not in f"/{path}":
            for m in _SWAPPABLE_SETTING.finditer(repo.text(path) or ""):
                out.setdefault(m.group(1), m.group(2))
    return out


def _migration_class(tree: ast.Module) -> ast.ClassDef | None:
    return next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == "Migration"), None)


@dataclass
class _Parsed:
    name: str
    path: str
    deps: list[Key] = field(default_factory=list)
    replaces: list[Key] = field(default_factory=list)
    run_before: list[Key] = field(default_factory=list)
    deps_read: bool = True


@dataclass
class _App:
    label: str
    folder: str
    migrations: dict[str, _Parsed] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    replaced_by: dict[str, str] = field(default_factory=dict)  # replaced name -> the squashed migration

    def resolve(self, name: str) -> str:
        return self.replaced_by.get(name, name)


class _Evaluator:
    """Evaluates the entries of dependencies / run_before / replaces as Django would build them."""

    def __init__(self, swappable: dict[str, str]) -> None:
        self.swappable = swappable

    def pair(self, node: ast.expr) -> Key | str:
        """(app, name), or why the entry cannot be read."""
        value = pyfiles.literal(node)
        if isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(x, str) for x in value):
            return (value[0], value[1])
        if isinstance(node, ast.Call) and _called(node) == "swappable_dependency" and len(node.args) == 1:
            arg = node.args[0]
            literal = pyfiles.literal(arg)
            if isinstance(literal, str) and "." in literal:
                return (literal.split(".", 1)[0], "__first__")
            if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == "settings":
                if arg.attr in self.swappable:
                    return (self.swappable[arg.attr], "__first__")
                if arg.attr == "AUTH_USER_MODEL":  # Django's default, django.contrib.auth's User
                    return ("auth", "__first__")
                return f"swappable_dependency(settings.{arg.attr}): the setting is not a literal in the settings"
        return f"{_short(node)} is not an (app, migration) pair"

    def pairs(self, node: ast.AST | None, attribute: str) -> tuple[list[Key], list[str], bool]:
        """The pairs of a list attribute, the problems, and whether the attribute could be read at all."""
        if node is None:
            return [], [], True
        if not isinstance(node, ast.List | ast.Tuple):
            return [], [f"{attribute} is not a list ({_short(node)})"], False
        out: list[Key] = []
        problems: list[str] = []
        for element in node.elts:
            got = self.pair(element)
            if isinstance(got, str):
                problems.append(f"{attribute}: {got}")
            else:
                out.append(got)
        return out, problems, True


def _called(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _label(repo: Repo, app_dir: str) -> str:
    """The app label: AppConfig.label in apps.py when it is set, else the package's name."""
    apps_py = f"{app_dir}/apps.py" if app_dir != "." else "apps.py"
    if apps_py in repo.files:
        m = _APP_LABEL.search(repo.text(apps_py) or "")
        if m:
            return m.group(1)
    return basename(app_dir) if app_dir != "." else basename(str(repo.root))


def find(repo: Repo) -> list[FrameworkFindings]:
    folders = [f for f in repo.folders_named("migrations") if f"{f}/__init__.py" in repo.files]
    folders = [f for f in folders if any(_NUMBERED.fullmatch(basename(p)) for p in repo.under(f))]
    if not folders:
        return []
    dialect = _dialect(repo)
    evaluator = _Evaluator(_swappable_settings(repo))
    apps = [_read(repo, folder, evaluator) for folder in folders]
    labels: dict[str, list[_App]] = {}
    for app in apps:
        labels.setdefault(app.label, []).append(app)
    by_label = {label: same[0] for label, same in labels.items() if len(same) == 1}
    for label, same in labels.items():
        if len(same) > 1:
            for app in same:
                app.problems.append(
                    Problem(
                        severity="warning",
                        code="duplicate_app_label",
                        message=f"app label {label!r} is also used by "
                        + ", ".join(o.folder for o in same if o is not app)
                        + ": dependencies on it are not checked",
                        path=app.folder,
                    )
                )
    run_before: dict[Key, list[Key]] = {}  # target -> the migrations that must run before it
    for app in apps:
        for m in app.migrations.values():
            if m.name in app.replaced_by:
                continue
            for target in m.run_before:
                run_before.setdefault(target, []).append((app.label, m.name))
    return [_findings(app, by_label, run_before, dialect) for app in apps]


def _read(repo: Repo, folder: str, evaluator: _Evaluator) -> _App:
    app = _App(label=_label(repo, dirname(folder)), folder=folder)
    problems = app.problems
    subfolders: set[str] = set()
    for path in repo.under(folder):
        if dirname(path) != folder:
            sub = path[len(folder) + 1 :].split("/", 1)[0]
            if sub not in subfolders:
                subfolders.add(sub)
                problems.append(
                    Problem(
                        severity="warning",
                        code="not_a_migration",
                        message=f"folder {sub}/ inside the migrations package: Django loads no migration from it",
                        path=f"{folder}/{sub}",
                    )
                )
            continue
        name = basename(path)
        if name == "__init__.py":
            continue
        module = _MODULE.fullmatch(name)
        if not module:
            why = "a dot in the module name" if name.endswith(".py") else "not a .py file"
            problems.append(
                Problem(severity="warning", code="not_a_migration", message=f"{why}: Django ignores it", path=path)
            )
            continue
        if name.startswith(("_", "~")):
            problems.append(
                Problem(
                    severity="warning",
                    code="not_a_migration",
                    message="Django skips modules whose name starts with _ or ~",
                    path=path,
                )
            )
            continue
        text = repo.text(path)
        if text is None:  # the reason (binary, not UTF-8, too large) is in the repository's problems
            problems.append(Problem(severity="error", code="malformed", message="cannot be read as text", path=path))
            continue
        try:
            tree = pyfiles.parse(text, path)
        except pyfiles.NotPython as exc:
            problems.append(Problem(severity="error", code="malformed", message=str(exc), path=path))
            continue
        cls = _migration_class(tree)
        if cls is None:
            problems.append(
                Problem(
                    severity="error",
                    code="malformed",
                    message="no `class Migration`: Django refuses to load the app's migrations (BadMigrationError)",
                    path=path,
                )
            )
            continue
        body = pyfiles.assignments(cls.body)
        parsed = _Parsed(name=module.group(1), path=path)
        for attribute in ("dependencies", "replaces", "run_before"):
            pairs, unread, read = evaluator.pairs(body.get(attribute), attribute)
            setattr(parsed, "deps" if attribute == "dependencies" else attribute, pairs)
            if attribute == "dependencies":
                parsed.deps_read = read
            for message in unread:
                if attribute == "dependencies" and not read:
                    message += ": taken to follow the previous file of the app"
                problems.append(Problem(severity="warning", code="malformed", message=message, path=path))
        app.migrations[parsed.name] = parsed
    for m in app.migrations.values():
        for app_label, name in m.replaces:
            if app_label == app.label:
                app.replaced_by[name] = m.name
    return app


def _findings(
    app: _App, apps: dict[str, _App], run_before: dict[Key, list[Key]], dialect: str | None
) -> FrameworkFindings:
    problems = list(app.problems)
    names = sorted(n for n in app.migrations if n not in app.replaced_by)
    previous = {n: names[i - 1] for i, n in enumerate(names) if i}
    parents: dict[str, list[str]] = {}
    depends_on: dict[str, list[str]] = {}
    for name in names:
        m = app.migrations[name]
        same: list[str] = []
        other: list[str] = []
        deps = list(m.deps)
        for replaced_name, squashed in app.replaced_by.items():  # what the replaced ones depended on
            if squashed == name and replaced_name in app.migrations:
                deps += [d for d in app.migrations[replaced_name].deps if d not in m.replaces]
        for target in [name, *(r for r, s in app.replaced_by.items() if s == name)]:
            deps += run_before.get((app.label, target), [])
        if not m.deps_read and name in previous:
            deps.append((app.label, previous[name]))
        for dep_app, dep_name in deps:
            if dep_app == app.label:
                if dep_name in _SPECIAL:
                    continue
                parent = app.resolve(dep_name)
                if parent != name and parent not in same:
                    same.append(parent)
            else:
                text = f"{dep_app}.{dep_name}"
                if text not in other:
                    other.append(text)
                    problem = _check_other(apps.get(dep_app), dep_name)
                    if problem:
                        problems.append(
                            Problem(
                                severity="error",
                                code="broken_dependency",
                                message=f"{name} depends on {text}, {problem}",
                                path=m.path,
                            )
                        )
        parents[name] = same
        depends_on[name] = same + other
    g = analyze(parents)
    for mid, gone in g.missing.items():
        problems.append(
            Problem(
                severity="error",
                code="broken_dependency",
                message=f"{mid} depends on {', '.join(gone)}, which does not exist",
                path=app.migrations[mid].path,
            )
        )
    if g.cycle:
        problems.append(
            Problem(
                severity="error",
                code="cycle",
                message=f"the dependencies of {', '.join(g.cycle)} form a cycle",
                path=app.folder,
            )
        )
    if len(g.heads) > 1:
        problems.append(
            Problem(
                severity="error",
                code="multiple_heads",
                message=f"conflicting migrations in {app.label}: {', '.join(g.heads)} are all leaves; "
                "run `manage.py makemigrations --merge`",
                path=app.folder,
            )
        )
    problems += _unordered_numbers(names, parents, g.heads, app)
    numbered = [n for n in app.migrations if _NUMBERED.fullmatch(f"{n}.py")]
    number = next_number(n.split("_", 1)[0] for n in numbered).zfill(4)
    entries = []
    for name in g.order:
        m = app.migrations[name]
        replaced = [r for r, s in app.replaced_by.items() if s == name]
        entries.append(
            MigrationEntry(
                id=name,
                name=name.split("_", 1)[1] if _NUMBERED.fullmatch(f"{name}.py") else name,
                path=m.path,
                depends_on=depends_on[name],
                has_down=None,
                kind=f"squashed (replaces {', '.join(sorted(replaced))})" if replaced else None,
            )
        )
    return FrameworkFindings(
        framework="django",
        folder=app.folder,
        migrations=entries,
        heads=g.heads,
        bases=g.bases,
        branch_points=g.branch_points,
        merges=g.merges,
        dialect=dialect,
        naming=f"NNNN_name.py in {app.label}/migrations; dependencies = [('{app.label}', '<head>')]",
        next_id=number,
        next_file=f"{app.folder}/{number}_{NAME}.py",
        problems=problems,
    )


def _check_other(other: _App | None, name: str) -> str | None:
    """Why a dependency on another app's migration does not resolve, or None (also when the app is
    not one of the repository's: django.contrib and installed packages cannot be checked)."""
    if other is None:
        return None
    if name in _SPECIAL:
        return None if other.migrations else "an app with no migrations"
    if name in other.migrations or name in other.replaced_by:
        return None
    return f"which is not in {other.folder}"


def _unordered_numbers(names: list[str], parents: dict[str, list[str]], heads: list[str], app: _App) -> list[Problem]:
    """Two files with the same number are fine to Django when the graph joins them (one depends on
    the other, or a later merge follows both); a warning when nothing does: two branches, also
    reported as multiple_heads."""
    by_number: dict[str, list[str]] = {}
    for name in names:
        m = _NUMBERED.fullmatch(f"{name}.py")
        if m:
            by_number.setdefault(m.group(1), []).append(name)
    if not any(len(same) > 1 for same in by_number.values()):
        return []
    lines: list[set[str]] = []  # per head: it and everything it comes after
    for head in heads:
        seen = {head}
        stack = list(parents.get(head, []))
        while stack:
            p = stack.pop()
            if p not in seen:
                seen.add(p)
                stack.extend(parents.get(p, []))
        lines.append(seen)
    out: list[Problem] = []
    for number, same in by_number.items():
        for i, a in enumerate(same):
            for b in same[i + 1 :]:
                if not any(a in line and b in line for line in lines):
                    out.append(
                        Problem(
                            severity="warning",
                            code="duplicate_id",
                            message=f"{a} is also numbered {number} and no migration follows both",
                            path=app.migrations[b].path,
                        )
                    )
    return out
