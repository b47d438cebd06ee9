"""Indexes: ADD INDEX (INPLACE, LOCK=NONE), FULLTEXT, DROP INDEX."""

from __future__ import annotations

import re

from ...errors import InputError, PlanningError
from ...knowledge.mysql import MyAction
from ...model import (
    AddIndex,
    Check,
    DropIndex,
)
from .base import Base, _key, _table, q


class Indexes(Base):
    def add_index(self, op: AddIndex) -> None:
        key, table = _key(op), _table(op)
        name = op.name or f"{op.table}_{'_'.join(re.sub(r'[^a-z0-9]+', '_', c.lower()) for c in op.columns)}_idx"
        if op.where:
            raise PlanningError(f"add_index {name}: MariaDB and MySQL have no partial indexes (WHERE)")
        fact = self.fact(MyAction.ADD_INDEX)
        kind = "UNIQUE INDEX" if op.unique else "INDEX"
        using = f" USING {op.method.upper()}" if op.method else ""
        if op.method and op.method.lower() == "fulltext":
            if op.unique:
                raise PlanningError(f"add_index {name}: a FULLTEXT index cannot be UNIQUE")
            fact, kind, using = self.fact(MyAction.ADD_FULLTEXT_INDEX), "FULLTEXT INDEX", ""
        elif op.method and op.method.lower() not in ("btree", "hash"):
            raise PlanningError(
                f"add_index {name}: index method {op.method!r} is not planned for {self.target.label} "
                "(btree, hash or fulltext)"
            )
        cols = ", ".join(c if c.startswith("(") else q(c) for c in op.columns)
        checks = []
        if op.unique:
            checks.append(
                Check(
                    description=f"no duplicate ({', '.join(op.columns)}) in {key}",
                    sql=f"SELECT {cols}, count(*) FROM {table} GROUP BY {cols} HAVING count(*) > 1 LIMIT 10",
                    expect="no rows",
                )
            )
        self.add(
            f"create_{name}",
            f"create index {name}",
            f"Build {kind.lower()} {name} on {key} in place: "
            + ("reads and writes go on" if not fact.blocks_writes else "reads go on, writes wait for the build"),
            [self.alter(table, f"ADD {kind} {q(name)}{using} ({cols})", fact)],
            [self.alter(table, f"DROP INDEX {q(name)}", self.fact(MyAction.DROP_INDEX))],
            fact,
            key=key,
            checks=checks,
        )

    def drop_index(self, op: DropIndex) -> None:
        if not op.table:
            raise InputError(f"drop_index {op.name}: MariaDB and MySQL name an index by its table: give `table`")
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.DROP_INDEX)
        down = []
        known = self.known_table(op)
        index = next((i for i in known.indexes if i.name == op.name), None) if known else None
        if op.columns:
            kind = "UNIQUE INDEX" if op.unique else "INDEX"
            down = [
                self.alter(
                    table,
                    f"ADD {kind} {q(op.name)} ({', '.join(q(c) for c in op.columns)})",
                    self.fact(MyAction.ADD_INDEX),
                )
            ]
        elif index is not None:  # rebuilt as the schema read has it (kind, key parts, prefixes)
            action = MyAction.ADD_FULLTEXT_INDEX if index.method == "fulltext" else MyAction.ADD_INDEX
            down = [self.alter(table, f"ADD {index.definition}", self.fact(action))]
        self.add(
            f"drop_{op.name}",
            f"drop index {op.name}",
            f"Drop index {op.name} on {key}",
            [self.alter(table, f"DROP INDEX {q(op.name)}", fact)],
            down,
            fact,
            key=key,
            lossy_down=not down,
            down_note=None if down else "give columns so the down can rebuild the index",
        )
