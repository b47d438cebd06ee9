"""dbmate, golang-migrate and Diesel output: plain SQL files that each tool sends to the server
as one query string, cut into units (render/units.py) so that CONCURRENTLY and batched work run
alone, outside any transaction.

- dbmate: db/migrations/YYYYMMDDHHMMSS_name.sql with `-- migrate:up` / `-- migrate:down`
  sections, `transaction:false` on a section that must run alone;
- golang-migrate: N_name.up.sql / N_name.down.sql (N: the repository's timestamps or sequence
  numbers); the tool opens no transaction, so the files say BEGIN ... COMMIT;
- Diesel: YYYY-MM-DD-HHMMSS-0000_name/ as diesel_cli 2.x names them (YYYY-MM-DD-HHMMSS_name/
  where the repository's newest folder has the 1.x name), holding up.sql, down.sql, and
  metadata.toml with run_in_transaction = false where a direction must run alone.
A README per plan migration, named after its first file (Diesel: inside its first folder, since
Diesel reads the migrations folder as folders only).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..model import Plan
from ..naming import next_number
from .context import migration_context, readme
from .files import RenderedFile
from .templating import environment
from .units import Unit, units


def _stamps(count: int, now: datetime | None, fmt: str = "%Y%m%d%H%M%S") -> list[str]:
    start = (now or datetime.now(UTC)).replace(microsecond=0)
    return [(start + timedelta(seconds=i)).strftime(fmt) for i in range(count)]


def _parts(cut: list[Unit]) -> list[tuple[int, int]]:
    """(k, n): the unit is file k of the n files its plan migration became."""
    totals: dict[int, int] = {}
    for u in cut:
        totals[u.migration] = totals.get(u.migration, 0) + 1
    seen: dict[int, int] = {}
    out = []
    for u in cut:
        seen[u.migration] = seen.get(u.migration, 0) + 1
        out.append((seen[u.migration], totals[u.migration]))
    return out


def _render(
    plan: Plan,
    framework: str,
    bases: list[str],
    cut: list[Unit],
    write: Any,
    run: tuple[str, str],
    readme_path: Any = None,
) -> list[RenderedFile]:
    """write(unit, base, context) -> the unit's files; run: the up and down commands;
    readme_path(base of the migration's first file) -> where its README goes."""
    env = environment(framework)
    first: dict[int, str] = {}
    for base, unit in zip(bases, cut, strict=True):
        first.setdefault(unit.migration, base)
    readme_bases = [first[i] for i in range(len(plan.migrations))]
    readmes = {i: {"readme": readme_path(first[i])} if readme_path else {} for i in range(len(plan.migrations))}
    files: list[RenderedFile] = []
    for (part, parts), base, unit in zip(_parts(cut), bases, cut, strict=True):
        context = migration_context(
            plan,
            unit.migration,
            readme_bases,
            "",
            unit=unit,
            part=part,
            parts=parts,
            run_up=run[0],
            run_down=run[1],
            **readmes[unit.migration],
        )
        context["migration_index"] = unit.migration + 1
        files.extend(write(env, unit, base, context))
    for index in range(len(plan.migrations)):
        context = migration_context(plan, index, readme_bases, "", run_up=run[0], run_down=run[1], **readmes[index])
        files.append(readme(env, context))
    return files


def render_dbmate(plan: Plan, now: datetime | None = None) -> list[RenderedFile]:
    cut = units(plan)
    bases = [f"{stamp}_{u.name}" for stamp, u in zip(_stamps(len(cut), now), cut, strict=True)]

    def write(env: Any, unit: Unit, base: str, context: dict[str, Any]) -> list[RenderedFile]:
        return [RenderedFile(path=f"{base}.sql", content=env.get_template("migration.sql.j2").render(context))]

    return _render(plan, "dbmate", bases, cut, write, ("dbmate up", "dbmate rollback  # once per file, newest first"))


def golang_versions(first: str, count: int) -> list[str]:
    """Sequence numbers (zero padding kept) or timestamps, as the repository numbers its files."""
    if len(first) >= 14:
        return _stamps(count, datetime.strptime(first[:14], "%Y%m%d%H%M%S"))
    versions = [first]
    for _ in range(count - 1):
        versions.append(next_number(versions))
    return versions


def render_golang_migrate(plan: Plan, *, first_version: str | None = None) -> list[RenderedFile]:
    cut = units(plan)
    versions = golang_versions(first_version or _stamps(1, None)[0], len(cut))
    bases = [f"{v}_{u.name}" for v, u in zip(versions, cut, strict=True)]

    def write(env: Any, unit: Unit, base: str, context: dict[str, Any]) -> list[RenderedFile]:
        template = env.get_template("migration.sql.j2")
        return [
            RenderedFile(path=f"{base}.{d}.sql", content=template.render({**context, "direction": d}))
            for d in ("up", "down")
        ]

    run = ('migrate -path . -database "$DATABASE_URL" up', 'migrate -path . -database "$DATABASE_URL" down 1')
    return _render(plan, "golang_migrate", bases, cut, write, run)


def render_diesel(plan: Plan, now: datetime | None = None, *, v2: bool = True) -> list[RenderedFile]:
    """v2: folders named as diesel_cli 2.x does (-0000 after the time); False: the 1.x name."""
    cut = units(plan)
    stamps = _stamps(len(cut), now, "%Y-%m-%d-%H%M%S-0000" if v2 else "%Y-%m-%d-%H%M%S")
    bases = [f"{s}_{u.name}" for s, u in zip(stamps, cut, strict=True)]

    def write(env: Any, unit: Unit, base: str, context: dict[str, Any]) -> list[RenderedFile]:
        alone = any(p is not None and not p.transactional for p in (unit.up, unit.down))
        template = env.get_template("migration.sql.j2")
        context = {**context, "in_transaction": not alone}
        files = [
            RenderedFile(path=f"{base}/{d}.sql", content=template.render({**context, "direction": d}))
            for d in ("up", "down")
        ]
        if alone:
            files.append(RenderedFile(path=f"{base}/metadata.toml", content="run_in_transaction = false\n"))
        return files

    run = ("diesel migration run", "diesel migration revert")
    return _render(plan, "diesel", bases, cut, write, run, readme_path=lambda base: f"{base}/README.md")
