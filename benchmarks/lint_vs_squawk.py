"""migration-manager lint and squawk-cli (PyPI, the Rust squawk) side by side on one generated
corpus of migration files, run as their users run them: one command over the corpus folder.

The corpus (seeded, so every run sees the same files) is FILES migration files of about
LINES lines in all: tables created early, then the changes a team makes over years (columns,
indexes, constraints, type changes, renames, backfills, DO blocks and functions), some safe and
some hazardous. Each run pair runs both tools back to back; the table reports the median wall
time of each, the median of the per-pair ratios, and how many findings each reports. A second
table does the same for one file of the corpus, as a pre-commit hook runs them on a new migration.
Usage: .venv/bin/python benchmarks/lint_vs_squawk.py [--files 700] [--lines 20000] [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BIN = Path(sys.executable).parent

SAFE = [
    "ALTER TABLE {t} ADD COLUMN {c} text;",
    "ALTER TABLE {t} ADD COLUMN {c} text DEFAULT 'n/a' NOT NULL;",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS {t}_{c}_idx ON {t} (id);",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_chk CHECK (id > 0) NOT VALID;",
    "ALTER TABLE {t} VALIDATE CONSTRAINT {t}_{c}_chk;",
    "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT 0;",
    "UPDATE {t} SET {c} = 'x' WHERE id BETWEEN {n} AND {n} + 1000;",
    "COMMENT ON TABLE {t} IS 'owned by team {n}';",
    "INSERT INTO settings (key, value) VALUES ('{c}', '{n}') ON CONFLICT DO NOTHING;",
]
HAZARDS = [
    "ALTER TABLE {t} ADD COLUMN {c} uuid DEFAULT gen_random_uuid();",
    "CREATE INDEX {t}_{c}_idx ON {t} (id);",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_fk FOREIGN KEY (id) REFERENCES accounts (id);",
    "ALTER TABLE {t} ALTER COLUMN id SET NOT NULL;",
    "ALTER TABLE {t} ALTER COLUMN id TYPE bigint;",
    "ALTER TABLE {t} RENAME COLUMN {c} TO {c}_old;",
    "UPDATE {t} SET {c} = NULL;",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_key UNIQUE (id);",
]
BLOCK = """CREATE OR REPLACE FUNCTION touch_{n}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;"""
DO = """DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'reader_{n}') THEN
        CREATE ROLE reader_{n};
    END IF;
END
$$;"""


def corpus(folder: Path, files: int, lines: int, seed: int = 7) -> int:
    rnd = random.Random(seed)
    tables = [f"t{i}" for i in range(60)]
    per_file = max(1, lines // files)
    written = 0
    for i in range(files):
        timeout = "SET lock_timeout = '2s';" if rnd.random() < 0.6 else "-- no timeout"
        out: list[str] = [f"-- migration {i + 1}", timeout]
        if i < len(tables):
            out.append(f"CREATE TABLE {tables[i]} (\n    id integer,\n    name text,\n    created_at timestamptz\n);")
        while sum(s.count("\n") + 1 for s in out) < per_file:
            t = rnd.choice(tables[: max(1, min(i, len(tables)))])
            c = f"c{rnd.randrange(10_000)}"
            kind = rnd.random()
            if kind < 0.08:
                out.append(BLOCK.format(n=rnd.randrange(10_000)))
            elif kind < 0.14:
                out.append(DO.format(n=rnd.randrange(10_000)))
            elif kind < 0.34:
                out.append(rnd.choice(HAZARDS).format(t=t, c=c, n=rnd.randrange(10_000)))
            else:
                out.append(rnd.choice(SAFE).format(t=t, c=c, n=rnd.randrange(10_000)))
        text = "\n".join(out) + "\n"
        written += text.count("\n")
        (folder / f"V{i + 1}__change_{i + 1}.sql").write_text(text)
    return written


def timed(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1, 2) or not done.stdout.strip():
        raise SystemExit(f"{args[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=700)
    ap.add_argument("--lines", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "migrations"
        folder.mkdir()
        lines = corpus(folder, args.files, args.lines)
        paths = sorted(str(p) for p in folder.glob("*.sql"))
        squawk = [str(BIN / "squawk"), "--reporter", "json", "--pg-version", "16", *paths]
        ours = [str(BIN / "migration-manager"), "lint", str(folder), "--format", "json", "--pg-version", "16"]
        one = paths[len(paths) // 2]
        squawk_one = [str(BIN / "squawk"), "--reporter", "json", "--pg-version", "16", one]
        ours_one = [str(BIN / "migration-manager"), "lint", one, "--format", "json", "--pg-version", "16"]
        ours_t: list[float] = []
        squawk_t: list[float] = []
        ratios: list[float] = []
        one_t: dict[str, list[float]] = {"squawk": [], "ours": []}
        for _ in range(args.runs):
            s, s_out = timed(squawk)
            o, o_out = timed(ours)
            squawk_t.append(s)
            ours_t.append(o)
            ratios.append(o / s)
            one_t["squawk"].append(timed(squawk_one)[0])
            one_t["ours"].append(timed(ours_one)[0])
        s_findings = json.loads(s_out)
        o_findings = json.loads(o_out)["findings"]
    result = {
        "files": args.files,
        "lines": lines,
        "runs": args.runs,
        "squawk_p50_s": round(statistics.median(squawk_t), 3),
        "ours_p50_s": round(statistics.median(ours_t), 3),
        "ratio_p50": round(statistics.median(ratios), 2),
        "ratios": [round(r, 2) for r in ratios],
        "squawk_findings": len(s_findings),
        "ours_findings": len(o_findings),
        "ours_errors": sum(f["severity"] == "error" for f in o_findings),
        "squawk_by_rule": dict(Counter(f["rule_name"] for f in s_findings).most_common()),
        "ours_by_rule": dict(Counter(f["rule"] for f in o_findings).most_common()),
        "one_file": Path(one).name,
        "one_file_squawk_p50_s": round(statistics.median(one_t["squawk"]), 3),
        "one_file_ours_p50_s": round(statistics.median(one_t["ours"]), 3),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"corpus: {result['files']} files, {result['lines']} lines; {args.runs} run pairs")
    print("| tool | p50 wall time | findings |\n|---|---|---|")
    print(f"| squawk-cli | {result['squawk_p50_s']} s | {result['squawk_findings']} |")
    summary = f"{result['ours_findings']} ({result['ours_errors']} errors)"
    print(f"| migration-manager lint | {result['ours_p50_s']} s | {summary} |")
    print(f"ratio ours/squawk per pair: {result['ratios']} (median {result['ratio_p50']})")
    print(f"\none file ({result['one_file']}), as a pre-commit hook runs it:")
    print("| tool | p50 wall time |\n|---|---|")
    print(f"| squawk-cli | {result['one_file_squawk_p50_s']} s |")
    print(f"| migration-manager lint | {result['one_file_ours_p50_s']} s |")
    print("squawk by rule:", result["squawk_by_rule"])
    print("ours by rule:", result["ours_by_rule"])


if __name__ == "__main__":
    main()
