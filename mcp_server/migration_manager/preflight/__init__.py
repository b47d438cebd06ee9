"""preflight: the checks that must pass before each migration, and running them on a live
database, read-only."""

from ..errors import DatabaseError
from ..model import Plan
from .checks import checks_for
from .model import CheckResult, PreflightCheck, PreflightReport
from .run import redact, run_checks

__all__ = [
    "CheckResult",
    "DatabaseError",
    "PreflightCheck",
    "PreflightReport",
    "checks_for",
    "preflight",
    "redact",
    "run_checks",
]


def preflight(plan: Plan, dsn: str | None, *, long_transaction_seconds: int = 60) -> PreflightReport:
    """The plan's checks; with a DSN, run and compared with their expected answers, and the
    plan's estimate recomputed from the table sizes found."""
    if not plan.target.is_postgresql:
        from .model import CheckResult as Pending
        from .mysql import checks_for_mysql, run_mysql

        if dsn is None:
            listed = checks_for_mysql(plan, long_transaction_seconds)
            return PreflightReport(
                results=[Pending(check=c, status="pending", message="not run: no DSN") for c in listed]
            )
        return run_mysql(plan, dsn, long_transaction_seconds)
    checks = checks_for(plan, long_transaction_seconds)
    if dsn is None:
        from .model import CheckResult as Result

        return PreflightReport(results=[Result(check=c, status="pending", message="not run: no DSN") for c in checks])
    report = run_checks(dsn, checks)
    if report.stats:
        from ..planner import plan as replan

        sized = replan(
            plan.operations,
            plan.target,
            report.stats,
            lock_timeout=plan.lock_timeout,
            statement_timeout=plan.statement_timeout,
        )
        values = [m.estimated_seconds for m in sized.migrations]
        report.estimate_seconds = None if any(v is None for v in values) else sum(v or 0 for v in values)
    return report
