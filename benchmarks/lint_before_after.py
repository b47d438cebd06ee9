"""lint on real repositories with two versions of migration-manager side by side, in one run: what
a set of fixes changed (findings by severity, statements read, what was skipped, time).

Session 10 tried the tool on repositories it had not seen (netbox, saleor, rubygems.org, tolgee,
crates.io, harbor, fineract) and fixed what was wrong; this measures the difference. Put one
checkout per repository into one folder (at the commits below), make a checkout of the older
migration-manager (e.g. `git worktree add /tmp/mm-before 15482ef`), then run

    .venv/bin/python benchmarks/lint_before_after.py /tmp/real --before /tmp/mm-before [--runs 3]

Each version is run as `python -m migration_manager.cli lint FOLDERS --format json --no-cache`
with its own source first on PYTHONPATH; the folders are those today's `find` reports (Django apps,
Rails, Liquibase masters, Diesel folders), so both versions read the same files. Times are the
median of --runs cold runs on this machine; the figures go into benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from migration_manager.discover import find_migrations

# repository, the commit its checkout was at when the table in README.md was made
REPOS = (
    ("netbox-community/netbox", "43fe81f9e833228c9869f7ddadb67e6c5f145060"),
    ("saleor/saleor", "723cd4eba87dfc72822ade45dc08a3caa548428d"),
    ("rubygems/rubygems.org", "3c8ea0d4cbe85bd2a2bb5d22486247656a3dfb6c"),
    ("tolgee/tolgee-platform", "dd7f5973a745c2002195ac3275155457cbc54850"),
    ("rust-lang/crates.io", "57fa000662f511321daa61e6769f190ea0e80771"),
    ("goharbor/harbor", "c50c7ddd6ea4e335a480b49c618281882ab7eec9"),
    ("apache/fineract", "4198b0bcf9a94e1c7aa0f386317ba71f40ceb1d9"),
)
NOW = Path(__file__).resolve().parent.parent / "mcp_server"


def lint(source: Path, checkout: Path, folders: list[str], runs: int) -> tuple[float, dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    args = [sys.executable, "-m", "migration_manager.cli", "lint", *folders, "--format", "json", "--no-cache"]
    times, report = [], {}
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([*args, "--allow-nothing"], cwd=checkout, capture_output=True, text=True, env=env)
        if "unrecognized arguments: --allow-nothing" in done.stderr:  # an older version without the flag
            done = subprocess.run(args, cwd=checkout, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1, 2, 5) or not done.stdout.strip():
            raise SystemExit(f"lint with {source} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        report = json.loads(done.stdout)
    return statistics.median(times), report


def summary(seconds: float, report: dict[str, Any]) -> dict[str, Any]:
    severities = Counter(f["severity"] for f in report["findings"])
    return {
        "statements": report["statements"],
        "errors": severities.get("error", 0),
        "warnings": severities.get("warning", 0),
        "notes": severities.get("note", 0),
        "skipped": len(report["skipped"]),
        "by_rule": dict(Counter(f["rule"] for f in report["findings"]).most_common()),
        "seconds": round(seconds, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkouts", type=Path, help="folder holding one checkout per repository (named as on GitHub)")
    ap.add_argument("--before", type=Path, required=True, help="checkout of the older migration-manager")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results: list[dict[str, Any]] = []
    for name, commit in REPOS:
        checkout = args.checkouts / name.split("/", 1)[1]
        if not checkout.is_dir():
            print(f"skipped {name}: no checkout at {checkout}", file=sys.stderr)
            continue
        print(f"{name} ...", file=sys.stderr, flush=True)
        found = find_migrations(checkout)
        folders = sorted({f.folder for f in found.frameworks if (checkout / f.folder).is_dir()})
        before = summary(*lint(args.before / "mcp_server", checkout, folders, args.runs))
        after = summary(*lint(NOW, checkout, folders, args.runs))
        results.append(
            {"repository": name, "commit": commit, "folders": len(folders), "before": before, "after": after}
        )
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("| repository @ commit | folders | statements | errors | warnings | notes | skipped | cold |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        b, a = r["before"], r["after"]
        cells = [f"{b[k]} → {a[k]}" for k in ("statements", "errors", "warnings", "notes", "skipped")]
        print(
            f"| {r['repository']} @ {r['commit'][:8]} | {r['folders']} | {' | '.join(cells)} | "
            f"{b['seconds']} → {a['seconds']} s |"
        )
    print()
    print("| repository | rules whose count changed (before → after) |")
    print("|---|---|")
    for r in results:
        rules = sorted(set(r["before"]["by_rule"]) | set(r["after"]["by_rule"]))
        changed = [
            f"{rule} {r['before']['by_rule'].get(rule, 0)} → {r['after']['by_rule'].get(rule, 0)}"
            for rule in rules
            if r["before"]["by_rule"].get(rule, 0) != r["after"]["by_rule"].get(rule, 0)
        ]
        print(f"| {r['repository']} | {', '.join(changed) or 'none'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
