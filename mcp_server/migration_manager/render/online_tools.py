"""The same table copy three ways: gh-ost (the plan's command), pt-online-schema-change, and a Vitess
online DDL migration, for a table too large to copy under a lock.

The planner writes the gh-ost command (Step.external_command); the other two are read from it, so
the three always name the same table and the same change. pt-online-schema-change takes, like
gh-ost, the ALTER without its `ALTER TABLE t` prefix and the table as a DSN (`D=db,t=table`); it
is run with `--dry-run` first (creates and alters the new table, copies nothing) and `--execute`
after. Vitess takes the whole ALTER through vtgate with `@@ddl_strategy='vitess'`, answers with
the migration's uuid, and is followed and cancelled by that uuid.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

PT_OSC_THROTTLE = (
    "--chunk-size 1000 --max-load Threads_running=25 --critical-load Threads_running=60 --set-vars lock_wait_timeout=5"
)


@dataclass(frozen=True)
class OnlineTools:
    table: str
    database: str
    alter_clause: str  # the ALTER without `ALTER TABLE t`, as gh-ost and pt-online-schema-change take it
    gh_ost: str
    pt_osc_dry_run: str
    pt_osc_execute: str
    vitess_sql: str  # run through vtgate; answers with the migration's uuid
    vitess_follow: str
    vitess_cancel: str


def online_tools(gh_ost: str | None) -> OnlineTools | None:
    """The three commands for the change a gh-ost command makes; None for a step without one."""
    if not gh_ost:
        return None
    args = shlex.split(gh_ost)
    if not args or args[0] != "gh-ost":
        raise ValueError(f"not a gh-ost command: {gh_ost!r}")
    flags = dict(a[2:].split("=", 1) for a in args[1:] if a.startswith("--") and "=" in a)
    missing = [f for f in ("alter", "database", "table") if f not in flags]
    if missing:
        raise ValueError(f"gh-ost command without --{', --'.join(missing)}: {gh_ost!r}")
    clause, database, table = flags["alter"], flags["database"], flags["table"]
    dsn = f"D={database},t={table}"
    pt_osc = f"pt-online-schema-change --alter {shlex.quote(clause)} {dsn} {PT_OSC_THROTTLE}"
    return OnlineTools(
        table=table,
        database=database,
        alter_clause=clause,
        gh_ost=gh_ost,
        pt_osc_dry_run=f"{pt_osc} --dry-run",
        pt_osc_execute=f"{pt_osc} --execute",
        vitess_sql=f"SET @@ddl_strategy='vitess';\nALTER TABLE {table} {clause};",
        vitess_follow="SHOW VITESS_MIGRATIONS LIKE '<uuid>';",
        vitess_cancel="ALTER VITESS_MIGRATION '<uuid>' CANCEL;",
    )
