"""A finding's fix is the planner's SQL for the flagged statement. The linter plans each shape of
statement once (names replaced by placeholders, then put back): whatever the names, the fix must
be exactly what planning the statement as written gives."""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from pglast.parser import parse_sql_json

from migration_manager.lint import LintConfig, fixes, lint_paths, plan_worker
from migration_manager.lint.fixes import Requests
from migration_manager.lint.plan_worker import PlanWorker, serve
from migration_manager.lint.tree import Tree, unwrap

# names that must come back as written, and names that tempt a wrong substitution: the planner's
# default key column, its own mm_ prefix, type and function names, one name inside another,
# keywords, upper case, quoted, long enough to reach the 63-byte limit in a derived name
NAMES = [
    "orders",
    "t",
    "c1",
    "c1_old",
    "c1_new",
    "id",
    "uuid",
    "text",
    "now",
    "mm_sync",
    "mmq000q",
    "name",
    '"user"',
    '"Orders"',
    "Orders",
    "customer_email_address_verified",
    "a_really_long_table_name_for_the_limit",
    "orders_c1_fk",
    "mod_ban_from_community",  # 22 bytes: a placeholder of 23
    "a_name_of_sixty_two_bytes_that_leaves_no_room_for_any_suffix_x",  # a derived name is cut or hashed
    "a_name_of_fifty_five_bytes_so_a_suffix_may_still_fit_a",
    "name_of_fifteen",  # names at the top and bottom of a placeholder's length (15, 16; 23, 24)
    "name_of_sixteen_",
    "name_of_twenty_three_ab",
    "name_of_twenty_four_abcd",
    "name_of_twenty_seven_abcdef",  # 27, 28
    "name_of_twenty_eight_abcdefg",
]
SHAPES = [
    "ALTER TABLE {t} ADD COLUMN {c} uuid DEFAULT gen_random_uuid();",
    "ALTER TABLE {t} ADD COLUMN {c} timestamptz DEFAULT clock_timestamp() NOT NULL;",
    "ALTER TABLE {t} ALTER COLUMN {c} TYPE bigint;",
    "ALTER TABLE {t} ALTER COLUMN {c} TYPE varchar(20) USING {c}::varchar(20);",
    "ALTER TABLE {t} RENAME COLUMN {c} TO {d};",
    "ALTER TABLE public.{t} RENAME COLUMN {c} TO {d};",
    "ALTER TABLE {t} ADD CONSTRAINT {d} FOREIGN KEY ({c}) REFERENCES {u} (id);",
    "ALTER TABLE {t} ADD CONSTRAINT {d} CHECK ({c} > 0);",
    "UPDATE {t} SET {c} = NULL;",
    "UPDATE {t} SET {c} = {d} + 1;",
]


def planned(sql: str, version: int, tree: Tree) -> str | None:
    return fixes.resolve([fixes.PlannedFix(sql, version, tree)])[0]


def _tree(sql: str) -> Tree:
    return unwrap(json.loads(parse_sql_json(sql))["stmts"][0]["stmt"])[1]


def _statements(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        t, c, d, u = (rnd.choice(NAMES) for _ in range(4))
        if len({t, c, d, u}) < 4:
            continue
        out.append(rnd.choice(SHAPES).format(t=t, c=c, d=d, u=u))
    return out


@pytest.mark.parametrize("version", [11, 16])
def test_a_shaped_fix_is_the_plan_of_the_statement_as_written(version: int) -> None:
    checked = with_fix = 0
    for sql in _statements(version, 400):
        try:
            tree = _tree(sql)
        except Exception:
            continue  # a name the parser refuses in that place ("name" as a column is fine, "user" is not)
        fix = planned(sql, version, tree)
        assert fix == fixes._plan(sql, version), sql
        checked += 1
        with_fix += fix is not None
    assert checked > 150 and with_fix > 100


def test_one_shape_is_planned_once_whatever_the_names() -> None:
    fixes._plan.cache_clear()
    fixes._MEMORY.clear()
    sqls = [f"ALTER TABLE t{i} RENAME COLUMN c{i} TO c{i}_renamed;" for i in range(40)]
    for sql in sqls:
        assert planned(sql, 16, _tree(sql)) is not None
    # the template once, and the first statement as written to trust it
    assert fixes._plan.cache_info().misses == 2
    assert "t39" in (planned(sqls[-1], 16, _tree(sqls[-1])) or "")


def test_long_names_share_a_shape_and_come_back_whole() -> None:
    """Names too long for a 7-byte placeholder get one of their own length, rounded up: statements
    on tables of 12 to 15 bytes are one shape, planned once."""
    fixes._plan.cache_clear()
    fixes._MEMORY.clear()
    tables = ["mod_lock_post", "mod_sticky_post", "mod_add_admin", "mod_remove_post"]
    sqls = [f"ALTER TABLE {t} RENAME COLUMN mod_user_id TO mod_person_id;" for t in tables]
    for sql in sqls:
        assert planned(sql, 16, _tree(sql)) == fixes._plan(sql, 16)
    assert fixes._plan.cache_info().currsize == 1 + len(sqls)  # the template, and each as written (the check)
    fixes._plan.cache_clear()
    for sql in sqls:
        planned(sql, 16, _tree(sql))
    assert fixes._plan.cache_info().misses == 1  # the shape is trusted: only the template is planned


def test_a_template_cut_at_the_limit_is_not_trusted() -> None:
    """Names exactly as long as their placeholders (23 and 31 bytes): the template's derived name
    `<table>_<column>_to_new_mm_sync` is cut in its literal part and still fills back in for this
    statement, but a statement of shorter names is not cut at all (found in review)."""
    sqls = [
        "ALTER TABLE subscription_line_items ALTER COLUMN refund_amount_in_smallest_units TYPE bigint;",
        "ALTER TABLE subscription_line_items ALTER COLUMN discount_minor_units_usd TYPE bigint;",
    ]
    fixes._plan.cache_clear()
    together = fixes.resolve([fixes.PlannedFix(sql, 16, _tree(sql)) for sql in sqls], memory=fixes.Shapes())
    memory = fixes.Shapes()
    one_by_one = [fixes.resolve([fixes.PlannedFix(sql, 16, _tree(sql))], memory=memory)[0] for sql in sqls]
    alone = [fixes._plan(sql, 16) for sql in sqls]
    assert together == one_by_one == alone
    assert "discount_minor_units_usd_to_new_mm_sync" in (alone[1] or "")


def _folder(tmp_path: Path, files: int) -> Path:
    """Migrations whose findings need the planner's fixes: renames, type changes, volatile
    defaults, checks without NOT VALID, whole-table updates, over a few tables."""
    rnd = random.Random(files)
    folder = tmp_path / "migrations"
    folder.mkdir()
    tables = [f"t{i}" for i in range(5)]
    for i in range(files):
        body = [f"CREATE TABLE {tables[i]} (id bigint PRIMARY KEY, amount integer);"] if i < len(tables) else []
        for _ in range(4):
            t, c = rnd.choice(tables[: max(1, min(i, len(tables)))]), f"c{rnd.randrange(1000)}"
            body.append(
                rnd.choice(
                    [
                        f"ALTER TABLE {t} ADD COLUMN {c} uuid DEFAULT gen_random_uuid();",
                        f"ALTER TABLE {t} ALTER COLUMN amount TYPE bigint;",
                        f"ALTER TABLE {t} RENAME COLUMN amount TO {c};",
                        f"ALTER TABLE {t} ADD CONSTRAINT {t}_{c}_check CHECK (id > 0);",
                        f"UPDATE {t} SET amount = 0;",
                    ]
                )
            )
        (folder / f"V{i + 1}__m.sql").write_text("\n".join(body) + "\n")
    return folder


class _Spy(PlanWorker):
    batches: ClassVar[list[int]] = []  # requests per batch the helper process itself answered

    def __call__(self, requests: Requests) -> dict[tuple[str, int], str | None]:
        answers = super().__call__(requests)
        if self.proc is not None:  # a failure closes it and plans here instead
            _Spy.batches.append(len(requests))
        return answers


def test_the_helper_process_writes_the_same_fixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path, 30)
    here = lint_paths([folder], LintConfig(), tmp_path, fix_worker=False)
    monkeypatch.setattr(plan_worker, "PlanWorker", _Spy)
    fixes._MEMORY.clear()  # the helper is asked for every shape again
    helped = lint_paths([folder], LintConfig(), tmp_path, fix_worker=True)
    assert _Spy.batches and _Spy.batches[0] > 3, "the helper process answered nothing"
    assert helped.as_dict() == here.as_dict()
    assert sum(f.fix is not None and f.fix.startswith("-- migration 1 of") for f in helped.findings) > 20


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", "import sys; sys.exit(3)"],  # dies at once
        [sys.executable, "-c", "import sys; sys.stdin.readline(); print('[1, 2]')"],  # answers nonsense
        ["/nonexistent/python"],  # cannot start
    ],
)
def test_a_failing_helper_process_falls_back_to_planning_here(command: list[str]) -> None:
    sql = "ALTER TABLE orders RENAME COLUMN note TO remark;"
    with PlanWorker(command) as worker:
        answers = worker([(sql, 16)])
        assert worker.proc is None  # closed after the failure
    assert answers == {(sql, 16): fixes._plan(sql, 16)} and answers[(sql, 16)]


def test_the_helper_protocol() -> None:
    sql = "ALTER TABLE orders RENAME COLUMN note TO remark;"
    out = io.StringIO()
    serve(io.StringIO(json.dumps([sql, 16]) + "\n" + json.dumps(["SELECT 1", 16]) + "\n\n"), out)
    first, second = out.getvalue().splitlines()
    assert json.loads(first) == fixes._plan(sql, 16) and json.loads(second) is None


def test_a_shape_that_plans_differently_from_its_first_statement_is_not_used() -> None:
    """A planner that read a name itself (as it reads `id`) would plan the template differently
    from the statement; resolve then plans every statement of that shape as written."""
    asked: list[str] = []

    def reads_names(requests: Requests) -> dict[tuple[str, int], str | None]:
        asked.extend(sql for sql, _ in requests)
        return {(sql, v): ("template plan" if "mmq" in sql else f"plan of {sql}") for sql, v in requests}

    fixes._MEMORY.clear()
    sqls = [f"ALTER TABLE t{i} RENAME COLUMN a{i} TO b{i};" for i in range(3)]
    got = fixes.resolve([fixes.PlannedFix(sql, 16, _tree(sql)) for sql in sqls], reads_names)
    assert got == [f"plan of {sql}" for sql in sqls]
    assert sum("mmq" in sql for sql in asked) == 1  # the template once, then each statement as written
