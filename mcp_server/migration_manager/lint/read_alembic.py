"""An Alembic revision's up direction as the PostgreSQL statements it sends, read with `ast`.

Only the body of `def upgrade()` is read (downgrade() runs on the way down, against the schema
upgrade() built). Each `op.*` call becomes the SQL Alembic's PostgreSQL dialect emits for it
(`alembic upgrade --sql` prints the same; tests/test_lint_python.py compares them), with the
line of the call; `with op.get_context().autocommit_block():` runs its calls outside the
migration's transaction, and `with op.batch_alter_table(t) as batch_op:` is ALTER TABLE t on
PostgreSQL. A call whose arguments only running the code would give is a skipped note.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from .pyread import (
    Piece,
    Read,
    Unknown,
    arg,
    bindless,
    dotted,
    given,
    has_starred,
    ident,
    last,
    literal,
    qualified,
    quote,
)

# SQLAlchemy's generic and PostgreSQL types, as its PostgreSQL dialect names them in DDL
_TYPES = {
    "Integer": "INTEGER",
    "INTEGER": "INTEGER",
    "INT": "INTEGER",
    "BigInteger": "BIGINT",
    "BIGINT": "BIGINT",
    "SmallInteger": "SMALLINT",
    "SMALLINT": "SMALLINT",
    "Boolean": "BOOLEAN",
    "BOOLEAN": "BOOLEAN",
    "Text": "TEXT",
    "UnicodeText": "TEXT",
    "TEXT": "TEXT",
    "Date": "DATE",
    "DATE": "DATE",
    "Interval": "INTERVAL",
    "INTERVAL": "INTERVAL",
    "LargeBinary": "BYTEA",
    "BYTEA": "BYTEA",
    "JSON": "JSON",
    "JSONB": "JSONB",
    "Uuid": "UUID",
    "UUID": "UUID",
    "Double": "DOUBLE PRECISION",
    "DOUBLE_PRECISION": "DOUBLE PRECISION",
    "REAL": "REAL",
    "INET": "INET",
    "CIDR": "CIDR",
    "MACADDR": "MACADDR",
    "TSVECTOR": "TSVECTOR",
    "HSTORE": "HSTORE",
    "MONEY": "MONEY",
}
_SIZED = {"String": "VARCHAR", "Unicode": "VARCHAR", "VARCHAR": "VARCHAR", "CHAR": "CHAR", "NVARCHAR": "VARCHAR"}


def sa_type(node: ast.expr) -> str:
    """The PostgreSQL DDL of a SQLAlchemy type expression (sa.String(50), sa.DateTime(timezone=True),
    postgresql.ARRAY(sa.Integer)); Unknown for a type only running the code would name."""
    name = last(node)
    call = node if isinstance(node, ast.Call) else None
    if name in _TYPES:
        return _TYPES[name]
    if name in _SIZED:
        size = given(call, 0, "length")
        return f"{_SIZED[name]}({size})" if size is not None else _SIZED[name]
    if name in ("DateTime", "TIMESTAMP", "Time", "TIME"):
        zone = bool(given(call, 0, "timezone", False))
        base = "TIMESTAMP" if name in ("DateTime", "TIMESTAMP") else "TIME"
        return f"{base} {'WITH' if zone else 'WITHOUT'} TIME ZONE"
    if name in ("Numeric", "NUMERIC", "DECIMAL"):
        precision, scale = given(call, 0, "precision"), given(call, 1, "scale")
        if precision is None:
            return "NUMERIC"
        return f"NUMERIC({precision}, {scale})" if scale is not None else f"NUMERIC({precision})"
    if name in ("Float", "FLOAT"):
        precision = given(call, 0, "precision")
        return f"FLOAT({precision})" if precision is not None else "FLOAT"
    if name == "ARRAY" and call and call.args:
        return sa_type(call.args[0]) + "[]"
    if name == "Enum" and call:
        if given(call, 99, "native_enum", True):
            enum_name = given(call, 99, "name")
            if isinstance(enum_name, str):
                return ident(enum_name)
        else:
            values = [literal(a) for a in call.args if not isinstance(a, ast.Starred)]
            return f"VARCHAR({max((len(str(v)) for v in values), default=1)})"
    raise Unknown


def _default(node: ast.expr) -> str:
    """A server_default as SQL: a string is a quoted literal, sa.text("...") is SQL as written,
    sa.func.now() a function call, sa.true() / sa.false() booleans."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return quote(node.value)
    if isinstance(node, ast.Call):
        name = dotted(node)
        if last(node) in ("text", "literal_column") and node.args:
            value = literal(node.args[0])
            if isinstance(value, str):
                return value
        if ".func." in f".{name}" and not node.args and not node.keywords:
            return name.split("func.", 1)[1] + "()"
        if last(node) in ("true", "false") and not node.args:
            return last(node)
    raise Unknown


class _Column:
    def __init__(self, call: ast.Call, notes: list[str]) -> None:
        if last(call) != "Column" or has_starred(call) or not call.args:
            raise Unknown
        name = literal(call.args[0])
        if not isinstance(name, str):
            raise Unknown
        self.name = name
        rest = call.args[1:]
        types = [a for a in rest if last(a) not in ("ForeignKey", "Identity", "Computed", "Sequence")]
        if not types:
            raise Unknown
        try:
            self.type = sa_type(types[0])
        except Unknown:  # a TypeDecorator of the project's (JSONDict, TSVectorType ...)
            own = last(types[0])
            if not own:
                raise
            self.type = ident(own.lower())
            notes.append(
                f"{call.lineno}: the type {dotted(types[0])} of column {name} is the project's own: "
                f"read as a type named {self.type}"
            )
        self.references = [literal(a.args[0]) for a in rest if isinstance(a, ast.Call) and last(a) == "ForeignKey"]
        keywords = {k.arg: k.value for k in call.keywords}
        self.primary_key = bool(literal(keywords["primary_key"])) if "primary_key" in keywords else False
        self.nullable = bool(literal(keywords["nullable"])) if "nullable" in keywords else not self.primary_key
        default = keywords.get("server_default")
        self.default = None if default is None or literal_none(default) else _default(default)
        self.unique = bool(literal(keywords["unique"])) if "unique" in keywords else False
        self.index = bool(literal(keywords["index"])) if "index" in keywords else False
        self.autoincrement = literal(keywords["autoincrement"]) is not False if "autoincrement" in keywords else True

    def ddl(self, serial: bool = False) -> str:
        """`serial`: the table's only key column: SQLAlchemy makes an integer one SERIAL."""
        sql_type = self.type
        if serial and self.primary_key and self.default is None and self.autoincrement:
            sql_type = {"INTEGER": "SERIAL", "BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}.get(sql_type, sql_type)
        out = f"{ident(self.name)} {sql_type}"
        if self.default is not None:
            out += f" DEFAULT {self.default}"
        if not self.nullable:
            out += " NOT NULL"
        return out


def _single_key(call: ast.Call) -> bool:
    """Whether create_table's columns have exactly one primary_key=True."""
    keys = [
        c
        for c in call.args[1:]
        if isinstance(c, ast.Call)
        and last(c) == "Column"
        and any(k.arg == "primary_key" and isinstance(k.value, ast.Constant) and k.value.value for k in c.keywords)
    ]
    return len(keys) == 1


def literal_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _names(node: ast.expr | None) -> list[str]:
    if isinstance(node, ast.Call) and last(node) == "f" and len(node.args) == 1:  # op.f("name"): the name as given
        node = node.args[0]
    value = literal(node)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise Unknown
    return list(value)


def _reference(target: object) -> str:
    """ "users.id" -> users (id); "auth.users.id" -> auth.users (id)."""
    if not isinstance(target, str) or "." not in target:
        raise Unknown
    table, column = target.rsplit(".", 1)
    schema, _, name = table.rpartition(".")
    return f"{qualified(name, schema or None)} ({ident(column)})"


def _table(call: ast.Call, position: int, name: str = "table_name") -> str:
    table = literal(arg(call, position, name))
    schema = given(call, 99, "schema")
    if not isinstance(table, str) or not (schema is None or isinstance(schema, str)):
        raise Unknown
    return qualified(table, schema)


def _sql_text(node: ast.expr | None, constants: dict[str, str] | None = None) -> str:
    """SQL given as a string or sa.text("..."); an f-string of the module's constants is read too."""
    if isinstance(node, ast.Call) and last(node) == "text" and node.args:
        node = node.args[0]
    if isinstance(node, ast.JoinedStr) and constants is not None:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif (
                isinstance(value, ast.FormattedValue)
                and isinstance(value.value, ast.Name)
                and value.value.id in constants
                and value.format_spec is None
                and value.conversion == -1
            ):
                parts.append(constants[value.value.id])
            else:
                raise Unknown
        return "".join(parts)
    value = literal(node)
    if not isinstance(value, str):
        raise Unknown
    return value


def _not_valid(kw: dict[str | None, ast.expr]) -> str:
    """SQLAlchemy's postgresql_not_valid=True (CHECK and FOREIGN KEY added by ALTER TABLE)."""
    return " NOT VALID" if "postgresql_not_valid" in kw and literal(kw["postgresql_not_valid"]) else ""


def _statements(name: str, call: ast.Call, notes: list[str]) -> list[str]:  # one branch per op
    """The SQL Alembic sends for op.<name>(...) on PostgreSQL; Unknown when it cannot be read.
    `notes`: what was read by a guess, for the skipped list."""
    kw = {k.arg: k.value for k in call.keywords}
    if name == "add_column":
        table = _table(call, 0)
        column = _Column(call.args[1] if len(call.args) > 1 else kw["column"], notes)  # type: ignore[arg-type]
        out = [f"ALTER TABLE {table} ADD COLUMN {column.ddl()}"]
        out += [
            f"ALTER TABLE {table} ADD FOREIGN KEY({ident(column.name)}) REFERENCES {_reference(r)}"
            for r in column.references
        ]
        if column.unique:
            out.append(f"ALTER TABLE {table} ADD UNIQUE ({ident(column.name)})")
        if column.index:
            bare = table.rsplit(".", 1)[-1].strip('"')
            out.append(f"CREATE INDEX {ident(f'ix_{bare}_{column.name}')} ON {table} ({ident(column.name)})")
        return out
    if name == "drop_column":
        return [f"ALTER TABLE {_table(call, 0)} DROP COLUMN {ident(_names(arg(call, 1, 'column_name'))[0])}"]
    if name == "alter_column":
        table = _table(call, 0)
        col = ident(_names(arg(call, 1, "column_name"))[0])
        out = []
        # PostgreSQL's alter_column: the type first, then nullable and server_default (alembic/ddl/postgresql.py)
        if "type_" in kw:
            using = kw.get("postgresql_using")
            tail = f" USING {_sql_text(using)}" if using is not None else ""
            out.append(f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {sa_type(kw['type_'])}{tail}")
        if "nullable" in kw and not literal_none(kw["nullable"]):
            out.append(
                f"ALTER TABLE {table} ALTER COLUMN {col} {'DROP' if literal(kw['nullable']) else 'SET'} NOT NULL"
            )
        if "server_default" in kw:
            value = kw["server_default"]
            if not (isinstance(value, ast.Constant) and value.value is False):
                change = "DROP DEFAULT" if literal_none(value) else f"SET DEFAULT {_default(value)}"
                out.append(f"ALTER TABLE {table} ALTER COLUMN {col} {change}")
        if "new_column_name" in kw:
            new = _names(kw["new_column_name"])[0]
            out.append(f"ALTER TABLE {table} RENAME {col} TO {ident(new)}")
        return out
    if name == "create_index":
        index = _names(arg(call, 0, "index_name"))[0]
        table = _table(call, 1)
        listed = arg(call, 2, "columns")
        items = listed.elts if isinstance(listed, (ast.List, ast.Tuple)) else [listed]
        parts = [
            ident(c.value) if isinstance(c, ast.Constant) and isinstance(c.value, str) else _sql_text(c) for c in items
        ]
        unique = "UNIQUE " if "unique" in kw and literal(kw["unique"]) else ""
        concurrently = (
            "CONCURRENTLY " if "postgresql_concurrently" in kw and literal(kw["postgresql_concurrently"]) else ""
        )
        exists = "IF NOT EXISTS " if "if_not_exists" in kw and literal(kw["if_not_exists"]) else ""
        method = f" USING {literal(kw['postgresql_using'])}" if "postgresql_using" in kw else ""
        where = f" WHERE {_sql_text(kw['postgresql_where'])}" if "postgresql_where" in kw else ""
        return [
            f"CREATE {unique}INDEX {concurrently}{exists}{ident(index)} ON {table}{method} ({', '.join(parts)}){where}"
        ]
    if name == "drop_index":
        index = _names(arg(call, 0, "index_name"))[0]
        schema = literal(kw.get("schema")) if "schema" in kw else None
        concurrently = (
            "CONCURRENTLY " if "postgresql_concurrently" in kw and literal(kw["postgresql_concurrently"]) else ""
        )
        exists = "IF EXISTS " if "if_exists" in kw and literal(kw["if_exists"]) else ""
        return [f"DROP INDEX {concurrently}{exists}{qualified(index, schema)}"]
    if name == "create_foreign_key":
        constraint = literal(arg(call, 0, "constraint_name"))
        source = literal(arg(call, 1, "source_table"))
        referent = literal(arg(call, 2, "referent_table"))
        local, remote = _names(arg(call, 3, "local_cols")), _names(arg(call, 4, "remote_cols"))
        if not isinstance(source, str) or not isinstance(referent, str):
            raise Unknown
        source_schema = literal(kw["source_schema"]) if "source_schema" in kw else None
        referent_schema = literal(kw["referent_schema"]) if "referent_schema" in kw else None
        named = f"CONSTRAINT {ident(constraint)} " if isinstance(constraint, str) else ""
        sql = (
            f"ALTER TABLE {qualified(source, source_schema)} ADD {named}FOREIGN KEY({', '.join(map(ident, local))}) "
            f"REFERENCES {qualified(referent, referent_schema)} ({', '.join(map(ident, remote))})"
        )
        for option, words in (("ondelete", "ON DELETE"), ("onupdate", "ON UPDATE")):
            if option in kw and not literal_none(kw[option]):
                sql += f" {words} {literal(kw[option])}"
        return [sql + _not_valid(kw)]
    if name in ("create_unique_constraint", "create_primary_key"):
        constraint = literal(arg(call, 0, "constraint_name"))
        table = _table(call, 1)
        columns = _names(arg(call, 2, "columns"))
        named = f"CONSTRAINT {ident(constraint)} " if isinstance(constraint, str) else ""
        kind = "UNIQUE" if name == "create_unique_constraint" else "PRIMARY KEY"
        return [f"ALTER TABLE {table} ADD {named}{kind} ({', '.join(map(ident, columns))})"]
    if name == "create_check_constraint":
        constraint = literal(arg(call, 0, "constraint_name"))
        table = _table(call, 1)
        named = f"CONSTRAINT {ident(constraint)} " if isinstance(constraint, str) else ""
        return [f"ALTER TABLE {table} ADD {named}CHECK ({_sql_text(arg(call, 2, 'condition'))}){_not_valid(kw)}"]
    if name == "drop_constraint":
        constraint = _names(arg(call, 0, "constraint_name"))[0]
        return [f"ALTER TABLE {_table(call, 1)} DROP CONSTRAINT {ident(constraint)}"]
    if name == "drop_table":
        return [f"DROP TABLE {_table(call, 0)}"]
    if name == "rename_table":
        new = ident(_names(arg(call, 1, "new_table_name"))[0])
        return [f"ALTER TABLE {_table(call, 0, 'old_table_name')} RENAME TO {new}"]
    if name == "create_table":
        table = _table(call, 0)
        constraints: list[str] = []
        columns = []
        for item in call.args[1:]:
            if not isinstance(item, ast.Call):
                raise Unknown
            kind = last(item)
            if kind == "Column":
                column = _Column(item, notes)
                columns.append(column.ddl(serial=_single_key(call)))
                if column.primary_key:
                    constraints.append(f"PRIMARY KEY ({ident(column.name)})")
                constraints += [
                    f"FOREIGN KEY({ident(column.name)}) REFERENCES {_reference(r)}" for r in column.references
                ]
                if column.unique:
                    constraints.append(f"UNIQUE ({ident(column.name)})")
            elif kind in ("PrimaryKeyConstraint", "UniqueConstraint"):
                names = [literal(a) for a in item.args]
                words = "PRIMARY KEY" if kind == "PrimaryKeyConstraint" else "UNIQUE"
                constraints.append(f"{words} ({', '.join(ident(str(n)) for n in names)})")
            # ForeignKeyConstraint, CheckConstraint, Index: nothing a rule reads on a new table
        return [f"CREATE TABLE {table} ({', '.join(columns + constraints)})"]
    raise Unknown


_BUILTINS = frozenset({"print", "exit", "quit", "len", "list", "set", "dict", "sorted", "int", "str"})
# op.* calls that send no DDL a rule reads, or none at all
_QUIET = frozenset({"get_bind", "get_context", "f", "inline_literal", "invoke", "implementation_for", "run_async"})
# batch_op.<name>(...) is op.<name>(...) with the table inserted at this position
_BATCH_TABLE_AT = {
    "add_column": 0,
    "drop_column": 0,
    "alter_column": 0,
    "create_index": 1,
    "create_foreign_key": 1,
    "create_unique_constraint": 1,
    "create_primary_key": 1,
    "create_check_constraint": 1,
    "drop_constraint": 1,
}


@dataclass
class _Module:
    """What a walk through upgrade() may use of the module: its functions (a helper called, or one
    passed to a helper, runs its op.* calls too), its string constants (for f-strings of SQL), and
    what it found."""

    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    constants: dict[str, str]
    out: Read


@dataclass
class _Scope:
    in_transaction: bool
    batch: dict[str, ast.expr] = field(default_factory=dict)  # batch_op name -> its table
    bound: dict[str, str] = field(default_factory=dict)  # a parameter -> the module function passed in
    active: frozenset[str] = frozenset()  # functions being walked (no recursion)


def read(text: str, tree: ast.Module) -> Read:
    """The SQL of upgrade(), or framework None when the module has no upgrade()."""
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if "upgrade" not in functions:
        return Read(None, [], [])
    constants = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, (str, int, float))
        ):
            constants[node.targets[0].id] = str(node.value.value)
    module = _Module(functions, constants, Read("alembic", [], []))
    _walk(functions["upgrade"].body, module, _Scope(True, active=frozenset({"upgrade"})))
    return module.out


def _offline_test(test: ast.expr) -> bool | None:
    """True for `context.is_offline_mode()`, False for its negation, else None: lint reads the
    online path, the one production runs."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _offline_test(test.operand)
        return None if inner is None else not inner
    return True if isinstance(test, ast.Call) and last(test) == "is_offline_mode" else None


def _walk(body: list[ast.stmt], module: _Module, scope: _Scope) -> None:
    for statement in body:
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            inner = _Scope(scope.in_transaction, dict(scope.batch), scope.bound, scope.active)
            for item in statement.items:
                name = dotted(item.context_expr)
                if name.endswith("autocommit_block"):
                    inner.in_transaction = False
                elif isinstance(item.context_expr, ast.Call) and last(item.context_expr) == "batch_alter_table":
                    table = arg(item.context_expr, 0, "table_name")
                    if isinstance(item.optional_vars, ast.Name) and table is not None:
                        inner.batch[item.optional_vars.id] = table
            _walk(statement.body, module, inner)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        elif isinstance(statement, ast.If) and _offline_test(statement.test) is not None:
            _walk(statement.orelse if _offline_test(statement.test) else statement.body, module, scope)
        elif isinstance(statement, (ast.If, ast.For, ast.While, ast.Try)):
            for name in ("body", "orelse", "finalbody"):
                _walk(getattr(statement, name, []), module, scope)
            for handler in getattr(statement, "handlers", []):
                _walk(handler.body, module, scope)
        else:
            for call in _calls(statement):
                alone = isinstance(statement, ast.Expr) and statement.value is call
                _call(call, module, scope, alone)


def _calls(statement: ast.stmt) -> Iterator[ast.Call]:
    """The outermost calls of a simple statement, in source order."""
    stack: list[ast.AST] = [statement]
    found: list[ast.Call] = []
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            found.append(node)
            continue
        stack.extend(ast.iter_child_nodes(node))
    yield from sorted(found, key=lambda c: (c.lineno, c.col_offset))


def _follow(call: ast.Call, name: str, module: _Module, scope: _Scope, alone: bool) -> None:
    """A call of a plain name: a function of the module is walked (its parameters bound to the
    module functions passed to it); another (imported) one is a note, and the module functions
    passed to it are walked, as it calls them."""
    target = scope.bound.get(name, name)
    passed = {
        key: a.id
        for key, a in [*enumerate(call.args), *((k.arg, k.value) for k in call.keywords)]
        if isinstance(a, ast.Name) and a.id in module.functions
    }
    function = module.functions.get(target)
    if function is not None and target not in scope.active:
        params = [p.arg for p in (*function.args.posonlyargs, *function.args.args)]
        bound = {params[k] if isinstance(k, int) and k < len(params) else str(k): v for k, v in passed.items()}
        _walk(function.body, module, _Scope(scope.in_transaction, scope.batch, bound, scope.active | {target}))
        return
    if function is None and alone and name not in _BUILTINS and name not in scope.bound:
        module.out.skipped.append(f"{call.lineno}: calls {name}(): lint does not follow calls into other code")
    for each in passed.values():
        if each not in scope.active:
            _walk(
                module.functions[each].body,
                module,
                _Scope(scope.in_transaction, scope.batch, {}, scope.active | {each}),
            )


def _call(call: ast.Call, module: _Module, scope: _Scope, alone: bool) -> None:
    """`alone`: the call is a statement of its own (a helper that may run SQL, not a value built)."""
    out = module.out
    func = call.func
    if not isinstance(func, ast.Attribute):
        if isinstance(func, ast.Name):
            _follow(call, func.id, module, scope, alone)
        return
    owner = dotted(func.value)
    name = func.attr
    if name == "execute" and call.args:  # op.execute, or a connection's execute
        try:
            raw = _sql_text(call.args[0], module.constants)
        except Unknown:
            out.skipped.append(f"{call.lineno}: {dotted(call)}(...): the SQL is computed, not written out")
            return
        start = call.args[0].args[0] if isinstance(call.args[0], ast.Call) else call.args[0]
        sql = bindless(raw).replace("\\:", ":")
        shown = raw.replace("\\:", ":")
        written = Piece(
            sql,
            start.lineno,
            scope.in_transaction,
            shown if shown != sql else None,
            written=True,
            column=start.col_offset + 1,  # of the string literal: the engine steps over its quotes
        )
        out.pieces.append(written)
        return
    if owner in scope.batch:
        if name == "drop_index":
            args = call.args
        elif name in _BATCH_TABLE_AT:
            args = [*call.args]
            args.insert(_BATCH_TABLE_AT[name], scope.batch[owner])
        else:
            out.skipped.append(f"{call.lineno}: {owner}.{name}(...): not read yet")
            return
        call = ast.Call(
            func=call.func, args=args, keywords=call.keywords, lineno=call.lineno, col_offset=call.col_offset
        )
    elif owner != "op":
        return
    if name in _QUIET or name == "batch_alter_table":
        return
    try:
        if has_starred(call):
            raise Unknown
        notes: list[str] = []
        sqls = _statements(name, call, notes)
    except (Unknown, KeyError, IndexError):
        what = "not read yet" if name not in _READ else "its arguments are computed, not written out"
        out.skipped.append(f"{call.lineno}: {owner}.{name}(...): {what}")
        return
    out.pieces.extend(Piece(sql, call.lineno, scope.in_transaction, column=call.col_offset + 1) for sql in sqls)
    out.skipped.extend(notes)


_READ = frozenset(
    {
        "add_column",
        "drop_column",
        "alter_column",
        "create_index",
        "drop_index",
        "create_foreign_key",
        "create_unique_constraint",
        "create_primary_key",
        "create_check_constraint",
        "drop_constraint",
        "drop_table",
        "rename_table",
        "create_table",
    }
)
