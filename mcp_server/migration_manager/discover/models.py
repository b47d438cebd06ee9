"""What find_migrations reports: per framework found, its migrations in order, heads, the next
file to write, and the problems it noticed. Pydantic, so it is the MCP output schema too."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Framework = Literal[
    "alembic", "rails", "flyway", "liquibase", "sql", "golang-migrate", "dbmate", "diesel", "prisma", "django"
]


class Problem(BaseModel):
    severity: Literal["error", "warning"]
    code: str = Field(description="short stable name, e.g. multiple_heads, missing_down, duplicate_id")
    message: str
    path: str | None = Field(None, description="file or folder, relative to the root")


class MigrationEntry(BaseModel):
    id: str = Field(description="revision id, version, timestamp or changeSet id::author")
    name: str = Field(description="human part of the name (description, slug, class name)")
    path: str = Field(description="relative to the root")
    down_path: str | None = Field(None, description="the separate down file, when the format has one")
    has_down: bool | None = Field(None, description="whether a down exists; None when the format has no such notion")
    depends_on: list[str] = Field(default_factory=list, description="ids this one comes after (down_revision ...)")
    kind: str | None = Field(None, description="format-specific kind: versioned, undo, repeatable, merge ...")
    included_from: str | None = Field(
        None, description="Liquibase: the changelog whose include (or includeAll) reaches this one's file"
    )


class FrameworkFindings(BaseModel):
    framework: Framework
    folder: str = Field(description="where its migrations live, relative to the root")
    config: str | None = Field(None, description="the configuration file that pointed there, if any")
    migrations: list[MigrationEntry] = Field(description="in the order they apply")
    heads: list[str] = Field(default_factory=list, description="latest id(s); more than one is a problem")
    bases: list[str] = Field(default_factory=list, description="first id(s) of the graph (Alembic, Django)")
    branch_points: list[str] = Field(default_factory=list)
    merges: list[str] = Field(default_factory=list)
    dialect: str | None = Field(
        None, description="database the repository points to: postgresql, mysql, mariadb, sqlite, ..."
    )
    dialect_source: str | None = Field(None, description="where that was read (a file and what it says)")
    checked_by: list[str] = Field(
        default_factory=list,
        description="Rails: gems the application's Gemfile or Gemfile.lock names that check each migration as it "
        "runs (strong_migrations)",
    )
    naming: str = Field(description="the file naming convention in use")
    next_id: str = Field(description="id for the next migration")
    next_file: str = Field(description="path (relative to the root) for the next migration, with NAME for its name")
    file_template: str | None = Field(
        None,
        description="Alembic: the file_template new revisions are named by (configured, or the one the names follow)",
    )
    problems: list[Problem] = Field(default_factory=list)


class RepoMigrations(BaseModel):
    root: str
    frameworks: list[FrameworkFindings]
    problems: list[Problem] = Field(default_factory=list, description="unreadable files and the like")
    files_scanned: int
