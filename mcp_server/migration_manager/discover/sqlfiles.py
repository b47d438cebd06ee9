"""SQL-file formats: ours (YYYYMMDDHHMMSS_name.sql + _down.sql), golang-migrate (N_name.up.sql /
.down.sql), dbmate (-- migrate:up / -- migrate:down), Diesel (<stamp>_name/up.sql, down.sql),
Prisma (prisma/migrations/<stamp>_name/migration.sql)."""

from __future__ import annotations

import re
from collections import defaultdict

from ..naming import NAME, in_the_future, next_number, next_timestamp
from .models import Framework, FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_OURS = re.compile(r"(\d{14})_(.+?)(_down)?\.sql")
_DBMATE = re.compile(r"(\d{14})_(.+)\.sql")
_GOLANG = re.compile(r"(\d+)_(.+)\.(up|down)\.sql")
_DIESEL_DIR = re.compile(r"(\d{4}-\d{2}-\d{2}-\d{6}|\d{14})_(.+)")
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


def _check_ids(entries: list[MigrationEntry], problems: list[Problem], stamps: bool) -> None:
    seen: dict[str, str] = {}
    for e in entries:
        if e.id in seen:
            problems.append(_problem("duplicate_id", f"id {e.id} is also {seen[e.id]}", e.path, "error"))
        seen.setdefault(e.id, e.path)
        if stamps and in_the_future(e.id):
            problems.append(
                _problem("out_of_order", f"dated in the future ({e.id}): new migrations sort before it", e.path)
            )
        if e.has_down is False:
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
) -> FrameworkFindings:
    entries.sort(key=lambda e: (int(e.id) if e.id.isdigit() else 0, e.id))
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
    diesel = [p for p in repo.files if basename(p) == "up.sql" and _DIESEL_DIR.fullmatch(basename(dirname(p)))]
    for folder, files in sorted(_by_folder([dirname(p) for p in diesel]).items()):
        out.append(_diesel(repo, folder, files))
    prisma = [p for p in repo.files if p.endswith("/migration.sql") and "prisma/migrations/" in p]
    for folder, files in sorted(_by_folder([dirname(p) for p in prisma]).items()):
        out.append(_prisma(repo, folder, files))
    return out


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
    _check_ids(entries, problems, stamps=True)
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
    _check_ids(entries, problems, stamps=True)
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
    _check_ids(entries, problems, stamps=stamps)
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


def _diesel(repo: Repo, folder: str, dirs: list[str]) -> FrameworkFindings:
    problems: list[Problem] = []
    entries = []
    for d in dirs:
        m = _DIESEL_DIR.fullmatch(basename(d))
        assert m
        down = f"{d}/down.sql"
        entries.append(
            MigrationEntry(
                id=m.group(1).replace("-", ""),
                name=m.group(2),
                path=f"{d}/up.sql",
                down_path=down if down in repo.files else None,
                has_down=down in repo.files,
            )
        )
    _check_ids(entries, problems, stamps=False)
    stamp = next_timestamp(e.id for e in entries)
    dashed = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}-{stamp[8:]}"
    return _findings(
        "diesel",
        folder,
        entries,
        problems,
        "<YYYY-MM-DD-HHMMSS>_name/up.sql and down.sql",
        dashed,
        f"{folder}/{dashed}_{NAME}/up.sql",
    )


def _prisma(repo: Repo, folder: str, dirs: list[str]) -> FrameworkFindings:
    entries = []
    for d in dirs:
        m = _PRISMA_DIR.fullmatch(basename(d))
        if m:
            entries.append(MigrationEntry(id=m.group(1), name=m.group(2), path=f"{d}/migration.sql"))
    lock = repo.text(f"{folder}/migration_lock.toml") if f"{folder}/migration_lock.toml" in repo.files else None
    provider = re.search(r'provider\s*=\s*"(\w+)"', lock or "")
    problems: list[Problem] = []
    _check_ids(entries, problems, stamps=True)
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
