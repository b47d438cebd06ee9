"""What a repository's files say about its database: the names databases go by, and the mentions
in the files that usually say which one runs (docker-compose images, JDBC and database URLs,
drivers in dependency files, Rails' config/database.yml adapter, Django's ENGINE). Plain regular
expressions over a list of files and a way to read them: discover (find) and lint both read it,
and lint must start without pydantic (discover.models)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from os.path import basename

# names databases go by in URLs, images, adapters and drivers -> the dialect we name them
ALIASES = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "postgis": "postgresql",
    "psycopg": "postgresql",
    "psycopg2": "postgresql",
    "asyncpg": "postgresql",
    "pg": "postgresql",
    "mysql": "mysql",
    "mysql2": "mysql",
    "mysqlclient": "mysql",
    "pymysql": "mysql",
    "trilogy": "mysql",
    "mariadb": "mariadb",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "sqlserver": "mssql",
    "mssql": "mssql",
    "oracle": "oracle",
    "cockroachdb": "cockroachdb",
    "h2": "h2",
}


def normalize(name: str | None) -> str | None:
    if not name:
        return None
    return ALIASES.get(name.strip().lower(), name.strip().lower())


_IMAGE = re.compile(r"^\s*image:\s*['\"]?(?:[\w.-]+/)*(postgres|postgis|mysql|mariadb)\b", re.M)
_JDBC = re.compile(r"jdbc:(postgresql|mysql|mariadb|sqlserver|oracle|sqlite|h2)[:/]", re.I)
_H2_DRIVER = re.compile(r"\bcom\.h2database\b")  # Maven groupId / Gradle coordinates of H2
_URL = re.compile(r"(?<!jdbc:)\b(postgres(?:ql)?|mysql|mariadb|sqlite)(?:\+\w+)?://", re.I)
_GEM = re.compile(r"^\s*gem\s+['\"](pg|mysql2|trilogy|sqlite3)['\"]", re.M)
_PY_DRIVER = re.compile(r"^\s*(psycopg2?(?:-binary)?|psycopg\[?\w*\]?|asyncpg|mysqlclient|pymysql)\b", re.M | re.I)
_GO_DRIVER = re.compile(r"github\.com/(lib/pq|jackc/pgx|go-sql-driver/mysql|mattn/go-sqlite3)")
_GO = {"lib/pq": "postgresql", "jackc/pgx": "postgresql", "go-sql-driver/mysql": "mysql", "mattn/go-sqlite3": "sqlite"}

_HINT_FILES = re.compile(
    r"(^|/)(docker-compose[\w.-]*\.ya?ml|compose\.ya?ml|\.env(\.\w+)?|application[\w-]*\.(properties|ya?ml)|"
    r"flyway\.(conf|toml)|liquibase\.properties|Gemfile|requirements[\w.-]*\.txt|pyproject\.toml|go\.mod|"
    r"Cargo\.toml|pom\.xml|build\.gradle(\.kts)?|alembic\.ini|database\.yml|settings\.py)$"
)


def hints(files: list[str], read: Callable[[str], str | None]) -> Counter[tuple[str, str]]:
    """(dialect, where) for every mention found in the files that usually say which database runs
    (`files`: the repository's, relative; `read`: a file's text, None when unreadable)."""
    seen: Counter[tuple[str, str]] = Counter()
    for path in files:
        if not _HINT_FILES.search(path):
            continue
        text = read(path) or ""
        name = basename(path)
        for m in _IMAGE.finditer(text):
            seen[(normalize(m.group(1)) or "", f"{path}: image {m.group(1)}")] += 1
        for m in _JDBC.finditer(text):
            seen[(normalize(m.group(1)) or "", f"{path}: jdbc:{m.group(1).lower()}")] += 1
        for m in _URL.finditer(text):
            seen[(normalize(m.group(1)) or "", f"{path}: {m.group(1).lower()}:// URL")] += 1
        if name in ("pom.xml", "build.gradle", "build.gradle.kts") and _H2_DRIVER.search(text):
            seen[("h2", f"{path}: the H2 driver (com.h2database)")] += 1
        if name == "Gemfile":
            for m in _GEM.finditer(text):
                seen[(normalize(m.group(1)) or "", f"{path}: gem {m.group(1)}")] += 1
        if name.startswith("requirements") or name == "pyproject.toml":
            for m in _PY_DRIVER.finditer(text):
                driver = re.sub(r"[\[-].*", "", m.group(1).lower())
                seen[(normalize(driver) or "", f"{path}: {driver}")] += 1
        if name == "go.mod":
            for m in _GO_DRIVER.finditer(text):
                seen[(_GO[m.group(1)], f"{path}: {m.group(1)}")] += 1
        if name == "Cargo.toml":
            for feature in re.findall(r"\b(postgres|mysql|sqlite)\b", text):
                seen[(normalize(feature) or "", f"{path}: {feature} feature")] += 1
    return seen


_ADAPTER = re.compile(r"^\s*adapter:\s*['\"]?(\w+)", re.M)
_ADAPTERS = {
    "postgresql": "postgresql",
    "postgis": "postgresql",
    "mysql2": "mysql",
    "trilogy": "mysql",
    "sqlite3": "sqlite",
}
_ENGINE = re.compile(r"['\"]ENGINE['\"]\s*:\s*['\"]django\.db\.backends\.(\w+)['\"]")


def rails_adapter(text: str) -> str | None:
    """The database a Rails config/database.yml names (its first adapter:), as we name it."""
    m = _ADAPTER.search(text)
    return _ADAPTERS.get(m.group(1), m.group(1)) if m else None


def django_engine(text: str) -> str | None:
    """The database a Django settings file's ENGINE names, as we name it."""
    m = _ENGINE.search(text)
    return {"postgresql_psycopg2": "postgresql"}.get(m.group(1), m.group(1)) if m else None
