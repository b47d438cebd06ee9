"""verify: migrations tried on a scratch database (up, down, up again), every statement traced."""

from .model import FileTrace, Problem, StatementTrace, VerifyReport
from .run import pairs_in, verify

__all__ = ["FileTrace", "Problem", "StatementTrace", "VerifyReport", "pairs_in", "verify"]
