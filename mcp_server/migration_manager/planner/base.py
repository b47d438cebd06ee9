"""What every planner module shares: table references, the step builder, migration drafts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..defaults import DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT
from ..ident import derived_name, qualified, quote_ident
from ..knowledge.postgres import Action, blocks_reads, blocks_writes, fact
from ..model import Check, Estimate, LockClaim, LockMode, Risk, Step, TableStats, Target
from . import estimate

if TYPE_CHECKING:
    from ..schema.model import Schema, TableInfo
    from .sequence import Done


@dataclass(frozen=True)
class TableRef:
    name: str
    schema: str | None = None

    @property
    def sql(self) -> str:
        return qualified(self.name, self.schema)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def column_type_of(self, column: str) -> str:
        """PL/pgSQL's %TYPE reference to one of this table's columns."""
        return f"{self.sql}.{quote_ident(column)}%TYPE"

    def regclass_literal(self) -> str:
        """The table as a quoted literal for ::regclass casts (quoting kept inside)."""
        return "'" + self.sql.replace("'", "''") + "'"


@dataclass
class Draft:
    """A migration being assembled. `solo` keeps it out of merges (scans, backfills)."""

    name: str
    title: str
    transactional: bool
    steps: list[Step]
    gate_before: str | None = None
    solo: bool = False
    checks: list[Check] = field(default_factory=list)
    done: list[Done] = field(default_factory=list)  # true in the database once it has run (sequence.py)
    done_partial: bool = False  # merged with a draft that states no done list: `done` covers part of it


@dataclass
class Context:
    target: Target
    stats: dict[str, TableStats] = field(default_factory=dict)
    new_tables: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    batch_size: int = 1000  # rows per backfill transaction the plan derives itself
    pause_ms: int = 50  # pause between those batches
    schema: Schema | None = None  # what the tables are before this plan, when a source was given
    empty_used: dict[str, TableRef] = field(default_factory=dict)  # empty tables given plain DDL (plain())
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT  # the plan's, for a retry loop a step writes itself (renames.py)
    lock_retries: int = DEFAULT_LOCK_RETRIES
    dropped: set[tuple[str, str]] = field(default_factory=set)  # (table key, constraint or "") dropped so far

    @property
    def version(self) -> int:
        return self.target.version

    def table_info(self, table: TableRef) -> TableInfo | None:
        """The table as the schema source has it; None for a table this plan creates, or with no source."""
        if self.schema is None or table.key in self.new_tables:
            return None
        return self.schema.table(table.name, table.schema)

    def stats_for(self, table: TableRef) -> TableStats | None:
        if table.key in self.new_tables:
            return TableStats(rows=0, bytes=0)
        given = self.stats.get(table.key) or (self.stats.get(table.name) if table.schema else None)
        if given is not None:
            return given
        info = self.table_info(table)
        if info is not None and info.rows is not None:
            return TableStats(rows=info.rows, bytes=info.bytes)
        return None

    def is_new(self, table: TableRef) -> bool:
        return table.key in self.new_tables

    def is_empty(self, table: TableRef) -> bool:
        """The schema source shows the table empty (no rows, no pages): nothing to scan, rewrite or backfill.
        Only for lock and scan concerns: running code still uses an empty table's names."""
        info = self.table_info(table)
        # before 14 a never-analyzed table also shows 0 rows (14+: -1, read as unknown)
        known = self.schema is not None and self.schema.server_version >= 14
        return known and info is not None and not info.partitioned and info.rows == 0 and info.bytes == 0

    def plain(self, table: TableRef) -> bool:
        """Plain DDL will do: the table is created in this plan, or empty in the schema read (the migration
        then checks that it still is, see plan())."""
        if self.is_new(table):
            return True
        if self.is_empty(table):
            self.empty_used[table.key] = table
            return True
        return False

    def _plain_known(self, table: TableRef) -> bool:
        return self.is_new(table) or table.key in self.empty_used

    def step(
        self,
        action: Action,
        table: TableRef | None,
        description: str,
        up: Sequence[str],
        down: Sequence[str],
        *,
        also_locks: Iterable[tuple[TableRef, LockMode]] = (),
        estimate_: Estimate | None = None,
        breaks_running_code: bool = False,
        lossy_down: bool = False,
        down_note: str | None = None,
        notes: Iterable[str] = (),
        rewrites: bool | None = None,
        scans: bool | None = None,
    ) -> Step:
        """A step whose lock, rewrite and scan facts come from the knowledge table."""
        f = fact(action, self.version)
        locks: list[LockClaim] = []
        if f.lock is not None and table is not None:
            locks.append(_claim(table, f.lock))
        locks.extend(_claim(t, mode) for t, mode in also_locks)
        does_rewrite = f.rewrites if rewrites is None else rewrites
        does_scan = f.scans if scans is None else scans
        if scans is None and table is not None and self._plain_known(table):
            does_scan = False  # a table created in this plan is empty: there is nothing to read
        stats = self.stats_for(table) if table is not None else None
        if estimate_ is None:
            if does_rewrite:
                estimate_ = estimate.rewrite(stats)
            elif does_scan:
                estimate_ = estimate.scan(stats)
            else:
                estimate_ = estimate.metadata()
        all_notes = [f.note] if f.note else []
        all_notes.extend(notes)
        write_blocking = any(lock.blocks_writes for lock in locks)
        if (does_rewrite or does_scan) and write_blocking and not (table is not None and self._plain_known(table)):
            risk = Risk.HIGH
        elif breaks_running_code or does_scan or does_rewrite:
            risk = Risk.MEDIUM
        else:
            risk = Risk.LOW
        if table is not None and table.key in self.empty_used:
            description = description.replace("(table created in this plan", "(table empty in the schema read")
        return Step(
            description=description,
            up=list(up),
            down=list(down),
            transactional=f.transactional,
            locks=locks,
            rewrites=does_rewrite,
            scans=does_scan,
            breaks_running_code=breaks_running_code,
            lossy_down=lossy_down,
            down_note=down_note,
            new_table=table.key if table is not None and self._plain_known(table) else None,
            estimate=estimate_,
            risk=risk,
            notes=all_notes,
        )


def _claim(table: TableRef, mode: LockMode) -> LockClaim:
    return LockClaim(
        relation=table.name,
        schema_name=table.schema,
        mode=mode,
        blocks_reads=blocks_reads(mode),
        blocks_writes=blocks_writes(mode),
    )


_WORD = re.compile(r"[A-Za-z0-9]+")


def name_part(column_or_expression: str) -> str:
    """A fragment for generated names: 'email' stays, '(lower(email))' becomes 'lower_email'."""
    words = _WORD.findall(column_or_expression)
    return "_".join(words).lower() or "expr"


def index_name(table: TableRef, columns: Sequence[str], suffix: str) -> str:
    return derived_name(table.name, *(name_part(c) for c in columns), suffix=suffix)


def column_list(columns: Sequence[str]) -> str:
    """Columns quoted; an entry in parentheses is an expression and is kept as written."""
    return ", ".join(c if c.strip().startswith("(") else quote_ident(c) for c in columns)


def slug(text: str) -> str:
    return "_".join(_WORD.findall(text)).lower()[:60] or "change"
