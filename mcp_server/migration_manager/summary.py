"""A plan as text for a person (or a model) to read: migrations, steps, locks, gates, warnings."""

from __future__ import annotations

from .model import Plan, Step


def mysql_line(step: Step) -> str:
    """What a MariaDB / MySQL step does to the application, by the algorithm it states."""
    if step.external_command:
        return "runs through gh-ost: the table is copied in chunks while reads and writes go on"
    if not step.algorithm:
        return "no ALTER algorithm: a brief metadata lock" if step.up else "nothing to run"
    if step.blocks_writes:
        return f"ALGORITHM={step.algorithm}: the table is copied and writes wait for the whole copy"
    what = "rebuilt in place" if step.rewrites else "metadata or in-place build"
    return f"ALGORITHM={step.algorithm}: {what}; reads and writes go on (brief metadata lock at start and end)"


def _seconds(value: float | None) -> str:
    return "unknown (no stats)" if value is None else ("< 1 s" if value < 1 else f"~{value:,.0f} s")


def format_plan(p: Plan) -> str:
    out = [f"Plan for {p.target.label}: {len(p.migrations)} migration(s)"]
    if p.target.is_postgresql:
        out.append(f"Schema read from the {p.schema_source}." if p.schema_source else "Schema: none read.")
    if p.target.is_postgresql and any(m.transactional for m in p.migrations):
        out.append(
            f"Locks are taken with lock_timeout {p.lock_timeout} per attempt; a transaction that cannot get "
            f"them retries with backoff, {p.lock_retries} attempts."
        )
    for i, m in enumerate(p.migrations, 1):
        out.append("")
        if m.gate_before:
            out.append(f"   GATE: {m.gate_before}")
        mode = "one transaction" if m.transactional else "outside a transaction"
        if not p.target.is_postgresql:
            mode = "one statement, no transactional DDL"
        out.append(f"{i}. {m.title}  [{mode}; risk {m.risk.value}; {_seconds(m.estimated_seconds)}]")
        for s in m.steps:
            out.append(f"   - {s.description}")
            if not p.target.is_postgresql:
                out.append(f"     {mysql_line(s)}; risk {s.risk.value}")
                continue
            locks = ", ".join(f"{lk.mode.sql_name} on {lk.relation}" for lk in s.locks) or "no table lock"
            work = "REWRITE" if s.rewrites else "scan" if s.scans else "catalog only"
            out.append(f"     {locks}; {work}; risk {s.risk.value}")
    if p.warnings:
        out.append("")
        out.append("Warnings:")
        out.extend(f"  ! {w}" for w in p.warnings)
    return "\n".join(out)
