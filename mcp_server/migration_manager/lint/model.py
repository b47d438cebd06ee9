"""What lint reports, at the boundary (CLI --format json, the MCP tool lint_sql)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str
    severity: Literal["error", "warning"]
    path: str
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    message: str
    lock: str | None = Field(None, description="the lock the statement takes and what it blocks")
    why: str = Field(description="why it matters for the running application")
    fix: str | None = Field(None, description="the safe alternative, as SQL where there is one")
    statement: str = Field(description="the statement, as written (first 400 characters)")


class LintReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pg_version: int
    dialect: Literal["postgresql", "mariadb", "mysql"] = "postgresql"
    files: list[str]
    statements: int
    findings: list[Finding]

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
