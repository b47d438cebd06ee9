"""Lint migration files in the order they run, keeping the schema they build.

lint_paths finds the files (collect.py), reads each framework's into the SQL it sends (the
readers), hands each source to the linter (linter.py: statements checked by every rule with what
is known at that point, then applied to the schema) or takes its findings from the per-file cache
(cache.py), and has the planner write the fixes at the end, in a helper process for a long run
(plan_worker.py) and from the fixes of earlier runs first (fix_store.py). A table created in the
file being linted is new (empty, unused): most hazards do not apply to it. A statement that works
through every table row takes its severity from the table's size (sizes.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..gcpause import paused_gc
from .collect import NOT_READ, collect, listed, read_text
from .config import LintConfig
from .liquibase_files import CHANGELOG_SUFFIXES, may_be_changelog
from .model import Finding, LintReport
from .sqlness import not_sql
from .strong_migrations import StrongSettings

# What runs on every lint loads here; the linter itself (linter.py: the rules, PostgreSQL's parser,
# the planner's fixes) and the readers of each framework load when a file needs them, so a run
# whose files all come from the cache (cache.py) costs little more than reading them.
if TYPE_CHECKING:
    from .linter import Linter
    from .pyread import Framework, Piece
    from .read_liquibase import LiquibaseState
    from .sql_runner import Runner


@dataclass
class Source:
    path: str  # as reported
    text: str
    line_offset: int = 0  # for SQL found inside a Python file: the line the string starts on
    framework: Framework | None = None
    pieces: list[Piece] | None = None  # a Python migration: the SQL of each call, linted as one file
    lock_timeout: bool = False  # set before it runs (a Rails app's StrongMigrations.lock_timeout)
    fresh: frozenset[str] = frozenset()  # tables earlier files created that this one takes as new (Read.fresh)
    runner: Runner | None = None  # a plain SQL file: the tool that runs it, and how (sql_runner.py)


# From this many files, and when the planner is not loaded yet (the CLI; the MCP server has it),
# the fixes are planned in a helper process that loads the planner while the files are read
# (plan_worker.py). Below it, linting ends before the helper would be ready.
WORKER_FILES = 100


def lint_paths(
    paths: list[Path],
    config: LintConfig,
    root: Path | None = None,
    fix_worker: bool | None = None,
    cache: Path | None = None,
) -> LintReport:
    """Lint files and folders in migration order; paths in the report are relative to `root`.
    `fix_worker`: plan the fixes in a helper process (None: when it saves time, see WORKER_FILES).
    `cache`: a folder keeping each file's results for the next run (cache.py); None: no cache."""
    files = collect(paths)
    skipped: list[str] = []
    if not config.dialect_set:
        files = _without_h2(files, root, skipped)
    note, texts = sniff_dialect(files, config)
    strong = StrongSettings(files, config, root)  # before the cache: it may set the version
    cached = None
    if cache is not None:
        from .cache import LintCache

        cached = LintCache(cache, config, [*sorted(str(p.absolute()) for p in paths), str(root)])

    def text_of(f: Path) -> str:
        if f not in texts:
            texts[f] = read_text(f)
        return texts[f]

    if any(f.suffix == ".py" for f in files):
        from .revision_order import in_revision_order

        files = in_revision_order(files, text_of)
    if fix_worker is None:
        fix_worker = (
            len(files) >= WORKER_FILES
            and (os.cpu_count() or 1) > 1
            and "migration_manager.planner" not in sys.modules
            and config.dialect == "postgresql"
        )
    made = _Made(config)
    findings: list[Finding] = []
    shown: list[str] = []
    others = 0  # Python files outside migration folders that are no migration
    folders = [p for p in paths if p.is_dir()]
    liquibase = _liquibase(files, text_of)
    django = None
    ruby_files = [f for f in files if f.suffix == ".rb"]  # one Ruby parse for all (read_rails.py)
    rails = {}
    if ruby_files:
        texts.update((f, read_text(f)) for f in ruby_files if f not in texts)  # read once: parsed here, shown below
        if cached is not None:
            read_ruby = cached.read_rails
        else:
            from .read_rails import read_all as read_ruby
        rails = dict(zip(ruby_files, read_ruby([texts[f] for f in ruby_files]), strict=True))
    if fix_worker:
        from .plan_worker import PlanWorker  # subprocess: imported only for a long run

    helper = PlanWorker(lazy=cached is not None) if fix_worker else nullcontext()
    with helper as worker, paused_gc():  # gc: see gcpause.py
        if cached is not None and worker is not None:
            cached.on_miss = worker.start  # started by the first file not in the cache

        def lint_one(source: Source) -> list[Finding]:
            if cached is not None:
                found, notes = cached.lint(made.linter, source)
                skipped.extend(notes)
                return found
            linter = made.linter()
            before = len(linter.notes)
            found = linter.lint_source(source)
            skipped.extend(linter.notes[before:])
            return found

        for f in files:
            name = str(f.relative_to(root)) if root and f.is_relative_to(root) else str(f)
            if (
                liquibase is not None
                and f.suffix in CHANGELOG_SUFFIXES
                and (changelogs := liquibase.read(f)) is not None
            ):
                for log in changelogs:  # a master, then what it includes, in the order Liquibase runs them
                    at = str(log.path.relative_to(root)) if root and log.path.is_relative_to(root) else str(log.path)
                    skipped.extend(f"{at}:{note}" for note in log.read.skipped)
                    if config.dialect != "postgresql" and any(not p.written for p in log.read.pieces):
                        skipped.append(f"{at}: its Liquibase change types are read for PostgreSQL only")
                    shown.extend([at] if at not in shown else [])  # a changelog cut by an sqlFile: once
                    findings.extend(lint_one(Source(at, "", framework="liquibase", pieces=log.read.pieces)))
                continue
            if f.suffix in NOT_READ and f not in rails:
                skipped.append(f"{name}: {NOT_READ[f.suffix]}")
                continue
            text = texts.pop(f, None) or read_text(f)  # the sniff's read, else read now
            if f.suffix not in (".py", ".rb") and (reason := not_sql(text)):
                shown.append(name)
                findings.extend(not_sql_finding(config, name, reason))
                continue
            source = Source(name, text)
            if f.suffix == ".sql":
                from .sql_runner import runner

                if (run := runner(f, text)) is not None:
                    source = Source(name, run.text, runner=run)
            if f.suffix in (".py", ".rb"):
                found = rails.get(f)
                if found is None:
                    from .read_django import DjangoState
                    from .read_python import read_python

                    django = django or DjangoState()
                    found = read_python(str(f.absolute()), text, django)  # absolute: the app's folder
                if (
                    found.framework is None
                    and f not in paths
                    and not any(f.is_relative_to(d) and listed(f, d) for d in folders)
                ):
                    others += 1
                    continue
                skipped.extend(f"{name}:{note}" if note[:1].isdigit() else f"{name}: {note}" for note in found.skipped)
                if found.framework is None:
                    continue
                if config.dialect != "postgresql" and any(not p.written for p in found.pieces):
                    skipped.append(
                        f"{name}: its {found.framework.capitalize()} operations are read for PostgreSQL only"
                    )
                source = Source(name, text, framework=found.framework, pieces=found.pieces, fresh=found.fresh)
                if found.framework == "rails" and config.dialect == "postgresql":
                    source.lock_timeout = strong.lock_timeout(f)
            shown.append(name)
            findings.extend(lint_one(source))
        if made.made is not None:
            from .fixes import plan_here

            plan_many = worker or plan_here
            if cached is not None:  # the fixes of earlier runs first: the planner for the rest
                made.made.resolve_fixes(cached.fixes.wrap(plan_many), cached.fixes.memory)
            else:
                made.made.resolve_fixes(plan_many)
        if cached is not None:
            cached.store(made.made)
    if others:
        skipped.append(
            f"{others} other Python file(s) under the folders given, outside any migrations folder, "
            "are not migrations: not read"
        )
    return LintReport(
        pg_version=config.pg_version,
        dialect=config.dialect,
        files=shown,
        statements=(made.made.statements if made.made is not None else 0) + (cached.statements if cached else 0),
        findings=findings,
        dialect_note=note,
        skipped=skipped,
        project_notes=strong.notes(),
    )


def _without_h2(files: list[Path], root: Path | None, skipped: list[str]) -> list[Path]:
    """The files but the SQL in folders named h2 (H2's, e.g. Flyway's migrations/h2), each listed as
    skipped with the way out: read as MySQL (AUTO_INCREMENT) or PostgreSQL, H2 SQL gives false findings."""
    from ..dialect_sniff import in_h2_folder

    kept = []
    for f in files:
        name = str(f.relative_to(root)) if root and f.is_relative_to(root) else str(f)
        if f.suffix == ".sql" and in_h2_folder(name if root else str(f.absolute())):
            skipped.append(
                f"{name}: H2 SQL (a folder named h2): migration-manager lints PostgreSQL, MariaDB and MySQL only; "
                "give --dialect postgresql, mariadb or mysql if it runs on one of them"
            )
        else:
            kept.append(f)
    return kept


class _Made:
    """The run's Linter, made when the first source has to be linted (not one, when all come
    from the cache)."""

    def __init__(self, config: LintConfig) -> None:
        self.config = config
        self.made: Linter | None = None

    def linter(self) -> Linter:
        if self.made is None:
            from .linter import Linter

            self.made = Linter(self.config, defer_fixes=True)
        return self.made


def _liquibase(files: list[Path], text_of: Callable[[Path], str]) -> LiquibaseState | None:
    """The run's Liquibase reader, when a file may be a changelog (XML, YAML or JSON, or SQL that
    says it is formatted SQL); None otherwise, and read_liquibase.py is not loaded."""
    if not any(f.suffix in CHANGELOG_SUFFIXES and may_be_changelog(f.suffix, text_of(f)[:200]) for f in files):
        return None
    from .read_liquibase import LiquibaseState

    return LiquibaseState(files)


def not_sql_finding(config: LintConfig, path: str, reason: str) -> list[Finding]:
    """A file that is not SQL: said so, with nothing of its content (see sqlness.py)."""
    if "parse-error" in config.ignore:
        return []
    return [
        Finding(
            rule="parse-error",
            severity=config.severity.get("parse-error", "error"),
            path=path,
            line=1,
            column=1,
            message=f"not SQL ({reason}): not linted, and its content is not quoted; give SQL migration files",
            lock=None,
            why="lint reads SQL migrations; this file is none, so nothing in it was checked.",
            fix=None,
            statement="",
        )
    ]


def sniff_dialect(files: list[Path], config: LintConfig) -> tuple[str | None, dict[Path, str]]:
    """With no dialect configured or given: lint SQL files that read as MySQL as MySQL, and say so.
    Returns the note and the texts it read (the lint reuses them instead of reading them again)."""
    if config.dialect_set:
        return None, {}
    texts = {f: read_text(f) for f in [f for f in files if f.suffix == ".sql"][:50]}
    if not texts:
        return None, texts
    from ..dialect_sniff import from_sql

    if from_sql(list(texts.values())) != "mysql":
        return None, texts
    config.dialect = "mysql"
    return (
        "linted as MySQL: the SQL reads as MySQL (backtick-quoted names, AUTO_INCREMENT, ENGINE=); "
        "give --dialect postgresql (or dialect in [tool.migration-manager]) otherwise"
    ), texts


def lint_text(sql: str, config: LintConfig, path: str = "<sql>") -> LintReport:
    note = None
    if not config.dialect_set:
        from ..dialect_sniff import from_sql

        if from_sql([sql]) == "mysql":
            config.dialect = "mysql"
            note = "linted as MySQL: the SQL reads as MySQL (backtick-quoted names, AUTO_INCREMENT, ENGINE=)"
    from .linter import Linter

    linter = Linter(config)
    with paused_gc():
        findings = linter.lint_source(Source(path, sql))
    return LintReport(
        pg_version=config.pg_version,
        dialect=config.dialect,
        files=[path],
        statements=linter.statements,
        findings=findings,
        dialect_note=note,
        skipped=list(linter.notes),
    )


__all__ = ["Source", "collect", "lint_paths", "lint_text", "read_text"]
