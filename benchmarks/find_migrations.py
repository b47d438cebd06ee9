"""find_migrations on generated repositories of N migrations per framework, side by side.

Each repository holds N migrations of one framework (Alembic as one long chain of revisions read
with ast; Rails, Flyway, Django, plain SQL with down files, Liquibase as one changelog file per
changeSet included from a master) plus a node_modules folder of noise that must be skipped.
Every variant is read RUNS times; p50 and the slowest run are reported.
Usage: .venv/bin/python benchmarks/find_migrations.py [--n 5000] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import repos
from migration_manager.discover import find_migrations

RUNS = 5


def alembic(n: int) -> repos.Files:
    files: repos.Files = {"alembic.ini": "[alembic]\nscript_location = alembic\n", "alembic/env.py": ""}
    for i in range(n):
        down = f"{i - 1:012x}" if i else None
        files[f"alembic/versions/{i:012x}_step_{i}.py"] = repos.alembic_revision(f"{i:012x}", down)
    return files


def rails(n: int) -> repos.Files:
    return {
        f"db/migrate/{20200101000000 + i}_step_{i}.rb": f"class Step{i} < ActiveRecord::Migration[7.1]\n"
        "  def change\n  end\nend\n"
        for i in range(n)
    }


def flyway(n: int) -> repos.Files:
    return {f"db/migration/V{i + 1}__step_{i}.sql": "SELECT 1;\n" for i in range(n)}


def django(n: int) -> repos.Files:
    files: repos.Files = {"shop/migrations/__init__.py": ""}
    for i in range(n):
        deps = [("shop", f"{i:04d}_step")] if i else []
        files[f"shop/migrations/{i + 1:04d}_step.py"] = repos.django_migration(deps)
    return {k.replace(f"{0:04d}_step", "0000_step"): v for k, v in files.items()}


def plain_sql(n: int) -> repos.Files:
    files: repos.Files = {}
    for i in range(n):
        files[f"migrations/{20200101000000 + i}_step_{i}.sql"] = "SELECT 1;\n"
        files[f"migrations/{20200101000000 + i}_step_{i}_down.sql"] = "SELECT 1;\n"
    return files


def liquibase(n: int) -> repos.Files:
    files: repos.Files = {
        "db/changelog/db.changelog-master.yaml": (
            "databaseChangeLog:\n  - includeAll:\n      path: db/changelog/changes/\n"
        )
    }
    for i in range(n):
        files[f"db/changelog/changes/{i:05d}.sql"] = (
            f"--liquibase formatted sql\n--changeset dev:{i}\nSELECT 1;\n--rollback SELECT 1;\n"
        )
    return files


VARIANTS: dict[str, Callable[[int], repos.Files]] = {
    "alembic": alembic,
    "rails": rails,
    "flyway": flyway,
    "django": django,
    "plain sql (with downs)": plain_sql,
    "liquibase (includeAll)": liquibase,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark find_migrations on generated repositories.")
    parser.add_argument("--n", type=int, default=5000, help="migrations per repository (default 5000)")
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in VARIANTS.items():
            root = repos.write(Path(tmp) / name.split()[0], make(opts.n))
            repos.write(root, {f"node_modules/pkg{i}/index.js": "x" for i in range(500)})
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                result = find_migrations(root)
                times.append(time.perf_counter() - started)
            found = sum(len(f.migrations) for f in result.frameworks)
            assert found == opts.n, (name, found)
            rows[name] = {"migrations": found, "p50_s": statistics.median(times), "max_s": max(times)}
    if opts.json:
        print(json.dumps(rows))
        return
    print(f"| repository ({opts.n} migrations) | p50 (s) | slowest of {RUNS} (s) |")
    print("|---|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} | {r['p50_s']:.3f} | {r['max_s']:.3f} |")


if __name__ == "__main__":
    main()
