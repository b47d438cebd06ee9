"""What preflight returns, at the boundary (CLI --json, the MCP tool preflight_sql)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..model import TableStats

Status = Literal["pass", "fail", "pending", "info", "error"]


class PreflightCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["data", "activity", "size", "assumption"] = Field(
        description="data: the rows the change needs; activity: what would make it wait; size: for the estimates; "
        "assumption: what the plan assumed of the schema (the first migration's own guard, run read-only)"
    )
    migration: int | None = Field(None, description="1-based migration it must pass before; None: before the first")
    table: str | None = None
    description: str
    sql: str
    expect: Literal["no rows", "zero", "report"] = Field(description="the answer that means go; report: information")


class CheckResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    check: PreflightCheck
    status: Status = Field(
        description="pass / fail; pending: refers to what an earlier migration of the plan creates, "
        "run it again after that one; info: a report; error: the query itself failed"
    )
    rows: list[list[Any]] = Field(default_factory=list, description="the first rows returned (at most 10)")
    message: str | None = None
    seconds: float = 0.0


class PreflightReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server: str | None = Field(None, description="where it ran (the DSN without its password)")
    server_version: int | None = None
    results: list[CheckResult]
    stats: dict[str, TableStats] = Field(default_factory=dict, description="rows and heap bytes per table")
    estimate_seconds: float | None = Field(None, description="the plan's estimate with these stats")

    @property
    def failed(self) -> bool:
        return any(r.status in ("fail", "error") for r in self.results)
