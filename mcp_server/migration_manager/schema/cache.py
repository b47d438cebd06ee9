"""A Schema as JSON, so a schema built from a file or a replay is read once per content hash."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .model import (
    ColumnInfo,
    ConstraintInfo,
    IndexInfo,
    Schema,
    SequenceInfo,
    TableInfo,
    TriggerInfo,
    ViewInfo,
)

FORMAT = 1  # bump when the model changes: old entries are then ignored


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_json(schema: Schema) -> str:
    return json.dumps({"format": FORMAT, "schema": _plain(schema)})


def _tuple(value: Any) -> Any:
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def from_json(text: str) -> Schema | None:
    data = json.loads(text)
    if data.get("format") != FORMAT:
        return None
    s = data["schema"]
    tables = {}
    for key, t in s["tables"].items():
        tables[key] = TableInfo(
            schema=t["schema"],
            name=t["name"],
            kind=t["kind"],
            columns={k: ColumnInfo(**c) for k, c in t["columns"].items()},
            indexes=[
                IndexInfo(**{**i, "columns": tuple(i["columns"]), "depends_on": frozenset(i["depends_on"])})
                for i in t["indexes"]
            ],
            constraints=[
                ConstraintInfo(**{**c, "columns": tuple(c["columns"]), "ref_columns": tuple(c["ref_columns"])})
                for c in t["constraints"]
            ],
            triggers=[TriggerInfo(**x) for x in t["triggers"]],
            partition_key=t["partition_key"],
            partitions=list(t["partitions"]),
            parent=t["parent"],
            rows=t["rows"],
            bytes=t["bytes"],
        )
    return Schema(
        source=s["source"],
        server_version=s["server_version"],
        search_path=list(s["search_path"]),
        tables=tables,
        views={
            k: ViewInfo(
                **{
                    **v,
                    "depends_on": frozenset(tuple(d) for d in v["depends_on"]),
                    "options": tuple(v["options"]),
                }
            )
            for k, v in s["views"].items()
        },
        sequences={
            k: SequenceInfo(**{**q, "owned_by": _tuple(q["owned_by"]) if q["owned_by"] else None})
            for k, q in s["sequences"].items()
        },
        enums={k: list(v) for k, v in s["enums"].items()},
        types=set(s["types"]),
        functions=set(s["functions"]),
        extensions=set(s["extensions"]),
        schemas=set(s["schemas"]),
    )


def load(path: Path) -> Schema | None:
    try:
        return from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a missing or stale entry: read the source again


def store(path: Path, schema: Schema) -> None:
    """Write atomically (another run may read it at the same time); a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(to_json(schema))
        os.replace(tmp, path)
    except OSError:
        pass
