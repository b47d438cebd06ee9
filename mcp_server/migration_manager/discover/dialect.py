"""Which database a repository's migrations are for, when its framework's own configuration does not
say: from what the repository runs (docker-compose images, JDBC and database URLs, drivers in its
dependency files) and, for folders of plain SQL, from the SQL itself (backtick-quoted names,
AUTO_INCREMENT, ENGINE=...). Each answer says where it came from, so a user can check it.
"""

from __future__ import annotations

import re
from collections import Counter

from ..dialect_hints import ALIASES, hints, normalize
from ..dialect_sniff import from_sql
from .models import FrameworkFindings
from .walk import Repo


def repository_hints(repo: Repo) -> Counter[tuple[str, str]]:
    """(dialect, where) for every mention found in the files that usually say which database runs."""
    return hints(repo.files, repo.text)


def from_hints(seen: Counter[tuple[str, str]]) -> tuple[str, str] | None:
    """The one dialect the hints agree on, with where; None when they name none or several."""
    dialects = {d for d, _ in seen if d}
    if len(dialects) != 1:
        return None
    dialect = dialects.pop()
    where = sorted(w for d, w in seen if d == dialect)
    return dialect, where[0] + (f" (and {len(where) - 1} more)" if len(where) > 1 else "")


_FOLDER_NAMES = frozenset({"mysql", "mariadb", "postgres", "postgresql", "sqlite"})
_SQL_FRAMEWORKS = ("flyway", "sql", "golang-migrate", "dbmate", "diesel")


def fill_dialects(repo: Repo, found: list[FrameworkFindings]) -> None:
    """Give each finding whose configuration named no database the one the repository points to."""
    hints: Counter[tuple[str, str]] | None = None
    for f in found:
        if f.dialect is not None:
            f.dialect = normalize(f.dialect)
            f.dialect_source = f.dialect_source or _config_source(repo, f)
            continue
        named = [normalize(part) for part in f.folder.lower().split("/") if part in _FOLDER_NAMES]
        if len(set(named)) == 1:  # flyway/sql/mysql, migrations/postgresql: the folder says
            f.dialect, f.dialect_source = named[0], f"the folder name {f.folder}"
            continue
        if f.framework in _SQL_FRAMEWORKS:
            texts = [repo.text(m.path) or "" for m in f.migrations[-50:]]
            sql = from_sql(texts)
            if sql is not None:
                f.dialect, f.dialect_source = sql, f"the SQL of the migrations in {f.folder}"
                continue
        if hints is None:
            hints = repository_hints(repo)
        agreed = from_hints(hints)
        if agreed is not None:
            f.dialect, f.dialect_source = agreed


_CONFIG_FILES = {
    "rails": r"(^|/)config/database\.yml$",
    "django": r"(^|/)settings(\.py|/[\w.]+\.py)$",
    "liquibase": r"(^|/)liquibase\.properties$",
    "flyway": r"(^|/)flyway\.(conf|toml)$",
    "alembic": r"(^|/)alembic\.ini$",
}


def _config_source(repo: Repo, f: FrameworkFindings) -> str:
    """Where the framework's own configuration named the database: its config file."""
    pattern = _CONFIG_FILES.get(f.framework)
    if pattern:
        hits = [p for p in repo.files if re.search(pattern, p) and f.dialect and _names(repo.text(p) or "", f.dialect)]
        if hits:
            return sorted(hits, key=len)[0]
    return f.config or f"{f.framework} configuration"


def _names(text: str, dialect: str) -> bool:
    words = {a for a, d in ALIASES.items() if d == dialect} | {dialect}
    return any(re.search(rf"\b{re.escape(w)}", text, re.I) for w in words)
