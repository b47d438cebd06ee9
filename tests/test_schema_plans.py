"""Issue 17, cases 3, 5 and 8: plans made from the real schema, proved on PostgreSQL 15 and 18.

Each test: 10,000+ rows, the schema read from a source, plan -> SQL files -> ups with psql -> the
catalog equals the naive DDL's -> downs -> the start again (data too) -> ups again (schema_proof).
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from conftest import Server
from migration_manager.errors import PlanningError
from migration_manager.model import Target
from migration_manager.planner import plan
from migration_manager.schema.sources import schema_from_dsn
from migration_manager.sql.postgres import parse_operations
from schema_proof import Source, catalog, prove, run_out_of_order, run_sql
from support import psql_file

PARTITIONED = """
CREATE SCHEMA app;
CREATE TABLE app.events (id bigint NOT NULL, kind text, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE app.events_2026_a PARTITION OF app.events_2026 FOR VALUES IN ('a');
CREATE TABLE app.events_2026_rest PARTITION OF app.events_2026 DEFAULT;
INSERT INTO app.events SELECT g, CASE WHEN g % 3 = 0 THEN 'a' ELSE 'k' || g % 7 END,
       date '2025-01-01' + (g % 700) FROM generate_series(1, 12000) AS g;
ANALYZE;
"""


@pytest.mark.parametrize("source", ["dsn", "structure", "replay"])
def test_case3_index_on_a_partitioned_table(
    source: Source, server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    change = "CREATE INDEX events_kind_idx ON app.events (kind)"
    proof = prove(server, empty_db, empty_twin, tmp_path, setup=PARTITIONED, change=change, source=source)
    sql = "\n".join(s for m in proof.plan.migrations for st in m.steps for s in st.up)
    assert "CONCURRENTLY IF NOT EXISTS events_kind_idx ON app.events " not in sql  # refused by PostgreSQL
    assert "ON ONLY app.events " in sql and "ON ONLY app.events_2026 " in sql
    online = [s for m in proof.plan.migrations if not m.transactional for st in m.steps for s in st.up]
    assert sum("CREATE INDEX CONCURRENTLY" in s for s in online) == 3  # one per leaf partition


def test_case3_out_of_order_changes_nothing(server: Server, empty_db: str, tmp_path: Path) -> None:
    run_sql(empty_db, PARTITIONED)
    p = plan(
        parse_operations("CREATE INDEX events_kind_idx ON app.events (kind)"),
        Target(version=server.version),
        schema=schema_from_dsn(empty_db),
    )
    from migration_manager.render import render_sql, write_files

    write_files(render_sql(p), tmp_path)
    ups = sorted(x for x in tmp_path.glob("*.sql") if not x.name.endswith("_down.sql"))
    for k in range(1, len(ups)):
        error = run_out_of_order(server, empty_db, ups, k)
        assert "needs the work of" in error and "nothing was changed" in error
        psql_file(server.bin_dir, empty_db, ups[k - 1])
    psql_file(server.bin_dir, empty_db, ups[-1])
    assert any("events_kind_idx" in str(row) for row in catalog(empty_db)["indexes"])


SESSIONS = """
CREATE TABLE sessions (token text NOT NULL, user_id bigint, seen timestamptz DEFAULT now());
INSERT INTO sessions (token, user_id) SELECT md5(g::text), g FROM generate_series(1, 10000) AS g;
"""


def test_case5_primary_key_on_a_column_already_not_null(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    proof = prove(
        server,
        empty_db,
        empty_twin,
        tmp_path,
        setup=SESSIONS,
        change="ALTER TABLE sessions ADD PRIMARY KEY (token)",
    )
    sql = "\n".join(s for m in proof.plan.migrations for st in m.steps for s in [*st.up, *st.down])
    assert "NOT NULL) NOT VALID" not in sql and "DROP NOT NULL" not in sql  # no VALIDATE scan, no lossy down
    assert len(proof.plan.migrations) == 2  # the unique index built concurrently, then attached


def test_case5_a_nullable_key_column_still_gets_not_null_first(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    proof = prove(
        server,
        empty_db,
        empty_twin,
        tmp_path,
        setup=SESSIONS.replace("token text NOT NULL", "token text"),
        change="ALTER TABLE sessions ADD PRIMARY KEY (token)",
    )
    assert any("VALIDATE CONSTRAINT" in s for m in proof.plan.migrations for st in m.steps for s in st.up)


AUTHORS = """
CREATE TABLE authors (id bigint PRIMARY KEY, name text);
CREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint, body text);
INSERT INTO authors SELECT g, 'a' || g FROM generate_series(1, 500) AS g;
INSERT INTO posts SELECT g, 1 + g % 500, 'p' || g FROM generate_series(1, 10000) AS g;
"""
FK = "ALTER TABLE posts ADD FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE"


def test_case8_a_foreign_key_gets_its_covering_index_first(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    proof = prove(
        server,
        empty_db,
        empty_twin,
        tmp_path,
        setup=AUTHORS,
        change=FK,
        naive=FK + "; CREATE INDEX posts_author_id_idx ON posts (author_id)",
    )
    first = proof.plan.migrations[0]
    assert not first.transactional and "CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_id_idx" in str(first)


def test_case8_an_existing_index_is_used(server: Server, empty_db: str, empty_twin: str, tmp_path: Path) -> None:
    setup = AUTHORS + "CREATE INDEX posts_by_author ON posts (author_id, id);"
    proof = prove(server, empty_db, empty_twin, tmp_path, setup=setup, change=FK)
    assert "CREATE INDEX" not in str(proof.plan.migrations)
    assert any("posts_by_author covers" in n for m in proof.plan.migrations for st in m.steps for n in st.notes)


QTY = 'ALTER TABLE "Sales"."OrderItems" ALTER COLUMN "Qty" TYPE bigint'


def test_case6_a_table_without_a_key_is_refused_with_the_way_out(server: Server, empty_db: str) -> None:
    run_sql(empty_db, 'CREATE SCHEMA "Sales"; CREATE TABLE "Sales"."OrderItems" ("Qty" integer);')
    from migration_manager.errors import PlanningError

    with pytest.raises(PlanningError, match=r"no primary key .* add a primary key first"):
        plan(parse_operations(QTY), Target(version=server.version), schema=schema_from_dsn(empty_db))


ORDERS = """
CREATE TABLE orders (id bigint PRIMARY KEY, amount integer NOT NULL);
INSERT INTO orders SELECT g, g FROM generate_series(1, 10000) AS g;
"""
CURRENCY = """ALTER TABLE orders ADD COLUMN currency text;
UPDATE orders SET currency = 'EUR';
ALTER TABLE orders ALTER COLUMN currency SET NOT NULL;
ALTER TABLE orders ALTER COLUMN currency SET DEFAULT 'EUR';
CREATE INDEX orders_currency_idx ON orders (currency);"""


def test_case7_one_intent_for_one_column(server: Server, empty_db: str, empty_twin: str, tmp_path: Path) -> None:
    proof = prove(server, empty_db, empty_twin, tmp_path, setup=ORDERS, change=CURRENCY)
    first, index = proof.plan.migrations
    assert [s for st in first.steps for s in st.up] == [
        "ALTER TABLE orders ADD COLUMN currency text DEFAULT 'EUR' NOT NULL"
    ]
    assert not first.steps[0].scans and not first.steps[0].rewrites  # catalog only (PostgreSQL 11+)
    assert "CONCURRENTLY" in index.steps[-1].up[0]


def test_case7_an_existing_column_gets_its_default_before_the_check(server: Server) -> None:
    change = """UPDATE orders SET code = 'x' WHERE code IS NULL;
ALTER TABLE orders ALTER COLUMN code SET NOT NULL;
ALTER TABLE orders ALTER COLUMN code SET DEFAULT 'x';"""
    p = plan(parse_operations(change), Target(version=server.version))
    ups = [s for m in p.migrations for st in m.steps for s in st.up]
    default = next(i for i, s in enumerate(ups) if "SET DEFAULT 'x'" in s)
    assert default < next(i for i, s in enumerate(ups) if "mm_batches" in s)
    assert default < next(i for i, s in enumerate(ups) if "IS NOT NULL) NOT VALID" in s)


NEW_OBJECTS = """CREATE TYPE order_state AS ENUM ('new', 'paid');
CREATE FUNCTION order_weight(amount integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT amount * 2';
ALTER TABLE orders ADD COLUMN state order_state NOT NULL DEFAULT 'new';"""


def test_case9_types_and_functions_a_change_needs_are_planned(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    proof = prove(server, empty_db, empty_twin, tmp_path, setup=ORDERS, change=NEW_OBJECTS)
    downs = [s for m in proof.plan.migrations for st in m.steps for s in st.down]
    assert "DROP TYPE IF EXISTS order_state" in downs and "DROP FUNCTION IF EXISTS order_weight(integer)" in downs


def test_case9_exclusion_constraints_are_refused_with_why_and_what_to_do() -> None:
    from migration_manager.errors import UnsupportedStatement

    with pytest.raises(UnsupportedStatement) as refused:
        parse_operations("ALTER TABLE rooms ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)")
    message = str(refused.value)
    assert "ACCESS EXCLUSIVE" in message and "USING INDEX" in message and "maintenance window" in message


USERS = """
CREATE TABLE users (id bigint PRIMARY KEY, fullname text NOT NULL DEFAULT '', email text);
INSERT INTO users SELECT g, 'User ' || g, 'u' || g || '@example.com' FROM generate_series(1, 10000) AS g;
"""
RENAME = "ALTER TABLE users RENAME COLUMN fullname TO display_name"


def test_case10_preflight_checks_what_the_plan_assumes(
    server: Server, empty_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from migration_manager.cli import main

    run_sql(empty_db, USERS)
    # planned blind (as the issue found it): the plan assumes a nullable column without a default
    assert main(["preflight", "--sql", RENAME, "--dsn", empty_db, "--no-schema", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    failed = [r for r in report["results"] if r["status"] == "fail"]
    assert [r["check"]["kind"] for r in failed] == ["assumption"]
    assert "NOT NULL, but this plan assumed nullable" in failed[0]["message"]


EMPTY = """
CREATE TABLE audit_log (id bigint PRIMARY KEY, kind text, at timestamptz);
ANALYZE audit_log;
"""
EMPTY_CHANGE = """ALTER TABLE audit_log ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
CREATE INDEX audit_log_kind_idx ON audit_log (kind);
ALTER TABLE audit_log ALTER COLUMN kind SET NOT NULL;"""


def test_a_table_empty_in_the_live_database_gets_plain_ddl(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    proof = prove(server, empty_db, empty_twin, tmp_path, setup=EMPTY, change=EMPTY_CHANGE)
    assert len(proof.plan.migrations) == 1, [m.title for m in proof.plan.migrations]
    sql = [s for st in proof.plan.migrations[0].steps for s in st.up]
    assert "CONCURRENTLY" not in "\n".join(sql) and "mm_batches" not in "\n".join(sql)
    assert "is still empty" in proof.plan.migrations[0].steps[0].description


def test_plain_ddl_for_an_empty_table_stops_when_rows_arrived_since(
    server: Server, empty_db: str, tmp_path: Path
) -> None:
    run_sql(empty_db, EMPTY)
    p = plan(parse_operations(EMPTY_CHANGE), Target(version=server.version), schema=schema_from_dsn(empty_db))
    from migration_manager.render import render_sql, write_files

    write_files(render_sql(p), tmp_path)
    run_sql(empty_db, "INSERT INTO audit_log SELECT g, 'k', now() FROM generate_series(1, 1000) AS g")
    ups = sorted(x for x in tmp_path.glob("*.sql") if not x.name.endswith("_down.sql"))
    import subprocess

    before = catalog(empty_db)
    psql = str(server.bin_dir / "psql") if server.bin_dir else "psql"
    done = subprocess.run(
        [psql, "-X", "-v", "ON_ERROR_STOP=1", "-d", empty_db, "-f", str(ups[0])],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "it has rows now" in done.stderr and "plan the change again" in done.stderr
    from migration_manager.catalog import differences

    assert differences(before, catalog(empty_db)) == []


LEGACY = """
CREATE SCHEMA "Billing";
CREATE TABLE "Billing".accounts (id bigint PRIMARY KEY);
INSERT INTO "Billing".accounts SELECT g FROM generate_series(1, 100) AS g;
CREATE TABLE "Billing"."Legacy Items" (
  id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5) PRIMARY KEY,
  code text NOT NULL DEFAULT 'x',
  n serial,
  account_id bigint REFERENCES "Billing".accounts (id),
  amount numeric(10,2),
  twice numeric GENERATED ALWAYS AS (amount * 2) STORED,
  parent bigint,
  note text,
  CONSTRAINT legacy_code UNIQUE (code, n),
  CONSTRAINT legacy_parent FOREIGN KEY (parent) REFERENCES "Billing"."Legacy Items" (id)
);
ALTER TABLE "Billing"."Legacy Items" ADD CONSTRAINT legacy_amount CHECK (amount > 0) NOT VALID;
CREATE INDEX legacy_note_lower ON "Billing"."Legacy Items" (lower(note)) WHERE note IS NOT NULL;
CREATE UNIQUE INDEX legacy_account_code ON "Billing"."Legacy Items" (account_id, code);
CREATE FUNCTION "Billing".touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE UPDATE ON "Billing"."Legacy Items" FOR EACH ROW EXECUTE FUNCTION "Billing".touch();
ALTER TABLE "Billing"."Legacy Items" DISABLE TRIGGER t_touch;
INSERT INTO "Billing"."Legacy Items" (code, account_id, amount, note)
SELECT 'c' || g, 1 + g % 100, g, CASE WHEN g % 2 = 0 THEN 'n' || g END FROM generate_series(1, 10000) AS g;
ANALYZE;
"""


@pytest.mark.parametrize("source", ["dsn", "structure"])
def test_a_dropped_table_comes_back_empty_as_it_was(
    source: Source, server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    """DROP TABLE with the schema known: the down builds the table again from it (identity and serial
    at their position, keys, an FK to itself and one out, a NOT VALID check, partial, expression and
    unique indexes, a disabled trigger, quoted mixed-case names in another schema), catalog-equal
    to the start; the rows are gone, and the down says so."""
    proof = prove(
        server,
        empty_db,
        empty_twin,
        tmp_path,
        setup=LEGACY,
        change='DROP TABLE "Billing"."Legacy Items"',
        source=source,
        compare_data=False,
    )
    (step,) = [st for m in proof.plan.migrations for st in m.steps if st.down]
    assert step.lossy_down and "comes back empty" in str(step.down_note)
    if source == "structure":  # pg_dump --schema-only holds no sequence positions: the note says they restart
        assert "position of Billing.Legacy Items_id_seq, Billing.Legacy Items_n_seq" in str(step.down_note)
        return
    with psycopg.connect(empty_db, autocommit=True) as conn:  # ups ran again: go down once more and look
        for down in proof.downs:
            psql_file(server.bin_dir, empty_db, down)
        row = conn.execute(
            """INSERT INTO "Billing"."Legacy Items" (code) VALUES ('fresh') RETURNING id, n"""
        ).fetchone()
    assert row == (100 + 5 * 10000, 10001)  # the sequences went on where they were, not from the start


def test_a_table_something_depends_on_is_refused_until_that_goes_first(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    """DROP TABLE fails on the server while another table's FK references it or a view reads it:
    the plan says so up front; with the FK dropped first in the same change it plans, and proves."""
    setup = """
    CREATE TABLE users (id bigint PRIMARY KEY);
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint CONSTRAINT orders_user_fk REFERENCES users (id));
    CREATE VIEW user_ids AS SELECT id FROM users;
    INSERT INTO users SELECT g FROM generate_series(1, 100) AS g;
    """
    run_sql(empty_db, setup)
    with pytest.raises(PlanningError) as refused:
        plan(parse_operations("DROP TABLE users"), Target(version=server.version), schema=schema_from_dsn(empty_db))
    message = str(refused.value)
    assert "foreign key orders_user_fk of public.orders" in message and "view public.user_ids" in message
    assert "drop_constraint" in message and "DROP VIEW" in message
    run_sql(empty_db, "DROP VIEW user_ids")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("DROP TABLE orders, users")
    prove(
        server,
        empty_db,
        empty_twin,
        fresh,
        setup=setup.replace("CREATE VIEW user_ids AS SELECT id FROM users;", ""),
        change="ALTER TABLE orders DROP CONSTRAINT orders_user_fk; DROP TABLE users",
        compare_data=False,
    )


def test_dropped_constraints_come_back_from_the_schema(
    server: Server, empty_db: str, empty_twin: str, tmp_path: Path
) -> None:
    """DROP CONSTRAINT without its definition in the change: the down re-adds it from the schema read;
    a NOT VALID check comes back NOT VALID (validating it in the down could fail on old rows)."""
    change = (
        'ALTER TABLE "Billing"."Legacy Items" DROP CONSTRAINT legacy_amount; '
        'ALTER TABLE "Billing"."Legacy Items" DROP CONSTRAINT legacy_parent; '
        'ALTER TABLE "Billing"."Legacy Items" DROP CONSTRAINT legacy_code'
    )
    proof = prove(server, empty_db, empty_twin, tmp_path, setup=LEGACY, change=change)
    downs = [s for m in proof.plan.migrations for st in m.steps for s in st.down]
    assert not any(st.lossy_down for m in proof.plan.migrations for st in m.steps)
    assert not any("VALIDATE CONSTRAINT legacy_amount" in s for s in downs)
