"""What lint reports: plain dataclasses, so `migration-manager lint` (what pre-commit runs on
every commit) starts without pydantic. The MCP tool lint_sql returns the pydantic mirror of these
(server.LintReportOut, with the field descriptions), built from as_dict()."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "note"]  # note: a hazard that does not matter here (a small table)
Dialect = Literal["postgresql", "mariadb", "mysql"]


@dataclass
class Finding:
    rule: str
    severity: Severity
    path: str
    line: int  # 1-based
    column: int  # 1-based
    message: str
    lock: str | None  # the lock the statement takes and what it blocks
    why: str  # why it matters for the running application
    fix: str | None  # the safe alternative, as SQL where there is one
    statement: str  # the statement, as written (first 400 characters)


@dataclass
class LintReport:
    pg_version: int
    dialect: Dialect
    files: list[str]
    statements: int
    findings: list[Finding]
    dialect_note: str | None = None  # why this dialect, when lint chose it from the SQL itself
    skipped: list[str] = field(default_factory=list)  # "path[:line]: why": files and calls not read
    project_notes: list[str] = field(default_factory=list)  # what lint took from the project (strong_migrations)

    @property
    def nothing_read(self) -> bool:
        """No file given is one lint reads: not a clean pass, its own outcome."""
        return not self.files

    @property
    def target(self) -> str:
        return (
            f"PostgreSQL {self.pg_version}"
            if self.dialect == "postgresql"
            else {"mariadb": "MariaDB"}.get(self.dialect, "MySQL")
        )

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def notes(self) -> int:
        return sum(f.severity == "note" for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            **vars(self),
            "findings": [dict(vars(f)) for f in self.findings],
            "skipped": list(self.skipped),
            "project_notes": list(self.project_notes),
        }  # flat: no deep asdict
