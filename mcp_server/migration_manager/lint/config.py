"""[tool.migration-manager] in pyproject.toml: the PostgreSQL version, rules switched off, and
severities changed.

    [tool.migration-manager]
    pg-version = 15
    ignore = ["drop-loses-data"]
    severity = { missing-lock-timeout = "error" }

Read and checked by hand rather than by a pydantic model: lint starts without pydantic (model.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from ..defaults import unsupported_pg
from ..errors import InputError
from .model import Dialect, Severity
from .project import find_pyproject

if TYPE_CHECKING:
    from .sizes import Sizes

_DIALECTS = get_args(Dialect)
_SEVERITIES = get_args(Severity)


@dataclass
class LintConfig:
    pg_version: int = 16
    dialect: Dialect = "postgresql"
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    dialect_set: bool = False  # given by a configuration file, the command line or the tool call
    pg_version_set: bool = False  # likewise (else a Rails app's StrongMigrations.target_version)
    sizes: Sizes | None = None  # table sizes (--stats, --dsn): the severity of whole-table statements

    def override(
        self, pg_version: int | None = None, dialect: Dialect | None = None, ignore: list[str] | None = None
    ) -> LintConfig:
        """The configuration with what a command line or a tool call gives on top, checked: the
        CLI and the MCP tool both come through here."""
        if pg_version is not None:
            problem = unsupported_pg(pg_version)
            if problem:
                raise InputError(f"pg_version {pg_version}: {problem}")
            self.pg_version = pg_version
            self.pg_version_set = True
        if dialect is not None:
            self.dialect = dialect
            self.dialect_set = True
        self.ignore.extend(ignore or [])
        self.check_rule_ids()
        return self

    def check_rule_ids(self) -> None:
        if not (self.ignore or self.severity):
            return  # nothing to check: the rules are not loaded (a run from the cache needs none)
        from .rules import BY_ID

        unknown = sorted((set(self.ignore) | set(self.severity)) - set(BY_ID))
        if unknown:  # the MySQL rules load sqlglot: only when a PostgreSQL id does not explain them
            from .mysql_rules import MY_BY_ID

            unknown = [rid for rid in unknown if rid not in MY_BY_ID]
        if unknown:
            raise InputError(
                f"unknown lint rule(s) in the configuration: {', '.join(unknown)}; known: {', '.join(BY_ID)}"
            )


def config_from(section: dict[str, Any]) -> LintConfig:
    """The configuration a [tool.migration-manager] table gives; ValueError names the first key
    that is wrong and what it should be."""
    config = LintConfig()
    for key, value in section.items():
        if key == "pg-version":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"pg-version: a major version number, e.g. 16 (got {value!r})")
            problem = unsupported_pg(value)
            if problem:
                raise ValueError(f"pg-version: {problem}")
            config.pg_version = value
            config.pg_version_set = True
        elif key == "dialect":
            if value not in _DIALECTS:
                raise ValueError(f"dialect: one of {', '.join(_DIALECTS)} (got {value!r})")
            config.dialect = value
            config.dialect_set = True
        elif key == "ignore":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f'ignore: a list of rule ids, e.g. ["drop-loses-data"] (got {value!r})')
            config.ignore = list(value)
        elif key == "severity":
            if not isinstance(value, dict) or not all(v in _SEVERITIES for v in value.values()):
                raise ValueError(f'severity: a table of rule id = "error", "warning" or "note" (got {value!r})')
            config.severity = dict(value)
        else:
            raise ValueError(f"{key}: not a setting; the settings are pg-version, dialect, ignore, severity")
    return config


def load_config(start: Path) -> LintConfig:
    path = find_pyproject(start.resolve())
    if path is None:
        return LintConfig()
    import tomllib  # here: most projects lint has no pyproject.toml for

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read it: {exc}") from exc
    section = data.get("tool", {}).get("migration-manager", {})
    try:
        config = config_from(section if isinstance(section, dict) else {"[tool.migration-manager]": section})
    except ValueError as exc:
        raise InputError(f"{path} [tool.migration-manager] {exc}") from exc
    config.check_rule_ids()
    return config
