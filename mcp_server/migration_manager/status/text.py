"""A status report for people."""

from __future__ import annotations

from .model import StatusReport

_MARK = {"applied": "applied", "not_applied": "pending", "partly": "PARTLY ", "unknown": "unknown"}
_EVIDENCE = {
    "version_table": "version table",
    "objects": "objects",
    "later_migration": "a later migration ran",
    "none": "nothing to go by",
}


def format_status(report: StatusReport) -> str:
    out = [
        f"Status of {len(report.migrations)} migration(s) on {report.server} (PostgreSQL {report.server_version})",
        f"Plan: {report.plan_source}",
    ]
    for t in report.version_tables:
        use = "used" if t.matched else "not used"
        out.append(f"Version table {t.table} ({t.framework}): {use}" + (f" ({t.note})" if t.note else ""))
    if not any(t.matched for t in report.version_tables):
        out.append("Judged from the objects in the database (no version table holds this plan's migrations)")
    out.append("")
    for m in report.migrations:
        version = f", version {m.version}" if m.version else ""
        out.append(f"  [{_MARK[m.state]}] {m.number}. {m.name}  ({_EVIDENCE[m.evidence]}{version})")
        carried = [c for c in m.checks if c.carried]
        for c in m.checks:
            if c.carried:
                continue
            mark = {True: "yes", False: "no ", None: "?  "}[c.holds]
            out.append(f"             {mark} {c.description}" + (f": {c.message}" if c.message else ""))
        if carried:
            held = sum(c.holds is True for c in carried)
            out.append(f"             ({held} of the {len(carried)} checks it repeats from the migration before hold)")
        out.extend(f"             note: {n}" for n in m.notes)
    if report.leftovers:
        out.append("")
        out.append("Left in the database (an unfinished or interrupted plan):")
        for x in report.leftovers:
            out.append(f"  {x.kind.replace('_', ' ')} {x.name} on {x.table}: {x.detail}")
            out.append(f"      -> {x.fix}")
    out.append("")
    if report.next is None:
        out.append("All migrations of the plan are applied.")
    else:
        out.append(f"Next: migration {report.next} ({report.next_name})")
        if report.gate:
            out.append(f"  It waits at a gate: {report.gate}")
        elif report.migrations[report.next - 1].state != "partly":
            out.append("  No gate before it: it can run now")
    out.extend(f"warning: {w}" for w in report.warnings)
    return "\n".join(out) + "\n"
