"""A Django migration's `operations` as the PostgreSQL statements its schema editor sends, read
with `ast` (`manage.py sqlmigrate` prints the same; tests/test_lint_python.py compares them).

Only the forward SQL is read: RunSQL's `sql`, never its `reverse_sql`. A model's table is
`<app label>_<model name in lower case>`, the app label being the name of the folder that holds
`migrations/`, unless the model says `db_table`. AlterField and AlterUniqueTogether change what
an earlier migration defined: the fields and sets the migrations linted before it built are kept
(DjangoState, one per lint run), and where the earlier definition is not among them the
operation is a skipped note. A field of a class lint does not know is read by its name: one
ending in ForeignKey / OneToOneField is one (mptt's TreeForeignKey), one ending in
ManyToManyField and django-taggit's TaggableManager have no column, any other is a column of a
type not known (a note says so); a field whose arguments are computed is left out of its
CreateModel (a note), the table still created. A squashed migration takes some tables earlier
ones created as new (django_squash.py). Index and constraint names are the ones written in the
migration; the names Django derives (a hash of the table and columns) are written here as
<table>_<column>_... without the hash, which no rule reads.
"""

from __future__ import annotations

import ast
import json
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import PurePath

from .django_squash import Squashes, keys
from .pyread import Piece, Read, Unknown, arg, bindless, dotted, given, has_starred, ident, last, literal, quote

# django/db/backends/postgresql/base.py DatabaseWrapper.data_types
_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "BinaryField": "bytea",
    "BooleanField": "boolean",
    "NullBooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "timestamp with time zone",
    "DurationField": "interval",
    "FloatField": "double precision",
    "IntegerField": "integer",
    "BigIntegerField": "bigint",
    "IPAddressField": "inet",
    "GenericIPAddressField": "inet",
    "JSONField": "jsonb",
    "PositiveBigIntegerField": "bigint",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "smallint",
    "SmallAutoField": "smallint",
    "SmallIntegerField": "smallint",
    "TextField": "text",
    "TimeField": "time",
    "UUIDField": "uuid",
    # django.contrib.postgres.fields
    "HStoreField": "hstore",
    "CICharField": "citext",
    "CIEmailField": "citext",
    "CITextField": "citext",
    "IntegerRangeField": "int4range",
    "BigIntegerRangeField": "int8range",
    "DecimalRangeField": "numrange",
    "DateTimeRangeField": "tstzrange",
    "DateRangeField": "daterange",
    "SearchVectorField": "tsvector",
}
_CHARS = {"CharField": None, "EmailField": 254, "SlugField": 50, "URLField": 200, "FileField": 100, "ImageField": 100}
_CHARS |= {"FilePathField": 100}
_AUTO = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
# a subclass of ForeignKey / OneToOneField (mptt's TreeForeignKey) is one: its name ends so
_RELATIONS = ("ForeignKey", "OneToOneField")
# fields with no column of their own: many-to-many (mptt's TreeManyToManyField), django-taggit's manager
_NO_COLUMN = ("ManyToManyField", "TaggableManager")
_STRINGS = frozenset({"text", "varchar"})


@dataclass
class Field:
    column: str
    type: str  # PostgreSQL type, "" for a field with no column (ManyToManyField)
    null: bool
    unique: bool
    index: bool
    references: str | None = None  # the table a ForeignKey points at
    own: str | None = None  # the class, when it is not one lint knows: its column's type is unknown


@dataclass
class DjangoState:
    """What the migrations linted so far built: tables of models, their fields, unique_together."""

    tables: dict[tuple[str, str], str] = field(default_factory=dict)
    fields: dict[tuple[str, str, str], Field] = field(default_factory=dict)
    together: dict[tuple[str, str], set[tuple[str, ...]]] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # a model's primary key type

    # fields of a CreateModel that were not read: where ("0001_initial:12"), for what alters them later
    unread: dict[tuple[str, str, str], str] = field(default_factory=dict)
    squashes: Squashes = field(default_factory=Squashes)

    def table(self, app: str | None, model: str) -> str:
        model = model.lower()
        if (app or "", model) in self.tables:
            return self.tables[(app or "", model)]
        if app is None:
            raise Unknown
        return f"{app}_{model}"


def _field(call: ast.expr, name: str, app: str | None, state: DjangoState) -> Field:
    if not isinstance(call, ast.Call) or has_starred(call):
        raise Unknown
    kind = last(call)
    column = given(call, 99, "db_column") or name
    null = bool(given(call, 99, "null", False))
    primary = bool(given(call, 99, "primary_key", False))
    unique = bool(given(call, 99, "unique", False)) and not primary
    index = bool(given(call, 99, "db_index", kind == "SlugField"))  # SlugField: db_index=True by default
    if kind in _TYPES:
        sql_type = _TYPES[kind]
    elif kind in _CHARS:
        length = given(call, 99, "max_length", _CHARS[kind])
        sql_type = f"varchar({length})" if length is not None else "varchar"
    elif kind == "DecimalField":
        sql_type = f"numeric({given(call, 99, 'max_digits')}, {given(call, 99, 'decimal_places')})"
    elif kind == "ArrayField":
        base = arg(call, 0, "base_field")
        sql_type = _field(base, name, app, state).type + "[]" if base is not None else ""
        if not sql_type:
            raise Unknown
    elif kind.endswith(_RELATIONS):
        node = arg(call, 0, "to")
        # settings.AUTH_USER_MODEL: Django's default user model (a custom one is not known without settings)
        user = node is not None and dotted(node).endswith("AUTH_USER_MODEL")
        target = "auth.User" if user else given(call, 0, "to")
        if not isinstance(target, str):
            raise Unknown
        label, _, model = target.rpartition(".")
        table = state.table(label or app, model)
        column = given(call, 99, "db_column") or f"{name}_id"
        pk = state.keys.get((label or app or "", model.lower()))
        kind_type = pk or ("integer" if target == "auth.User" else "bigint")
        db_constraint = bool(given(call, 99, "db_constraint", True))
        return Field(
            column,
            kind_type,
            null,
            kind.endswith("OneToOneField") or unique,
            index if "db_index" in {k.arg for k in call.keywords} else kind.endswith("ForeignKey"),
            table if db_constraint else None,
        )
    elif kind.endswith(_NO_COLUMN):
        return Field(column, "", True, False, False)
    elif kind[:1].isupper():  # a class of another package or of the project: a column, of a type not known
        return Field(column, ident(kind.lower()) + (" pk" if primary else ""), null, unique, index, own=kind)
    else:
        raise Unknown
    return Field(column, sql_type + (" pk" if primary else ""), null or False, unique, index)


def _default(call: ast.Call, f: Field) -> str | None:
    """The DEFAULT Django sends while adding the column: the field's default (a callable's value is
    computed when the migration runs), '' for a blank string field; None for none."""
    node = arg(call, 99, "default")
    if node is None:
        if not f.null and given(call, 99, "blank", False) and f.type.split("(")[0] in _STRINGS:
            return "''"
        return None
    try:
        value = literal(node)
    except Unknown:
        return quote(f"<{dotted(node) or 'value'}() when the migration runs>")
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (dict, list)):
        return quote(json.dumps(value))
    return quote(str(value))


@dataclass
class _Migration:
    app: str | None
    name: str  # the file's stem: 0002_squashed_0029
    state: DjangoState
    atomic: bool
    out: Read
    notes: list[str] = field(default_factory=list)  # of the operation being read: kept if it is read

    def note(self, line: int, text: str) -> None:
        self.notes.append(f"{line}: {text}")


def app_label(path: str) -> str | None:
    """The folder above `migrations/`, or None when the file is not in a migrations folder."""
    parts = PurePath(path).parts
    return parts[-3] if len(parts) >= 3 and parts[-2] == "migrations" else None


def read(path: str, tree: ast.Module, state: DjangoState) -> Read:
    """The SQL of Migration.operations, or framework None when the module has no Migration class."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            break
    else:
        return Read(None, [], [])
    atomic = True
    operations: ast.expr | None = None
    written: dict[str, ast.expr] = {}
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and target.id == "atomic":
                with suppress(Unknown):
                    atomic = bool(literal(statement.value))
            if isinstance(target, ast.Name) and target.id == "operations":
                operations = statement.value
            if isinstance(target, ast.Name):
                written[target.id] = statement.value
    out = Read("django", [], [])
    migration = _Migration(app_label(path), PurePath(path).stem, state, atomic, out)
    if migration.app is not None:
        key = (migration.app, migration.name)
        state.squashes.add(key, keys(written.get("dependencies")), keys(written.get("replaces")))
        out.fresh = state.squashes.fresh(key)
    if operations is None:
        return out
    if not isinstance(operations, (ast.List, ast.Tuple)):
        out.skipped.append(f"{operations.lineno}: operations is computed, not written out")
        return out
    for op in operations.elts:
        _operation(op, migration, emit=True)
    return out


def _operation(op: ast.expr, m: _Migration, emit: bool) -> None:
    if not isinstance(op, ast.Call):
        m.out.skipped.append(f"{op.lineno}: an operation that is computed, not written out")
        return
    name = last(op)
    if name == "SeparateDatabaseAndState":
        # the database operations first: they run against the state before the state operations
        for key, position, sends in (("database_operations", 0, True), ("state_operations", 1, False)):
            inner = arg(op, position, key)
            if isinstance(inner, (ast.List, ast.Tuple)):
                for item in inner.elts:
                    _operation(item, m, emit and sends)
            elif inner is not None:
                m.out.skipped.append(f"{inner.lineno}: {key} is computed, not written out")
        return
    if name == "RunPython":
        if emit:
            m.out.skipped.append(f"{op.lineno}: RunPython: Python code, not read")
        return
    if name == "RunSQL":
        if emit:
            _run_sql(op, m)
        return
    m.notes = []
    try:
        sqls = _statements(name, op, m)
    except (Unknown, KeyError, IndexError, TypeError):
        if emit:
            m.out.skipped.append(f"{op.lineno}: {name}: {_why(name, op, m)}")
        return
    if emit:
        m.out.skipped.extend(m.notes)
        m.out.pieces.extend(Piece(sql, op.lineno, m.atomic, column=op.col_offset + 1) for sql in sqls)


def _why(name: str, op: ast.Call, m: _Migration) -> str:
    if name not in _KNOWN:
        return "not read yet"
    if m.app is None:
        return "the table is unknown: the file is not in an app's migrations/ folder"
    if name == "AlterField":
        where = None
        with suppress(Unknown):
            model, field_name = str(given(op, 0, "model_name")).lower(), str(given(op, 1, "name"))
            where = m.state.unread.get((m.app or "", model, field_name))
        if where is not None:
            return f"what it changes is unknown: the field's definition in {where} was not read"
    if name in ("AlterField", "AlterUniqueTogether"):
        return "what it changes is unknown: the earlier definition is not among the migrations linted"
    return "its arguments are computed, not written out"


def _run_sql(op: ast.Call, m: _Migration) -> None:
    node = arg(op, 0, "sql")
    if node is not None and dotted(node).endswith("RunSQL.noop"):
        return
    items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    for item in items:
        params = False
        if isinstance(item, ast.Tuple) and item.elts:  # (sql, params)
            item, params = item.elts[0], True
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            sql = bindless(item.value) if params or "%(" in item.value else item.value
            m.out.pieces.append(
                Piece(
                    sql,
                    item.lineno,
                    m.atomic,
                    item.value if sql != item.value else None,
                    written=True,
                    column=item.col_offset + 1,  # of the string literal: the engine steps over its quotes
                )
            )
        elif item is not None:
            m.out.skipped.append(f"{item.lineno}: RunSQL: the SQL is computed, not written out")


def _names(node: ast.expr | None) -> list[str]:
    value = literal(node)
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise Unknown
    return list(value)


def _column(m: _Migration, model: str, name: str) -> str:
    known = m.state.fields.get((m.app or "", model.lower(), name))
    return known.column if known else name


def _db_default(call: ast.Call) -> str | None:
    """A field's db_default (Django 5.0+) as SQL: the column keeps it. Now() is STATEMENT_TIMESTAMP()
    on PostgreSQL; Unknown for another expression."""
    node = arg(call, 99, "db_default")
    if node is None:
        return None
    if isinstance(node, ast.Call) and last(node) == "Now" and not node.args:
        return "STATEMENT_TIMESTAMP()"
    value = literal(node)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    raise Unknown


def _add_column(table: str, f: Field, default: str | None, keep: bool = False) -> list[str]:
    """django/db/backends/base/schema.py add_field, on PostgreSQL. `keep`: the default is the
    field's db_default, kept by the column (else Django drops it once the rows have it)."""
    sql_type = f.type.removesuffix(" pk")
    definition = f"{ident(f.column)} {sql_type}"
    if default is not None:
        definition += f" DEFAULT {default}"
    definition += " NULL" if f.null else " NOT NULL"
    if f.type.endswith(" pk"):
        definition += " PRIMARY KEY"
    elif f.unique:
        definition += " UNIQUE"
    out = []
    if f.references:
        fk = ident(f"{table}_{f.column}_fk_{f.references}_id")
        definition += f" CONSTRAINT {fk} REFERENCES {ident(f.references)}(id) DEFERRABLE INITIALLY DEFERRED"
        out.append(f"ALTER TABLE {ident(table)} ADD COLUMN {definition}")
        out.append(f"SET CONSTRAINTS {fk} IMMEDIATE")
    else:
        out.append(f"ALTER TABLE {ident(table)} ADD COLUMN {definition}")
    if default is not None and not keep:
        out.append(f"ALTER TABLE {ident(table)} ALTER COLUMN {ident(f.column)} DROP DEFAULT")
    out += _indexes(table, f)
    return out


def _indexes(table: str, f: Field) -> list[str]:
    """The indexes Django adds for db_index (and for a ForeignKey), with the *_like index of a
    string column that PostgreSQL's LIKE needs."""
    out = []
    if f.index and not f.unique:
        out.append(f"CREATE INDEX {ident(f'{table}_{f.column}')} ON {ident(table)} ({ident(f.column)})")
    if (f.index or f.unique) and f.type.split("(")[0] in _STRINGS:
        ops = "varchar_pattern_ops" if f.type.startswith("varchar") else "text_pattern_ops"
        out.append(f"CREATE INDEX {ident(f'{table}_{f.column}_like')} ON {ident(table)} ({ident(f.column)} {ops})")
    return out


# Index and django.contrib.postgres.indexes' classes: the access method each sends (USING ...)
_INDEXES = {
    "Index": "",
    "BloomIndex": " USING bloom",
    "BrinIndex": " USING brin",
    "BTreeIndex": " USING btree",
    "GinIndex": " USING gin",
    "GistIndex": " USING gist",
    "HashIndex": " USING hash",
    "SpGistIndex": " USING spgist",
}


def _index(node: ast.expr | None, table: str, model: str, m: _Migration, concurrently: bool) -> str:
    if not isinstance(node, ast.Call) or last(node) not in _INDEXES:
        raise Unknown
    name = given(node, 99, "name")
    if not isinstance(name, str):
        raise Unknown
    columns = _key(node, model, m)
    where = _where(node, model, m)
    word = "CONCURRENTLY " if concurrently else ""
    method = _INDEXES[last(node)]
    return f"CREATE INDEX {word}{ident(name)} ON {ident(table)}{method} ({columns}){where}"


def _key(node: ast.Call, model: str, m: _Migration) -> str:
    """The columns of an index or a unique constraint: its fields, or its expressions (positional
    or `expressions=`), which are not read: a column named after the expression stands in for them,
    the index is still built (and linted), and a note says what was not read."""
    expressions = list(node.args) or _elements(arg(node, 99, "expressions"))
    if expressions:
        written = ", ".join(ast.unparse(e) for e in expressions)
        shown = written if len(written) <= 40 else written[:37] + "..."
        m.note(
            node.lineno,
            f"{last(node)}: the expression {written} is not read: linted as an index on an unknown expression",
        )
        return ident(f"<expression {shown}>")
    columns = []
    for f in _names(arg(node, 99, "fields")):
        desc = f.startswith("-")
        columns.append(ident(_column(m, model, f.lstrip("-"))) + (" DESC" if desc else ""))
    return ", ".join(columns)


def _elements(node: ast.expr | None) -> list[ast.expr]:
    if node is None:
        return []
    if isinstance(node, (ast.List, ast.Tuple)):
        return list(node.elts)
    return [node]


def _where(node: ast.Call, model: str, m: _Migration) -> str:
    condition = arg(node, 99, "condition")
    if condition is None:
        return ""
    try:
        return f" WHERE {_check(condition, m, model)}"
    except Unknown:
        m.note(condition.lineno, "the index's condition is not read: linted without its WHERE")
        return ""


def _check(node: ast.expr | None, m: _Migration, model: str) -> str:
    """A Q(...) of simple lookups (field=1, field__gte=0, field__isnull=False), ANDed, as SQL."""
    if not isinstance(node, ast.Call) or last(node) != "Q" or node.args:
        raise Unknown
    ops = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    parts = []
    negated = False
    for kw in node.keywords:
        if kw.arg == "_negated":
            negated = bool(literal(kw.value))
            continue
        if kw.arg is None or kw.arg.startswith("_"):
            raise Unknown
        field_name, _, lookup = kw.arg.partition("__")
        column = ident(_column(m, model, field_name))
        value = literal(kw.value)
        if lookup == "isnull" or (value is None and lookup in ("", "exact")):
            parts.append(f"{column} IS {'NULL' if value or value is None else 'NOT NULL'}")
        elif (lookup or "exact") in ops and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            parts.append(f"{column} {ops[lookup or 'exact']} {quote(value) if isinstance(value, str) else value}")
        else:
            raise Unknown
    if not parts:
        raise Unknown
    joined = " AND ".join(f"({p})" if len(parts) > 1 else p for p in parts)
    return f"NOT ({joined})" if negated else joined


def _statements(name: str, op: ast.Call, m: _Migration) -> list[str]:  # one branch per operation
    if has_starred(op):
        raise Unknown
    state, app = m.state, m.app
    if name == "CreateModel":
        model = str(given(op, 0, "name"))
        options = given(op, 99, "options", {})
        if isinstance(options, dict) and options.get("db_table"):
            state.tables[(app or "", model.lower())] = str(options["db_table"])
        table = state.table(app, model)
        fields = arg(op, 1, "fields")
        if not isinstance(fields, (ast.List, ast.Tuple)):
            raise Unknown
        columns, extra = [], []
        for item in fields.elts:
            if not isinstance(item, ast.Tuple) or len(item.elts) != 2:
                raise Unknown
            field_name = str(literal(item.elts[0]))
            try:
                f = _field(item.elts[1], field_name, app, state)
            except (Unknown, KeyError, IndexError, TypeError):
                # the table is still created, without this column: what follows knows it is new
                state.unread[(app or "", model.lower(), field_name)] = f"{m.name}:{item.lineno}"
                m.note(
                    item.lineno, f"field {field_name}: its arguments are computed, not written out: created without it"
                )
                continue
            _own(f, field_name, item.lineno, m)
            state.fields[(app or "", model.lower(), field_name)] = f
            if f.type.endswith(" pk"):
                state.keys[(app or "", model.lower())] = f.type.removesuffix(" pk")
            if not f.type:
                continue
            sql_type = f.type.removesuffix(" pk")
            auto = isinstance(item.elts[1], ast.Call) and last(item.elts[1]) in _AUTO
            column = f"{ident(f.column)} {sql_type} {'NULL' if f.null else 'NOT NULL'}"
            column += " PRIMARY KEY" if f.type.endswith(" pk") else " UNIQUE" if f.unique else ""
            column += " GENERATED BY DEFAULT AS IDENTITY" if auto else ""
            columns.append(column)
            if f.references:
                extra.append(
                    f"ALTER TABLE {ident(table)} ADD CONSTRAINT {ident(f'{table}_{f.column}_fk_{f.references}_id')} "
                    f"FOREIGN KEY ({ident(f.column)}) REFERENCES {ident(f.references)} (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                )
            extra += _indexes(table, f)
        if app is not None:
            state.squashes.created[table] = (app, m.name)
        return [f"CREATE TABLE {ident(table)} ({', '.join(columns)})", *extra]
    model = str(given(op, 0, "model_name", None) or given(op, 0, "name", None) or given(op, 0, "old_name"))
    table = state.table(app, model)
    key = (app or "", model.lower())
    if name == "DeleteModel":
        state.squashes.created.pop(table, None)
        return [f"DROP TABLE {ident(table)} CASCADE"]
    if name == "RenameModel":
        new = str(given(op, 1, "new_name"))
        new_key = (app or "", new.lower())
        for a, mo, fname in list(state.fields):
            if (a, mo) == key:
                state.fields[(a, new_key[1], fname)] = state.fields.pop((a, mo, fname))
        if key in state.tables:  # db_table: the table keeps its name
            state.tables[new_key] = state.tables.pop(key)
            return []
        _moved(state, table, state.table(app, new))
        return [f"ALTER TABLE {ident(table)} RENAME TO {ident(state.table(app, new))}"]
    if name == "AlterModelTable":
        new = given(op, 1, "table")
        if new:
            state.tables[key] = str(new)
        else:  # None: back to the name Django gives a model without db_table, <app>_<model>
            state.tables.pop(key, None)
        renamed = state.table(app, model)
        _moved(state, table, renamed)
        return [] if renamed == table else [f"ALTER TABLE {ident(table)} RENAME TO {ident(renamed)}"]
    if name == "AddField":
        field_name = str(given(op, 1, "name"))
        node = arg(op, 2, "field")
        f = _field(node, field_name, app, state)  # type: ignore[arg-type]
        _own(f, field_name, op.lineno, m)
        state.fields[(*key, field_name)] = f
        if not f.type:
            return []  # a many-to-many table: CREATE TABLE of a new table, nothing a rule reads
        kept = _db_default(node)  # type: ignore[arg-type]
        if kept is not None:
            return _add_column(table, f, kept, keep=True)
        return _add_column(table, f, _default(node, f))  # type: ignore[arg-type]
    if name == "RemoveField":
        field_name = str(given(op, 1, "name"))
        column = _column(m, model, field_name)
        known = state.fields.pop((*key, field_name), None)
        if known is not None and not known.type:
            return []
        return [f"ALTER TABLE {ident(table)} DROP COLUMN {ident(column)} CASCADE"]
    if name == "RenameField":
        old, new = str(given(op, 1, "old_name")), str(given(op, 2, "new_name"))
        known = state.fields.pop((*key, old), None)
        if known is not None:
            renamed = new if known.column == old else f"{new}_id" if known.column == f"{old}_id" else known.column
            state.fields[(*key, new)] = Field(
                renamed, known.type, known.null, known.unique, known.index, known.references
            )
            if renamed == known.column:
                return []
            return [f"ALTER TABLE {ident(table)} RENAME COLUMN {ident(known.column)} TO {ident(renamed)}"]
        return [f"ALTER TABLE {ident(table)} RENAME COLUMN {ident(old)} TO {ident(new)}"]
    if name == "AlterField":
        field_name = str(given(op, 1, "name"))
        node = arg(op, 2, "field")
        new_field = _field(node, field_name, app, state)  # type: ignore[arg-type]
        before = state.fields.get((*key, field_name))
        if before is None:
            raise Unknown
        _own(new_field, field_name, op.lineno, m)
        state.fields[(*key, field_name)] = new_field
        return _alter(table, before, new_field, node)  # type: ignore[arg-type]
    if name in ("AddIndex", "AddIndexConcurrently"):
        return [_index(arg(op, 1, "index"), table, model, m, name == "AddIndexConcurrently")]
    if name in ("RemoveIndex", "RemoveIndexConcurrently"):
        word = "CONCURRENTLY " if name == "RemoveIndexConcurrently" else ""
        return [f"DROP INDEX {word}IF EXISTS {ident(str(given(op, 1, 'name')))}"]
    if name in ("AddConstraint", "AddConstraintNotValid"):
        node = arg(op, 1, "constraint")
        if not isinstance(node, ast.Call):
            raise Unknown
        constraint = ident(str(given(node, 99, "name")))
        tail = " NOT VALID" if name == "AddConstraintNotValid" else ""
        if last(node) == "UniqueConstraint":
            # with a condition, expressions, include or opclasses Django builds a unique index instead
            index = ("condition", "expressions", "include", "opclasses")
            if not node.args and all(arg(node, 99, k) is None for k in index):
                listed = ", ".join(ident(_column(m, model, f)) for f in _names(arg(node, 99, "fields")))
                return [f"ALTER TABLE {ident(table)} ADD CONSTRAINT {constraint} UNIQUE ({listed})"]
            return [
                f"CREATE UNIQUE INDEX {constraint} ON {ident(table)} ({_key(node, model, m)}){_where(node, model, m)}"
            ]
        if last(node) == "CheckConstraint":
            condition = arg(node, 99, "condition") or arg(node, 99, "check")
            return [
                f"ALTER TABLE {ident(table)} ADD CONSTRAINT {constraint} CHECK ({_check(condition, m, model)}){tail}"
            ]
        raise Unknown
    if name == "ValidateConstraint":
        return [f"ALTER TABLE {ident(table)} VALIDATE CONSTRAINT {ident(str(given(op, 1, 'name')))}"]
    if name == "RemoveConstraint":
        return [f"ALTER TABLE {ident(table)} DROP CONSTRAINT {ident(str(given(op, 1, 'name')))}"]
    if name == "AlterUniqueTogether":
        value = given(op, 1, "unique_together")
        sets = {tuple(value)} if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value) else None
        sets = sets or {tuple(s) for s in value or ()}
        earlier = state.together.get(key)
        if earlier is None and any(k[:2] == key for k in state.fields):
            earlier = set()  # a model the linted migrations created, with no unique_together yet
        if earlier is None:
            raise Unknown
        state.together[key] = sets
        out = []
        for gone in sorted(earlier - sets):
            out.append(f"ALTER TABLE {ident(table)} DROP CONSTRAINT {ident(_together_name(table, gone))}")
        for added in sorted(sets - earlier):
            columns = [_column(m, model, f) for f in added]
            out.append(
                f"ALTER TABLE {ident(table)} ADD CONSTRAINT {ident(_together_name(table, tuple(columns)))} "
                f"UNIQUE ({', '.join(map(ident, columns))})"
            )
        return out
    if name in _SILENT:
        return []
    raise Unknown


def _moved(state: DjangoState, table: str, renamed: str) -> None:
    if table in state.squashes.created:
        state.squashes.created[renamed] = state.squashes.created.pop(table)


def _own(f: Field, name: str, line: int, m: _Migration) -> None:
    if f.own is not None:
        m.note(
            line,
            f"the class {f.own} of field {name} is not one of Django's: linted as a column of unknown type "
            "(a change of its type is not checked)",
        )


def _together_name(table: str, columns: tuple[str, ...]) -> str:
    return f"{table}_{'_'.join(columns)}_uniq"


def _alter(table: str, before: Field, after: Field, node: ast.Call) -> list[str]:
    """django/db/backends/base/schema.py _alter_field, for what a rule reads: type, null, unique,
    index; a rename of the column (db_column) is RENAME COLUMN."""
    out = []
    t = ident(table)
    column = ident(after.column)
    if before.column != after.column:
        out.append(f"ALTER TABLE {t} RENAME COLUMN {ident(before.column)} TO {column}")
    old_type, new_type = before.type.removesuffix(" pk"), after.type.removesuffix(" pk")
    if old_type != new_type and new_type and before.own is None and after.own is None:
        out.append(f"ALTER TABLE {t} ALTER COLUMN {column} TYPE {new_type} USING {column}::{new_type}")
    if before.null and not after.null:
        default = _default(node, after)
        if default is not None:
            out.append(f"UPDATE {t} SET {column} = {default} WHERE {column} IS NULL")
        out.append(f"ALTER TABLE {t} ALTER COLUMN {column} SET NOT NULL")
    elif after.null and not before.null:
        out.append(f"ALTER TABLE {t} ALTER COLUMN {column} DROP NOT NULL")
    if after.unique and not before.unique:
        out.append(f"ALTER TABLE {t} ADD CONSTRAINT {ident(f'{table}_{after.column}_uniq')} UNIQUE ({column})")
    if after.index and not before.index and not after.unique:
        out += _indexes(table, after)
    return out


# operations that change only Django's state, or send nothing a rule reads
_SILENT = frozenset({"AlterModelOptions", "AlterModelManagers"})
_KNOWN = frozenset(
    {
        "CreateModel",
        "DeleteModel",
        "RenameModel",
        "AlterModelTable",
        "AddField",
        "RemoveField",
        "RenameField",
        "AlterField",
        "AddIndex",
        "AddIndexConcurrently",
        "RemoveIndex",
        "RemoveIndexConcurrently",
        "AddConstraint",
        "AddConstraintNotValid",
        "ValidateConstraint",
        "RemoveConstraint",
        "AlterUniqueTogether",
    }
    | _SILENT
)
