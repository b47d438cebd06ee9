"""migration-manager lint against squawk-cli (PyPI, the Rust squawk) on a real checkout: cold,
warm (the per-file cache filled by an earlier run) and one file, in one run.

    .venv/bin/python benchmarks/lint_lemmy.py /tmp/real/lemmy/migrations [--runs 7] [--json]

Both tools get the same files: the ones lint reads in that folder (its down migrations are left
out, lint's collect), squawk as `squawk --reporter json FILES`, lint as `migration-manager lint
FOLDER --format json`. Each round runs, back to back: squawk; lint --no-cache (cold); lint with a
cache filled before the rounds (warm); then the same three on the newest file alone, and lint of
that file as a pre-commit hook meets it: a new migration, not in the cache, whose project cache
holds the run over every other migration (so its fixes may come from the fix store; the cache is
put back as it was before each round). The table reports the median and the fastest of each over
the rounds, and the ratios to squawk's cold median. The warm and pre-commit outputs are checked to
be the cold ones, byte for byte. Python runs with its bytecode cache on, as an installed tool does.

One more row, the floor: a Python process that only does lint's reading of the files, cutting
each into statements and parsing those a rule reads into libpg_query's JSON trees
(lint/source.py, which skips functions, views and the like): what lint pays before any rule runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from migration_manager.lint.engine import collect

BIN = Path(sys.executable).parent
FLOOR = (
    "import sys\n"
    "from migration_manager.lint.source import statements\n"
    "print(sum(len(statements(open(f, encoding='utf-8').read())) for f in sys.argv[1:]))\n"
)
LINT = [str(BIN / "migration-manager"), "lint"]  # the installed command, as users run it


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1, 2) or not done.stdout.strip():
        raise SystemExit(f"{args[:4]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="the migrations folder of a checkout")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    files = [str(f) for f in collect([args.folder]) if f.suffix == ".sql"]
    one = files[-1]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as work:
        warm_env = {**env, "MIGRATION_MANAGER_CACHE_DIR": cache}
        # the project without its newest migration, linted once: what the pre-commit run finds
        others = Path(work) / "others"
        shutil.copytree(args.folder, others)
        (others / Path(one).relative_to(args.folder)).unlink()
        project_cache = Path(work) / "project-cache"
        commit_env = {**env, "MIGRATION_MANAGER_CACHE_DIR": str(project_cache)}
        run([*LINT, str(others), "--format", "json"], commit_env)
        kept = {p.name: p.read_bytes() for p in project_cache.iterdir()}

        def as_before() -> None:
            for p in project_cache.iterdir():
                if p.name not in kept:
                    p.unlink()
            for name, data in kept.items():
                (project_cache / name).write_bytes(data)

        commands = {
            "squawk": ([str(BIN / "squawk"), "--reporter", "json", *files], env),
            "lint cold": ([*LINT, str(args.folder), "--format", "json", "--no-cache"], env),
            "lint warm": ([*LINT, str(args.folder), "--format", "json"], warm_env),
            "squawk, one file": ([str(BIN / "squawk"), "--reporter", "json", one], env),
            "lint cold, one file": ([*LINT, one, "--format", "json", "--no-cache"], env),
            "lint warm, one file": ([*LINT, one, "--format", "json"], warm_env),
            "lint new file, project cache": ([*LINT, one, "--format", "json"], commit_env),
            "floor: Python and lint's reading alone": ([sys.executable, "-c", FLOOR, *files], env),
        }
        outputs: dict[str, str] = {}
        for name in ("lint warm", "lint warm, one file"):  # fill the cache (and the bytecode cache)
            run(*commands[name])
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            as_before()
            for name, (command, command_env) in commands.items():
                seconds, outputs[name] = run(command, command_env)
                times[name].append(seconds)
    if outputs["lint warm"] != outputs["lint cold"] or outputs["lint warm, one file"] != outputs["lint cold, one file"]:
        raise SystemExit("the warm run's output differs from the cold run's")
    if outputs["lint new file, project cache"] != outputs["lint cold, one file"]:
        raise SystemExit("the pre-commit run's output differs from the cold run's")
    squawk = statistics.median(times["squawk"])
    squawk_one = statistics.median(times["squawk, one file"])
    rows = {
        name: {
            "p50_s": round(statistics.median(t), 3),
            "min_s": round(min(t), 3),
            "ratio_to_squawk_cold": round(statistics.median(t) / (squawk_one if "file" in name else squawk), 2),
        }
        for name, t in times.items()
    }
    result = {
        "folder": str(args.folder),
        "files": len(files),
        "one_file": Path(one).relative_to(args.folder).as_posix(),
        "runs": args.runs,
        "findings": len(json.loads(outputs["lint cold"])["findings"]),
        "squawk_findings": len(json.loads(outputs["squawk"])),
        "rows": rows,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['files']} files in {args.folder}, {args.runs} rounds; one file: {result['one_file']}")
    print("| run | p50 | fastest | p50 / squawk's |")
    print("|---|---:|---:|---:|")
    for name, row in rows.items():
        print(f"| {name} | {row['p50_s']} s | {row['min_s']} s | {row['ratio_to_squawk_cold']} |")


if __name__ == "__main__":
    main()
