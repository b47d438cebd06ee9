"""Constraints: foreign keys, checks, primary keys, unique keys, drops."""

from __future__ import annotations

from ...knowledge.mysql import MyAction
from ...model import (
    AddCheck,
    AddForeignKey,
    AddIndex,
    AddPrimaryKey,
    AddUnique,
    Check,
    DropConstraint,
)
from .base import _key, _table, q
from .indexes import Indexes


class Constraints(Indexes):  # add_unique builds its index first
    def add_foreign_key(self, op: AddForeignKey) -> None:
        key, table = _key(op), _table(op)
        ref = f"{q(op.ref_schema)}.{q(op.ref_table)}" if op.ref_schema else q(op.ref_table)
        name = op.name or f"{op.table}_{'_'.join(op.columns)}_fkey"
        fact = self.fact(MyAction.ADD_FOREIGN_KEY)
        actions = "".join(f" ON {w} {a.upper()}" for w, a in (("DELETE", op.on_delete), ("UPDATE", op.on_update)) if a)
        clause = (
            f"ADD CONSTRAINT {q(name)} FOREIGN KEY ({', '.join(q(c) for c in op.columns)}) "
            f"REFERENCES {ref} ({', '.join(q(c) for c in op.ref_columns)}){actions}"
        )
        present = " AND ".join(f"t.{q(c)} IS NOT NULL" for c in op.columns)
        on = " AND ".join(f"r.{q(rc)} = t.{q(c)}" for c, rc in zip(op.columns, op.ref_columns, strict=True))
        self.add(
            f"add_fk_{name}",
            f"add foreign key {name}",
            f"Add foreign key {name}: {key} -> {op.ref_table}, without a table copy (foreign_key_checks=0: the "
            "server does not check the existing rows, the pre-flight check does)",
            [
                "SET SESSION foreign_key_checks = 0",
                self.alter(table, clause, fact),
                "SET SESSION foreign_key_checks = 1",
            ],
            [self.alter(table, f"DROP FOREIGN KEY {q(name)}", self.fact(MyAction.DROP_CONSTRAINT))],
            fact,
            key=key,
            checks=[
                Check(
                    description=f"every {key}({', '.join(op.columns)}) has its {op.ref_table} row ({name})",
                    sql=f"SELECT count(*) FROM {table} AS t WHERE {present} AND NOT EXISTS "
                    f"(SELECT 1 FROM {ref} AS r WHERE {on})",
                    expect="zero",
                )
            ],
            notes=["with foreign_key_checks=0 the server adds the key without copying and skips the existing rows"],
        )

    def add_check(self, op: AddCheck) -> None:
        key, table = _key(op), _table(op)
        name = op.name or f"{op.table}_check"
        up, external = self.copy_or_tool(
            key,
            table,
            f"ADD CONSTRAINT {q(name)} CHECK ({op.expression})",
            f"ADD CONSTRAINT {q(name)} CHECK ({op.expression})",
        )
        fact = self.fact(MyAction.ADD_CHECK)
        self.add(
            f"add_check_{name}",
            f"add check {name}",
            f"Add CHECK {name} on {key} (only a table copy adds a check on {self.target.label})",
            up,
            [self.alter(table, f"DROP CONSTRAINT {q(name)}", self.fact(MyAction.DROP_CONSTRAINT))],
            fact,
            key=key,
            checks=[
                Check(
                    description=f"no row of {key} violates {name}",
                    sql=f"SELECT count(*) FROM {table} WHERE NOT ({op.expression})",
                    expect="zero",
                )
            ],
            external=external,
        )

    def add_primary_key(self, op: AddPrimaryKey) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.ADD_PRIMARY_KEY)
        cols = ", ".join(q(c) for c in op.columns)
        present = " OR ".join(f"{q(c)} IS NULL" for c in op.columns)
        self.add(
            f"add_pk_{op.table}",
            f"add primary key to {op.table}",
            f"Add primary key ({', '.join(op.columns)}) to {key}: rebuilds the table in place, reads and writes go on",
            [self.alter(table, f"ADD PRIMARY KEY ({cols})", fact)],
            [self.alter(table, "DROP PRIMARY KEY", self.fact(MyAction.CHANGE_TYPE))],
            fact,
            key=key,
            checks=[
                Check(
                    description=f"no duplicate ({', '.join(op.columns)}) in {key}",
                    sql=f"SELECT {cols}, count(*) FROM {table} GROUP BY {cols} HAVING count(*) > 1 LIMIT 10",
                    expect="no rows",
                ),
                Check(
                    description=f"no NULL in ({', '.join(op.columns)}) of {key}",
                    sql=f"SELECT count(*) FROM {table} WHERE {present}",
                    expect="zero",
                ),
            ],
        )

    def add_unique(self, op: AddUnique) -> None:
        self.add_index(
            AddIndex(
                table=op.table,
                schema_name=op.schema_name,
                columns=op.columns,
                name=op.name,
                unique=True,
                stated_algorithm=op.stated_algorithm,
            )
        )

    def drop_constraint(self, op: DropConstraint) -> None:
        key, table = _key(op), _table(op)
        fact = self.fact(MyAction.DROP_CONSTRAINT)
        known = self.known_table(op)
        found = next((c for c in known.constraints if c.name == op.name), None) if known else None
        definition = op.definition or (found.definition if found is not None else None)
        down: list[str] = []
        if definition and found is not None and found.kind == "f":  # as add_foreign_key adds one: no copy
            down = [
                "SET SESSION foreign_key_checks = 0",
                self.alter(table, f"ADD CONSTRAINT {q(op.name)} {definition}", self.fact(MyAction.ADD_FOREIGN_KEY)),
                "SET SESSION foreign_key_checks = 1",
            ]
        elif definition:
            down = [self.alter(table, f"ADD CONSTRAINT {q(op.name)} {definition}", self.fact(MyAction.ADD_CHECK))]
        self.add(
            f"drop_{op.name}",
            f"drop constraint {op.name}",
            f"Drop constraint {op.name} on {key}",
            [self.alter(table, f"DROP CONSTRAINT {q(op.name)}", fact)],
            down,
            fact,
            key=key,
            lossy_down=not down,
            down_note=None if down else "give `definition` so the down can re-add it",
        )
