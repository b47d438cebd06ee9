"""Turn what a caller sends (operations JSON or SQL text) into typed input, with errors a person can act on.

Shared by the CLI and the MCP server so both say the same thing about the same mistake.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from .defaults import too_many_statements
from .errors import InputError
from .model import ChangeRequest, Dialect, Operation, Plan, TableStats, Target
from .sql.postgres import parse_operations

_OPERATIONS: TypeAdapter[list[Operation]] = TypeAdapter(list[Operation])
_STATS: TypeAdapter[dict[str, TableStats]] = TypeAdapter(dict[str, TableStats])


def known_operations() -> list[str]:
    union = get_args(get_args(Operation)[0])
    return [cls.model_fields["op"].default for cls in union]


def describe_validation_error(exc: ValidationError, what: str) -> str:
    """One line per problem: where it is, what is wrong, what is accepted."""
    lines = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err["loc"]) or what
        kind = err["type"]
        if kind == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag")
            msg = f"unknown operation {tag!r}; known: {', '.join(known_operations())}"
        elif kind == "union_tag_not_found":
            msg = f"missing 'op'; give one of: {', '.join(known_operations())}"
        elif kind == "missing":
            msg = "required field missing"
        elif kind == "extra_forbidden":
            msg = "unknown field (check the spelling)"
        else:
            msg = err["msg"]
        lines.append(f"{where}: {msg}")
    more = len(exc.errors()) - 10
    if more > 0:
        lines.append(f"... and {more} more")
    return f"invalid {what}:\n  " + "\n  ".join(lines)


def _check_size(data: Any) -> None:
    """Refuse an operations list over the limit before validating it item by item."""
    if isinstance(data, list) and (refused := too_many_statements(len(data), "operations")):
        raise InputError(refused)


def operations_from_data(data: Any) -> list[Operation]:
    """Operations from JSON data, strictly: "yes" is not a boolean nor "5" a number."""
    _check_size(data)
    try:
        return _OPERATIONS.validate_python(data, strict=True)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, "operations")) from exc


def plan_from_data(data: Any) -> Plan:
    """A plan as plan_change (or `plan --json`) returned it."""
    _check_size(data.get("operations") if isinstance(data, dict) else None)
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            describe_validation_error(exc, "plan (give the `plan` plan_change returned, unchanged)")
        ) from exc


def stats_from_data(data: Any) -> dict[str, TableStats]:
    try:
        return _STATS.validate_python(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, "table stats")) from exc


def timestamp_from(text: str | None, what: str = "timestamp") -> datetime | None:
    """YYYYMMDDHHMMSS (the first file's timestamp), or None for "now"."""
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise InputError(f"{what} must be YYYYMMDDHHMMSS, e.g. 20261124093000 (got {text!r})") from exc


def target_from(version: int | None, dialect: str | None = None, release: str | None = None) -> Target:
    """The target a request names: PostgreSQL `version` (major), or MariaDB / MySQL `release`."""
    try:
        if dialect not in (None, "postgresql"):
            if version is not None:
                raise InputError("--pg-version is for PostgreSQL; MariaDB and MySQL take --release (e.g. 10.11, 8.0)")
            return Target(dialect=Dialect(dialect), release=release)
        if release is not None:
            raise InputError("--release is for MariaDB and MySQL; PostgreSQL takes --pg-version (a major number)")
        return Target(version=version) if version is not None else Target()
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, "target")) from exc


def request_from_json(text: str) -> ChangeRequest:
    """A JSON list of operations, or an object {"operations": [...], "target": {...}, "stats": {...}}."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if isinstance(data, list):
        return ChangeRequest(operations=operations_from_data(data))
    if not isinstance(data, dict):
        raise InputError('operations JSON must be a list of operations or an object with "operations"')
    _check_size(data.get("operations"))
    try:
        return ChangeRequest.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, "change request")) from exc


def request_from_sql(sql: str, dialect: str | None = None) -> ChangeRequest:
    """DDL read by the dialect's parser: PostgreSQL's own, or sqlglot's mysql dialect for MariaDB / MySQL."""
    if dialect in (Dialect.MARIADB.value, Dialect.MYSQL.value):
        from .sql.mysql_ddl import parse_mysql_operations

        return ChangeRequest(operations=parse_mysql_operations(sql))
    return ChangeRequest(operations=parse_operations(sql))
