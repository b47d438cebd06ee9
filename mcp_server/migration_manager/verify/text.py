"""A verify report for people."""

from __future__ import annotations

from ..model import LockMode
from .model import VerifyReport


def _mode(mode: str) -> str:
    return LockMode(mode).sql_name if mode in LockMode._value2member_map_ else mode


def format_verify(report: VerifyReport) -> str:
    out = [f"Verified on {report.where} with {report.rows} rows per table, in {report.seconds:.1f} s."]
    if report.locks_from != "pg_locks":
        out.append(f"Locks: {report.locks_from}.")
    for f in report.files:
        out.append(f"{f.direction:>8}  {f.path}  ({f.seconds:.2f} s)")
        for st in f.statements:
            locks = ", ".join(f"{_mode(m)} on {t}" for t, m in sorted(st.locks.items())) or "no table lock"
            extra = "".join(
                [
                    f"; REWROTE {', '.join(st.rewritten)}" if st.rewritten else "",
                    f"; read all of {', '.join(st.scanned)}" if st.scanned else "",
                    f"; writes blocked on {', '.join(st.writes_blocked)}" if st.writes_blocked else "",
                    f"; ERROR {st.error}" if st.error else "",
                ]
            )
            first = st.sql.splitlines()[0]
            if len(first) > 90:  # cut at a word, and say so: a cut mid-word reads as a typo in the SQL
                first = first[:90].rsplit(" ", 1)[0] + " ..."
            out.append(f"          {st.line:>4}: {first}  [{locks}{extra}; {st.seconds * 1000:.0f} ms]")
    if report.problems:
        out.append("Problems:")
        out.extend(f"  - {p.kind}: {p.message}" + (f" ({p.path}:{p.line})" if p.path else "") for p in report.problems)
    out.append("Result: " + ("passed" if report.passed else "FAILED"))
    return "\n".join(out)
