"""find_migrations: which frameworks a repository uses, where their migrations live, in which
order, what comes next, and what looks wrong. Reads only; never imports the repository's code."""

from __future__ import annotations

import gc
from pathlib import Path

from . import alembic, django, flyway, liquibase, rails, sqlfiles
from .models import FrameworkFindings, MigrationEntry, Problem, RepoMigrations
from .walk import Repo

_DETECTORS = (alembic.find, rails.find, flyway.find, liquibase.find, django.find, sqlfiles.find)


def find_migrations(root: str | Path) -> RepoMigrations:
    repo = Repo.open(root)
    found: list[FrameworkFindings] = []
    # Parsing thousands of files allocates millions of short-lived AST nodes; CPython's cyclic
    # collector would rescan everything alive each time (it doubled the time on 5,000 Alembic
    # files). Nothing here makes cycles that outlive the call, so it is paused meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for detect in _DETECTORS:
            found.extend(detect(repo))
    finally:
        if was_enabled:
            gc.enable()
    return RepoMigrations(root=str(repo.root), frameworks=found, problems=repo.problems, files_scanned=len(repo.files))


__all__ = ["FrameworkFindings", "MigrationEntry", "Problem", "RepoMigrations", "find_migrations"]
