"""A finding's fix is the planner's SQL for the flagged statement. The linter plans each shape of
statement once (names replaced by placeholders, then put back): whatever the names, the fix must
be exactly what planning the statement as written gives."""

from __future__ import annotations

import json
import random

import pytest
from pglast.parser import parse_sql_json

from migration_manager.lint import fixes
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
    checked = planned = 0
    for sql in _statements(version, 400):
        try:
            tree = _tree(sql)
        except Exception:
            continue  # a name the parser refuses in that place ("name" as a column is fine, "user" is not)
        fix = fixes.planned(sql, version, tree)
        assert fix == fixes._plan(sql, version), sql
        checked += 1
        planned += fix is not None
    assert checked > 150 and planned > 100


def test_one_shape_is_planned_once_whatever_the_names() -> None:
    fixes._plan.cache_clear()
    fixes._TRUSTED.clear()
    sqls = [f"ALTER TABLE t{i} RENAME COLUMN c{i} TO c{i}_renamed;" for i in range(40)]
    for sql in sqls:
        assert fixes.planned(sql, 16, _tree(sql)) is not None
    # the template once, and the first statement as written to trust it
    assert fixes._plan.cache_info().misses == 2
    assert "t39" in (fixes.planned(sqls[-1], 16, _tree(sqls[-1])) or "")
