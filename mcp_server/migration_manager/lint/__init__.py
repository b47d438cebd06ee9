"""lint: the statements in existing migrations that would block the application, break running
code or lose data, each with the safe alternative. PostgreSQL, version-aware, schema-aware."""

from .config import LintConfig, load_config
from .engine import lint_paths, lint_text
from .model import Finding, LintReport

__all__ = ["Finding", "LintConfig", "LintReport", "lint_paths", "lint_text", "load_config"]
