"""What verify reports, at the boundary (CLI --json, the MCP tool verify_migration)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StatementTrace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: int
    sql: str = Field(description="the statement's first 200 characters")
    seconds: float
    locks: dict[str, str] = Field(
        default_factory=dict,
        description="table -> strongest lock mode (pg_locks); MariaDB / MySQL: the metadata lock modes held, "
        "weakest first, or what a probing write met (see the report's locks_from)",
    )
    rewritten: list[str] = Field(default_factory=list, description="tables whose relfilenode changed")
    scanned: list[str] = Field(default_factory=list, description="tables read in full inside a transaction")
    writes_blocked: list[str] = Field(
        default_factory=list,
        description="MariaDB / MySQL: tables whose writes waited for most of the statement (a metadata lock "
        "that keeps writers out, or a probing write left waiting)",
    )
    error: str | None = None


Direction = Literal["up", "down", "up again"]


class FileTrace(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    direction: Direction
    seconds: float
    statements: list[StatementTrace]


class Problem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal[
        "failed",
        "blocks-writes-while-rewriting",
        "blocks-writes-while-scanning",
        "down-does-not-restore",
        "down-loses-rows",
        "not-rerunnable",
        "seed",
    ]
    path: str | None = None
    line: int | None = None
    message: str


class VerifyReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    where: str = Field(description="the scratch database it ran on (no password)")
    server_version: int
    rows: int = Field(description="synthetic rows seeded per table")
    files: list[FileTrace]
    problems: list[Problem]
    seconds: float
    locks_from: str = Field(default="pg_locks", description="where the locks per statement were read")

    @property
    def passed(self) -> bool:
        return not [p for p in self.problems if p.kind != "seed"]
