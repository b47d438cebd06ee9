"""SQL-file formats: ours (YYYYMMDDHHMMSS_name.sql + _down.sql), golang-migrate (N_name.up.sql /
.down.sql), dbmate (-- migrate:up / -- migrate:down), Diesel (<stamp>_name/up.sql, down.sql),
Prisma (prisma/migrations/<stamp>_name/migration.sql).

Diesel, as diesel_migrations reads a folder: every non-hidden sub-folder is a migration and must
hold up.sql; its version is the name up to the first `_` with the dashes removed, and versions
sort as strings. diesel_cli 1.x names them YYYY-MM-DD-HHMMSS_name, 2.x YYYY-MM-DD-HHMMSS-XXXX_name
(XXXX: a hex counter, 0000 unless several are made in one second); `diesel setup` makes
00000000000000_diesel_initial_setup. The folder is `[migrations_directory] dir` of diesel.toml
(relative to that file), else `migrations` beside it, else any folder holding such sub-folders."""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ..naming import NAME, in_the_future, next_number, next_timestamp
from .models import Framework, FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_OURS = re.compile(r"(\d{14})_(.+?)(_down)?\.sql")
_DBMATE = re.compile(r"(\d{14})_(.+)\.sql")
_GOLANG = re.compile(r"(\d+)_(.+)\.(up|down)\.sql")
_DIESEL_DIR = re.compile(r"(\d{4}-\d{2}-\d{2}-\d{6}(-[0-9a-fA-F]{4})?|\d{14})_(.+)")
_PRISMA_DIR = re.compile(r"(\d{14})_(.+)")
_DBMATE_UP = re.compile(r"^--\s*migrate:up\b", re.M)
_DBMATE_DOWN = re.compile(r"^--\s*migrate:down\b(.*)", re.M | re.S)


def _problem(code: str, message: str, path: str, severity: str = "warning") -> Problem:
    return Problem(severity="error" if severity == "error" else "warning", code=code, message=message, path=path)


def _by_folder(paths: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for p in paths:
        out[dirname(p)].append(p)
    return out


def _check_ids(entries: list[MigrationEntry], problems: list[Problem], stamps: bool, folder: str) -> None:
    """Duplicate ids, future stamps, missing downs. A folder where no migration has a down is
    up-only by design (goharbor/harbor): one problem for the folder, not one per file."""
    up_only = len(entries) > 1 and all(e.has_down is False for e in entries)
    if up_only:
        problems.append(
            _problem(
                "up_only",
                f"up-only folder: {len(entries)} migrations have no down; rollbacks are not possible",
                folder,
            )
        )
    seen: dict[str, str] = {}
    for e in entries:
        if e.id in seen:
            problems.append(_problem("duplicate_id", f"id {e.id} is also {seen[e.id]}", e.path, "error"))
        seen.setdefault(e.id, e.path)
        if stamps and in_the_future(e.id):
            problems.append(
                _problem("out_of_order", f"dated in the future ({e.id}): new migrations sort before it", e.path)
            )
        if e.has_down is False and not up_only:
            problems.append(_problem("missing_down", "no down migration", e.path))


def _findings(
    framework: Framework,
    folder: str,
    entries: list[MigrationEntry],
    problems: list[Problem],
    naming: str,
    next_id: str,
    next_file: str,
    dialect: str | None = None,
    key: Callable[[MigrationEntry], Any] | None = None,
) -> FrameworkFindings:
    entries.sort(key=key or (lambda e: (int(e.id) if e.id.isdigit() else 0, e.id)))
    return FrameworkFindings(
        framework=framework,
        folder=folder,
        migrations=entries,
        heads=[entries[-1].id] if entries else [],
        dialect=dialect,
        naming=naming,
        next_id=next_id,
        next_file=next_file,
        problems=problems,
    )


def find(repo: Repo) -> list[FrameworkFindings]:
    out: list[FrameworkFindings] = []
    sql = [p for p in repo.files if p.endswith(".sql")]
    dbmate: list[str] = []
    ours: list[str] = []
    for p in sql:
        name = basename(p)
        if _GOLANG.fullmatch(name) or not _OURS.fullmatch(name):
            continue
        (dbmate if _DBMATE_UP.search(repo.text(p) or "") else ours).append(p)
    for folder, files in sorted(_by_folder(ours).items()):
        out.append(_ours(repo, folder, files))
    for folder, files in sorted(_by_folder(dbmate).items()):
        out.append(_dbmate(repo, folder, files))
    golang = [p for p in sql if _GOLANG.fullmatch(basename(p))]
    for folder, files in sorted(_by_folder(golang).items()):
        out.append(_golang(folder, files))
    _strays(repo, out, set(ours) | set(dbmate) | set(golang))
    configured = _diesel_configs(repo)
    shaped = {
        dirname(dirname(p))
        for p in repo.files
        if basename(p) == "up.sql" and _DIESEL_DIR.fullmatch(basename(dirname(p)))
    }
    for folder in sorted(shaped | set(configured)):
        out.append(_diesel(repo, folder, configured.get(folder)))
    prisma = [p for p in repo.files if p.endswith("/migration.sql") and "prisma/migrations/" in p]
    for folder, files in sorted(_by_folder([dirname(p) for p in prisma]).items()):
        out.append(_prisma(repo, folder, files))
    return out


_EXPECTED = {
    "sql": "YYYYMMDDHHMMSS_name.sql / YYYYMMDDHHMMSS_name_down.sql",
    "dbmate": "YYYYMMDDHHMMSS_name.sql",
    "golang-migrate": "N_name.up.sql / N_name.down.sql",
}
_NOT_MIGRATIONS = (".md", ".txt", ".rst", ".go", ".keep")  # docs, and Go's //go:embed beside the files


def _strays(repo: Repo, found: list[FrameworkFindings], claimed: set[str]) -> None:
    """Never a silent skip: a file in a SQL migrations folder that no format reads is a problem of
    the folder's (first) findings, with why: the tool would never run it."""
    seen: set[str] = set()
    for f in found:
        if f.folder in seen:
            continue
        seen.add(f.folder)
        for p in repo.under(f.folder):
            name = basename(p)
            if dirname(p) != f.folder or p in claimed or name.startswith(".") or name.endswith(_NOT_MIGRATIONS):
                continue
            tools = " or ".join(sorted({g.framework for g in found if g.folder == f.folder}))
            expected = " or ".join(_EXPECTED[g.framework] for g in found if g.folder == f.folder)
            f.problems.append(
                _problem("not_a_migration", f"not named like a {tools} migration ({expected}): never run", p)
            )


def _ours(repo: Repo, folder: str, files: list[str]) -> FrameworkFindings:
    ups: dict[tuple[str, str], str] = {}
    downs: dict[tuple[str, str], str] = {}
    for p in files:
        m = _OURS.fullmatch(basename(p))
        assert m
        (downs if m.group(3) else ups)[(m.group(1), m.group(2))] = p
    problems: list[Problem] = []
    entries = [
        MigrationEntry(id=stamp, name=name, path=p, down_path=downs.get((stamp, name)), has_down=(stamp, name) in downs)
        for (stamp, name), p in ups.items()
    ]
    for (stamp, name), p in downs.items():
        if (stamp, name) not in ups:
            problems.append(_problem("orphan_down", "down file without its up file", p, "error"))
    _check_ids(entries, problems, stamps=True, folder=folder)
    stamp = next_timestamp(e.id for e in entries)
    return _findings(
        "sql",
        folder,
        entries,
        problems,
        "YYYYMMDDHHMMSS_name.sql with YYYYMMDDHHMMSS_name_down.sql",
        stamp,
        f"{folder}/{stamp}_{NAME}.sql",
    )


def _dbmate(repo: Repo, folder: str, files: list[str]) -> FrameworkFindings:
    problems: list[Problem] = []
    entries = []
    for p in files:
        m = _DBMATE.fullmatch(basename(p))
        assert m
        down = _DBMATE_DOWN.search(repo.text(p) or "")
        entries.append(
            MigrationEntry(id=m.group(1), name=m.group(2), path=p, has_down=bool(down and down.group(1).strip()))
        )
    _check_ids(entries, problems, stamps=True, folder=folder)
    stamp = next_timestamp(e.id for e in entries)
    return _findings(
        "dbmate",
        folder,
        entries,
        problems,
        "YYYYMMDDHHMMSS_name.sql with -- migrate:up / -- migrate:down",
        stamp,
        f"{folder}/{stamp}_{NAME}.sql",
    )


def _golang(folder: str, files: list[str]) -> FrameworkFindings:
    ups: dict[str, tuple[str, str]] = {}
    downs: dict[str, tuple[str, str]] = {}
    for p in files:
        m = _GOLANG.fullmatch(basename(p))
        assert m
        (ups if m.group(3) == "up" else downs)[m.group(1)] = (m.group(2), p)
    problems: list[Problem] = []
    entries = [
        MigrationEntry(id=v, name=name, path=p, down_path=downs[v][1] if v in downs else None, has_down=v in downs)
        for v, (name, p) in ups.items()
    ]
    for v, (_, p) in downs.items():
        if v not in ups:
            problems.append(_problem("orphan_down", "down file without its up file", p, "error"))
    stamps = any(len(e.id) >= 14 for e in entries)
    _check_ids(entries, problems, stamps=stamps, folder=folder)
    nxt = next_timestamp(e.id for e in entries) if stamps else next_number(e.id for e in entries)
    return _findings(
        "golang-migrate",
        folder,
        entries,
        problems,
        "N_name.up.sql with N_name.down.sql",
        nxt,
        f"{folder}/{nxt}_{NAME}.up.sql",
    )


def _diesel_configs(repo: Repo) -> dict[str, str]:
    """folder -> the diesel.toml naming it: `[migrations_directory] dir` (relative to the file),
    else `migrations` beside it when that folder exists (diesel_cli looks there first)."""
    out: dict[str, str] = {}
    for config in (f for f in repo.files if basename(f) == "diesel.toml"):
        here = dirname(config)
        try:
            table = tomllib.loads(repo.text(config) or "").get("migrations_directory", {})
        except tomllib.TOMLDecodeError as exc:
            repo.problems.append(_problem("malformed", f"diesel.toml: {exc}", config, "error"))
            continue
        given = table.get("dir") if isinstance(table, dict) else None
        if given is not None and not isinstance(given, str):
            repo.problems.append(_problem("malformed", "[migrations_directory] dir is not a string", config, "error"))
            continue
        if given is None:
            default = posixpath.normpath(posixpath.join(here, "migrations"))
            if repo.under(default) and not _per_backend(repo, default):
                out.setdefault(default, config)
            continue
        folder = None if given.startswith("/") else repo.inside(posixpath.join(here, given))
        if folder is None:
            repo.problems.append(
                _problem(
                    "unresolvable",
                    f"[migrations_directory] dir = {given!r} is outside the repository: its migrations are not read",
                    config,
                )
            )
            continue
        out[folder or "."] = config
    return out


def _per_backend(repo: Repo, folder: str) -> bool:
    """migrations/postgres/<stamp>_name/up.sql and migrations/sqlite/...: one folder of migrations per
    database (Plume), each passed to diesel with --migration-dir; the parent is none itself."""
    depth = folder.count("/") + 1 if folder != "." else 0
    shaped = [
        p.split("/")[depth:]
        for p in repo.under(folder)
        if basename(p) == "up.sql" and _DIESEL_DIR.fullmatch(basename(dirname(p)))
    ]
    return bool(shaped) and all(len(parts) == 3 for parts in shaped)


def diesel_version(folder_name: str) -> str:
    """The version diesel_migrations records for a migration folder (its __diesel_schema_migrations row)."""
    return folder_name.split("_", 1)[0].replace("-", "")


def _diesel(repo: Repo, folder: str, config: str | None) -> FrameworkFindings:
    problems: list[Problem] = []
    entries = []
    children: dict[str, list[str]] = defaultdict(list)
    for p in repo.under(folder):
        child, _, rest = p[len(folder) + 1 :].partition("/") if folder != "." else p.partition("/")
        children[child].append(rest)
    newest_v2 = False
    for child, inside in sorted(children.items(), key=lambda kv: diesel_version(kv[0])):
        path = f"{folder}/{child}" if folder != "." else child
        if child.startswith(".") or (inside == [""] and child.endswith(_NOT_MIGRATIONS)):
            continue  # diesel skips hidden entries (.gitkeep, its own .diesel_lock); docs are no migrations
        if inside == [""]:
            problems.append(
                _problem("not_a_migration", "a file: Diesel reads only the folders here, and ignores it", path)
            )
            continue
        if "up.sql" not in inside:
            problems.append(
                _problem(
                    "not_a_migration",
                    "a folder without up.sql: `diesel migration run` stops here (UnknownMigrationFormat)",
                    path,
                    "error",
                )
            )
            continue
        m = _DIESEL_DIR.fullmatch(child)
        if not m:
            problems.append(
                _problem(
                    "not_a_migration",
                    f"not named <YYYY-MM-DD-HHMMSS[-XXXX]>_name: Diesel would run it as version "
                    f"{diesel_version(child)!r}, out of date order; not counted here",
                    path,
                )
            )
            continue
        down = f"{path}/down.sql"
        entries.append(
            MigrationEntry(
                id=diesel_version(child),
                name=m.group(3),
                path=f"{path}/up.sql",
                down_path=down if "down.sql" in inside else None,
                has_down="down.sql" in inside,
            )
        )
        newest_v2 = m.group(2) is not None
    if not entries and not problems:
        problems.append(_problem("missing_folder", "no migrations here yet", folder))
    _check_ids(entries, problems, stamps=False, folder=folder)
    stamp = next_timestamp(e.id[:14] for e in entries)
    dashed = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}-{stamp[8:]}" + ("-0000" if newest_v2 else "")
    style = (
        "<YYYY-MM-DD-HHMMSS-XXXX>_name (diesel_cli 2.x)" if newest_v2 else "<YYYY-MM-DD-HHMMSS>_name (diesel_cli 1.x)"
    )
    found = _findings(
        "diesel",
        folder,
        entries,
        problems,
        f"{style}/up.sql and down.sql",
        dashed,
        f"{folder}/{dashed}_{NAME}/up.sql",
        key=lambda e: e.id,
    )
    found.config = config
    return found


def _prisma(repo: Repo, folder: str, dirs: list[str]) -> FrameworkFindings:
    entries = []
    for d in dirs:
        m = _PRISMA_DIR.fullmatch(basename(d))
        if m:
            entries.append(MigrationEntry(id=m.group(1), name=m.group(2), path=f"{d}/migration.sql"))
    lock = repo.text(f"{folder}/migration_lock.toml") if f"{folder}/migration_lock.toml" in repo.files else None
    provider = re.search(r'provider\s*=\s*"(\w+)"', lock or "")
    problems: list[Problem] = []
    _check_ids(entries, problems, stamps=True, folder=folder)
    stamp = next_timestamp(e.id for e in entries)
    return _findings(
        "prisma",
        folder,
        entries,
        problems,
        "<YYYYMMDDHHMMSS>_name/migration.sql (no down files)",
        stamp,
        f"{folder}/{stamp}_{NAME}/migration.sql",
        provider.group(1) if provider else None,
    )
