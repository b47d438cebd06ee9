"""The linter: each statement of a source checked by every rule with what is known at that point
(rules/base.Context), then applied to the schema the sources so far built (schema.py).

Loaded only when a file has to be linted: a run whose files all come from the cache (cache.py)
never imports the rules, the parser or the planner's fixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .config import LintConfig
from .do_block import DO
from .engine import Source, not_sql_finding
from .fixes import PlanMany, PlannedFix, Shapes, plan_here, resolve
from .framework_fix import worded
from .model import Finding, Severity
from .pyread import Framework, Piece
from .rules import BY_ID, BY_KIND, Context
from .rules.base import Rule
from .schema import Schema
from .sizes import by_size
from .source import Statement, ignored_between, position, statements
from .tree import constant, unwrap

if TYPE_CHECKING:  # the MySQL side (sqlglot, ~0.1 s to import) loads only when a file needs it
    from .mysql_rules.base import MyRule
    from .mysql_source import MyStatement


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
        self.notes: list[str] = []  # "path:line: why": what was not read (a DO block's loop), for the skipped list

    def resolve_fixes(self, plan_many: PlanMany = plan_here, memory: Shapes | None = None) -> None:
        """Write the fix of each finding that waits for the planner (`memory`: what is known of
        shapes, the process's own by default)."""
        if self.pending:
            texts = resolve([fix for _, fix, _, _ in self.pending], plan_many, memory)
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
        begun = utc = False
        lock_timeout = source.lock_timeout
        self.schema.emptied.clear()  # each file runs in a transaction of its own
        pieces = source.pieces if source.pieces is not None else [Piece(source.text, 1 + source.line_offset, False)]
        unit = source.path
        run = source.runner
        for piece in pieces:
            first = string_start(source.text, piece.line, piece.column) if piece.written else 1
            sts = statements(piece.sql)
            # where a transaction the tool opens comes from (sql_runner.py): it runs the file in one,
            # or sends it as one query string, which PostgreSQL runs as one when it holds several
            opened = None if run is None else run.transaction or (run.several if len(sts) > 1 else None)
            if created_by(source.path, piece) != unit:  # a Liquibase changeSet: a migration of its own
                unit = created_by(source.path, piece)
                self.schema.emptied.clear()  # and a transaction of its own
            for st, in_do in self._expanded(source, piece, sts, first):
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
                    lock_timeout or piece.lock_timeout,
                    begun or piece.in_transaction or bool(opened) or in_do,
                    utc,
                    source.fresh,
                    unit,
                    _IN_DO if in_do else None if begun or piece.in_transaction else opened,
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
                self.schema.apply(kind, node, st.text, unit)
        return findings

    def _expanded(
        self, source: Source, piece: Piece, sts: list[Statement], first: int
    ) -> Iterator[tuple[Statement, bool]]:
        """The statements of a piece, each DO block's in its place (do_block.py: True, they run in
        the DO's function), what lint does not read of one noted in self.notes."""
        for st in sts:
            if st.tree is not None or st.error is not None or not DO.match(st.text):
                yield st, False
                continue
            from .do_block import read_do

            body = read_do(st.text)
            for offset, why in body.unread:
                line = _At(piece, st, source.framework, first).place(*position(piece.sql, st.offset + offset))[0]
                self.notes.append(f"{source.path}:{line}: {why}")
            inner: list[Statement] = []
            previous = st.offset
            for sql, offset in body.sql:
                for one in statements(sql)[:1]:
                    at = st.offset + offset
                    line, column = position(piece.sql, at)
                    ignored = st.ignored | ignored_between(piece.sql, at, previous)  # its own ignore comment
                    inner.append(replace(one, offset=at, line=line, column=column, ignored=ignored))
                    previous = at + len(sql)
            for one, _ in self._expanded(source, piece, inner, first):  # a DO block in a DO block
                yield one, True

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
        return not_sql_finding(self.config, path, reason)

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
            unit = created_by(source.path, at.piece) if at is not None else source.path
            severity, message = by_size(severity, message, table, self.schema, self.config.sizes, unit)
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


# a statement of a DO block runs in the function the block is: never outside a transaction
_IN_DO = (
    "it runs inside a DO block, which PostgreSQL runs as a function",
    "run it as a statement of its own, outside the DO block",
)


def created_by(path: str, piece: Piece) -> str:
    """What a table created by this piece is new in: its file, or the changeSet of it that runs
    it (Liquibase: changeSet 2 of a changelog may run years after changeSet 1 created the table)."""
    return f"{path} ({piece.unit})" if piece.unit else path


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
