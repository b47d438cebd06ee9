"""find and lint on real repositories, against the truth counted by hand at a known commit.

The repositories are not in this project: check each out (at the commit named, or newer, and say
which) into one folder, then run this script on that folder:

    for r in healthchecks/healthchecks LemmyNet/lemmy jhipster/jhipster-sample-app \\
             jupyterhub/jupyterhub goharbor/harbor lobsters/lobsters; do
        git clone --depth 1 https://github.com/$r /tmp/real/${r#*/}
    done
    .venv/bin/python benchmarks/real_repos.py /tmp/real [--json]

Per repository: find's time (median of 3), what it found per migration folder against the truth
(count, head, database), its problems, and lint of the migration folders (time, files, findings,
parse errors). A row is "ok" only when count and head match.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration_manager.discover import find_migrations
from migration_manager.lint import lint_paths, load_config


@dataclass(frozen=True)
class Truth:
    framework: str
    folder: str  # relative to the checkout
    count: int  # migrations (Liquibase: changeSets)
    head: str | None  # the id (or a suffix of it) find must report as the one head
    dialect: str | None = None


@dataclass(frozen=True)
class Repo:
    name: str
    checked: str  # commit the truth was counted at
    truth: tuple[Truth, ...]


REPOS = (
    Repo(
        "healthchecks/healthchecks",
        "29b5ec25",
        (
            Truth("django", "hc/accounts/migrations", 53, "0053_alter_profile_sms_limit", "sqlite"),
            Truth("django", "hc/api/migrations", 123, "0123_alter_channel_kind", "sqlite"),
            Truth("django", "hc/payments/migrations", 9, "0009_alter_subscription_user", "sqlite"),
        ),
    ),
    Repo(
        "LemmyNet/lemmy",
        "439734dd6",
        (Truth("diesel", "migrations", 342, "202607271433130000", "postgresql"),),  # 2026-07-27-143313-0000_…,
    ),
    Repo(
        "jhipster/jhipster-sample-app",
        "f8da577c",
        (Truth("liquibase", "src/main/resources/config/liquibase", 12, None),),
    ),
    Repo(
        "jupyterhub/jupyterhub",
        "2841153d",
        (Truth("alembic", "jupyterhub/alembic/versions", 19, "f460b0348206"),),
    ),
    Repo(
        "goharbor/harbor",
        "c50c7ddd6e",
        (Truth("golang-migrate", "make/migrations/postgresql", 39, "0190", "postgresql"),),
    ),
    Repo("lobsters/lobsters", "57268d76", (Truth("rails", "db/migrate", 14, "20260613004304", "sqlite"),)),
)


def _median_time(fn: Any, runs: int = 3) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def measure(repo: Repo, checkout: Path) -> dict[str, Any]:
    find_s, found = _median_time(lambda: find_migrations(checkout))
    rows = []
    for t in repo.truth:
        f = next(
            (
                f
                for f in found.frameworks
                if f.framework == t.framework and (f.folder == t.folder or f.folder.startswith(t.folder))
            ),
            None,
        )
        count = None if f is None else len(f.migrations)
        heads = [] if f is None else f.heads
        head_ok = t.head is None or (len(heads) == 1 and heads[0].endswith(t.head))
        rows.append(
            {
                "framework": t.framework,
                "folder": t.folder,
                "truth_count": t.count,
                "count": count,
                "truth_head": t.head,
                "heads": heads,
                "dialect": None if f is None else f.dialect,
                "truth_dialect": t.dialect,
                "problems": [] if f is None else [p.code for p in f.problems],
                "ok": f is not None and count == t.count and head_ok,
            }
        )
    folders = sorted({checkout / f.folder for f in found.frameworks if (checkout / f.folder).is_dir()})
    lint_s, report = _median_time(lambda: lint_paths(list(folders), load_config(checkout), checkout), runs=1)
    return {
        "repository": repo.name,
        "checked_at": repo.checked,
        "find_s": round(find_s, 3),
        "files_scanned": found.files_scanned,
        "repo_problems": [p.code for p in found.problems],
        "folders": rows,
        "lint_s": round(lint_s, 2),
        "lint_files": len(report.files),
        "lint_findings": len(report.findings),
        "lint_parse_errors": sum(1 for f in report.findings if f.rule == "parse-error"),
        "lint_dialect": report.dialect,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkouts", type=Path, help="folder holding one checkout per repository (named as on GitHub)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = []
    for repo in REPOS:
        checkout = args.checkouts / repo.name.split("/", 1)[1]
        if not checkout.is_dir():
            print(f"skipped {repo.name}: no checkout at {checkout}", file=sys.stderr)
            continue
        print(f"{repo.name} ...", file=sys.stderr, flush=True)
        results.append(measure(repo, checkout))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("| repository | folder | migrations (truth) | head(s) (truth) | database | problems | find (s) | ok |")
    print("|---|---|---:|---|---|---|---:|---|")
    for r in results:
        for row in r["folders"]:
            problems = ", ".join(sorted(set(row["problems"] + r["repo_problems"]))) or "none"
            heads = ", ".join(row["heads"]) or "none"
            print(
                f"| {r['repository']} | {row['folder']} | {row['count']} ({row['truth_count']}) | {heads} "
                f"({row['truth_head'] or '-'}) | {row['dialect'] or '?'} | {problems} | {r['find_s']} | "
                f"{'ok' if row['ok'] else 'WRONG'} |"
            )
    print()
    print("| repository | lint files | statements' findings | parse errors | dialect | lint (s) |")
    print("|---|---:|---:|---:|---|---:|")
    for r in results:
        print(
            f"| {r['repository']} | {r['lint_files']} | {r['lint_findings']} | {r['lint_parse_errors']} | "
            f"{r['lint_dialect']} | {r['lint_s']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
