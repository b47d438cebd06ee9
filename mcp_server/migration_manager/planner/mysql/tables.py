"""CREATE, DROP and RENAME TABLE."""

from __future__ import annotations

from ...knowledge.mysql import MyAction
from ...model import (
    CreateTable,
    DropTable,
    RenameTable,
)
from .base import Base, _column_sql, _key, _table, _table_options, q


class Tables(Base):
    def create_table(self, op: CreateTable) -> None:
        key, table = _key(op), _table(op)
        elements = [_column_sql(c) for c in op.columns]
        if op.primary_key:
            elements.append(f"PRIMARY KEY ({', '.join(q(c) for c in op.primary_key)})")
        elements += list(op.constraints)
        body = ",\n    ".join(elements)
        self.created.add(key)
        self.add(
            f"create_{op.table}",
            f"create table {op.table}",
            f"Create table {key}",
            [f"CREATE TABLE {table} (\n    {body}\n){_table_options(op)}"],
            [f"DROP TABLE IF EXISTS {table}"],
            self.fact(MyAction.CREATE_TABLE),
            key=key,
        )

    def drop_table(self, op: DropTable) -> None:
        key, table = _key(op), _table(op)
        down = (
            [f"CREATE TABLE {table} (\n    " + ",\n    ".join(_column_sql(c) for c in op.columns) + "\n)"]
            if op.columns
            else []
        )
        self.add(
            f"drop_{op.table}",
            f"drop table {op.table}",
            f"Drop table {key}",
            [f"DROP TABLE IF EXISTS {table}"],
            down,
            self.fact(MyAction.DROP_TABLE),
            key=key,
            gate=f"Deploy application code that no longer uses {key}.",
            lossy_down=True,
            down_note="recreates the table empty: its rows are gone",
            breaks_running_code=True,
        )

    def rename_table(self, op: RenameTable) -> None:
        key, table = _key(op), _table(op)
        new = f"{q(op.schema_name)}.{q(op.new_name)}" if op.schema_name else q(op.new_name)
        self.add(
            f"rename_{op.table}_to_{op.new_name}",
            f"rename table {op.table} to {op.new_name}",
            f"Rename table {key} to {op.new_name}",
            [f"RENAME TABLE {table} TO {new}"],
            [f"RENAME TABLE {new} TO {table}"],
            self.fact(MyAction.RENAME_TABLE),
            key=key,
            breaks_running_code=True,
            gate=f"Deploy application code that works with both {op.table} and {op.new_name} (or pause it).",
        )
