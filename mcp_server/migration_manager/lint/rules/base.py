"""What a rule is: an id, a severity, what it guards against, a check over one statement in its
context, and examples. The examples are the rule's contract with the server: tests lint each
one (a bad example must be flagged, a good one must not) and run it on a real PostgreSQL to
measure that the bad one does what the finding claims (the lock in pg_locks, a rewrite in
relfilenode, a scan in the tuple counters, a refusal) and the good one does not."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ...locks import LockMode
from ..fixes import PlannedFix
from ..model import Severity
from ..schema import Schema
from ..tree import Tree, bodies, table_key


@dataclass
class Context:
    """A statement and everything known when it runs: the schema the earlier statements built
    (this one not yet applied), the server version, and what the file did before it."""

    kind: str  # the statement's node name: "AlterTableStmt", "IndexStmt" ...
    node: Tree  # its libpg_query JSON body (tree.py)
    text: str
    path: str
    schema: Schema
    version: int
    lock_timeout_set: bool = False  # set earlier in the file, or already reported once in it
    in_transaction_block: bool = False
    timezone_utc: bool = False
    fresh: frozenset[str] = frozenset()  # tables earlier files created that this file takes as new
    unit: str = ""  # what a table created here is new in (linter.created_by); "": the file, `path`
    # the transaction block is one the tool running a SQL file opens: where it comes from, and the
    # way out (sql_runner.py); None: none, or one the file opens itself (BEGIN) or its framework's
    opened_by_tool: tuple[str, str] | None = None

    @cached_property
    def alter_table(self) -> tuple[str, list[Tree]]:
        """An ALTER TABLE's table key and its subcommands' bodies (("", []) for any other
        statement): read once, for the several rules that look at them."""
        if self.kind != "AlterTableStmt" or self.node.get("objtype") != "OBJECT_TABLE":
            return "", []
        return table_key(self.node.get("relation", {})), list(bodies(self.node.get("cmds"), "AlterTableCmd"))

    def is_new(self, key: str) -> bool:
        return key in self.fresh or self.schema.is_new(key, self.unit or self.path)


@dataclass(frozen=True)
class Hit:
    message: str
    lock: str | None = None  # the lock taken and what it blocks, in words
    fix: str | PlannedFix | None = None  # the safe alternative, as SQL where there is one
    uncertain: bool = False  # the hazard depends on something the files do not say: reported as a warning
    # the statement works through every row of this table: its severity follows the table's size
    # (engine.py: a note when small, the rule's severity when big, a warning when unknown)
    table: str | None = None


@dataclass(frozen=True)
class Example:
    sql: str
    flagged: bool
    table: str = "orders"  # the table whose lock, rewrite and scan are measured
    lock: LockMode | None = None  # flagged: at least this lock; not flagged: at most this lock
    rewrite: bool = False
    scan: bool = False  # every row of the table is read
    fails: bool = False  # the server refuses the statement on the populated fixture table
    setup: str = ""
    transactional: bool = True  # False: measured outside a transaction (CONCURRENTLY)
    min_version: int = 12
    max_version: int = 99
    # False: nothing on the server to measure. A table created in the same migration is one no
    # other session can be using: its locks and rewrites hold up nobody, and that is the point.
    measured: bool = True


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    why: str
    check: Callable[[Context], Iterable[Hit]]
    reads: tuple[str, ...] = ()  # the statement kinds check looks at ("AlterTableStmt" ...): it runs on no other
    examples: tuple[Example, ...] = field(default_factory=tuple)
