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


_MYSQL_FAMILY = frozenset({"mysql", "mariadb"})


def _named(seen: Counter[tuple[str, str]]) -> set[str]:
    """The dialects the hints name, MySQL and MariaDB as one (MariaDB speaks MySQL's protocol: a
    mariadb image with jdbc:mysql URLs or a MySQL driver is one database): MariaDB when any says so."""
    dialects = {d for d, _ in seen if d}
    return dialects - {"mysql"} if dialects >= _MYSQL_FAMILY else dialects


def from_hints(seen: Counter[tuple[str, str]]) -> tuple[str, str] | None:
    """The one dialect the hints agree on, with where; None when they name none or several."""
    dialects = _named(seen)
    if len(dialects) != 1:
        return None
    dialect = dialects.pop()
    family = _MYSQL_FAMILY if dialect == "mariadb" else {dialect}
    # where MariaDB itself was named first, then the MySQL hints it stands behind
    where = sorted(
        (w for d, w in seen if d in family), key=lambda w: (w not in {x for d, x in seen if d == dialect}, w)
    )
    return dialect, where[0] + (f" (and {len(where) - 1} more)" if len(where) > 1 else "")


def disagreement(seen: Counter[tuple[str, str]]) -> str | None:
    """'the repository names several databases: X (where), Y (where)' when the hints do not agree."""
    dialects = _named(seen)
    if len(dialects) < 2:
        return None
    parts = []
    for dialect in sorted(dialects):
        family = _MYSQL_FAMILY if dialect == "mariadb" else {dialect}
        where = sorted(w for d, w in seen if d in family)
        parts.append(f"{dialect} ({'; '.join(where[:3])}{f' and {len(where) - 3} more' if len(where) > 3 else ''})")
    return "the repository names several databases: " + ", ".join(parts)


_FOLDER_NAMES = frozenset({"mysql", "mariadb", "postgres", "postgresql", "sqlite", "h2"})
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
            if sql == "mysql":  # H2's SQL has AUTO_INCREMENT too: where the repository names H2 (and no
                hints = repository_hints(repo) if hints is None else hints  # MySQL or MariaDB), look closer
                hinted = {d for d, _ in hints}
                sql = from_sql(texts, h2_named=True) if "h2" in hinted and not hinted & _MYSQL_FAMILY else sql
            if sql is not None:
                f.dialect, f.dialect_source = sql, f"the SQL of the migrations in {f.folder}"
                continue
        if hints is None:
            hints = repository_hints(repo)
        agreed = from_hints(hints)
        if agreed is not None:
            f.dialect, f.dialect_source = agreed
        else:  # no database, or several: say which (render plans for PostgreSQL unless told)
            f.dialect_source = disagreement(hints)


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
