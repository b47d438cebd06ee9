"""Which database a rendering is for: the one given, else the one the repository points to
(find_migrations' dialect of the destination folder). A repository on a database this tool does
not plan for (SQLite, SQL Server, ...) is refused with the way out, never rendered as PostgreSQL
without a word.
"""

from __future__ import annotations

from ..discover.models import RepoMigrations
from ..errors import InputError
from .choose import Destination

PLANNED = ("postgresql", "mysql", "mariadb")


def render_dialect(
    found: RepoMigrations, destination: Destination, given: str | None, *, flag: str
) -> tuple[str, str | None]:
    """(dialect to plan for, a note to show the user or None). `flag` names the option as the caller
    knows it ('--dialect' on the CLI, 'dialect' over MCP)."""
    f = next(
        (f for f in found.frameworks if f.folder == destination.folder and f.framework == destination.format), None
    )
    repo, source = (f.dialect, f.dialect_source) if f is not None else (None, None)
    where = f" ({source})" if source else ""
    if given is not None:
        same = repo == given or {repo, given} <= {"mysql", "mariadb"}
        if repo is not None and not same:
            return given, f"the repository points to {repo}{where}; planned for {given} as {flag} says"
        return given, None
    if repo is None:
        why = source or "the repository does not say which database it runs"  # source: the databases it names
        return "postgresql", f"{why}: planned for PostgreSQL (give {flag} mysql or mariadb otherwise)"
    if repo in PLANNED:
        return repo, None if repo == "postgresql" else f"planned for {repo}: the repository says so{where}"
    raise InputError(
        f"the repository's database is {repo}{where}: migration-manager plans changes for PostgreSQL, MariaDB and "
        f"MySQL only. If production runs one of them (development often uses {repo}), give {flag} postgresql, "
        f"{flag} mariadb or {flag} mysql"
    )
