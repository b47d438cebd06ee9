"""migration-manager lint on five real repositories, beside squawk where it applies (squawk reads
only .sql files).

The repositories are not in this project: put one checkout per repository into one folder (at
the commits below, or say which), then run

    .venv/bin/python benchmarks/lint_repos.py /tmp/real [--runs 3] [--json]

Per repository: the migration folders `find` reports, linted as a user runs it
(`migration-manager lint FOLDERS --format json`): files read, statements, findings by rule, what was
skipped, the median wall time cold (`--no-cache`) and warm (the per-file cache filled); and, when
the folders hold .sql files, squawk over the .sql files lint reads there (`squawk --reporter json`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from migration_manager.discover import find_migrations
from migration_manager.lint.engine import collect

BIN = Path(sys.executable).parent
LINT = [str(BIN / "migration-manager"), "lint"]  # the installed command, as users run it

# repository, the commit its checkout was at when the table in README.md was made (HEAD then)
REPOS = (
    ("lobsters/lobsters", "57268d762e1c2c95b7a8e64ee8deb259cddd8cc0"),
    ("healthchecks/healthchecks", "29b5ec251059034b79e0120e2ff0c3e35d7bd9f8"),
    ("jupyterhub/jupyterhub", "2841153db6c1c25d8b50955e2f4b39f78f3d0119"),
    ("getredash/redash", "ca79fe988d81cdac9675b412f3dfcab107bc1fbc"),
    ("jhipster/jhipster-sample-app", "f8da577c944ecc4db46fc961a1ba022d5bbf8964"),
)


def timed(args: list[str], cwd: Path, env: dict[str, str], runs: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1, 2, 5) or not done.stdout.strip():
            raise SystemExit(f"{args[:5]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        out = done.stdout
    return statistics.median(times), out


def measure(name: str, commit: str, checkout: Path, runs: int) -> dict[str, Any]:
    found = find_migrations(checkout)
    folders = sorted({f.folder for f in found.frameworks if (checkout / f.folder).is_dir()})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [*LINT, *folders, "--format", "json", "--allow-nothing"]
    probe = subprocess.run([*command, "--no-cache"], cwd=checkout, capture_output=True, text=True, env=env)
    dialect_given = probe.returncode == 2 and "give --dialect" in probe.stderr
    if dialect_given:  # a repository whose files name only SQLite (lobsters today): lint refuses to guess
        command += ["--dialect", "postgresql"]
    cold_s, out = timed([*command, "--no-cache"], checkout, env, runs)
    report = json.loads(out)
    with tempfile.TemporaryDirectory() as cache:
        warm_env = {**env, "MIGRATION_MANAGER_CACHE_DIR": cache}
        timed(command, checkout, warm_env, 1)  # fills the cache
        warm_s, warm_out = timed(command, checkout, warm_env, runs)
    if warm_out != out:
        raise SystemExit(f"{name}: the warm run's output differs from the cold run's")
    sql = [str(f) for f in collect([checkout / f for f in folders]) if f.suffix == ".sql"]
    squawk_s = squawk_findings = None
    if sql:
        squawk_s, squawk_out = timed([str(BIN / "squawk"), "--reporter", "json", *sql], checkout, env, runs)
        squawk_findings = len(json.loads(squawk_out))
    return {
        "repository": name + (" (--dialect postgresql)" if dialect_given else ""),
        "commit": commit,
        "folders": folders,
        "frameworks": sorted({f.framework for f in found.frameworks}),
        "files": len(report["files"]),
        "statements": report["statements"],
        "findings": len(report["findings"]),
        "by_rule": dict(Counter(f["rule"] for f in report["findings"]).most_common()),
        "skipped": len(report["skipped"]),
        "cold_s": round(cold_s, 3),
        "warm_s": round(warm_s, 3),
        "sql_files": len(sql),
        "squawk_s": None if squawk_s is None else round(squawk_s, 3),
        "squawk_findings": squawk_findings,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkouts", type=Path, help="folder holding one checkout per repository (named as on GitHub)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = []
    for name, commit in REPOS:
        checkout = args.checkouts / name.split("/", 1)[1]
        if not checkout.is_dir():
            print(f"skipped {name}: no checkout at {checkout}", file=sys.stderr)
            continue
        print(f"{name} ...", file=sys.stderr, flush=True)
        results.append(measure(name, commit, checkout, args.runs))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        "| repository @ commit | framework (folders) | files | statements | findings | skipped | cold | warm "
        "| squawk (.sql files, findings) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        squawk = (
            "n/a (no .sql)"
            if r["squawk_s"] is None
            else f"{r['squawk_s']} s ({r['sql_files']}, {r['squawk_findings']})"
        )
        print(
            f"| {r['repository']} @ {r['commit'][:8]} | {', '.join(r['frameworks'])} ({len(r['folders'])}) | "
            f"{r['files']} | {r['statements']} | {r['findings']} | {r['skipped']} | {r['cold_s']} s | "
            f"{r['warm_s']} s | {squawk} |"
        )
    print()
    print("| repository | findings by rule |")
    print("|---|---|")
    for r in results:
        print(f"| {r['repository']} | {', '.join(f'{k} {v}' for k, v in r['by_rule'].items()) or 'none'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
