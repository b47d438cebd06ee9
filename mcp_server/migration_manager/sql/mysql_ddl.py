"""MariaDB / MySQL DDL -> [Operation], read by sqlglot's mysql dialect.

Only what is understood is kept: every clause is matched against the forms this module knows,
and anything else (a clause sqlglot keeps as a raw Command, a column attribute or table option
the operations cannot carry) is refused with the clause and the statement named, so nothing is
silently dropped. What the DDL does not say (a column's old type before MODIFY) stays unknown,
and the planner says what that costs.
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from pydantic import ValidationError
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ParseError
from sqlglot.tokenizer_core import Token, TokenType

from ..defaults import too_many_statements, too_much_sql
from ..errors import InputError, SqlParseError, UnsupportedStatement
from ..model import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    ChangeColumnType,
    Column,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropDefault,
    DropIndex,
    DropTable,
    Operation,
    RenameColumn,
    RenameTable,
    SetDefault,
)
from .quiet import quiet_sqlglot

_IDENT = r"(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)"
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})?"
_RENAME = re.compile(rf"(?is)\s*TABLE\s+((?:{_NAME}\s+TO\s+{_NAME}\s*,\s*)*{_NAME}\s+TO\s+{_NAME})\s*;?\s*")
_PAIR = re.compile(rf"(?is)({_NAME})\s+TO\s+({_NAME})")
# type names sqlglot reads and writes back as the same MariaDB / MySQL type; any other (INT8 and
# LONG it turns into TINYINT and BIGINT, REAL into FLOAT, NCHAR losing its character set ...) is refused
_FAITHFUL_TYPES = frozenset(
    {
        *("TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "INT1", "INT2", "INT4", "SERIAL"),
        *("DECIMAL", "NUMERIC", "DEC", "FIXED", "FLOAT", "FLOAT4", "DOUBLE", "FLOAT8", "BIT", "BOOL", "BOOLEAN"),
        *("DATE", "DATETIME", "TIMESTAMP", "TIME", "YEAR", "CHAR", "CHARACTER", "VARCHAR", "BINARY", "VARBINARY"),
        *("TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB"),
        *("ENUM", "SET", "JSON", "GEOMETRY", "UUID"),
    }
)
_WORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")
_FK_ACTION = re.compile(r"(?i)ON\s+(DELETE|UPDATE)\s+(NO ACTION|RESTRICT|CASCADE|SET NULL|SET DEFAULT)")


def _command_rest(node: exp.Command) -> str:
    """The text sqlglot kept unparsed after a Command's first keyword."""
    rest = node.expression
    if isinstance(rest, exp.Literal):
        return str(rest.this)
    return _sql(rest) if isinstance(rest, exp.Expression) else str(rest or "")


class _Refused(Exception):
    """A clause this module does not read: the statement is named by the caller."""


def _ident(node: Any) -> str:
    """The name an Identifier / Column / Table holds, unquoted."""
    if isinstance(node, exp.Identifier):
        return str(node.this)
    if isinstance(node, exp.Column | exp.Table):
        return _ident(node.this)
    if isinstance(node, exp.Var | exp.Literal):
        return str(node.this)
    raise _Refused(f"expected a name, got {_sql(node)}")


def _unquote(name: str) -> str:
    name = name.strip()
    if name.startswith("`") and name.endswith("`"):
        return name[1:-1].replace("``", "`")
    return name


def _sql(node: Any) -> str:
    return str(node.sql(dialect="mysql")) if isinstance(node, exp.Expression) else str(node)


def _table(node: exp.Table) -> tuple[str, str | None]:
    if node.args.get("catalog"):
        raise _Refused(f"a three-part table name ({_sql(node)})")
    schema = node.args.get("db")
    return _ident(node.this), _ident(schema) if schema is not None else None


def _default_sql(node: Any) -> str:
    """A default as SQL. sqlglot writes 0x1F back as X'1F', which MariaDB refuses as the default of a
    number column; the 0x / 0b forms mean the same in a string column too."""
    if isinstance(node, exp.HexString):
        return f"0x{node.this}"
    if isinstance(node, exp.BitString):
        return f"0b{node.this}"
    return _sql(node)


def _string_value(node: Any) -> str:
    if isinstance(node, exp.Literal) and node.is_string:
        return str(node.this)
    raise _Refused(f"a COMMENT that is not a string literal ({_sql(node)})")


class _ColumnSpec:
    """A column definition as read: the Column, plus what ALTER forms need besides."""

    def __init__(self, definition: exp.ColumnDef, source: str) -> None:
        self.definition = definition
        self.name = _ident(definition.this)
        kind = definition.args.get("kind")
        if kind is None:
            raise _Refused(f"column {self.name} has no type")
        self.type = _sql(kind)
        end = definition.this.meta.get("end") if isinstance(definition.this, exp.Identifier) else None
        word = _WORD.match(source, end + 1) if isinstance(end, int) else None
        if word is None:
            raise _Refused(f"the type of column {self.name} (its place in the text is unknown)")
        if word[1].upper() not in _FAITHFUL_TYPES:
            raise _Refused(
                f"type {word[1]} of column {self.name} (sqlglot reads it as {self.type}; write the type the server "
                "stores, e.g. BIGINT for INT8, DOUBLE for REAL, CHAR ... CHARACTER SET utf8mb3 for NCHAR)"
            )
        self.nullable: bool | None = None
        self.default: str | None = None
        self.comment: str | None = None
        self.charset: str | None = None
        self.collation: str | None = None
        self.auto_increment = False
        self.primary_key = False
        for constraint in definition.args.get("constraints") or []:
            self._constraint(constraint)

    def _constraint(self, constraint: exp.ColumnConstraint) -> None:
        kind = constraint.args.get("kind")
        if constraint.args.get("this") is not None:
            raise _Refused(f"a named column constraint ({_sql(constraint)}) on column {self.name}")
        if isinstance(kind, exp.NotNullColumnConstraint):
            self.nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.DefaultColumnConstraint):
            self.default = _default_sql(kind.this)
        elif isinstance(kind, exp.CommentColumnConstraint):
            self.comment = _string_value(kind.this)
        elif isinstance(kind, exp.CharacterSetColumnConstraint):
            self.charset = _ident(kind.this)
        elif isinstance(kind, exp.CollateColumnConstraint):
            self.collation = _ident(kind.this)
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):
            self.auto_increment = True
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint) and not any(kind.args.values()):
            self.primary_key = True
        else:
            raise _Refused(f"column attribute {_sql(constraint)} on column {self.name}")

    def column(self) -> Column:
        return Column(
            name=self.name,
            type=self.type,
            nullable=self.nullable is not False and not self.primary_key,
            default=self.default,
            primary_key=self.primary_key,
            identity="by default" if self.auto_increment else None,
            comment=self.comment,
            charset=self.charset,
            collation=self.collation,
        )


def _position(definition: exp.ColumnDef) -> tuple[str | None, bool]:
    position = definition.args.get("position")
    if position is None:
        return None, False
    where = str(position.args.get("position") or "").upper()
    if where == "FIRST":
        return None, True
    if where == "AFTER" and position.this is not None:
        return _ident(position.this), False
    raise _Refused(f"column position {_sql(position)}")


def _index_columns(index: exp.Expression, what: str) -> list[str]:
    columns = []
    for part in index.expressions:
        if isinstance(part, exp.Ordered):
            if part.args.get("desc"):
                raise _Refused(f"a descending key part ({_sql(part)}) in {what}")
            part = part.this
        if isinstance(part, exp.Column | exp.Identifier):
            columns.append(_ident(part))
        else:
            raise _Refused(f"key part {_sql(part)} in {what} (prefix lengths and expressions are not read yet)")
    if not columns:
        raise _Refused(f"{what} without columns")
    return columns


def _check_keys(node: exp.Expression, allowed: set[str], what: str) -> None:
    """Refuse an argument sqlglot filled that this module does not read (a lost clause otherwise)."""
    extra = [k for k, v in node.args.items() if k not in allowed and v not in (None, False, [], "")]
    if extra:
        raise _Refused(f"{what}: {', '.join(sorted(extra))} ({_sql(node)})")


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.ops: list[Operation] = []

    # ------------------------------------------------------------------ statements

    def statement(self, node: exp.Expression) -> None:
        if isinstance(node, exp.Command):
            self.command(node)
        elif isinstance(node, exp.Alter):
            self.alter(node)
        elif isinstance(node, exp.Create):
            self.create(node)
        elif isinstance(node, exp.Drop):
            self.drop(node)
        else:
            raise UnsupportedStatement(
                f"{_sql(node)[:200]}: not a schema change this tool plans (give ALTER TABLE, CREATE TABLE, "
                "CREATE INDEX, DROP TABLE, DROP INDEX or RENAME TABLE)"
            )

    def command(self, node: exp.Command) -> None:
        """sqlglot's fallback for what it does not parse: only RENAME TABLE is read here."""
        keyword = str(node.this).upper()
        rest = _command_rest(node)
        if keyword == "RENAME" and (m := _RENAME.fullmatch(rest)):
            for old, new in _PAIR.findall(m[1]):
                old_schema, _, old_name = old.rpartition(".")
                new_schema, _, new_name = new.rpartition(".")
                if _unquote(new_schema or old_schema) != _unquote(old_schema):
                    raise _Refused("RENAME TABLE into another database")
                self.ops.append(
                    RenameTable(
                        table=_unquote(old_name),
                        schema_name=_unquote(old_schema) or None,
                        new_name=_unquote(new_name),
                    )
                )
            return
        clause = f"{keyword} {rest.strip()}"
        if keyword == "ALTER" and (m := re.match(rf"(?is)TABLE\s+{_NAME}\s+(.*)", rest.strip())):
            clause = m[1]
        raise _Refused(f"`{clause[:120]}` (a form the MySQL DDL reader, sqlglot, cannot parse)")

    def alter(self, node: exp.Alter) -> None:
        if str(node.args.get("kind") or "").upper() != "TABLE":
            raise UnsupportedStatement(f"ALTER {node.args.get('kind')}: only ALTER TABLE is planned")
        _check_keys(node, {"this", "kind", "actions", "options"}, "ALTER TABLE clause")
        table, schema = _table(node.this)
        stated = self.stated_algorithm(node.args.get("options") or [])
        actions = node.args.get("actions") or []
        if not actions:
            raise _Refused("an ALTER TABLE with no column, index or constraint change (table options only)")
        for action in actions:
            before = len(self.ops)
            self.action(action, table, schema)
            for op in self.ops[before:]:
                if stated and hasattr(op, "stated_algorithm"):
                    op.stated_algorithm = stated

    def stated_algorithm(self, options: list[exp.Expression]) -> str | None:
        algorithm = lock = None
        for option in options:
            if isinstance(option, exp.AlgorithmProperty):
                algorithm = _ident(option.this).upper()
            elif isinstance(option, exp.LockProperty):
                lock = _ident(option.this).upper()
            else:
                raise _Refused(f"ALTER TABLE option {_sql(option)} (only ALGORITHM= and LOCK= are read)")
        if algorithm is None and lock is None:
            return None
        return ", ".join(x for x in (algorithm, f"LOCK={lock}" if lock else None) if x)

    def action(self, action: exp.Expression, table: str, schema: str | None) -> None:
        if isinstance(action, exp.ColumnDef):
            _check_keys(action, {"this", "kind", "constraints", "position", "exists"}, "ADD COLUMN")
            if action.args.get("exists"):
                raise _Refused("ADD COLUMN IF NOT EXISTS")
            spec = _ColumnSpec(action, self.source)
            after, first = _position(action)
            self.ops.append(AddColumn(table=table, schema_name=schema, column=spec.column(), after=after, first=first))
        elif isinstance(action, exp.ModifyColumn):
            self.modify(action, table, schema)
        elif isinstance(action, exp.Drop):
            self.drop_action(action, table, schema)
        elif isinstance(action, exp.RenameColumn):
            _check_keys(action, {"this", "to", "exists"}, "RENAME COLUMN")
            self.ops.append(
                RenameColumn(
                    table=table, schema_name=schema, column=_ident(action.this), new_name=_ident(action.args["to"])
                )
            )
        elif isinstance(action, exp.AlterRename):
            new_name, new_schema = _table(action.this)
            if new_schema not in (None, schema):
                raise _Refused("RENAME TO another database")
            self.ops.append(RenameTable(table=table, schema_name=schema, new_name=new_name))
        elif isinstance(action, exp.AlterColumn):
            self.alter_column(action, table, schema)
        elif isinstance(action, exp.AddConstraint):
            for element in action.expressions:
                self.table_element(element, table, schema)
        else:
            raise _Refused(f"ALTER TABLE action {_sql(action)}")

    def modify(self, action: exp.ModifyColumn, table: str, schema: str | None) -> None:
        _check_keys(action, {"this", "rename_from"}, "MODIFY / CHANGE COLUMN")
        definition = action.this
        if not isinstance(definition, exp.ColumnDef):
            raise _Refused(f"MODIFY COLUMN {_sql(definition)}")
        _check_keys(definition, {"this", "kind", "constraints"}, "MODIFY / CHANGE COLUMN")
        spec = _ColumnSpec(definition, self.source)
        if spec.auto_increment or spec.primary_key:
            raise _Refused(f"AUTO_INCREMENT or PRIMARY KEY in MODIFY / CHANGE COLUMN {spec.name}")
        renamed_from = action.args.get("rename_from")
        if renamed_from is not None and _ident(renamed_from) != spec.name:
            self.ops.append(
                RenameColumn(table=table, schema_name=schema, column=_ident(renamed_from), new_name=spec.name)
            )
        self.ops.append(
            ChangeColumnType(
                table=table,
                schema_name=schema,
                column=spec.name,
                new_type=spec.type,
                not_null=spec.nullable is False,
                null_stated=spec.nullable is not None,
                default=spec.default,
                comment=spec.comment,
                charset=spec.charset,
                collation=spec.collation,
                restated=True,
            )
        )

    def alter_column(self, action: exp.AlterColumn, table: str, schema: str | None) -> None:
        name = _ident(action.this)
        if action.args.get("drop") and set(k for k, v in action.args.items() if v) == {"this", "drop"}:
            self.ops.append(DropDefault(table=table, schema_name=schema, column=name))
            return
        default = action.args.get("default")
        if default is not None and set(k for k, v in action.args.items() if v) == {"this", "default"}:
            self.ops.append(SetDefault(table=table, schema_name=schema, column=name, default=_default_sql(default)))
            return
        raise _Refused(f"ALTER COLUMN {_sql(action)} (only SET DEFAULT and DROP DEFAULT are read)")

    def drop_action(self, action: exp.Drop, table: str, schema: str | None) -> None:
        kind = str(action.args.get("kind") or "").upper()
        _check_keys(action, {"tables", "kind", "exists"}, f"DROP {kind}")
        if action.args.get("exists"):
            raise _Refused(f"DROP {kind} IF EXISTS")
        names = [_ident(t) for t in action.args.get("tables") or []]
        for name in names:
            if kind == "COLUMN":
                self.ops.append(DropColumn(table=table, schema_name=schema, column=name))
            elif kind in ("INDEX", "KEY"):
                self.ops.append(DropIndex(name=name, table=table, schema_name=schema))
            elif kind in ("FOREIGN KEY", "CONSTRAINT", "CHECK"):
                self.ops.append(DropConstraint(table=table, schema_name=schema, name=name))
            else:
                raise _Refused(f"DROP {kind} {name}")
        if not names:
            raise _Refused(f"DROP {kind}{' ' + _sql(action) if kind != 'PRIMARY KEY' else ''}")

    def table_element(self, element: exp.Expression, table: str, schema: str | None) -> None:
        """An index or constraint of ALTER TABLE ... ADD."""
        name: str | None = None
        if isinstance(element, exp.Constraint):
            name = _ident(element.this)
            if len(element.expressions) != 1:
                raise _Refused(f"constraint {_sql(element)}")
            element = element.expressions[0]
        if isinstance(element, exp.IndexColumnConstraint):
            _check_keys(element, {"this", "expressions", "kind", "index_type"}, "index")
            index_name = _ident(element.this) if element.this is not None else name
            kind = str(element.args.get("kind") or "").upper()
            method = element.args.get("index_type")
            if kind not in ("", "FULLTEXT"):
                raise _Refused(f"{kind} index {_sql(element)}")
            columns = _index_columns(element, f"index {index_name or ''}".strip())
            self.ops.append(
                AddIndex(
                    table=table,
                    schema_name=schema,
                    name=index_name or columns[0],  # the server names an unnamed index after its first column
                    columns=columns,
                    method="fulltext" if kind == "FULLTEXT" else (str(method).lower() if method else None),
                )
            )
        elif isinstance(element, exp.UniqueColumnConstraint):
            _check_keys(element, {"this", "index_type"}, "UNIQUE")
            target = element.this
            if not isinstance(target, exp.Schema):
                raise _Refused(f"UNIQUE {_sql(element)}")
            index_name = _ident(target.this) if target.this is not None else name
            method = element.args.get("index_type")
            columns = _index_columns(target, "UNIQUE")
            self.ops.append(
                AddIndex(
                    table=table,
                    schema_name=schema,
                    name=index_name or columns[0],
                    columns=columns,
                    unique=True,
                    method=_sql(method).lower() if method else None,
                )
            )
        elif isinstance(element, exp.PrimaryKey):
            _check_keys(element, {"expressions", "include"}, "PRIMARY KEY")
            include = element.args.get("include")
            if include is not None and any(v not in (None, False, []) for v in include.args.values()):
                raise _Refused(f"PRIMARY KEY options {_sql(element)}")
            self.ops.append(
                AddPrimaryKey(
                    table=table, schema_name=schema, name=name, columns=[_ident(c) for c in element.expressions]
                )
            )
        elif isinstance(element, exp.ForeignKey):
            self.ops.append(self.foreign_key(element, table, schema, name))
        elif isinstance(element, exp.CheckColumnConstraint):
            _check_keys(element, {"this"}, "CHECK")
            self.ops.append(AddCheck(table=table, schema_name=schema, name=name, expression=_sql(element.this)))
        else:
            raise _Refused(f"ADD {_sql(element)}")

    def foreign_key(self, fk: exp.ForeignKey, table: str, schema: str | None, name: str | None) -> AddForeignKey:
        _check_keys(fk, {"expressions", "reference", "delete", "update", "options"}, "FOREIGN KEY")
        reference = fk.args.get("reference")
        if not isinstance(reference, exp.Reference) or not isinstance(reference.this, exp.Schema):
            raise _Refused(f"FOREIGN KEY without REFERENCES table (columns) ({_sql(fk)})")
        _check_keys(reference, {"this", "options"}, "REFERENCES")
        ref_table, ref_schema = _table(reference.this.this)
        actions: dict[str, str] = {}
        for option in reference.args.get("options") or []:
            m = _FK_ACTION.fullmatch(str(option).strip())
            if m is None:
                raise _Refused(f"REFERENCES option {option}")
            actions[m[1].lower()] = m[2].lower()
        for which in ("delete", "update"):
            if fk.args.get(which):
                actions[which] = str(fk.args[which]).lower()
        return AddForeignKey.model_validate(
            {
                "table": table,
                "schema_name": schema,
                "name": name,
                "columns": [_ident(c) for c in fk.expressions],
                "ref_table": ref_table,
                "ref_schema": ref_schema,
                "ref_columns": [_ident(c) for c in reference.this.expressions],
                "on_delete": actions.get("delete"),
                "on_update": actions.get("update"),
            }
        )

    def create(self, node: exp.Create) -> None:
        kind = str(node.args.get("kind") or "").upper()
        if kind == "INDEX":
            self.create_index(node)
        elif kind == "TABLE":
            self.create_table(node)
        else:
            raise UnsupportedStatement(f"CREATE {kind}: only CREATE TABLE and CREATE INDEX are planned")

    def create_index(self, node: exp.Create) -> None:
        _check_keys(node, {"this", "kind", "unique"}, "CREATE INDEX")
        index = node.this
        if not isinstance(index, exp.Index):
            raise _Refused(f"CREATE INDEX {_sql(index)}")
        _check_keys(index, {"this", "table", "params"}, "CREATE INDEX")
        params = index.args.get("params")
        if params is None:
            raise _Refused("CREATE INDEX without columns")
        _check_keys(params, {"columns", "with_storage"}, "CREATE INDEX")
        table, schema = _table(index.args["table"])
        holder = exp.Tuple(expressions=list(params.args.get("columns") or []))
        self.ops.append(
            AddIndex(
                table=table,
                schema_name=schema,
                name=_ident(index.this),
                columns=_index_columns(holder, f"index {_ident(index.this)}"),
                unique=bool(node.args.get("unique")),
            )
        )

    def create_table(self, node: exp.Create) -> None:
        _check_keys(node, {"this", "kind", "properties"}, "CREATE TABLE")
        body = node.this
        if not isinstance(body, exp.Schema) or not isinstance(body.this, exp.Table):
            raise _Refused("CREATE TABLE without a column list (CREATE TABLE ... AS / LIKE are not read)")
        table, schema = _table(body.this)
        columns: list[Column] = []
        primary_key: list[str] = []
        constraints: list[str] = []
        for element in body.expressions:
            if isinstance(element, exp.ColumnDef):
                _check_keys(element, {"this", "kind", "constraints"}, "column")
                columns.append(_ColumnSpec(element, self.source).column())
            elif isinstance(element, exp.PrimaryKey):
                probe = _Reader(self.source)
                probe.table_element(element, table, schema)  # refuses what a primary key clause cannot hold
                primary_key = [_ident(c) for c in element.expressions]
            else:
                # read it as ALTER TABLE ADD would, so a clause it cannot hold is refused, then keep it as written
                probe = _Reader(self.source)
                probe.table_element(element, table, schema)
                constraints.append(_sql(element))
        options: dict[str, Any] = {}
        for prop in node.args["properties"].expressions if node.args.get("properties") else []:
            if isinstance(prop, exp.EngineProperty):
                options["engine"] = _ident(prop.this)
            elif isinstance(prop, exp.AutoIncrementProperty):
                options["auto_increment"] = int(str(prop.this.this))
            elif isinstance(prop, exp.CharacterSetProperty):
                options["charset"] = _ident(prop.this)
            elif isinstance(prop, exp.CollateProperty):
                options["collation"] = _ident(prop.this)
            elif isinstance(prop, exp.SchemaCommentProperty):
                options["comment"] = _string_value(prop.this)
            else:
                raise _Refused(f"table option {_sql(prop)}")
        # the key's columns are NOT NULL whether or not the DDL says so (MySQL refuses an explicit NULL)
        columns = [c.model_copy(update={"nullable": False}) if c.name in primary_key else c for c in columns]
        self.ops.append(
            CreateTable(
                table=table,
                schema_name=schema,
                columns=columns,
                primary_key=primary_key,
                constraints=constraints,
                **options,
            )
        )

    def drop(self, node: exp.Drop) -> None:
        kind = str(node.args.get("kind") or "").upper()
        if kind == "INDEX":
            _check_keys(node, {"tables", "kind", "cluster"}, "DROP INDEX")
            on = node.args.get("cluster")
            if not isinstance(on, exp.OnProperty):
                raise _Refused("DROP INDEX without ON table")
            table, schema = _table(on.this)
            for index in node.args.get("tables") or []:
                self.ops.append(DropIndex(name=_ident(index), table=table, schema_name=schema))
        elif kind == "TABLE":
            _check_keys(node, {"tables", "kind", "exists"}, "DROP TABLE")
            for t in node.args.get("tables") or []:
                table, schema = _table(t)
                self.ops.append(DropTable(table=table, schema_name=schema))
        else:
            raise UnsupportedStatement(f"DROP {kind}: only DROP TABLE and DROP INDEX are planned")


def _statement_texts(sql: str) -> list[str]:
    """Each statement as written (split where sqlglot splits: at semicolon tokens), for messages."""
    with quiet_sqlglot():
        tokens = MySQL().tokenize(sql)
    texts: list[str] = []
    chunk: list[Token] = []
    for token in [*tokens, None]:
        if token is None or token.token_type is TokenType.SEMICOLON:
            if chunk:
                texts.append(sql[chunk[0].start : chunk[-1].end + 1])
            chunk = []
        else:
            chunk.append(token)
    return texts


def parse_mysql_operations(sql: str) -> list[Operation]:
    """Parse MariaDB / MySQL DDL into operations. Raises SqlParseError, UnsupportedStatement or InputError.

    Input over the size limit (defaults.MAX_SQL_CHARS, MAX_STATEMENTS) is refused before it is read."""
    if refused := too_much_sql(len(sql)):
        raise InputError(refused)
    try:
        with quiet_sqlglot():
            statements = [s for s in sqlglot.parse(sql, read="mysql") if isinstance(s, exp.Expression)]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        description = re.sub(
            r"<Token token_type: [^,]*, text: ([^,]*),[^>]*>", r"'\1'", str(first.get("description") or exc)
        )
        raise SqlParseError(
            f"invalid MariaDB / MySQL SQL: {description}",
            line=first.get("line"),
            column=first.get("col"),
        ) from exc
    if not statements:
        raise InputError("the SQL holds no statement")
    if refused := too_many_statements(len(statements)):
        raise InputError(refused)
    reader = _Reader(sql)
    texts = _statement_texts(sql)
    for n, statement in enumerate(statements):
        text = texts[n] if len(texts) == len(statements) else _sql(statement)
        text = " ".join(text.split())
        if len(text) > 300:
            text = text[:300] + " ..."
        try:
            reader.statement(statement)
        except _Refused as exc:
            raise UnsupportedStatement(
                f"{exc} is not read for MariaDB / MySQL, in: {text}; write the change without it, or as operations JSON"
            ) from exc
        except ValidationError as exc:
            raise InputError(f"statement cannot be planned: {exc.errors()[0]['msg']}, in: {text}") from exc
    return reader.ops
