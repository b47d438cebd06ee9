"""A preflight report for people."""

from __future__ import annotations

from .model import PreflightReport

_MARK = {"pass": "ok  ", "fail": "FAIL", "pending": "wait", "info": "info", "error": "ERR "}


def format_report(report: PreflightReport) -> str:
    out: list[str] = []
    if report.server:
        out.append(f"Preflight on {report.server} (PostgreSQL {report.server_version}):")
    else:
        out.append("Preflight checks (not run: give --dsn to run them, read-only):")
    for r in report.results:
        c = r.check
        where = f"before migration {c.migration}" if c.migration else "before the first migration"
        out.append(f"  [{_MARK[r.status]}] {c.description} ({where}; expect {c.expect})")
        if report.server is None:
            out.append(f"         {c.sql}")
        if r.message and report.server is not None:
            out.append(f"         {r.message}")
        if r.status in ("fail", "info") and r.rows:
            out.extend(f"         {row}" for row in r.rows[:5])
    if report.stats:
        sizes = ", ".join(f"{t}: {s.rows} rows" for t, s in report.stats.items())
        out.append(f"Table sizes: {sizes}")
    if report.estimate_seconds is not None:
        out.append(f"Estimated time with these sizes: {report.estimate_seconds:.1f} s (plus waiting for locks)")
    if report.server is not None:
        failed = [r for r in report.results if r.status in ("fail", "error")]
        out.append("Result: " + (f"{len(failed)} check(s) failed" if failed else "all checks passed"))
    return "\n".join(out) + "\n"
