"""lint: the statements in existing migrations that would block the application, break running
code or lose data, each with the safe alternative. PostgreSQL, version-aware, schema-aware.

The names below load on first use (PEP 562): the helper process that plans fixes
(plan_worker.py) lives in this package and needs none of them."""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing is not imported: 4 ms of a lint run answered from the cache
if TYPE_CHECKING:
    from typing import Any

    from .config import LintConfig, load_config
    from .engine import lint_paths, lint_text
    from .model import Finding, LintReport

_WHERE = {
    "LintConfig": "config",
    "load_config": "config",
    "lint_paths": "engine",
    "lint_text": "engine",
    "Finding": "model",
    "LintReport": "model",
}

__all__ = ["Finding", "LintConfig", "LintReport", "lint_paths", "lint_text", "load_config"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
