"""Every MariaDB fact of knowledge/mysql.py, measured on the machine's MariaDB 10.11.

For each action: the ALTER with the algorithm the knowledge claims is accepted; the next
cheaper algorithm is refused (so the claim is the best the server can do, and a plan that
states it makes the server refuse rather than copy); a claimed rebuild changes the table's
InnoDB id and a claimed in-place or instant change does not. Then, with a writer session
inserting all along: writes complete while an INPLACE, LOCK=NONE build runs, and none completes
while a COPY, LOCK=SHARED copy runs.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pymysql
import pytest

from conftest import MARIADB, MariaDatabase
from migration_manager.knowledge.mysql import MyAction, Source, online, source
from migration_manager.model import Dialect

EXAMPLES: dict[MyAction, tuple[str, str]] = {  # action -> (setup, ALTER TABLE orders clause)
    MyAction.ADD_COLUMN: ("", "ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new'"),
    MyAction.ADD_COLUMN_EXPRESSION_DEFAULT: ("", "ADD COLUMN token char(36) DEFAULT (uuid())"),
    MyAction.DROP_COLUMN: ("", "DROP COLUMN note"),
    MyAction.RENAME_COLUMN: ("", "RENAME COLUMN code TO ref"),
    MyAction.SET_DEFAULT: ("", "ALTER COLUMN amount SET DEFAULT 5"),
    MyAction.ADD_INDEX: ("", "ADD INDEX orders_code_idx (code)"),
    MyAction.ADD_FULLTEXT_INDEX: ("", "ADD FULLTEXT INDEX orders_note_ft (note)"),
    MyAction.ADD_PRIMARY_KEY: (
        "ALTER TABLE orders MODIFY id bigint NOT NULL, DROP PRIMARY KEY",
        "ADD PRIMARY KEY (id)",
    ),
    MyAction.DROP_INDEX: ("", "DROP INDEX orders_user_idx"),
    MyAction.WIDEN_VARCHAR: ("", "MODIFY COLUMN code varchar(400)"),
    MyAction.CHANGE_TYPE: ("", "MODIFY COLUMN amount bigint NOT NULL DEFAULT 0"),
    MyAction.SET_NOT_NULL: ("", "MODIFY COLUMN code varchar(20) NOT NULL"),
    MyAction.DROP_NOT_NULL: ("", "MODIFY COLUMN amount int NULL DEFAULT 0"),
    MyAction.ADD_FOREIGN_KEY: (
        "SET SESSION foreign_key_checks = 0",
        "ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)",
    ),
    MyAction.ADD_CHECK: ("", "ADD CONSTRAINT amount_nonneg CHECK (amount >= 0)"),
    MyAction.DROP_CONSTRAINT: (
        "ALTER TABLE orders ADD CONSTRAINT amount_nonneg CHECK (amount >= 0)",
        "DROP CONSTRAINT amount_nonneg",
    ),
}
CHEAPER = {
    "INPLACE, LOCK=NONE": "INSTANT",
    "INPLACE, LOCK=SHARED": "INPLACE, LOCK=NONE",
    "COPY, LOCK=SHARED": "INPLACE, LOCK=NONE",
}


def table_id(cur: Any, db: MariaDatabase) -> int:
    cur.execute("SELECT table_id FROM information_schema.innodb_sys_tables WHERE name = %s", (f"{db.name}/orders",))
    return int(cur.fetchone()[0])


def test_every_action_has_an_example() -> None:
    from migration_manager.knowledge.mysql import _MARIADB

    clauses = {a for a, f in _MARIADB.items() if f.algorithm}
    assert clauses == set(EXAMPLES)


MYSQL_RELEASES = [(5, 7), (8, 0, 11), (8, 0, 12), (8, 0, 28), (8, 0, 29), (8, 0, 36), (8, 4)]


def test_every_fact_says_where_it_comes_from() -> None:
    """Each fact names its source; "measured" means this file measures it, and a MySQL fact said to be
    MariaDB's is MariaDB's answer on every release, while one said to be from the manual is its own."""
    for action in MyAction:
        for dialect in (Dialect.MARIADB, Dialect.MYSQL):
            assert isinstance(source(action, dialect), Source), (action, dialect)
    measured = {a for a in MyAction if source(a, Dialect.MARIADB) is Source.MEASURED_MARIADB}
    assert measured == set(EXAMPLES)
    assert not [a for a in MyAction if source(a, Dialect.MYSQL) is Source.MEASURED_MARIADB]
    for action in MyAction:
        mariadb = online(action, Dialect.MARIADB, (10, 11))
        mysql = [online(action, Dialect.MYSQL, r) for r in MYSQL_RELEASES]
        if source(action, Dialect.MYSQL) is Source.MYSQL_MANUAL:
            assert any(f != mariadb for f in mysql), f"{action}: said to be from the MySQL manual, is MariaDB's"
        else:
            assert all(f == mariadb for f in mysql), f"{action}: said to be MariaDB's, differs on MySQL"


@pytest.mark.parametrize("action", list(EXAMPLES), ids=lambda a: a.name.lower())
def test_claimed_algorithm_is_accepted_and_the_cheaper_one_refused(action: MyAction, maria_db: MariaDatabase) -> None:
    fact = online(action, Dialect.MARIADB, (10, 11))
    setup, clause = EXAMPLES[action]
    with maria_db.connect() as conn, conn.cursor() as cur:
        if setup:
            cur.execute(setup)
        cheaper = CHEAPER.get(fact.algorithm)
        if cheaper:
            with pytest.raises(pymysql.err.OperationalError) as refused:
                cur.execute(f"ALTER TABLE orders {clause}, ALGORITHM={cheaper}")
            assert refused.value.args[0] in (1845, 1846), refused.value
        before = table_id(cur, maria_db)
        cur.execute(f"ALTER TABLE orders {clause}, ALGORITHM={fact.algorithm}")
        rebuilt = table_id(cur, maria_db) != before
    assert rebuilt == fact.rebuilds, f"{action}: rebuilt={rebuilt}, claimed {fact.rebuilds}"


BIG = """
CREATE TABLE big (id bigint PRIMARY KEY AUTO_INCREMENT, code varchar(40), amount int NOT NULL DEFAULT 0, pad char(200));
INSERT INTO big (code, amount, pad) SELECT concat('c', seq), seq, repeat('x', 200) FROM seq_1_to_300000;
"""


def writes_during(db: MariaDatabase, alter: str) -> tuple[int, float]:
    """Run `alter` while another session inserts one row per transaction; count the inserts that
    completed while the ALTER ran (after its first 5% and before its last 5%)."""
    done: list[float] = []
    stop = threading.Event()

    def writer() -> None:
        with pymysql.connect(**MARIADB, database=db.name, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 60")
            while not stop.is_set():
                cur.execute("INSERT INTO big (code, amount) VALUES ('w', 1)")
                done.append(time.monotonic())

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.2)
    with db.connect() as conn, conn.cursor() as cur:
        started = time.monotonic()
        cur.execute(alter)
        ended = time.monotonic()
    stop.set()
    thread.join(60)
    margin = (ended - started) * 0.05
    inside = [t for t in done if started + margin < t < ended - margin]
    return len(inside), ended - started


def test_online_builds_let_writes_through_and_a_copy_does_not(maria_db: MariaDatabase) -> None:
    flags = pymysql.constants.CLIENT.MULTI_STATEMENTS
    with (
        pymysql.connect(**MARIADB, database=maria_db.name, autocommit=True, client_flag=flags) as conn,
        conn.cursor() as cur,
    ):
        cur.execute(BIG)
        while cur.nextset():
            pass
    index, index_seconds = writes_during(
        maria_db, "ALTER TABLE big ADD INDEX big_code_idx (code), ALGORITHM=INPLACE, LOCK=NONE"
    )
    rebuild, rebuild_seconds = writes_during(
        maria_db, "ALTER TABLE big MODIFY COLUMN code varchar(40) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE"
    )
    copy, copy_seconds = writes_during(
        maria_db, "ALTER TABLE big MODIFY COLUMN amount bigint NOT NULL DEFAULT 0, ALGORITHM=COPY, LOCK=SHARED"
    )
    assert index > 0, f"no write completed during a {index_seconds:.2f} s in-place index build"
    assert rebuild > 0, f"no write completed during a {rebuild_seconds:.2f} s in-place rebuild"
    assert copy == 0, f"{copy} writes completed during a {copy_seconds:.2f} s COPY, LOCK=SHARED"


def test_widening_varchar_past_the_length_byte_needs_a_copy(maria_db: MariaDatabase) -> None:
    """Found by benchmarks/downtime_mysql.py: in utf8mb4 a varchar over 127 bytes (32 characters) that
    grows past 255 bytes cannot be widened instantly or in place; below either limit it can."""
    with maria_db.connect() as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE orders MODIFY COLUMN code varchar(31), ALGORITHM=INSTANT")  # 124 bytes
        cur.execute("ALTER TABLE orders MODIFY COLUMN code varchar(64), ALGORITHM=INSTANT")  # 124 -> 256: instant
        cur.execute("ALTER TABLE orders MODIFY COLUMN code varchar(32), ALGORITHM=COPY")
        cur.execute("ALTER TABLE orders MODIFY COLUMN code varchar(63), ALGORITHM=INSTANT")  # 128 -> 252: instant
        for cheaper in ("INSTANT", "INPLACE, LOCK=NONE"):
            with pytest.raises(pymysql.err.OperationalError) as refused:
                cur.execute(f"ALTER TABLE orders MODIFY COLUMN code varchar(64), ALGORITHM={cheaper}")
            assert refused.value.args[0] == 1846, refused.value
        cur.execute("ALTER TABLE orders MODIFY COLUMN code varchar(64), ALGORITHM=COPY")


@pytest.mark.parametrize(
    ("old", "new", "algorithm"),
    [
        ("varchar(31)", "varchar(64)", "INSTANT"),  # 124 -> 256 bytes: from at most 127
        ("varchar(32)", "varchar(63)", "INSTANT"),  # 128 -> 252: both up to 255
        ("varchar(32)", "varchar(64)", "COPY, LOCK=SHARED"),  # 128 -> 256: the length byte changes
        ("varchar(64)", "varchar(100)", "INSTANT"),  # 256 -> 400: both above 255
    ],
)
def test_a_planned_varchar_widening_is_what_the_server_accepts(
    maria_db: MariaDatabase, old: str, new: str, algorithm: str
) -> None:
    """The plan states the algorithm the test above measured, and the server runs the plan's ALTER
    as written (a stated INSTANT it cannot do is refused, error 1846)."""
    from migration_manager.model import ChangeColumnType, TableStats, Target
    from migration_manager.planner import plan

    op = ChangeColumnType(table="orders", column="code", old_type=old, new_type=new)
    p = plan([op], Target(dialect="mariadb"), {"orders": TableStats(rows=5_000)})
    [step] = [s for m in p.migrations for s in m.steps if "MODIFY COLUMN" in " ".join(s.up)]
    assert step.algorithm == algorithm
    with maria_db.connect() as conn, conn.cursor() as cur:
        cur.execute(f"ALTER TABLE orders MODIFY COLUMN code {old}, ALGORITHM=COPY")
        for sql in step.up:
            if sql.lstrip().upper().startswith("ALTER TABLE"):
                cur.execute(sql)
        cur.execute(
            "SELECT column_type FROM information_schema.columns WHERE table_schema = database() "
            "AND table_name = 'orders' AND column_name = 'code'"
        )
        assert cur.fetchone()[0] == new
