"""Lint migration files in the order they run, keeping the schema they build.

Each file is cut into statements (source.py); each statement is checked by every rule with
what is known at that point (rules/base.Context), then applied to the schema. A table created
in the file being linted is new (empty, unused): most hazards do not apply to it. A statement
that works through every table row takes its severity from the table's size (sizes.py): a table
created by an earlier file of the run, with no rows loaded, is small.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..gcpause import paused_gc
from ..naming import version_key
from .config import LintConfig
from .fixes import PlanMany, PlannedFix, plan_here, resolve
from .framework_fix import worded
from .model import Finding, LintReport, Severity
from .pyread import Framework, Piece
from .read_django import DjangoState
from .read_liquibase import CHANGELOG_SUFFIXES, LiquibaseState
from .read_python import read_python
from .read_rails import read_all as read_rails
from .revision_order import in_revision_order
from .rules import BY_ID, BY_KIND, Context
from .rules.base import Rule
from .schema import Schema
from .sizes import by_size
from .source import Statement, position, statements
from .sqlness import not_sql
from .tree import constant, unwrap

if TYPE_CHECKING:  # the MySQL side (sqlglot, ~0.1 s to import) loads only when a file needs it
    from .mysql_rules.base import MyRule
    from .mysql_source import MyStatement

_DOWN = re.compile(r"(_down\.sql|\.down\.sql|^U\d[^/]*__.*\.sql|^down\.sql)$", re.IGNORECASE)
_NUMBERS = re.compile(r"(\d+)")


@dataclass
class Source:
    path: str  # as reported
    text: str
    line_offset: int = 0  # for SQL found inside a Python file: the line the string starts on
    framework: Framework | None = None
    pieces: list[Piece] | None = None  # a Python migration: the SQL of each call, linted as one file


# files lint does not read, by suffix, and why (they are listed as skipped, never parsed as SQL)
NOT_READ = {
    ".rb": "Rails migration",  # read (read_rails.py); listed here to be collected in migration folders
    ".xml": "Liquibase changelog (XML): not read yet",
    ".yaml": "Liquibase changelog (YAML) or other YAML: not read yet",
    ".yml": "Liquibase changelog (YAML) or other YAML: not read yet",
    ".json": "Liquibase changelog (JSON) or other JSON: not read yet",
    ".java": "Java migration (Flyway, Liquibase): not read yet",
    ".kt": "Kotlin migration (Flyway): not read yet",
    ".js": "JavaScript migration (Knex, Sequelize, TypeORM ...): not read yet",
    ".ts": "TypeScript migration (Knex, TypeORM, MikroORM ...): not read yet",
    ".go": "Go migration: not read yet",
    ".php": "PHP migration (Laravel, Doctrine): not read yet",
    ".cs": "C# migration (Entity Framework): not read yet",
    ".exs": "Elixir (Ecto) migration: not read yet",
}


# folders migrations live in: a file of another framework (NOT_READ) or a Python file that is no
# migration is listed as skipped there; elsewhere in a folder walked (an app's views, its static
# JavaScript) such files are only counted
MIGRATION_FOLDERS = frozenset(
    {"migrations", "migration", "migrate", "versions", "alembic", "changelog", "liquibase", "db"}
)


def _listed(path: Path, folder: Path) -> bool:
    """Whether a file found under `folder` that lint does not read is worth listing as skipped: it
    is in the folder itself or in a migration folder below it (the folder's own name counts)."""
    inside = path.relative_to(folder).parent.parts
    return path.parent == folder or any(part.lower() in MIGRATION_FOLDERS for part in (folder.name, *inside))


def migration_order(paths: Iterable[Path]) -> list[Path]:
    """Numbers compared as numbers (V1.10 after V1.9, 0010 after 0009), then the name."""

    def key(p: Path) -> tuple[tuple[int, ...], str]:
        nums = tuple(int(n) for n in _NUMBERS.findall(p.name)[:3])
        return (version_key(p.name[1:].split("__")[0]) if p.name[:1] in "VR" and "__" in p.name else nums, str(p))

    return sorted(paths, key=key)


def collect(paths: list[Path]) -> list[Path]:
    """The up-migration files to lint: .sql files (down files left out: they run against the schema
    the up built), Python migrations, and the migrations of other frameworks (NOT_READ: listed as
    skipped). A package's __init__.py is not a migration."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        if p.is_dir():
            files = [
                f
                for f in p.rglob("*")
                if f.is_file() and (f.suffix in (".sql", ".py") or (f.suffix in NOT_READ and _listed(f, p)))
            ]
            files = [
                f
                for f in files
                if not _DOWN.search(f.name) and "node_modules" not in f.parts and f.name != "__init__.py"
            ]
            found.extend(migration_order(files))
        else:
            found.append(p)
    return found


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte decodes: the SQL keywords are ASCII either way


class Linter:
    """Lints sources in the order given, keeping the schema they build. Fixes the planner writes
    are resolved at the end of each source, or, with `defer_fixes`, when resolve_fixes is called:
    one batch for a whole run (lint_paths)."""

    def __init__(self, config: LintConfig, defer_fixes: bool = False) -> None:
        self.config = config
        self.schema = Schema()
        self.statements = 0
        self.defer_fixes = defer_fixes
        self.pending: list[tuple[Finding, PlannedFix, Framework | None, bool]] = []

    def resolve_fixes(self, plan_many: PlanMany = plan_here) -> None:
        """Write the fix of each finding that waits for the planner."""
        if self.pending:
            texts = resolve([fix for _, fix, _, _ in self.pending], plan_many)
            for (finding, _, framework, from_call), text in zip(self.pending, texts, strict=True):
                finding.fix = worded(framework, finding.rule, text, from_call)
        self.pending = []

    def lint_source(self, source: Source) -> list[Finding]:
        findings = self._lint_mysql(source) if self.config.dialect != "postgresql" else self._lint_postgres(source)
        if not self.defer_fixes:
            self.resolve_fixes()
        return findings

    def _lint_postgres(self, source: Source) -> list[Finding]:
        findings: list[Finding] = []
        lock_timeout = begun = utc = False
        self.schema.emptied.clear()  # each file runs in a transaction of its own
        pieces = source.pieces if source.pieces is not None else [Piece(source.text, 1 + source.line_offset, False)]
        for piece in pieces:
            first = string_start(source.text, piece.line, piece.column) if piece.written else 1
            for st in statements(piece.sql):
                self.statements += 1
                at = _At(piece, st, source.framework, first)
                if st.tree is None:
                    if st.error is not None:
                        findings.extend(self._report(source, st, "parse-error", st.error, None, None, at=at))
                    else:
                        self.schema.load(st.text)  # INSERT / COPY (not parsed): rows loaded
                    continue
                kind, node = unwrap(st.tree)
                ctx = Context(
                    kind,
                    node,
                    st.text,
                    source.path,
                    self.schema,
                    self.config.pg_version,
                    lock_timeout,
                    begun or piece.in_transaction,
                    utc,
                )
                for rule in BY_KIND.get(kind, ()):
                    for hit in rule.check(ctx):
                        findings.extend(
                            self._report(
                                source, st, rule.id, hit.message, hit.lock, hit.fix, hit.uncertain, at, hit.table
                            )
                        )
                        if rule.id == "missing-lock-timeout":
                            lock_timeout = True  # once per file: the fix is one SET at its top
                if kind == "TransactionStmt":
                    if node.get("kind") in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                        begun = True
                    elif node.get("kind") in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
                        begun = False
                        self.schema.emptied.clear()
                elif kind == "VariableSetStmt" and node.get("name"):
                    value = " ".join(constant(a) for a in node.get("args") or ())
                    if node["name"] == "lock_timeout":
                        lock_timeout = value.strip("'") not in ("0", "")
                    elif node["name"] == "timezone":
                        utc = value.strip("'").upper() in ("UTC", "ETC/UTC", "Z", "0")
                self.schema.apply(kind, node, st.text, source.path)
        return findings

    def _lint_mysql(self, source: Source) -> list[Finding]:
        """MariaDB / MySQL: sqlglot's parse trees and the rules of mysql_rules/."""
        from sqlglot import exp

        from .mysql_rules import MY_RULES, MyContext
        from .mysql_rules._helpers import is_ddl
        from .mysql_source import my_statements

        findings: list[Finding] = []
        new_tables: set[str] = set()
        lock_wait = False
        ddl = 0
        # a Python migration's SQL written out (op.execute, RunSQL), each string at its own line
        sources = (
            [source]
            if source.pieces is None
            else [Source(source.path, p.sql, p.line - 1) for p in source.pieces if p.written]
        )
        for source, st in ((s, st) for s in sources for st in my_statements(s.text)):
            self.statements += 1
            if st.node is None:
                if st.error is not None:
                    findings.extend(self._report(source, st, "parse-error", st.error, None, None))
                continue
            ctx = MyContext(st.node, st.text, source.path, new_tables, lock_wait, ddl)
            for rule in MY_RULES:
                for hit in rule.check(ctx):
                    findings.extend(self._report(source, st, rule.id, hit.message, hit.lock, hit.fix, hit.uncertain))
                    if rule.id == "mysql-missing-lock-wait-timeout":
                        lock_wait = True
            node = st.node
            if isinstance(node, exp.Set) and "lock_wait_timeout" in node.sql("mysql").lower():
                lock_wait = True
            if isinstance(node, exp.Create) and str(node.args.get("kind", "")).upper() == "TABLE":
                new_tables.add(node.this.name if not isinstance(node.this, exp.Schema) else node.this.this.name)
            if is_ddl(node):
                ddl += 1
        return findings

    def not_sql(self, path: str, reason: str) -> list[Finding]:
        """A file that is not SQL: said so, with nothing of its content (see sqlness.py)."""
        if "parse-error" in self.config.ignore:
            return []
        return [
            Finding(
                rule="parse-error",
                severity=self.config.severity.get("parse-error", "error"),
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

    def _report(
        self,
        source: Source,
        st: Statement | MyStatement,
        rule_id: str,
        message: str,
        lock: str | None,
        fix: str | PlannedFix | None,
        uncertain: bool = False,
        at: _At | None = None,
        table: str | None = None,
    ) -> list[Finding]:
        if rule_id in self.config.ignore or rule_id in st.ignored or "all" in st.ignored:
            return []
        if at is not None and (rule_id in at.piece.ignored or "all" in at.piece.ignored):
            return []
        rule: Rule | MyRule
        if rule_id in BY_ID:
            rule = BY_ID[rule_id]
        else:
            from .mysql_rules import MY_BY_ID

            rule = MY_BY_ID[rule_id]
        error_line = getattr(st, "error_line", None)
        error_column = getattr(st, "error_column", None)
        line, column = (
            (error_line or st.line, error_column or st.column) if rule_id == "parse-error" else (st.line, st.column)
        )
        text = st.text
        if at is not None:
            line, column, text = at.place(line, column)
        else:
            line += source.line_offset
        from_call = at is not None and not at.piece.written and at.framework is not None
        severity: Severity = "warning" if uncertain else rule.severity
        if table is not None and rule.severity == "error":
            severity, message = by_size(severity, message, table, self.schema, self.config.sizes, source.path)
        finding = Finding(
            rule=rule_id,
            severity=self.config.severity.get(rule_id, severity),
            path=source.path,
            line=line,
            column=column,
            message=message,
            lock=lock,
            why=rule.why,
            fix=None if isinstance(fix, PlannedFix) else worded(source.framework, rule_id, fix, from_call),
            statement=text.strip()[:400],
        )
        if isinstance(fix, PlannedFix):
            self.pending.append((finding, fix, source.framework, from_call))
        return [finding]


_OPENING = re.compile(r"[rRbBuUfF]{0,2}(\"\"\"|'''|\"|')")  # a Python string literal
_RUBY_OPENING = re.compile(r"\w+[ (]\s*(\"|'|%[qQ]?[({\[<|])")  # execute "..." / execute(%q{...})


def string_start(text: str, line: int, column: int) -> int:
    """The column the content of a string starts at, after its prefix and opening quotes: the
    literal at `line`, `column` (1-based) of `text` (Python), or the one the call there takes
    (Ruby's `execute "..."`); 1 when none is known to open there."""
    lines = text.splitlines()
    if column <= 1 or not 0 < line <= len(lines):
        return 1
    found = _OPENING.match(lines[line - 1], column - 1) or _RUBY_OPENING.match(lines[line - 1], column - 1)
    return found.end() + 1 if found else 1


@dataclass
class _At:
    """Where a statement of a piece of SQL is in its file, and its text as written."""

    piece: Piece
    st: Statement
    framework: Framework | None
    first: int = 1  # SQL written out in a string: the column its first line starts at in the file

    def place(self, line: int, column: int) -> tuple[int, int, str]:
        """The file's line and column of a position (`line`, `column` in the piece), and the text."""
        text = self.st.text
        if self.piece.shown is not None:
            text = self.piece.shown[self.st.offset : self.st.offset + len(self.st.text)]
        if self.framework is not None and not self.piece.written:
            return self.piece.line, self.piece.column, text  # built from a call: the call's place
        return line + self.piece.line - 1, column + (self.first - 1 if line == 1 else 0), text


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
    note, texts = sniff_dialect(files, config)
    cached = None
    if cache is not None:
        from .cache import LintCache

        cached = LintCache(cache, config, [*sorted(str(p.absolute()) for p in paths), str(root)])

    def text_of(f: Path) -> str:
        if f not in texts:
            texts[f] = read_text(f)
        return texts[f]

    files = in_revision_order(files, text_of)
    if fix_worker is None:
        fix_worker = (
            len(files) >= WORKER_FILES
            and (os.cpu_count() or 1) > 1
            and "migration_manager.planner" not in sys.modules
            and config.dialect == "postgresql"
        )
    linter = Linter(config, defer_fixes=True)
    lint_one = linter.lint_source if cached is None else partial(cached.lint, linter)
    findings: list[Finding] = []
    shown: list[str] = []
    skipped: list[str] = []
    others = 0  # Python files outside migration folders that are no migration
    folders = [p for p in paths if p.is_dir()]
    django = DjangoState()
    liquibase = LiquibaseState(files)
    ruby_files = [f for f in files if f.suffix == ".rb"]  # one Ruby parse for all (read_rails.py)
    texts.update((f, read_text(f)) for f in ruby_files if f not in texts)  # read once: parsed here, shown below
    read_ruby = read_rails if cached is None else cached.read_rails
    rails = dict(zip(ruby_files, read_ruby([texts[f] for f in ruby_files]), strict=True))
    if fix_worker:
        from .plan_worker import PlanWorker  # subprocess: imported only for a long run

    helper = PlanWorker(lazy=cached is not None) if fix_worker else nullcontext()
    with helper as worker, paused_gc():  # gc: see gcpause.py
        if cached is not None and worker is not None:
            cached.on_miss = worker.start  # started by the first file not in the cache
        for f in files:
            name = str(f.relative_to(root)) if root and f.is_relative_to(root) else str(f)
            if f.suffix in CHANGELOG_SUFFIXES and (changelogs := liquibase.read(f)) is not None:
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
                findings.extend(linter.not_sql(name, reason))
                continue
            source = Source(name, text)
            if f.suffix in (".py", ".rb"):
                found = rails.get(f) or read_python(str(f.absolute()), text, django)  # absolute: the app's folder
                if (
                    found.framework is None
                    and f not in paths
                    and not any(f.is_relative_to(d) and _listed(f, d) for d in folders)
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
                source = Source(name, text, framework=found.framework, pieces=found.pieces)
            shown.append(name)
            findings.extend(lint_one(source))
        linter.resolve_fixes(worker or plan_here)
        if cached is not None:
            cached.store(linter)
    if others:
        skipped.append(
            f"{others} other Python file(s) under the folders given, outside any migrations folder, "
            "are not migrations: not read"
        )
    return LintReport(
        pg_version=config.pg_version,
        dialect=config.dialect,
        files=shown,
        statements=linter.statements,
        findings=findings,
        dialect_note=note,
        skipped=skipped,
    )


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
    )


__all__ = ["lint_paths", "lint_text", "position"]
