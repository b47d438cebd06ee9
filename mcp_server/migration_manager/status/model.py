"""What status returns, at the boundary (CLI --json, the MCP tool migration_status)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["applied", "not_applied", "partly", "unknown"]
Evidence = Literal["version_table", "objects", "later_migration", "none"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DoneResult(_Out):
    description: str
    holds: bool | None = Field(description="true / false; None: the query could not tell (see message)")
    message: str | None = None
    carried: bool = Field(
        False, description="the previous migration's check, repeated (its work must still be there): not this one's"
    )


class MigrationState(_Out):
    number: int = Field(description="1-based position in the plan")
    name: str
    title: str
    state: State = Field(
        description="applied; not_applied; partly: started and interrupted (or only some of its work is there); "
        "unknown: nothing tells (no version table row to match and no check of its objects)"
    )
    evidence: Evidence = Field(
        description="version_table: the framework's table of applied migrations; objects: its checks over the "
        "catalog; later_migration: a later migration has run and each one checks its predecessor's work first; "
        "none: nothing to go by"
    )
    version: str | None = Field(None, description="the id the framework's version table knows it by")
    checks: list[DoneResult] = Field(default_factory=list, description="its done checks, as found in the database")
    gate_before: str | None = None
    notes: list[str] = Field(default_factory=list)


class Leftover(_Out):
    kind: Literal["invalid_index", "not_valid_constraint", "shadow_column", "sync_trigger", "sync_function"]
    table: str
    name: str
    detail: str
    migration: int | None = Field(None, description="the plan's migration that creates or finishes it, when one does")
    fix: str = Field(description="what to do about it")


class VersionTable(_Out):
    framework: str
    table: str = Field(description="schema-qualified")
    matched: bool = Field(description="its rows could be matched to the plan's migrations")
    note: str | None = None


class StatusReport(_Out):
    server: str = Field(description="the database (the DSN without its password)")
    server_version: int
    plan_source: str = Field(description="how the plan was obtained")
    version_tables: list[VersionTable] = Field(default_factory=list)
    migrations: list[MigrationState]
    leftovers: list[Leftover] = Field(default_factory=list, description="what an interrupted or unfinished plan left")
    next: int | None = Field(None, description="1-based number of the next migration to run; None: all applied")
    next_name: str | None = None
    gate: str | None = Field(None, description="what the application must do before the next migration runs")
    all_applied: bool = Field(False, description="every migration of the plan is applied")
    warnings: list[str] = Field(default_factory=list)
