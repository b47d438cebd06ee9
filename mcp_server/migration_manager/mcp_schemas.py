"""Compact tool schemas for the MCP server: what every session's context pays for, kept small.

An MCP client puts each tool's input and output schema in the model's context on every session.
pydantic's schemas of the engine's models are exact but large (the Operation union alone is about
22 KB, and five tools took it), so the server publishes:

- for `operations`, a list of objects with an `op` from the known kinds (the tool validates each
  item against the full union and names the item, the field and the accepted values on error);
  the full reference is one resource, OPERATIONS_URI, read when needed;
- for migration_status' `plan`, a plain object (validated inside against Plan);
- output schemas one level deep: the top-level fields with their types and descriptions, nested
  objects as plain `object` (the answer itself is still validated against the full model);
- no `title` anywhere (pydantic's titles repeat the field names).

Every range and pattern stays in the input schemas (json_schema_extra of the argument types).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver.tools import Tool
from mcp_types import ToolAnnotations
from pydantic import TypeAdapter

from .defaults import MAX_STATEMENTS
from .model import Operation
from .request import known_operations

OPERATIONS_URI = "migration-manager://operations"

# keywords whose value is data, not a schema: never walked
_DATA = {"default", "const", "enum", "examples"}
# keywords whose value maps names to schemas: the names are not keywords
_NAMED = {"properties", "$defs", "definitions", "patternProperties"}


def operations_schema() -> dict[str, Any]:
    """The published schema of an `operations` argument: items with a known `op`, the rest checked inside."""
    return {
        "anyOf": [
            {
                "type": "array",
                "maxItems": MAX_STATEMENTS,
                "items": {
                    "type": "object",
                    "properties": {"op": {"type": "string", "enum": known_operations()}},
                    "required": ["op"],
                    "additionalProperties": True,
                },
            },
            {"type": "null"},
        ]
    }


def without_titles(schema: Any, named: bool = False) -> Any:
    """`schema` with every `title` keyword removed (a property called "title" stays)."""
    if isinstance(schema, dict):
        if named:
            return {key: without_titles(value) for key, value in schema.items()}
        return {
            key: value if key in _DATA else without_titles(value, key in _NAMED)
            for key, value in schema.items()
            if key != "title"
        }
    if isinstance(schema, list):
        return [without_titles(item) for item in schema]
    return schema


def _shallow(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """One property's schema with nothing below it: a model becomes `object`, a list of models a list
    of `object`; an enum keeps its values; a scalar keeps its type and bounds."""
    described = {"description": schema["description"]} if "description" in schema else {}
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs.get(ref.rsplit("/", 1)[-1], {})
        if "enum" in target:
            return {"type": target.get("type", "string"), "enum": target["enum"], **described}
        return {"type": "object", **described}
    if "anyOf" in schema:
        arms = []
        for arm in schema["anyOf"]:
            flat = _shallow(arm, defs)
            if flat not in arms:
                arms.append(flat)
        return {"anyOf": arms, **described} if len(arms) > 1 else {**arms[0], **described}
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        flat_items = _shallow(items, defs) if isinstance(items, dict) else {}
        flat_items.pop("description", None)
        return {"type": "array", **({"items": flat_items} if flat_items else {}), **described}
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        return {"type": "object", **described}
    kept = {k: v for k, v in schema.items() if k not in ("title", "default", "$defs")}
    return kept


def one_level(schema: dict[str, Any]) -> dict[str, Any]:
    """An output schema cut to its top level: the fields, their types and descriptions, and which are
    required; nested models are plain objects (their own schemas would repeat the whole Plan graph)."""
    defs = schema.get("$defs", {})
    out: dict[str, Any] = {
        "type": "object",
        "properties": {name: _shallow(prop, defs) for name, prop in schema.get("properties", {}).items()},
    }
    if "required" in schema:
        out["required"] = schema["required"]
    return out


def compact_tool(
    fn: Callable[..., Any], *, name: str, description: str, annotations: ToolAnnotations | None = None
) -> Tool:
    """A structured-output tool as the SDK builds it, with its published schemas made compact.

    Only what the client sees changes: `Tool.parameters` (the inputSchema it lists) and the
    FuncMetadata's `output_schema`, which the SDK documents as read live (reassigning it takes
    effect); arguments are still validated by the argument model and results by the output model.
    tests/test_mcp_schemas.py fails if a later SDK stops listing what is set here.
    """
    tool = Tool.from_function(fn, name=name, description=description, annotations=annotations, structured_output=True)
    tool.parameters = without_titles(tool.parameters)
    full = tool.fn_metadata.output_schema
    if full is not None:
        tool.fn_metadata.output_schema = one_level(full)
    return tool


def operations_reference() -> str:
    """The resource at OPERATIONS_URI: the JSON schema of one operation (every kind and its fields)."""
    schema = without_titles(TypeAdapter(Operation).json_schema())
    schema["description"] = (
        "One item of a tool's `operations` list; `op` picks the kind. Names are taken literally (no case folding)."
    )
    return json.dumps(schema, indent=1)
