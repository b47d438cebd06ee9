"""lint --framework-sql: the SQL a framework itself prints for its migrations, linted at the
migration's file, instead of (or, with --compare, beside) the static reading.

- Alembic: `alembic -c alembic.ini upgrade heads --sql` (offline mode) in the folder of the
  alembic.ini above the revisions, cut per revision at the `-- Running upgrade a -> b` comments;
- Django: `python manage.py sqlmigrate <app> <name>` per migration, with the manage.py above it
  (the project's settings must import; sqlmigrate connects to the database they name);
- Liquibase: `liquibase update-sql` in offline mode (`--url=offline:postgresql`, its bookkeeping
  file in a temporary folder) for the master changelog, cut per changelog at the
  `-- Changeset path::id::author` comments.

Each statement is linted at the line of the call whose static reading gives the same parse tree
(names aside), else at the migration's first line. The project's own executables come first (a
.venv beside or above the project, node_modules), then PATH. When a framework cannot be asked
(not installed, the project does not import, the command fails) its migrations are skipped with
the command tried and the last line of its error output: never read another way in silence.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..gcpause import paused_gc
from .compare import differences, trees
from .config import LintConfig
from .engine import Source, collect, read_text
from .linter import Linter
from .liquibase_files import CHANGELOG_SUFFIXES
from .model import Finding, LintReport
from .pyread import Framework, Piece
from .read_django import DjangoState
from .read_liquibase import LiquibaseState
from .read_python import read_python
from .revision_order import in_revision_order
from .source import statements

TIMEOUT = 300  # seconds a framework's command may take
_RUNNING = re.compile(r"^-- Running upgrade (.*?) -> (\S+)", re.MULTILINE)
_CHANGESET = re.compile(r"^-- Changeset (.+?)::(.+?)::(.+?)\s*$", re.MULTILINE)
_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_BOOKKEEPING = re.compile(r"\b(alembic_version|databasechangelog(lock)?)\b", re.IGNORECASE)


@dataclass
class Sent:
    """The SQL a framework printed for one migration, statement by statement, and whether each ran
    inside the transaction block the framework opened."""

    path: Path
    framework: Framework
    sql: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Asked:
    sent: list[Sent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "path: why", each naming the command tried


@dataclass
class FrameworkLint:
    report: LintReport
    differences: list[str]  # --compare: "path: only in ...: statement"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[str | None, str]:
    """The command's stdout, or None and why it failed (the command and its error's last line)."""
    shown = shlex.join(argv)
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"`{shown}` (in {cwd}) could not run: {exc}"
    if done.returncode != 0:
        return None, f"`{shown}` (in {cwd}) failed: {_last_line(done.stderr or done.stdout)}"
    return done.stdout, ""


def _above(start: Path, name: str) -> Path | None:
    """The nearest `name` in `start` or a folder above it."""
    for folder in (start, *start.parents):
        if (folder / name).exists():
            return folder / name
    return None


def _in_venv(start: Path, name: str) -> Path | None:
    """The project's own executable: in a .venv (or venv) at or above `start`."""
    for folder in (start, *start.parents):
        for venv in (".venv", "venv"):
            candidate = folder / venv / "bin" / name
            if candidate.exists():
                return candidate
    return None


def _tool(start: Path, name: str, module: str) -> list[str] | None:
    """The project's own executable, else PATH's, else this Python's module; None when none is
    installed."""
    own = _in_venv(start, name)
    if own is not None:
        return [str(own)]
    found = shutil.which(name)
    if found:
        return [found]
    if importlib.util.find_spec(module) is not None:
        return [sys.executable, "-m", module]
    return None


def _split(sql: str) -> list[tuple[str, bool]]:
    """Statements with the transaction state each runs in; BEGIN / COMMIT and the framework's own
    bookkeeping (alembic_version, DATABASECHANGELOG) left out."""
    return _Transactions().feed(sql)


class _Transactions:
    """Follows BEGIN / COMMIT across the pieces a framework's output is cut into."""

    def __init__(self) -> None:
        self.open = False

    def feed(self, sql: str) -> list[tuple[str, bool]]:
        out = []
        for st in statements(sql):
            head = st.text.lstrip().split(None, 1)[0].upper().rstrip(";") if st.text.strip() else ""
            if head in ("BEGIN", "START"):
                self.open = True
            elif head in ("COMMIT", "ROLLBACK", "END"):
                self.open = False
            elif not _BOOKKEEPING.search(st.text) and not st.text.upper().startswith("SET SEARCH_PATH"):
                out.append((st.text, self.open))
        return out


# --- asking each framework ------------------------------------------------------------------------


def ask_alembic(revisions: list[Path]) -> Asked:
    """`alembic upgrade heads --sql` for the alembic.ini above the revisions, cut per revision."""
    asked = Asked()
    by_project: dict[Path, list[Path]] = {}
    for path in revisions:
        ini = _above(path.parent, "alembic.ini")
        if ini is None:
            asked.skipped.append(f"{path}: no alembic.ini in its folder or above: Alembic cannot be asked for its SQL")
            continue
        by_project.setdefault(ini, []).append(path)
    for ini, paths in by_project.items():
        tool = _tool(ini.parent, "alembic", "alembic")
        if tool is None:
            asked.skipped.extend(
                f"{p}: Alembic is not installed (no alembic in a .venv, on PATH or importable)" for p in paths
            )
            continue
        output, why = _run([*tool, "-c", ini.name, "upgrade", "heads", "--sql"], ini.parent)
        if output is None:
            asked.skipped.extend(f"{p}: Alembic's SQL: {why}" for p in paths)
            continue
        by_revision = {m.group(1): p for p in paths if (m := _REVISION.search(read_text(p)))}
        marks = list(_RUNNING.finditer(output))
        transactions = _Transactions()
        transactions.feed(output[: marks[0].start()] if marks else output)  # BEGIN, alembic_version
        found: set[Path] = set()
        for i, mark in enumerate(marks):
            chunk = output[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(output)]
            sent = transactions.feed(chunk)
            revised = by_revision.get(mark.group(2))
            if revised is not None:
                asked.sent.append(Sent(revised, "alembic", sent))
                found.add(revised)
        asked.skipped.extend(
            f"{p}: `alembic upgrade heads --sql` (in {ini.parent}) printed no `-- Running upgrade` for its revision"
            for p in paths
            if p not in found
        )
    return asked


def ask_django(migrations: list[Path]) -> Asked:
    """`python manage.py sqlmigrate <app> <name>` for each migration, in the order given."""
    asked = Asked()
    for path in migrations:
        manage = _above(path.parent, "manage.py")
        if manage is None:
            asked.skipped.append(f"{path}: no manage.py in its folder or above: Django cannot be asked for its SQL")
            continue
        python = _in_venv(manage.parent, "python") or Path(sys.executable)
        argv = [str(python), "manage.py", "sqlmigrate", path.parent.parent.name, path.stem]
        output, why = _run(argv, manage.parent)
        if output is None:
            asked.skipped.append(f"{path}: Django's SQL: {why}")
            continue
        asked.sent.append(Sent(path, "django", _split(output)))
    return asked


def liquibase_tool(start: Path) -> list[str] | None:
    """The project's Liquibase (node_modules/liquibase), else PATH's."""
    for folder in (start, *start.parents):
        script = folder / "node_modules" / "liquibase" / "dist" / "liquibase" / "liquibase"
        if script.exists():
            return ["bash", str(script)]
    found = shutil.which("liquibase")
    return [found] if found else None


def ask_liquibase(master: Path, changelogs: list[Path], with_sql: set[Path]) -> Asked:
    """`liquibase update-sql` in offline mode for the master, cut per changelog file; `with_sql`:
    the changelogs whose static reading has SQL (a master of includes only has none to print)."""
    asked = Asked()
    tool = liquibase_tool(master.parent)
    if tool is None:
        asked.skipped.extend(
            f"{p}: Liquibase is not installed (no node_modules/liquibase, none on PATH)" for p in changelogs
        )
        return asked
    with tempfile.TemporaryDirectory(prefix="mm-liquibase-") as work:
        book = Path(work) / "databasechangelog.csv"
        argv = [
            *tool,
            "--show-banner=false",
            "--log-level=WARNING",
            f"--changelog-file={master.name}",
            f"--url=offline:postgresql?changeLogFile={book}&outputLiquibaseSql=none",
            "update-sql",
        ]
        output, why = _run(argv, master.parent)
    if output is None:
        asked.skipped.extend(f"{p}: Liquibase's SQL: {why}" for p in changelogs)
        return asked
    known = {p.resolve(): p for p in changelogs}
    marks = list(_CHANGESET.finditer(output))
    transactions = _Transactions()
    by_file: dict[Path, Sent] = {}
    for i, mark in enumerate(marks):
        chunk = output[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(output)]
        chunk = chunk.split("-- Release Database Lock", 1)[0]
        file = known.get((master.parent / mark.group(1)).resolve())
        sent = transactions.feed(chunk)
        if file is None:
            continue
        by_file.setdefault(file, Sent(file, "liquibase")).sql.extend(sent)
    # every changelog Liquibase read, as the static reading lists them (a master of includes: no SQL)
    asked.sent.extend(by_file.get(p, Sent(p, "liquibase")) for p in changelogs if p in by_file or p not in with_sql)
    asked.skipped.extend(
        f"{p}: `liquibase update-sql` printed no changeSet of it"
        for p in changelogs
        if p not in by_file and p in with_sql
    )
    return asked


# --- linting what they sent -----------------------------------------------------------------------


def _placed(sent: Sent, static: list[Piece]) -> list[Piece]:
    """Each statement sent, at the call whose static reading parses the same (names aside)."""
    lines: dict[str, list[Piece]] = {}
    for piece in static:
        for st in statements(piece.sql):
            for tree in trees(st.text, names=False, public=False):
                lines.setdefault(tree, []).append(piece)
    out = []
    for sql, in_transaction in sent.sql:
        match = next((lines[t].pop(0) for t in trees(sql, names=False, public=False) if lines.get(t)), None)
        out.append(
            Piece(
                sql,
                match.line if match else 1,
                in_transaction,
                column=match.column if match else 1,
                ignored=match.ignored if match else frozenset(),
                unit=match.unit if match else "",  # its changeSet, a migration of its own
            )
        )
    return out


def lint_framework(
    paths: list[Path], config: LintConfig, root: Path | None = None, compare: bool = False
) -> FrameworkLint:
    """Lint the SQL the frameworks print for the migrations under `paths` (see the module's text);
    `compare`: also list, per migration, where it differs from the static reading."""
    files = in_revision_order(collect(paths), read_text)
    skipped: list[str] = []

    def name(p: Path) -> str:
        return str(p.relative_to(root)) if root and p.is_relative_to(root) else str(p)

    static: dict[Path, list[Piece]] = {}
    fresh: dict[Path, frozenset[str]] = {}  # tables a squashed Django migration takes as new (Read.fresh)
    alembic: list[Path] = []
    django: list[Path] = []
    masters: list[tuple[Path, list[Path]]] = []
    state = DjangoState()
    liquibase = LiquibaseState(files)
    for f in files:
        if f.suffix in CHANGELOG_SUFFIXES and (logs := liquibase.read(f)) is not None:
            masters.append((f, [log.path for log in logs]))
            for log in logs:
                static.setdefault(log.path, []).extend(log.read.pieces)
            continue
        found = read_python(str(f.absolute()), read_text(f), state) if f.suffix == ".py" else None
        if found is None or found.framework not in ("alembic", "django"):
            skipped.append(
                f"{name(f)}: not an Alembic, Django or Liquibase migration: lint without --framework-sql reads it"
            )
            continue
        static[f] = found.pieces
        fresh[f] = found.fresh
        (alembic if found.framework == "alembic" else django).append(f)
    asked = [ask_alembic(alembic)] if alembic else []
    asked += [ask_django(django)] if django else []
    with_sql = {p for p, pieces in static.items() if pieces}
    asked += [ask_liquibase(master, logs, with_sql) for master, logs in masters]
    linter = Linter(config, defer_fixes=True)
    findings: list[Finding] = []
    shown: list[str] = []
    found_differences: list[str] = []
    with paused_gc():
        for one in asked:
            skipped.extend(_relative(s, root) for s in one.skipped)
            for sent in one.sent:
                at = name(sent.path)
                pieces = _placed(sent, static.get(sent.path, []))
                shown.extend([at] if at not in shown else [])
                source = Source(
                    at, "", framework=sent.framework, pieces=pieces, fresh=fresh.get(sent.path, frozenset())
                )
                findings.extend(linter.lint_source(source))
                if compare:
                    mine = [p.sql for p in static.get(sent.path, [])]
                    theirs = [sql for sql, _ in sent.sql]
                    django_names = sent.framework == "django"  # Django hashes its names; the reader cannot
                    diff = differences(mine, theirs, names=not django_names, public=sent.framework != "liquibase")
                    found_differences.extend(f"{at}: {d}" for d in diff)
        linter.resolve_fixes()
    skipped.extend(linter.notes)
    report = LintReport(
        pg_version=config.pg_version,
        dialect=config.dialect,
        files=shown,
        statements=linter.statements,
        findings=findings,
        skipped=skipped,
    )
    return FrameworkLint(report, found_differences)


def _relative(note: str, root: Path | None) -> str:
    return note.replace(f"{root}{os.sep}", "", 1) if root else note


__all__: list[str] = ["FrameworkLint", "lint_framework"]
