"""Which of a plan's migrations a database has, what an interrupted plan left, and what comes next.

Read-only: one READ ONLY transaction with a 10 s statement_timeout and a 1 s lock_timeout (behind
a migration holding ACCESS EXCLUSIVE it gives up instead of queueing the application's queries).

Each migration is judged by, in order:
- the framework's version table (versions.py), where one holds it;
- its done checks (Migration.done: what is true once it has run), evaluated in the database;
- a later migration that has run: each migration's first statement checks its predecessor's
  work, so the ones before a migration that ran have run too (while every link checks).
With none of them it is `unknown`, said so, never guessed. Then the database is searched, on the
plan's tables (and their partitions), for what a plan leaves half-way: INVALID indexes, NOT VALID
constraints, shadow columns (`col_new`, `col_old`) and the plan's sync triggers and functions.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import errors

from ..discover import RepoMigrations
from ..errors import DatabaseError
from ..ident import derived_name, qualified
from ..model import DoneCheck, Migration, Plan
from ..preflight.run import connect, redact, scrub
from .model import DoneResult, Leftover, MigrationState, State, StatusReport
from .versions import read_versions

__all__ = ["REPLANNED", "StatusReport", "migration_status"]

REPLANNED = (
    "the plan was made again from the database as it is now; once part of the change has run, such a plan can "
    "differ from the one rendered (an index it built is no longer planned, so that migration is not listed): for "
    "an exact answer keep the plan when you render it (`plan --json > plan.json`, or plan_change's `plan`) and "
    "give that, or plan from the schema from before the change (--schema)"
)

_NOT_YET = (errors.UndefinedColumn, errors.UndefinedTable, errors.UndefinedObject, errors.UndefinedFunction)

_TREE = """
WITH RECURSIVE named AS (
    SELECT DISTINCT to_regclass(x)::oid AS oid FROM unnest(%s::text[]) AS x
), tree AS (
    SELECT oid FROM named WHERE oid IS NOT NULL
    UNION
    SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid
)
SELECT t.oid, n.nspname, c.relname, c.relispartition
  FROM tree t JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
"""

_INVALID_INDEXES = """
SELECT i.indrelid, ic.relname, ic.relkind = 'I'
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE i.indrelid = ANY (%s) AND NOT i.indisvalid
 ORDER BY ic.relname
"""

_NOT_VALID = """
SELECT conrelid, conname, contype::text FROM pg_constraint
 WHERE conrelid = ANY (%s) AND NOT convalidated AND conislocal
 ORDER BY conname
"""

_COLUMNS = """
SELECT attrelid, attname FROM pg_attribute WHERE attrelid = ANY (%s) AND attnum > 0 AND NOT attisdropped
"""

_TRIGGERS = r"""
SELECT tgrelid, tgname FROM pg_trigger
 WHERE tgrelid = ANY (%s) AND NOT tgisinternal AND tgname LIKE '%%\_mm\_sync'
 ORDER BY tgname
"""

_FUNCTIONS = r"""
SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = ANY (%s) AND p.proname LIKE '%%\_mm\_sync'
   AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid)
 ORDER BY p.proname
"""


def _tables(plan: Plan) -> list[str]:
    """The plan's tables as regclass text (search_path decides an unqualified one)."""
    names: list[str] = []
    for op in plan.operations:
        schema = getattr(op, "schema_name", None)
        for attr, schema_attr in (("table", "schema_name"), ("ref_table", "ref_schema"), ("new_name", "schema_name")):
            value = getattr(op, attr, None)
            if isinstance(value, str) and value and (attr != "new_name" or op.op == "rename_table"):
                names.append(qualified(value, getattr(op, schema_attr, None) or schema))
    return list(dict.fromkeys(names))


def _holds(conn: psycopg.Connection[Any], check: DoneCheck, dsn: str) -> DoneResult:
    try:
        with conn.transaction():  # a savepoint: one failing check leaves the others readable
            row = conn.execute(f"SELECT ({check.sql})::boolean").fetchone()
    except _NOT_YET as exc:
        return DoneResult(description=check.description, holds=False, message=scrub(str(exc).splitlines()[0], dsn))
    except errors.LockNotAvailable:
        why = "a table it reads is locked (a migration running now?): try again after it"
        return DoneResult(description=check.description, holds=None, message=why)
    except errors.QueryCanceled:
        return DoneResult(description=check.description, holds=None, message="took longer than 10 s: not told")
    except psycopg.Error as exc:
        return DoneResult(description=check.description, holds=None, message=scrub(str(exc).splitlines()[0], dsn))
    return DoneResult(description=check.description, holds=bool(row[0]) if row and row[0] is not None else None)


def _mentions(plan: Plan, name: str) -> list[int]:
    """0-based indexes of the migrations whose up SQL names `name` (as a word, quoted or not)."""
    pattern = re.compile(rf'(?<![\w$]){re.escape(name)}(?![\w$])|"{re.escape(name)}"')
    return [i for i, m in enumerate(plan.migrations) if any(pattern.search(s) for st in m.steps for s in st.up)]


def _validated_in(plan: Plan, name: str) -> int | None:
    pattern = re.compile(rf'VALIDATE CONSTRAINT (?:{re.escape(name)}|"{re.escape(name)}")(?![\w$])')
    for i, m in enumerate(plan.migrations):
        if any(pattern.search(s) for st in m.steps for s in st.up):
            return i
    return None


def _leftovers(conn: psycopg.Connection[Any], plan: Plan) -> tuple[list[Leftover], bool]:
    """What the plan's tables hold half-way, and whether any of those tables is there at all."""
    tree = conn.execute(_TREE, (_tables(plan),)).fetchall()
    label = {oid: qualified(rel, ns) for oid, ns, rel, _ in tree}
    oids = list(label)
    if not oids:
        return [], False
    out: list[Leftover] = []
    for relid, name, partitioned in conn.execute(_INVALID_INDEXES, (oids,)):
        where = _mentions(plan, name)
        number = where[0] + 1 if where else None
        if partitioned:
            detail = "index ON ONLY a partitioned table: valid once every partition's index is attached"
            fix = (
                f"run migration {number} ({plan.migrations[number - 1].name}) again: it builds and attaches the "
                "partitions' indexes"
                if number
                else f"build the missing partition indexes and ALTER INDEX {name} ATTACH PARTITION them"
            )
        else:
            detail = (
                "INVALID: a CREATE INDEX CONCURRENTLY that failed or was cut short; it slows writes, serves no read"
            )
            fix = (
                f"run migration {number} ({plan.migrations[number - 1].name}) again: it drops the INVALID index and "
                "builds it again"
                if number
                else f"DROP INDEX CONCURRENTLY {name}, then build it again"
            )
        out.append(
            Leftover(kind="invalid_index", table=label[relid], name=name, detail=detail, migration=number, fix=fix)
        )
    for relid, name, contype in conn.execute(_NOT_VALID, (oids,)):
        kind = {"f": "foreign key", "c": "check"}.get(contype, "constraint")
        at = _validated_in(plan, name)
        fix = (
            f"migration {at + 1} ({plan.migrations[at].name}) validates it"
            if at is not None
            else f"ALTER TABLE {label[relid]} VALIDATE CONSTRAINT {name} (reads and writes go on meanwhile)"
        )
        out.append(
            Leftover(
                kind="not_valid_constraint",
                table=label[relid],
                name=name,
                detail=f"{kind} NOT VALID: enforced for new rows, existing rows not checked yet",
                migration=at + 1 if at is not None else None,
                fix=fix,
            )
        )
    columns: dict[int, set[str]] = {}
    for relid, name in conn.execute(_COLUMNS, (oids,)):
        columns.setdefault(relid, set()).add(name)
    partitions = {oid for oid, _, _, is_partition in tree if is_partition}
    for relid, names in columns.items():
        if relid in partitions:
            continue  # a partition has its parent's columns: reported once, on the parent
        for base in sorted(names):
            for suffix, what in (("new", "the new-type copy of"), ("old", "the retired")):
                shadow = derived_name(base, suffix=suffix)
                if shadow in names and shadow != base:
                    out.append(_owned(plan, "shadow_column", label[relid], shadow, f"{what} column {base}"))
    for relid, name in conn.execute(_TRIGGERS, (oids,)):
        out.append(_owned(plan, "sync_trigger", label[relid], name, "keeps two columns in step during a change"))
    schemas = sorted({ns for _, ns, _, _ in tree})
    for ns, name in conn.execute(_FUNCTIONS, (schemas,)):
        out.append(_owned(plan, "sync_function", ns, name, "a sync trigger's function, with no trigger using it"))
    return out, True


def _owned(plan: Plan, kind: Any, table: str, name: str, detail: str) -> Leftover:
    where = _mentions(plan, name)
    if where:
        last = where[-1]
        fix = f"part of this plan: migration {last + 1} ({plan.migrations[last].name}) is the last to act on it"
        return Leftover(kind=kind, table=table, name=name, detail=detail, migration=last + 1, fix=fix)
    fix = "not this plan's: an earlier change left it; finish that change, or drop it once nothing uses it"
    return Leftover(kind=kind, table=table, name=name, detail=detail, fix=fix)


def _is_absence(check: DoneCheck) -> bool:
    """A check that something is not there (no such column, no such row): it holds before the work too."""
    return check.sql.lstrip().upper().startswith("NOT ")


def _from_objects(m: Migration, checks: list[DoneResult]) -> tuple[State, list[str], bool]:
    """(state, notes, weak) from the migration's own checks: those its predecessor's list does not
    carry (a done list repeats what must still be there: that is the predecessor's work). `weak`:
    every own check is an absence, which held before the migration ran as well."""
    if not checks:
        return "unknown", ["cannot tell from the objects: this migration states no check of its work"], False
    own = [(d, c) for d, c in zip(m.done, checks, strict=True) if not c.carried]
    if not own:
        return "unknown", ["cannot tell from the objects: its checks are the previous migration's"], False
    told = [c.holds for _, c in own]
    notes = ["its checks cover only part of its work"] if m.done_partial else []
    if all(h is True for h in told):
        return "applied", notes, all(_is_absence(d) for d, _ in own)
    if all(h is False for h in told):
        return "not_applied", notes, False
    if any(h is True for h in told) and not any(h is None for h in told):
        return (
            "partly",
            [*notes, "some of its work is there, some is not: it was interrupted, or is running now"],
            False,
        )
    return "unknown", [*notes, "its checks could not be evaluated (see their messages)"], False


def migration_status(
    plan: Plan, dsn: str, *, found: RepoMigrations | None = None, plan_source: str = "the plan given"
) -> StatusReport:
    """Read `dsn` (read-only) and say where `plan` stands there. `found`: the repository's migrations,
    to match the plan's migrations to a version table that holds versions only."""
    if not plan.target.is_postgresql:
        from ..errors import InputError

        raise InputError(f"status reads PostgreSQL databases; {plan.target.label} is not supported yet")
    with connect(dsn) as conn:
        server_version = conn.info.server_version // 10000
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION READ ONLY")
                conn.execute("SET LOCAL statement_timeout = '10s'")
                conn.execute("SET LOCAL lock_timeout = '1s'")
                results = [[_holds(conn, d, dsn) for d in m.done] for m in plan.migrations]
                for k, m in enumerate(plan.migrations[1:], start=1):
                    before = {(d.description, d.sql) for d in plan.migrations[k - 1].done}
                    for d, r in zip(m.done, results[k], strict=True):
                        r.carried = (d.description, d.sql) in before
                versions = read_versions(conn, plan, found)
                leftovers, tables_there = _leftovers(conn, plan)
        except psycopg.Error as exc:
            why = scrub(str(exc).splitlines()[0], dsn)
            if isinstance(exc, errors.LockNotAvailable):
                why += " (a table is locked ACCESS EXCLUSIVE, by a migration running now?: try again after it)"
            raise DatabaseError(f"cannot read the status of the plan on {redact(dsn)}: {why}") from None
    states: list[MigrationState] = []
    weak: set[int] = set()
    for i, (m, checks) in enumerate(zip(plan.migrations, results, strict=True)):
        state, notes, absence_only = _from_objects(m, checks)
        evidence = "objects" if checks and state != "unknown" else "none"
        version = None
        verdict = versions.verdicts.get(i)
        if verdict is not None:
            later = any(v.state == "applied" for j, v in versions.verdicts.items() if j > i)
            if state == "applied" and verdict.state == "not_applied" and not absence_only:
                notes.append("the version table and the objects disagree: its work is there (run by hand?)")
            elif state == "not_applied" and verdict.state == "applied" and not later:
                notes.append("the version table and the objects disagree: its work is not all there")
            elif state == "partly" and verdict.state == "applied":
                notes.append("recorded as run, but only some of its work is there now (a later migration changed it?)")
            state, evidence, version = verdict.state, "version_table", verdict.version
            notes = [n for n in notes if not n.startswith("cannot tell from the objects")]
            if verdict.note:
                notes.append(verdict.note)
        elif absence_only and i > 0:
            weak.add(i)
        elif state in ("not_applied", "unknown"):
            started = [x.name for x in leftovers if x.migration == i + 1 and x.kind == "invalid_index"]
            if started:
                state, evidence = "partly", "objects"
                notes = [n for n in notes if not n.startswith("cannot tell from the objects")]
                notes.append(f"interrupted: it left {', '.join(started)} INVALID (see the leftovers)")
        states.append(
            MigrationState(
                number=i + 1,
                name=m.name,
                title=m.title,
                state=state,
                evidence=evidence,
                version=version,
                checks=checks,
                gate_before=m.gate_before,
                notes=notes,
            )
        )
    _imply_from_later(plan, states, weak)
    for i in sorted(weak):  # its absences prove it ran only if the migration before it had run (or begun)
        s = states[i]
        if s.evidence == "objects" and s.state == "applied" and states[i - 1].state not in ("applied", "partly"):
            s.state = "not_applied"
            s.notes.append(
                f"what it checks is absent, but that was so before it ran too, and migration {i} before it has not run"
            )
    weak = {i for i in weak if states[i].state != "applied" or states[i].evidence != "objects"}
    _imply_from_later(plan, states, weak)
    report = StatusReport(
        server=redact(dsn),
        server_version=server_version,
        plan_source=plan_source,
        version_tables=versions.tables,
        migrations=states,
        leftovers=leftovers,
        all_applied=all(s.state == "applied" for s in states),
    )
    creates = any(op.op == "create_table" for op in plan.operations)
    if not tables_there and not creates and _tables(plan):
        report.warnings.append(
            f"none of the plan's tables ({', '.join(_tables(plan))}) is in this database (on its search_path): "
            "is it the database the plan is for?"
        )
    pending = next((s for s in states if s.state != "applied"), None)
    if pending is not None:
        report.next, report.next_name = pending.number, pending.name
        if pending.state == "partly":
            report.warnings.append(
                f"migration {pending.number} ({pending.name}) started and did not finish: run it again (it picks up "
                "where it stopped), after the cause of the failure is fixed"
            )
        else:
            report.gate = pending.gate_before
        if pending.state == "unknown":
            report.warnings.append(
                f"cannot tell whether migration {pending.number} ({pending.name}) has run: check by hand before "
                "running it (or give --root, the repository, when a framework records what has run)"
            )
    return report


def _imply_from_later(plan: Plan, states: list[MigrationState], weak: set[int]) -> None:
    """A migration before one that ran has run too, as far as each link in between was guarded: a
    migration's guard checks the done list of the one before it (planner/sequence.py). A migration
    whose only evidence is absences (`weak`, not yet confirmed) vouches for none."""
    by_objects = [
        s.state == "applied" and s.evidence != "version_table" and i not in weak for i, s in enumerate(states)
    ]
    last = max((i for i, ok in enumerate(by_objects) if ok), default=None)
    if last is None:
        return
    for i in range(last - 1, -1, -1):
        s = states[i]
        if s.evidence == "version_table" or s.state == "applied":
            continue
        guarded = all(plan.migrations[k].done for k in range(i, last))
        if guarded:
            s.state, s.evidence = "applied", "later_migration"
            s.notes = [n for n in s.notes if not n.startswith(("cannot tell", "some of its work"))]
            s.notes.append(
                f"migration {last + 1} has run, and it runs only once this one's work was there (its checks now "
                "find later migrations' changes)"
                if s.checks
                else f"migration {last + 1} has run, and each migration in between checks its predecessor first"
            )
        else:
            s.notes.append(
                f"migration {last + 1} has run, so this one probably has too (not checked: a migration between "
                "them states no check of its work)"
            )
