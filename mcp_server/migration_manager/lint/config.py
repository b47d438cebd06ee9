"""[tool.migration-manager] in pyproject.toml: the PostgreSQL version, rules switched off, and
severities changed.

    [tool.migration-manager]
    pg-version = 15
    ignore = ["drop-loses-data"]
    severity = { missing-lock-timeout = "error" }
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError
from .rules import BY_ID, Severity


class LintConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    pg_version: int = Field(16, alias="pg-version", ge=10, le=18)
    dialect: Literal["postgresql", "mariadb", "mysql"] = "postgresql"
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)

    def check_rule_ids(self) -> None:
        unknown = sorted((set(self.ignore) | set(self.severity)) - set(BY_ID))
        if unknown:  # the MySQL rules load sqlglot: only when a PostgreSQL id does not explain them
            from .mysql_rules import MY_BY_ID

            unknown = [rid for rid in unknown if rid not in MY_BY_ID]
        if unknown:
            raise InputError(
                f"unknown lint rule(s) in the configuration: {', '.join(unknown)}; known: {', '.join(BY_ID)}"
            )


def find_pyproject(start: Path) -> Path | None:
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path) -> LintConfig:
    path = find_pyproject(start.resolve())
    if path is None:
        return LintConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read it: {exc}") from exc
    section = data.get("tool", {}).get("migration-manager", {})
    try:
        config = LintConfig.model_validate(section)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"{path} [tool.migration-manager] {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    config.check_rule_ids()
    return config
