"""find_migrations: which frameworks a repository uses, where their migrations live, in which
order, what comes next, and what looks wrong. Reads only; never imports the repository's code."""

from __future__ import annotations

from pathlib import Path

from ..gcpause import paused_gc
from . import alembic, django, flyway, liquibase, rails, sqlfiles
from .dialect import fill_dialects
from .models import FrameworkFindings, MigrationEntry, Problem, RepoMigrations
from .walk import Repo

_DETECTORS = (alembic.find, rails.find, flyway.find, liquibase.find, django.find, sqlfiles.find)


def find_migrations(root: str | Path) -> RepoMigrations:
    repo = Repo.open(root)
    found: list[FrameworkFindings] = []
    with paused_gc():  # thousands of short-lived ASTs: see gcpause.py
        for detect in _DETECTORS:
            found.extend(detect(repo))
        fill_dialects(repo, found)
    return RepoMigrations(root=str(repo.root), frameworks=found, problems=repo.problems, files_scanned=len(repo.files))


__all__ = ["FrameworkFindings", "MigrationEntry", "Problem", "RepoMigrations", "find_migrations"]
