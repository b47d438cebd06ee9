"""How often lint flags a harmless change, and whether it still catches every hazard: a fixed,
hand-written case set, kept apart from the tests.

Each case is two migrations: its setup (the tables as production has them, an earlier file) and
the change (the newest file), linted in that order as `lint` does a migrations folder, on
PostgreSQL 16. A case may give table sizes (as `--stats` does). Harmless cases are changes a
careful team ships without downtime (the safe forms, each with its `SET lock_timeout` where it
takes a lock that blocks); hazards are one per known rule, each on a table the stats say is big.

For a harmless case the report lists every finding and its severity; for a hazard, whether its
rule fired and at what severity. The same case set runs against any checkout: point PYTHONPATH at
its mcp_server (the size options are passed only where the checkout has them).

Usage: .venv/bin/python benchmarks/lint_precision.py [--json] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from migration_manager.lint import LintConfig
from migration_manager.lint.engine import Source
from migration_manager.lint.linter import Linter

try:  # the size options (lint/sizes.py); an older checkout has none
    from migration_manager.lint.sizes import Sizes, TableSize
except ImportError:  # pragma: no cover - measured on the checkout before sizes
    Sizes = TableSize = None  # type: ignore[assignment, misc]

LT = "SET lock_timeout = '3s';\n"
BASE = (
    "CREATE TABLE users (id bigint PRIMARY KEY, name text, email varchar(100), born timestamp);\n"
    "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, amount int, code text, note varchar(50));\n"
    "CREATE INDEX orders_code_idx ON orders (code);\n"
    "CREATE TABLE countries (id int PRIMARY KEY, name text, iso text);\n"
    "CREATE TABLE sessions (id bigint PRIMARY KEY, token text);\n"
)
BIG = {"users": 2_000_000, "orders": 50_000_000, "sessions": 3_000_000}
SMALL = {"countries": 250}
PRODUCTION = {**BIG, **SMALL}  # the setup's tables, as a stats file of the production database gives them


@dataclass(frozen=True)
class Case:
    name: str
    change: str
    rule: str | None = None  # a hazard: the rule that must fire; None: harmless
    setup: str = BASE
    stats: dict[str, int] | None = field(default_factory=lambda: dict(PRODUCTION))
    pg: int = 16


HARMLESS = [
    Case("add a nullable column", LT + "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;"),
    Case("add a column with a constant default (11+)", LT + "ALTER TABLE orders ADD COLUMN state text DEFAULT 'new';"),
    Case(
        "add a NOT NULL column with a constant default (11+)",
        LT + "ALTER TABLE orders ADD COLUMN kind text NOT NULL DEFAULT 'web';",
    ),
    Case("create an index concurrently", "CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);"),
    Case(
        "create a unique index concurrently, if not there",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);",
    ),
    Case("drop an index concurrently", "DROP INDEX CONCURRENTLY IF EXISTS orders_code_idx;"),
    Case(
        "add a foreign key NOT VALID",
        LT + "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
    ),
    Case(
        "validate a foreign key (its own migration)",
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;",
        setup=BASE
        + "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n",
    ),
    Case(
        "add a CHECK NOT VALID",
        LT + "ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0) NOT VALID;",
    ),
    Case(
        "SET NOT NULL after a validated CHECK (12+)",
        LT + "ALTER TABLE orders ALTER COLUMN code SET NOT NULL;\nALTER TABLE orders DROP CONSTRAINT code_not_null;",
        setup=BASE
        + "ALTER TABLE orders ADD CONSTRAINT code_not_null CHECK (code IS NOT NULL) NOT VALID;\n"
        + "ALTER TABLE orders VALIDATE CONSTRAINT code_not_null;\n",
    ),
    Case(
        "UNIQUE constraint from a concurrently built index",
        LT + "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
    ),
    Case("rename, expand step: add the new column", LT + "ALTER TABLE users ADD COLUMN full_name text;"),
    Case(
        "rename, expand step: a view under the new name",
        "CREATE VIEW customers AS SELECT id, name, email FROM users;",
    ),
    Case("comment on a table", "COMMENT ON TABLE orders IS 'one row per checkout';"),
    Case("comment on a column", "COMMENT ON COLUMN orders.code IS 'the coupon code';"),
    Case(
        "new table with an index and a foreign key",
        "CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id), amount int);\n"
        "CREATE INDEX refunds_order_idx ON refunds (order_id);",
    ),
    Case(
        "new table, indexed in the next migration",
        "CREATE INDEX coupons_code_idx ON coupons (code);",
        setup=BASE + "CREATE TABLE coupons (id bigint PRIMARY KEY, code text);\n",
        stats=dict(PRODUCTION),  # coupons is not in production yet: no figure for it
    ),
    Case(
        "small lookup table updated, stats say small",
        "UPDATE countries SET name = initcap(name);",
    ),
    Case("small lookup table emptied, stats say small", "DELETE FROM countries;"),
    Case(
        "small lookup table indexed, stats say small",
        LT + "CREATE INDEX countries_iso_idx ON countries (iso);",
    ),
    Case(
        "empty a table, then add a NOT NULL column",
        "DELETE FROM sessions;\n" + LT + "ALTER TABLE sessions ADD COLUMN kind text NOT NULL;",
        stats={**PRODUCTION, "sessions": 40},  # expired tokens only
    ),
    Case("seed rows into a lookup table", "INSERT INTO countries (id, name, iso) VALUES (251, 'Kosovo', 'XK');"),
    Case("update a batch of rows by key", "UPDATE orders SET code = upper(code) WHERE id BETWEEN 1 AND 5000;"),
    Case("set a column default", LT + "ALTER TABLE orders ALTER COLUMN amount SET DEFAULT 0;"),
    Case("drop a column default", LT + "ALTER TABLE orders ALTER COLUMN amount DROP DEFAULT;"),
    Case("drop NOT NULL", LT + "ALTER TABLE users ALTER COLUMN name DROP NOT NULL;"),
    Case("widen a varchar (no rewrite)", LT + "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);"),
    Case("varchar to text (no rewrite)", LT + "ALTER TABLE users ALTER COLUMN email TYPE text;"),
    Case(
        "timestamp to timestamptz in UTC (12+, no rewrite)",
        LT + "SET TIME ZONE 'UTC';\nALTER TABLE users ALTER COLUMN born TYPE timestamptz;",
    ),
    Case("rename an index (12+)", "ALTER INDEX orders_code_idx RENAME TO orders_coupon_idx;"),
    Case("create a sequence", "CREATE SEQUENCE invoice_numbers START 1000;"),
    Case("create an extension", "CREATE EXTENSION IF NOT EXISTS pg_trgm;"),
    Case(
        "create a function",
        "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.note := 'x'; RETURN NEW; END $$;",
    ),
    Case("grant", "GRANT SELECT ON orders TO reporting;"),
    Case("analyze", "ANALYZE orders;"),
    Case("a plain vacuum", "VACUUM (ANALYZE) orders;"),
]

HAZARDS = [
    Case(
        "volatile default", "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();", "add-column-rewrite"
    ),
    Case(
        "NOT NULL without default",
        "ALTER TABLE orders ADD COLUMN status text NOT NULL;",
        "add-column-not-null-without-default",
    ),
    Case("column added UNIQUE", "ALTER TABLE orders ADD COLUMN ref text UNIQUE;", "add-column-unique"),
    Case(
        "column added with REFERENCES",
        "ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES users (id);",
        "add-column-references",
    ),
    Case(
        "CHECK without NOT VALID",
        "ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0);",
        "constraint-missing-not-valid",
    ),
    Case(
        "foreign key without NOT VALID",
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
        "constraint-missing-not-valid",
    ),
    Case("SET NOT NULL with a scan", "ALTER TABLE orders ALTER COLUMN code SET NOT NULL;", "set-not-null-scan"),
    Case(
        "UNIQUE constraint builds its index",
        "ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code);",
        "constraint-builds-index",
    ),
    Case(
        "index without CONCURRENTLY", "CREATE INDEX orders_user_idx ON orders (user_id);", "index-without-concurrently"
    ),
    Case("drop index without CONCURRENTLY", "DROP INDEX orders_code_idx;", "drop-index-without-concurrently"),
    Case(
        "CONCURRENTLY in a transaction",
        "BEGIN;\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);\nCOMMIT;",
        "concurrently-in-transaction",
    ),
    Case("int to bigint", "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;", "change-column-type"),
    Case("VACUUM FULL", "VACUUM FULL orders;", "table-rewrite-command"),
    Case("CLUSTER", "CLUSTER orders USING orders_pkey;", "table-rewrite-command"),
    Case("REINDEX", "REINDEX TABLE orders;", "reindex-without-concurrently"),
    Case("UPDATE every row", "UPDATE orders SET code = upper(code);", "unbatched-dml"),
    Case("DELETE every row", "DELETE FROM sessions;", "unbatched-dml"),
    Case("TRUNCATE", "TRUNCATE sessions;", "truncate"),
    Case("LOCK TABLE", "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;", "lock-table"),
    Case("no lock_timeout", "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;", "missing-lock-timeout"),
    Case("rename a column", "ALTER TABLE users RENAME COLUMN name TO full_name;", "rename-breaks-running-code"),
    Case("drop a column", "ALTER TABLE orders DROP COLUMN code;", "drop-loses-data"),
    Case("json column", "ALTER TABLE orders ADD COLUMN meta json;", "json-column"),
    Case("not SQL that parses", "ALTER TABLE orders ADD COLUMN;", "parse-error"),
    Case(
        "NOT NULL add after a DELETE that leaves rows",
        "DELETE FROM sessions WHERE id < 100;\nALTER TABLE sessions ADD COLUMN kind text NOT NULL;",
        "add-column-not-null-without-default",
    ),
]


def lint_case(case: Case, with_stats: bool = True, with_setup: bool = True) -> list[tuple[str, str]]:
    """(rule, severity) of each finding of the change; `with_setup` False: the change file alone,
    as a pre-commit hook lints a new migration."""
    config = LintConfig(pg_version=case.pg)
    if with_stats and case.stats is not None and Sizes is not None:
        config.sizes = Sizes({t: TableSize(rows) for t, rows in case.stats.items()}, "--stats")
    linter = Linter(config)
    if with_setup:
        linter.lint_source(Source("0001_setup.sql", case.setup))
    return [(f.rule, f.severity) for f in linter.lint_source(Source("0002_change.sql", case.change))]


def measure() -> dict[str, Any]:
    harmless = [{"case": c.name, "findings": lint_case(c)} for c in HARMLESS]
    hazards = []
    for c in HAZARDS:
        found = dict(reversed(lint_case(c)))  # the first finding of each rule
        bare = dict(reversed(lint_case(c, with_stats=False)))
        alone = dict(reversed(lint_case(c, with_stats=False, with_setup=False)))
        hazards.append(
            {
                "case": c.name,
                "rule": c.rule,
                "caught": found.get(c.rule or ""),
                "no_stats": bare.get(c.rule or ""),
                "alone": alone.get(c.rule or ""),
            }
        )
    flagged = [h for h in harmless if any(sev != "note" for _, sev in h["findings"])]
    return {
        "harmless": harmless,
        "hazards": hazards,
        "summary": {
            "harmless_cases": len(harmless),
            "harmless_flagged": len(flagged),
            "harmless_flagged_as_error": sum(any(s == "error" for _, s in h["findings"]) for h in harmless),
            "harmless_with_notes_only": sum(
                bool(h["findings"]) and all(s == "note" for _, s in h["findings"]) for h in harmless
            ),
            "hazard_cases": len(hazards),
            "hazards_caught": sum(h["caught"] is not None for h in hazards),
            "hazards_caught_as_error": sum(h["caught"] == "error" for h in hazards),
            "hazards_caught_without_stats": sum(h["no_stats"] is not None for h in hazards),
            "hazards_as_error_without_stats": sum(h["no_stats"] == "error" for h in hazards),
            "hazards_caught_alone": sum(h["alone"] is not None for h in hazards),
            "hazards_as_error_alone": sum(h["alone"] == "error" for h in hazards),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="every case and its findings")
    args = parser.parse_args()
    result = measure()
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        return
    s = result["summary"]
    print("| | cases | flagged (warning or error) | as error | notes only | caught |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| harmless | {s['harmless_cases']} | {s['harmless_flagged']} | {s['harmless_flagged_as_error']} | "
        f"{s['harmless_with_notes_only']} | |"
    )
    print(f"| hazards | {s['hazard_cases']} | | {s['hazards_caught_as_error']} | | {s['hazards_caught']} |")
    print(
        f"| hazards, no stats given | {s['hazard_cases']} | | {s['hazards_as_error_without_stats']} | | "
        f"{s['hazards_caught_without_stats']} |"
    )
    print(
        f"| hazards, the change file alone, no stats | {s['hazard_cases']} | | {s['hazards_as_error_alone']} | | "
        f"{s['hazards_caught_alone']} |"
    )
    for h in result["harmless"]:
        if h["findings"] and (args.verbose or any(sev != "note" for _, sev in h["findings"])):
            print(f"harmless flagged: {h['case']}: {', '.join(f'{r} ({sev})' for r, sev in h['findings'])}")
        elif args.verbose:
            print(f"harmless clean: {h['case']}")
    for h in result["hazards"]:
        if h["caught"] is None or args.verbose:
            print(
                f"hazard {h['case']} [{h['rule']}]: {h['caught'] or 'MISSED'} (without stats: "
                f"{h['no_stats'] or 'MISSED'}; the file alone: {h['alone'] or 'MISSED'})"
            )


if __name__ == "__main__":
    main()
