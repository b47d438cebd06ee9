"""A Rails migration's up direction as the PostgreSQL statements ActiveRecord 6.1 / 7 sends, read
from its syntax tree (rails_ruby.py: Ruby's own parser; rails_fallback.py where Ruby is missing),
never run. Only `def change` / `def up` are read (in `change`, `reversible`'s `dir.up` part);
`disable_ddl_transaction!` runs the migration outside a transaction; `transaction`,
`connection.transaction` and `with_lock_retries` blocks (GitLab's helper, and the one this tool's
Rails files define) are read, the last as setting a lock_timeout; what `safety_assured { }`
(strong_migrations) holds is read into the schema but its findings are not reported: it is the
user's acknowledgement. Each DSL call becomes the SQL ActiveRecord's PostgreSQL adapter sends,
at the call's line; `execute` sends its string. What only running the code would tell is a
skipped note "line: reason"."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .pyread import Piece, Read, Unknown, ident, qualified, quote
from .source import statements

# heads each statement safety_assured holds (after a newline: source.py reads an ignore comment on
# the first line as the end of a previous statement's line)
ACKNOWLEDGED = "\n-- migration-manager: ignore all\n"
NOT_A_MIGRATION = "Ruby, but no class < ActiveRecord::Migration: not read"


class Raw(str):
    """A default given as a lambda (`-> { "now()" }`): SQL, not a value."""


Constants = dict[str, dict[str, Any]]  # the class's own `NAME = literal`, by name


def value(node: dict[str, Any], constants: Constants | None = None) -> Any:
    """The Ruby literal as Python (symbols as str); Unknown for what only running would give."""
    k = node["k"]
    if k == "str":
        return string(node)[0]
    if k in ("sym", "int", "float"):
        return node["v"]
    if k in ("true", "false", "nil"):
        return {"true": True, "false": False, "nil": None}[k]
    if k == "array":
        return [value(v, constants) for v in node["v"]]
    if k == "hash":
        return {value(a, constants): value(b, constants) for a, b in node["v"]}
    if k == "lambda":
        return Raw(node["v"])
    if k == "const" and constants and node["v"] in constants:
        return value(constants[node["v"]])
    raise Unknown


def string(node: dict[str, Any]) -> tuple[str, int]:
    """A string literal after what is done to it (.squish, .strip ...), and the line its text
    starts on (a heredoc's body starts below its opener; .strip drops leading blank lines)."""
    text, line = node["v"], node["line"] + (1 if node.get("heredoc") else 0)
    for method in node.get("then", ()):
        if method in ("squish", "strip"):
            line += text[: len(text) - len(text.lstrip())].count("\n")
        if method == "squish":
            text = re.sub(r"\s+", " ", text).strip()
        elif method == "strip":
            text = text.strip()
        elif method == "strip_heredoc":
            text = textwrap.dedent(text)
        elif method == "chomp":
            text = text.removesuffix("\n")
    return text, line


def pluralize(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def singularize(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def table(name: Any) -> str:
    if not isinstance(name, str):
        raise Unknown
    schema, _, rest = name.rpartition(".")
    return qualified(rest, schema or None)


def _hashed(prefix: str, identifier: str) -> str:
    return f"{prefix}_rails_{hashlib.sha256(identifier.encode()).hexdigest()[:10]}"


_TYPES = {
    "string": "character varying",
    "text": "text",
    "integer": "integer",
    "bigint": "bigint",
    "float": "float",
    "decimal": "decimal",
    "numeric": "decimal",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "binary": "bytea",
    "json": "json",
    "jsonb": "jsonb",
    "uuid": "uuid",
    "inet": "inet",
    "cidr": "cidr",
    "macaddr": "macaddr",
    "hstore": "hstore",
    "citext": "citext",
    "interval": "interval",
    "money": "money",
    "xml": "xml",
    "tsvector": "tsvector",
    "bigserial": "bigserial",
    "serial": "serial",
    "primary_key": "bigserial primary key",
}
_ACTIONS = {"cascade": "CASCADE", "nullify": "SET NULL", "restrict": "RESTRICT"}


@dataclass
class _Rails:
    version: float  # the migration's [x.y]: 7.0 and later give datetime a precision of 6
    in_transaction: bool
    pieces: list[Piece] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    constants: Constants = field(default_factory=dict)
    acknowledged: bool = False
    lock_retries: bool = False  # in a with_lock_retries block: each attempt runs with a lock_timeout
    bulk: list[tuple[str, int, int]] | None = None  # change_table bulk: the subcommands combined so far
    bulk_table: Any = None
    line: int = 1
    column: int = 1

    # --- the SQL pieces -------------------------------------------------------------------
    def send(self, sql: str) -> None:
        self.flush()  # change_table bulk: what was combined so far goes first
        self._append(sql, self.line, self.column)

    def _append(self, sql: str, line: int, column: int) -> None:
        if self.acknowledged:
            sql = ACKNOWLEDGED + sql
        self.pieces.append(Piece(sql, line, self.in_transaction, column=column, lock_timeout=self.lock_retries))

    def alter(self, t: Any, fragment: str) -> None:
        """One ALTER TABLE subcommand: its own statement, or in `change_table t, bulk: true` one of
        the statement ActiveRecord combines until a call it cannot combine (an index, a rename)."""
        if self.bulk is None:
            self.send(f"ALTER TABLE {table(t)} {fragment}")
        else:
            self.bulk.append((fragment, self.line, self.column))

    def flush(self) -> None:
        if self.bulk:
            _, line, column = self.bulk[0]
            self._append(f"ALTER TABLE {table(self.bulk_table)} {', '.join(f for f, _, _ in self.bulk)}", line, column)
            self.bulk.clear()

    def written(self, node: dict[str, Any]) -> None:
        if node["k"] == "const" and node["v"] in self.constants:
            node = self.constants[node["v"]]
        if node["k"] != "str":
            raise Unknown
        sql, line = string(node)
        if not self.acknowledged:
            # on the call's own line, the call's column: the engine finds the string's quote after it
            column = self.column if line == self.line and not node.get("heredoc") else 1
            piece = Piece(sql, line, self.in_transaction, written=True, column=column, lock_timeout=self.lock_retries)
            self.pieces.append(piece)
            return
        for st in statements(sql):  # each statement headed by the acknowledgement
            text = ACKNOWLEDGED + st.text
            at = line + st.line - 3
            self.pieces.append(Piece(text, at, self.in_transaction, written=True, lock_timeout=self.lock_retries))

    # --- columns ---------------------------------------------------------------------------
    def sql_type(self, kind: Any, opts: dict[str, Any], timestamps: bool = False) -> str:
        if not isinstance(kind, str):
            raise Unknown
        limit, precision, scale = opts.get("limit"), opts.get("precision"), opts.get("scale")
        if kind in ("datetime", "timestamp"):
            if "precision" not in opts and (self.version >= 7.0 or (timestamps and self.version >= 6.0)):
                precision = 6
            out = f"timestamp({precision})" if precision is not None else "timestamp"
        elif kind == "integer" and limit is not None:
            out = {1: "smallint", 2: "smallint", 3: "integer", 4: "integer"}.get(limit, "bigint")
        elif kind in ("decimal", "numeric") and precision is not None:
            out = f"decimal({precision},{scale})" if scale is not None else f"decimal({precision})"
        elif kind in _TYPES:
            out = _TYPES[kind]
            if limit is not None and kind in ("string", "binary"):
                out = f"{out}({limit})"
        else:
            out = kind  # a type of the database's own (t.column :x, :geometry)
        return out + "[]" if opts.get("array") else out

    def default(self, v: Any) -> str:
        if isinstance(v, Raw):
            return str(v)
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, str):
            return quote(v)
        if isinstance(v, (dict, list)):  # a json / jsonb default: ActiveRecord sends it serialized
            return quote(json.dumps(v, separators=(",", ":")))
        raise Unknown

    def column_sql(self, name: Any, kind: Any, opts: dict[str, Any], timestamps: bool = False) -> str:
        if not isinstance(name, str):
            raise Unknown
        sql = f"{ident(name)} {self.sql_type(kind, opts, timestamps)}"
        if "default" in opts and not (opts.get("null") is False and opts["default"] is None):
            sql += f" DEFAULT {self.default(opts['default'])}"
        if opts.get("null") is False:
            sql += " NOT NULL"
        if opts.get("primary_key"):
            sql += " PRIMARY KEY"
        return sql

    def timestamp_options(self, opts: dict[str, Any]) -> dict[str, Any]:
        """created_at / updated_at: NOT NULL unless told (Migration[4.2]: null unless told)."""
        o = dict(opts)
        if o.get("null") is None:
            o["null"] = self.version < 5.0
        return o

    # --- the DSL ---------------------------------------------------------------------------
    def add_column(self, t: Any, name: Any, kind: Any, opts: dict[str, Any], timestamps: bool = False) -> None:
        self.alter(t, f"ADD {self.column_sql(name, kind, opts, timestamps)}")

    def index_sql(self, t: Any, columns: Any, opts: dict[str, Any]) -> str:
        cols = columns if isinstance(columns, list) else [columns]
        if not all(isinstance(c, str) for c in cols):
            raise Unknown
        expression = isinstance(columns, str) and not columns.replace("_", "").isalnum()
        name = opts.get("name") or f"index_{t}_on_{'_and_'.join(cols)}"
        listed = columns if expression else ", ".join(ident(c) for c in cols)
        sql = "CREATE UNIQUE INDEX" if opts.get("unique") else "CREATE INDEX"
        if opts.get("algorithm") == "concurrently":
            sql += " CONCURRENTLY"
        if opts.get("if_not_exists"):
            sql += " IF NOT EXISTS"
        sql += f" {ident(str(name))} ON {table(t)}"
        if opts.get("using"):
            sql += f" USING {opts['using']}"
        sql += f" ({listed})"
        if opts.get("where"):
            sql += f" WHERE {opts['where']}"
        return sql

    def remove_index(self, t: Any, column: Any, opts: dict[str, Any]) -> None:
        column = opts.get("column", column)
        name = opts.get("name")
        if name is None:
            if column is None:
                raise Unknown
            cols = column if isinstance(column, list) else [column]
            name = f"index_{t}_on_{'_and_'.join(map(str, cols))}"
        how = " CONCURRENTLY" if opts.get("algorithm") == "concurrently" else ""
        exists = " IF EXISTS" if opts.get("if_exists") else ""
        self.send(f"DROP INDEX{how}{exists} {ident(str(name))}")

    def foreign_key(self, t: Any, to: Any, opts: dict[str, Any]) -> str:
        if not isinstance(to, str) or not isinstance(t, str):
            raise Unknown
        column = str(opts.get("column") or f"{singularize(to)}_id")
        name = opts.get("name") or _hashed("fk", f"{t}_{column}_fk")
        sql = (
            f"CONSTRAINT {ident(str(name))} FOREIGN KEY ({ident(column)}) "
            f"REFERENCES {table(to)} ({ident(str(opts.get('primary_key', 'id')))})"
        )
        for key, word in (("on_delete", "DELETE"), ("on_update", "UPDATE")):
            if opts.get(key):
                sql += f" ON {word} {_ACTIONS[opts[key]]}"
        return sql

    def add_foreign_key(self, t: Any, to: Any, opts: dict[str, Any]) -> None:
        valid = "" if opts.get("validate", True) else " NOT VALID"
        self.send(f"ALTER TABLE {table(t)} ADD {self.foreign_key(t, to, opts)}{valid}")

    def reference(self, t: Any, ref: Any, opts: dict[str, Any], new: list[str] | None = None) -> None:
        """add_reference / t.references: columns, then the index, then the foreign key. `new`: the
        column list of a table being created (its foreign key is one of its constraints)."""
        if not isinstance(ref, str):
            raise Unknown
        col_opts = {k: v for k, v in opts.items() if k in ("null", "default", "limit", "comment", "array")}
        cols = [(f"{ref}_id", opts.get("type", "integer" if self.version < 5.1 else "bigint"))]
        if opts.get("polymorphic"):
            cols.insert(0, (f"{ref}_type", "string"))
        index = opts.get("index", self.version >= 5.0)  # Migration[4.2]: no index unless asked
        fk = opts.get("foreign_key")
        for name, kind in cols:
            if new is not None:
                new.append(self.column_sql(name, kind, col_opts))
            else:
                self.add_column(t, name, kind, col_opts)
        index_opts = dict(index) if isinstance(index, dict) else {}
        if index:
            names = [c for c, _ in cols]
            if len(names) > 1 and self.version >= 6.1:  # polymorphic: named after the reference (6.1)
                index_opts.setdefault("name", f"index_{t}_on_{ref}")
            self.send(self.index_sql(t, names if len(names) > 1 else names[0], index_opts))
        if fk:
            fk_opts = dict(fk) if isinstance(fk, dict) else {}
            to = fk_opts.pop("to_table", pluralize(ref))
            fk_opts.setdefault("column", f"{ref}_id")
            if new is not None:
                new.append(self.foreign_key(t, to, fk_opts))
            else:
                self.add_foreign_key(t, to, fk_opts)

    def create_table(self, call: dict[str, Any], args: list[Any], opts: dict[str, Any]) -> None:
        t = args[0]
        columns: list[str] = []
        after: list[str] = []
        pk = opts.get("id", True)
        pk_name = str(opts.get("primary_key", "id"))
        if pk is True and self.version < 5.1:  # before 5.1 a key is serial (id: :integer, default: nil)
            columns.append(f"{ident(pk_name)} serial NOT NULL PRIMARY KEY")
        elif pk is True or pk == "bigint" or pk == "primary_key":
            columns.append(f"{ident(pk_name)} bigserial primary key")
        elif pk == "uuid":
            columns.append(f"{ident(pk_name)} uuid DEFAULT gen_random_uuid() NOT NULL PRIMARY KEY")
        elif pk in ("integer", "serial"):
            columns.append(f"{ident(pk_name)} serial primary key")
        elif pk is not False:
            raise Unknown
        block = call.get("block")
        if block:
            var = block["params"][0] if block["params"] else None
            for st in block["body"]:
                self.table_call(st, var, t, columns, after)
        columns.sort(key=lambda c: c.startswith("CONSTRAINT "))  # its foreign keys after its columns
        head = "CREATE TABLE IF NOT EXISTS" if opts.get("if_not_exists") else "CREATE TABLE"
        if opts.get("force"):
            self.send(f"DROP TABLE IF EXISTS {table(t)} CASCADE")
        self.send(f"{head} {table(t)} ({', '.join(columns)})")
        for sql in after:
            self.send(sql)

    def table_call(
        self, st: dict[str, Any], var: str | None, t: Any, columns: list[str] | None, after: list[str]
    ) -> None:
        """One `t.x` call of a create_table (`columns` given) or change_table block."""
        recv = st.get("recv") or {}
        if st["k"] != "call" or recv.get("k") != "var" or recv.get("v") != var:
            self.skipped.append(f"{st['line']}: not a `{var}.` call of the table block: not read")
            return
        saved = (self.line, self.column)
        self.line, self.column = st["line"], st["col"]
        try:
            args = [value(a, self.constants) for a in st["args"]]
            opts = args.pop() if args and isinstance(args[-1], dict) else {}
            self.table_method(st["name"], args, opts, t, columns, after)
        except (Unknown, KeyError, IndexError, TypeError):
            self.skipped.append(f"{st['line']}: {var}.{st['name']}(...): its arguments are computed: not read")
        finally:
            self.line, self.column = saved

    def table_method(
        self, name: str, args: list[Any], opts: dict[str, Any], t: Any, columns: list[str] | None, after: list[str]
    ) -> None:
        new = columns is not None
        if name in ("references", "belongs_to"):
            for ref in args:
                if new:
                    assert columns is not None
                    mark = len(self.pieces)
                    self.reference(t, ref, opts, columns)
                    after.extend(p.sql for p in self.pieces[mark:])  # its index, after the table
                    del self.pieces[mark:]
                else:
                    self.reference(t, ref, opts)
        elif name == "timestamps":
            for col in ("created_at", "updated_at"):
                o = self.timestamp_options(opts)
                if new:
                    assert columns is not None
                    columns.append(self.column_sql(col, "datetime", o, timestamps=True))
                else:
                    self.add_column(t, col, "datetime", o, timestamps=True)
        elif name == "index":
            sql = self.index_sql(t, args[0], opts)
            after.append(sql) if new else self.send(sql)
        elif name == "column" or name in _TYPES or name in ("datetime", "timestamp"):
            kind = args.pop(1) if name == "column" else name
            for col in args:
                if new:
                    assert columns is not None
                    columns.append(self.column_sql(col, kind, opts))
                else:
                    self.add_column(t, col, kind, opts)
        elif new:
            raise Unknown
        elif name == "remove":
            self.dsl("remove_columns", [t, *args], opts)
        elif name in ("rename", "change", "change_default", "change_null", "remove_index", "remove_references"):
            full = {
                "rename": "rename_column",
                "change": "change_column",
                "change_default": "change_column_default",
                "change_null": "change_column_null",
                "remove_index": "remove_index",
                "remove_references": "remove_reference",
            }[name]
            self.dsl(full, [t, *args], opts)
        elif name == "remove_timestamps":
            self.dsl("remove_columns", [t, "created_at", "updated_at"], opts)
        else:
            raise Unknown

    def dsl(self, name: str, args: list[Any], opts: dict[str, Any]) -> bool:
        """The SQL of one schema statement; False for a name that is none lint knows."""
        t = args[0] if args else None
        if name == "add_index":
            self.send(self.index_sql(t, args[1], opts))
        elif name == "remove_index":
            self.remove_index(t, args[1] if len(args) > 1 else None, opts)
        elif name == "add_column":
            self.add_column(t, args[1], args[2], opts)
        elif name == "add_timestamps":
            for col in ("created_at", "updated_at"):
                o = self.timestamp_options(opts)
                self.add_column(t, col, "datetime", o, timestamps=True)
        elif name in ("add_reference", "add_belongs_to"):
            self.reference(t, args[1], opts)
        elif name == "remove_timestamps":
            self.dsl("remove_columns", [t, "created_at", "updated_at"], {})
        elif name in ("remove_reference", "remove_belongs_to"):
            cols = [f"{args[1]}_id"] + ([f"{args[1]}_type"] if opts.get("polymorphic") else [])
            self.dsl("remove_columns", [t, *cols], {})
        elif name == "add_foreign_key":
            self.add_foreign_key(t, args[1], opts)
        elif name in ("validate_foreign_key", "remove_foreign_key"):
            to = args[1] if len(args) > 1 else None
            column = opts.get("column") or (f"{singularize(to)}_id" if isinstance(to, str) else None)
            fk = opts.get("name") or (_hashed("fk", f"{t}_{column}_fk") if column else None)
            if fk is None:
                raise Unknown
            verb = "VALIDATE" if name.startswith("validate") else "DROP"
            self.send(f"ALTER TABLE {table(t)} {verb} CONSTRAINT {ident(str(fk))}")
        elif name == "add_check_constraint":
            check = opts.get("name") or _hashed("chk", f"{t}_{args[1]}_chk")
            valid = "" if opts.get("validate", True) else " NOT VALID"
            self.send(f"ALTER TABLE {table(t)} ADD CONSTRAINT {check} CHECK ({args[1]}){valid}")
        elif name in ("validate_check_constraint", "remove_check_constraint"):
            check = opts.get("name") or (_hashed("chk", f"{t}_{args[1]}_chk") if len(args) > 1 else None)
            if check is None:
                raise Unknown
            verb = "VALIDATE" if name.startswith("validate") else "DROP"
            self.send(f"ALTER TABLE {table(t)} {verb} CONSTRAINT {ident(str(check))}")
        elif name == "change_column" and self.version < 5.1 and ("default" in opts or "null" in opts):
            # Migration[5.0] and older on PostgreSQL: the type, then the default, then the null
            self.dsl("change_column", args, {k: v for k, v in opts.items() if k not in ("default", "null")})
            if "default" in opts:
                self.dsl("change_column_default", [*args[:2], opts["default"]], {})
            if "null" in opts:
                self.dsl("change_column_null", [*args[:2], opts["null"], opts.get("default")], {})
        elif name == "change_column":
            col = ident(str(args[1]))
            sql = f"ALTER COLUMN {col} TYPE {self.sql_type(args[2], opts)}"
            if opts.get("using"):
                sql += f" USING {opts['using']}"
            if "default" in opts:
                d = opts["default"]
                sql += f", ALTER COLUMN {col} " + ("DROP DEFAULT" if d is None else f"SET DEFAULT {self.default(d)}")
            if "null" in opts:
                sql += f", ALTER COLUMN {col} {'DROP' if opts['null'] else 'SET'} NOT NULL"
            self.alter(t, sql)
        elif name == "change_column_null":
            col = ident(str(args[1]))
            null = args[2]
            if not isinstance(null, bool):
                raise Unknown
            if not null and len(args) > 3 and args[3] is not None and self.bulk is None:  # bulk: no UPDATE
                self.send(f"UPDATE {table(t)} SET {col}={self.default(args[3])} WHERE {col} IS NULL")
            self.alter(t, f"ALTER COLUMN {col} {'DROP' if null else 'SET'} NOT NULL")
        elif name == "change_column_default":
            d = args[2] if len(args) > 2 else opts
            if isinstance(d, dict):
                if "to" not in d:
                    raise Unknown
                d = d["to"]
            how = "DROP DEFAULT" if d is None else f"SET DEFAULT {self.default(d)}"
            self.alter(t, f"ALTER COLUMN {ident(str(args[1]))} {how}")
        elif name in ("remove_column", "remove_columns"):
            cols = args[1:2] if name == "remove_column" else args[1:]
            if not cols or not all(isinstance(c, str) for c in cols):
                raise Unknown
            exists = " IF EXISTS" if opts.get("if_exists") else ""
            for c in cols:  # remove_columns: one statement per column, as ActiveRecord sends them
                self.alter(t, f"DROP COLUMN{exists} {ident(c)}")
        elif name == "rename_column":
            self.send(f"ALTER TABLE {table(t)} RENAME COLUMN {ident(str(args[1]))} TO {ident(str(args[2]))}")
        elif name == "rename_table":
            new = args[1]
            if not isinstance(t, str) or not isinstance(new, str):
                raise Unknown
            self.send(f"ALTER TABLE {table(t)} RENAME TO {table(new)}")
            # a table Rails created has an `id` key: its index and sequence follow the name (no
            # finding of their own: the application names neither, the table's rename is reported)
            saved, self.acknowledged = self.acknowledged, True
            self.send(f"ALTER INDEX {ident(t + '_pkey')} RENAME TO {ident(new + '_pkey')}")
            self.send(f"ALTER TABLE {ident(t + '_id_seq')} RENAME TO {ident(new + '_id_seq')}")
            self.acknowledged = saved
        elif name == "drop_table":
            for each in args:
                exists = " IF EXISTS" if opts.get("if_exists") else ""
                cascade = " CASCADE" if opts.get("force") == "cascade" else ""
                self.send(f"DROP TABLE{exists} {table(each)}{cascade}")
        else:
            return False
        return True

    # --- the method bodies -----------------------------------------------------------------
    def body(self, stmts: list[dict[str, Any]], reversible: str | None = None) -> None:
        for st in stmts:
            self.statement(st, reversible)

    def statement(self, st: dict[str, Any], dir_var: str | None) -> None:
        if st["k"] != "call":
            self.skipped.append(f"{st['line']}: code lint does not read (only running it would tell what it sends)")
            return
        name, recv, block = st["name"], st.get("recv"), st.get("block")
        if name == "transaction" and block and recv == {"k": "var", "v": "connection"}:
            recv = None  # connection.transaction do: the migration's own connection, a savepoint in it
        if recv is not None:
            if dir_var is not None and recv.get("k") == "var" and recv.get("v") == dir_var:
                if name == "up" and block:
                    self.body(block["body"])
                return  # dir.down: the way down
            if name in ("reset_column_information", "connection") or (recv.get("k") == "const" and name == "new"):
                return
            self.skipped.append(f"{st['line']}: {name}(...) runs application code: not read")
            return
        if name in ("reversible",) and block:
            self.body(block["body"], block["params"][0] if block["params"] else None)
            return
        if name in ("safety_assured", "up_only", "say_with_time", "transaction", "with_lock_retries") and block:
            saved = self.acknowledged, self.lock_retries, self.in_transaction
            self.acknowledged = saved[0] or name == "safety_assured"
            self.lock_retries = saved[1] or name == "with_lock_retries"
            self.in_transaction = saved[2] or name in ("transaction", "with_lock_retries")  # both open one
            self.body(block["body"], dir_var)
            self.acknowledged, self.lock_retries, self.in_transaction = saved
            return
        if name in ("say", "disable_ddl_transaction!", "puts"):
            return
        self.line, self.column = st["line"], st["col"]
        try:
            if name == "execute":
                self.written(st["args"][0])
                return
            args = [value(a, self.constants) for a in st["args"]]
            opts = args.pop() if args and isinstance(args[-1], dict) else {}
            if name in ("create_table", "create_join_table"):
                if name == "create_join_table":
                    raise Unknown
                self.create_table(st, args, opts)
            elif name == "change_table":
                var = block["params"][0] if block and block["params"] else None
                if opts.get("bulk"):
                    self.bulk, self.bulk_table = [], args[0]
                try:
                    for inner in block["body"] if block else []:
                        self.table_call(inner, var, args[0], None, [])
                    self.flush()
                finally:
                    self.bulk = None
            elif not self.dsl(name, args, opts):
                self.skipped.append(f"{st['line']}: {name}: not a schema statement lint reads: not read")
        except (Unknown, KeyError, IndexError, TypeError, AttributeError):
            self.skipped.append(f"{st['line']}: {name}(...): its arguments are computed: not read")


def _classes(stmts: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for st in stmts:
        if st["k"] == "class":
            yield st
        elif st["k"] == "module":
            yield from _classes(st["body"])


def read_tree(tree: dict[str, Any]) -> Read:
    """The up direction of a parsed file (see rails_ruby.py for the tree's shape)."""
    if "error" in tree:
        return Read(None, [], [f"1: {tree['error']}: not read"])
    for cls in _classes(tree["body"]):
        sup = cls.get("super") or {}
        if not str(sup.get("name") or "").endswith("Migration"):
            continue
        version = float(sup.get("version") or 4.2)  # unversioned: a migration from before Rails 5
        body = cls["body"]
        ddl = not any(s["k"] == "call" and s["name"] == "disable_ddl_transaction!" for s in body)
        constants = {s["name"]: s["value"] for s in body if s["k"] == "const_def"}
        reader = _Rails(version, ddl, constants=constants)
        methods = {(s["name"], s["self"]): s for s in body if s["k"] == "def"}
        up = methods.get(("change", False)) or methods.get(("up", False)) or methods.get(("up", True))
        if up is not None:
            reader.body(up["body"])
        return Read("rails", reader.pieces, reader.skipped)
    return Read(None, [], [NOT_A_MIGRATION])


def read_all(texts: list[str]) -> list[Read]:
    """Every file of a run: parsed by one `ruby` process when Ruby is installed, else in Python."""
    from . import rails_fallback, rails_ruby

    if not texts:
        return []
    executable = rails_ruby.ruby()
    trees = None
    if executable:
        try:
            trees = rails_ruby.parse_all(texts, executable)
        except (RuntimeError, OSError, ValueError, subprocess.SubprocessError):
            trees = None  # a Ruby that cannot run the parse: read in Python
    if trees is None:
        trees = [rails_fallback.parse(t) for t in texts]
    return [read_tree(t) for t in trees]
