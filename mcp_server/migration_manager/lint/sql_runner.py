"""How the tool that runs a plain SQL migration sends it, told from the file's name, its markers
and the files beside it (what render/statement_files.py and render/flyway.py write):

- dbmate (a `-- migrate:up` line): the up section, in a transaction unless that line says
  `transaction:false`, as one query string either way;
- Diesel (<version>_name/up.sql): in a transaction unless metadata.toml beside it says
  `run_in_transaction = false`, as one query string (batch_execute) either way;
- golang-migrate (N_name.up.sql): no transaction of its own, but the postgres driver sends the file
  as one query string (unless the database URL sets x-multi-statement=true);
- Flyway (V1__name.sql): each statement on its own; in a transaction, except that Flyway runs a
  migration holding CONCURRENTLY outside one by itself (flyway/flyway#3854), unless
  V1__name.sql.conf says `executeInTransaction=true`; with other statements beside it, Flyway
  refuses the migration unless flyway.mixed=true or the .sql.conf says executeInTransaction=false.

PostgreSQL runs a query string of several statements as one implicit transaction block, so
CONCURRENTLY fails in it as it does after BEGIN (rules/concurrently_in_transaction.py). The down
section of a dbmate file is left out: it runs against the schema the up built, like a down file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_DBMATE_UP = re.compile(r"^--\s*migrate:up\b(.*)$", re.M)
_DBMATE_DOWN = re.compile(r"^--\s*migrate:down\b", re.M)
_GOLANG = re.compile(r"\d+_.+\.up\.sql")
_DIESEL_DIR = re.compile(r"(\d{4}-\d{2}-\d{2}-\d{6}(-[0-9a-fA-F]{4})?|\d{14})_.+")
_FLYWAY = re.compile(r"[VR]\d*(?:[._]\d+)*__.+\.sql")
_IN_TRANSACTION = re.compile(r"^\s*executeInTransaction\s*=\s*(\w+)", re.M)
# flyway.mixed=true (flyway.conf), mixed = true ([flyway] of flyway.toml), spring.flyway.mixed=true or
# `mixed: true` under spring.flyway (Spring Boot's application.properties / .yml)
_MIXED = re.compile(r"^\s*(?:(?:spring\.)?flyway\.)?mixed\s*[=:]\s*\"?true\b", re.M | re.I)
_CONFIGS = (
    "flyway.conf",
    "flyway.toml",
    "conf/flyway.conf",
    "src/main/resources/application.properties",
    "src/main/resources/application.yml",
    "src/main/resources/application.yaml",
)


@dataclass(frozen=True)
class Runner:
    """How a migration tool sends one SQL file (texts name the tool, the place, and the way out)."""

    tool: str
    text: str  # the SQL it runs (dbmate: the down section blanked, the lines kept)
    # (where it comes from, the way out): the tool runs the file in a transaction; None: it does not
    transaction: tuple[str, str] | None = None
    # the same, when the file holds several statements: sent as one query string (one transaction
    # block), or run in the transaction the others need (Flyway)
    several: tuple[str, str] | None = None


def runner(path: Path, text: str) -> Runner | None:
    """The tool that runs the SQL file at `path`, and how; None: a file each statement of which
    runs on its own (psql, our own SQL files)."""
    up = _DBMATE_UP.search(text)
    if up is not None:
        return _dbmate(text, up)
    if path.name == "up.sql" and (_DIESEL_DIR.fullmatch(path.parent.name) or (path.parent / "metadata.toml").exists()):
        return _diesel(path, text)
    if _GOLANG.fullmatch(path.name):
        return Runner(
            "golang-migrate",
            text,
            several=(
                f"golang-migrate's postgres driver sends {path.name} as one query string, which PostgreSQL runs as "
                "one transaction block (unless the database URL sets x-multi-statement=true)",
                "give the CONCURRENTLY statement a migration file of its own",
            ),
        )
    if _FLYWAY.fullmatch(path.name):
        return _flyway(path, text)
    return None


def _dbmate(text: str, up: re.Match[str]) -> Runner:
    line = text.count("\n", 0, up.start()) + 1
    down = _DBMATE_DOWN.search(text, up.end())
    if down is not None:  # blanked, not cut: the lines after stay where they are (none are linted)
        text = text[: down.start()] + "\n" * text.count("\n", down.start())
    alone = "give the CONCURRENTLY statement a migration of its own, its `-- migrate:up transaction:false`"
    options = up.group(1).split()
    transaction = (
        None
        if "transaction:false" in options
        else (f"dbmate runs the `-- migrate:up` section (line {line}) in a transaction", alone)
    )
    return Runner(
        "dbmate",
        text,
        transaction=transaction,
        several=(
            f"dbmate sends the `-- migrate:up` section (line {line}) as one query string, which PostgreSQL "
            "runs as one transaction block",
            alone,
        ),
    )


def _diesel(path: Path, text: str) -> Runner:
    import tomllib  # here: side_files, which the kept-run check imports, needs none of it

    metadata = path.parent / "metadata.toml"
    alone = (
        "give the CONCURRENTLY statement a migration of its own, with metadata.toml saying run_in_transaction = false"
    )
    try:
        settings = tomllib.loads(metadata.read_text(encoding="utf-8")) if metadata.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        settings = {}  # Diesel refuses it: the default is what the linted file would get
    outside = settings.get("run_in_transaction") is False
    where = "its metadata.toml does not say run_in_transaction = false" if metadata.is_file() else "no metadata.toml"
    return Runner(
        "diesel",
        text,
        transaction=None if outside else (f"Diesel runs up.sql in a transaction ({where})", alone),
        several=(
            "Diesel sends up.sql as one query string (batch_execute), which PostgreSQL runs as one transaction block",
            alone,
        ),
    )


def _flyway(path: Path, text: str) -> Runner:
    conf = path.with_name(path.name + ".conf")
    try:
        found = _IN_TRANSACTION.search(conf.read_text(encoding="utf-8")) if conf.is_file() else None
    except (OSError, UnicodeDecodeError):
        found = None
    setting = found.group(1).lower() if found is not None else None
    if setting == "false":
        return Runner("flyway", text)
    if setting == "true":
        transaction = (
            f"Flyway runs {path.name} in a transaction: {conf.name} says executeInTransaction=true",
            f"set executeInTransaction=false in {conf.name}",
        )
        return Runner("flyway", text, transaction=transaction)
    if re.search(r"concurrently", text, re.I) is None or _mixed_allowed(path.parent):  # (read only when it may matter)
        return Runner("flyway", text)  # mixed: the whole migration runs outside a transaction
    several = (
        f"Flyway runs the other statements of {path.name} in a transaction and refuses a migration that mixes "
        'them with CONCURRENTLY ("Detected both transactional and non-transactional statements") unless '
        "flyway.mixed=true",
        f"give the CONCURRENTLY statement a migration of its own, or add {conf.name} saying executeInTransaction=false",
    )
    return Runner("flyway", text, several=several)


def side_files(path: Path, data: bytes) -> list[Path]:
    """The files besides the SQL migration `path` (its bytes `data`) that runner() reads: what a
    kept lint run (run_cache.py) must also hold the bytes of."""
    if path.name == "up.sql":
        return [path.parent / "metadata.toml"]
    if not _FLYWAY.fullmatch(path.name):
        return []
    out = [path.with_name(path.name + ".conf")]
    if b"concurrently" in data.lower():
        out += [above / name for above in (path.parent, *path.parent.parents)[:8] for name in _CONFIGS]
    return out


def _mixed_allowed(folder: Path) -> bool:
    """Whether a Flyway configuration at or above the migrations' folder (flyway.conf, flyway.toml,
    Spring Boot's application.properties / .yml) says mixed = true."""
    for above in (folder, *folder.parents)[:8]:
        for name in _CONFIGS:
            config = above / name
            try:
                if config.is_file() and _MIXED.search(config.read_text(encoding="utf-8", errors="replace")):
                    return True
            except OSError:
                continue
    return False
