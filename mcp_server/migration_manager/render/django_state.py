"""Django model state for a rendering: what `state_operations` of SeparateDatabaseAndState must say
so that Django's migration state matches what the RunSQL did to the database, and the next
`makemigrations` does not write the same change again.

The app's models are read with ast (models.py or a models/ package, never imported) to map a
table to its model and a column to its field. Only what can be said exactly is derived: an index
on known columns, a unique constraint, a column whose SQL type is one Django field's type on PostgreSQL with a literal
(or now()) default, a dropped column of a known model. Anything else gets a note, in the migration
file and its README, saying what Django's state does not learn and what to write by hand.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..model import (
    AddColumn,
    AddEnumValue,
    AddIndex,
    AddUnique,
    Backfill,
    Column,
    CreateObject,
    DropColumn,
    Migration,
    Operation,
    Plan,
    ValidateConstraint,
)
from ..planner.base import TableRef, index_name

INDEX_NAME_MAX = 30  # Django's Index.max_name_length (system check models.E034)
_STATELESS = (Backfill, ValidateConstraint, AddEnumValue, CreateObject)  # no Django model state to keep
_RELATIONS = ("ForeignKey", "OneToOneField")


@dataclass
class Model:
    name: str  # class name
    table: str
    fields: dict[str, str] = field(default_factory=dict)  # column -> field name


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _keyword(call: ast.Call, name: str) -> object:
    for kw in call.keywords:
        if kw.arg == name:
            try:
                return ast.literal_eval(kw.value)
            except (ValueError, TypeError, SyntaxError):
                return None
    return None


def read_models(root: Path, app_dir: str, app_label: str) -> dict[str, Model]:
    """table -> model for the concrete models declared in the app's models.py or models/ package."""
    base = root / app_dir
    paths = [base / "models.py", *sorted((base / "models").glob("*.py"))]
    out: dict[str, Model] = {}
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for cls in (s for s in tree.body if isinstance(s, ast.ClassDef)):
            meta = next((s for s in cls.body if isinstance(s, ast.ClassDef) and s.name == "Meta"), None)
            options: dict[str, object] = {}
            for stmt in meta.body if meta else []:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                    try:
                        options[stmt.targets[0].id] = ast.literal_eval(stmt.value)
                    except (ValueError, TypeError, SyntaxError):
                        options[stmt.targets[0].id] = None
            if options.get("abstract") or options.get("proxy") or options.get("managed") is False:
                continue
            if not any("Model" in _call_name(b) or _call_name(b) == "AbstractUser" for b in cls.bases):
                continue
            table = options.get("db_table")
            model = Model(cls.name, table if isinstance(table, str) else f"{app_label}_{cls.name.lower()}")
            for stmt in cls.body:
                if not (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Call)
                ):
                    continue
                kind = _call_name(stmt.value)
                if not (kind.endswith("Field") or kind in _RELATIONS) or kind == "ManyToManyField":
                    continue
                name = stmt.targets[0].id
                column = _keyword(stmt.value, "db_column")
                if not isinstance(column, str):
                    column = f"{name}_id" if kind in _RELATIONS else name
                model.fields[column] = name
            out[model.table] = model
    return out


# SQL type (as PostgreSQL spells it after normalisation) -> the Django field whose column it is
_TYPES: dict[str, str] = {
    "text": "models.TextField",
    "integer": "models.IntegerField",
    "int": "models.IntegerField",
    "int4": "models.IntegerField",
    "bigint": "models.BigIntegerField",
    "int8": "models.BigIntegerField",
    "smallint": "models.SmallIntegerField",
    "int2": "models.SmallIntegerField",
    "boolean": "models.BooleanField",
    "bool": "models.BooleanField",
    "timestamptz": "models.DateTimeField",
    "timestamp with time zone": "models.DateTimeField",
    "date": "models.DateField",
    "time": "models.TimeField",
    "uuid": "models.UUIDField",
    "jsonb": "models.JSONField",
    "double precision": "models.FloatField",
    "float8": "models.FloatField",
    "interval": "models.DurationField",
    "bytea": "models.BinaryField",
    "inet": "models.GenericIPAddressField",
}
_VARCHAR = re.compile(r"(?:varchar|character varying)\s*\(\s*(\d+)\s*\)")
_NUMERIC = re.compile(r"(?:numeric|decimal)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)")
_INT = re.compile(r"-?\d+")
_STRING = re.compile(r"'((?:[^']|'')*)'(?:::[\w ]+)?")
_NOW = ("now()", "current_timestamp", "transaction_timestamp()")


def _field_class(sql_type: str) -> tuple[str, list[str]] | None:
    t = " ".join(sql_type.lower().split())
    m = _VARCHAR.fullmatch(t)
    if m:
        return "models.CharField", [f"max_length={int(m.group(1))}"]
    m = _NUMERIC.fullmatch(t)
    if m:
        return "models.DecimalField", [f"max_digits={int(m.group(1))}", f"decimal_places={int(m.group(2))}"]
    return (_TYPES[t], []) if t in _TYPES else None


def _db_default(sql: str) -> str | None:
    """The db_default argument for a SQL default, or None when it is not one Django can say exactly."""
    text = sql.strip()
    m = _STRING.fullmatch(text)
    if m:
        return repr(m.group(1).replace("''", "'"))
    if _INT.fullmatch(text):
        return str(int(text))
    if text.lower() in ("true", "false"):
        return text.capitalize()
    if text.lower() in _NOW:
        return "django.db.models.functions.Now()"
    return None


def field_source(column: Column) -> tuple[str, str | None]:
    """`models.XField(...)` for a column, or ("", why not)."""
    found = _field_class(column.type)
    if found is None:
        return "", f"no Django field maps exactly to the SQL type {column.type!r}"
    cls, args = found
    if column.primary_key or column.identity or column.generated:
        return "", "a key, identity or generated column"
    if column.default is not None:
        default = _db_default(column.default)
        if default is None:
            return "", f"the default {column.default!r} is not a literal Django can state as db_default"
        args.append(f"db_default={default}")
    if column.nullable:
        args.append("null=True")
    return f"{cls}({', '.join(args)})", None


@dataclass
class StateOp:
    source: str  # a migrations.X(...) expression
    anchors: tuple[str, ...]  # strings of the SQL that does it: the migration holding them gets it
    model_line: str  # what models.py should declare for the state to match


@dataclass
class State:
    ops: dict[int, list[StateOp]] = field(default_factory=dict)  # migration index -> state operations
    notes: dict[int, list[str]] = field(default_factory=dict)  # migration index -> what was not derived
    imports: set[str] = field(default_factory=set)


def _model_for(op: Operation, models: dict[str, Model], app: str) -> Model | str:
    table = getattr(op, "table", None)
    if not isinstance(table, str):
        return "the operation names no table"
    model = models.get(table)
    if model is None:
        return f"no model of app {app!r} has the table {table!r} (read from its models.py)"
    return model


def _derive(op: Operation, models: dict[str, Model], app: str) -> StateOp | str | None:
    """A state operation, why none could be derived, or None when the operation has no model state."""
    if isinstance(op, _STATELESS):
        return None
    model = _model_for(op, models, app)
    if isinstance(model, str):
        return model
    lower = model.name.lower()
    if isinstance(op, AddIndex):
        table = TableRef(op.table, op.schema_name)
        name = op.name or index_name(table, op.columns, "key" if op.unique else "idx")
        if op.where or any(c.strip().startswith("(") for c in op.columns):
            return f"index {name}: a partial or expression index (its condition is SQL, not a Q object)"
        if op.method not in (None, "btree"):
            return f"index {name}: method {op.method} (write the django.contrib.postgres index class by hand)"
        if len(name) > INDEX_NAME_MAX:
            return (
                f"index {name}: longer than Django's {INDEX_NAME_MAX} characters (models.E034); give it a shorter name"
            )
        if op.unique:
            return (
                f"index {name}: a unique index is no Django Index, and a UniqueConstraint in the state would be "
                "dropped with DROP CONSTRAINT; plan add_unique for a constraint Django can model"
            )
        fields = [model.fields.get(c, c) for c in op.columns]
        expr = f"models.Index(fields={fields!r}, name={name!r})"
        return StateOp(
            f"migrations.AddIndex(model_name={lower!r}, index={expr})", (name,), f"{model.name}.Meta.indexes: {expr}"
        )
    if isinstance(op, AddUnique):
        name = op.name or index_name(TableRef(op.table, op.schema_name), op.columns, "key")
        if any(c.strip().startswith("(") for c in op.columns):
            return f"unique constraint {name}: an expression"
        fields = [model.fields.get(c, c) for c in op.columns]
        expr = f"models.UniqueConstraint(fields={fields!r}, name={name!r})"
        return StateOp(
            f"migrations.AddConstraint(model_name={lower!r}, constraint={expr})",
            ("ADD CONSTRAINT", name),
            f"{model.name}.Meta.constraints: {expr}",
        )
    if isinstance(op, AddColumn):
        source, why = field_source(op.column)
        if why:
            return f"column {op.table}.{op.column.name}: {why}"
        return StateOp(
            f"migrations.AddField(model_name={lower!r}, name={op.column.name!r}, field={source})",
            (op.table, op.column.name),
            f"{model.name}.{op.column.name} = {source}",
        )
    if isinstance(op, DropColumn):
        if op.column not in model.fields:
            return f"column {op.table}.{op.column}: no field of {model.name} has it"
        name = model.fields[op.column]
        return StateOp(
            f"migrations.RemoveField(model_name={lower!r}, name={name!r})",
            (op.table, op.column),
            f"{model.name}.{name}: removed",
        )
    return f"{op.op} on {model.name}: not derived; write its state operation by hand"


def _holder(plan: Plan, anchors: tuple[str, ...]) -> int:
    """The last migration with a statement naming every anchor; else the last migration."""
    for index in range(len(plan.migrations) - 1, -1, -1):
        if any(all(a in sql for a in anchors) for s in plan.migrations[index].steps for sql in s.up):
            return index
    return len(plan.migrations) - 1


def derive_state(plan: Plan, models: dict[str, Model], app: str) -> State:
    state = State()
    last = len(plan.migrations) - 1
    for op in plan.operations:
        got = _derive(op, models, app)
        if got is None:
            continue
        if isinstance(got, str):
            state.notes.setdefault(last, []).append(got)
            continue
        state.ops.setdefault(_holder(plan, got.anchors), []).append(got)
        if "django.db.models.functions" in got.source:
            state.imports.add("import django.db.models.functions")
    return state


def describe(migration: Migration, ops: list[StateOp], notes: list[str]) -> str:
    """The README section on Django's model state for one migration."""
    lines = ["## Django model state", ""]
    if ops:
        lines.append(
            "The SQL runs in `database_operations`; `state_operations` tell Django's migration state the same, "
            "so `makemigrations` finds nothing new when models.py declares:"
        )
        lines.append("")
        lines += [f"- `{op.model_line}`" for op in ops]
    if notes:
        if ops:
            lines.append("")
        lines.append(
            "NOT IN DJANGO'S STATE (the database has it, Django's migration state does not): add the state "
            "operation to `state_operations` by hand, or `makemigrations` will write the change again:"
        )
        lines.append("")
        lines += [f"- {n}" for n in notes]
    if not ops and not notes:
        lines.append(f"{migration.title}: no model state changes (data or catalog objects Django does not model).")
    return "\n".join(lines) + "\n"
