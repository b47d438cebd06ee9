"""A plan as text for a person (or a model) to read: migrations, steps, locks, gates, warnings."""

from __future__ import annotations

from .model import Plan


def _seconds(value: float | None) -> str:
    return "unknown (no stats)" if value is None else ("< 1 s" if value < 1 else f"~{value:,.0f} s")


def format_plan(p: Plan) -> str:
    out = [f"Plan for PostgreSQL {p.target.version}: {len(p.migrations)} migration(s)"]
    for i, m in enumerate(p.migrations, 1):
        out.append("")
        if m.gate_before:
            out.append(f"   GATE: {m.gate_before}")
        mode = "one transaction" if m.transactional else "outside a transaction"
        out.append(f"{i}. {m.title}  [{mode}; risk {m.risk.value}; {_seconds(m.estimated_seconds)}]")
        for s in m.steps:
            locks = ", ".join(f"{lk.mode.sql_name} on {lk.relation}" for lk in s.locks) or "no table lock"
            work = "REWRITE" if s.rewrites else "scan" if s.scans else "catalog only"
            out.append(f"   - {s.description}")
            out.append(f"     {locks}; {work}; risk {s.risk.value}")
    if p.warnings:
        out.append("")
        out.append("Warnings:")
        out.extend(f"  ! {w}" for w in p.warnings)
    return "\n".join(out)
