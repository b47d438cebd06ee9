"""DO blocks (lint/do_block.py): the plain SQL statements of a PL/pgSQL body, in its blocks and IF
branches, are linted at their own lines (harbor's migrations add a UNIQUE constraint inside one,
guarded by IF NOT EXISTS); loops, EXECUTE of a built string and other languages are listed as
skipped with their line, from the cache too. CONCURRENTLY inside a DO block is refused by the
server (shown on the machine's PostgreSQL 15), and said so."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

import repos
from conftest import Server
from migration_manager.lint.config import LintConfig
from migration_manager.lint.engine import lint_paths
from test_lint_cache import own_key  # noqa: F401 - autouse: the signing key in a cache home of the test's own

INIT = "CREATE TABLE artifact (id bigint PRIMARY KEY, digest text, repository text);\n"
GUARDED = """\
-- a UNIQUE constraint, added once
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'unique_artifact') THEN
        ALTER TABLE artifact ADD CONSTRAINT unique_artifact UNIQUE (repository, digest);
    END IF;
END $$;

DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT id FROM artifact LOOP
        UPDATE artifact SET digest = lower(digest) WHERE id = r.id;
    END LOOP;
    EXECUTE 'ANALYZE artifact';
END $$;

DO LANGUAGE plpython3u $$ plpy.execute("SELECT 1") $$;
"""
FILES: repos.Files = {
    "make/migrations/postgresql/0001_initial_schema.up.sql": INIT,
    "make/migrations/postgresql/0110_2.1.0_schema.up.sql": GUARDED,
}
AT = "make/migrations/postgresql/0110_2.1.0_schema.up.sql"
UNREAD = [
    f"{AT}:12: DO block: the statements of its loop are not read (they may run many times)",
    f"{AT}:15: DO block: EXECUTE of a string built at run time is not read",
    f"{AT}:18: DO block in LANGUAGE plpython3u: its body is not read",
]


@pytest.mark.parametrize("cached", [False, True], ids=["uncached", "from-the-cache"])
def test_the_statements_of_a_do_block_are_linted_and_what_is_not_read_is_said(tmp_path: Path, cached: bool) -> None:
    app = repos.write(tmp_path / "harbor", FILES)
    cache = tmp_path / "cache" if cached else None
    for _ in range(2 if cached else 1):  # the second run answers from the cache
        report = lint_paths([app / "make/migrations/postgresql"], LintConfig(), root=app, cache=cache)
        unique = [f for f in report.findings if f.rule == "constraint-builds-index"]
        assert [(f.path, f.line, f.column) for f in unique] == [(AT, 5, 9)]
        assert unique[0].statement.startswith("ALTER TABLE artifact ADD CONSTRAINT unique_artifact UNIQUE")
        assert report.skipped == UNREAD


def test_an_ignore_comment_before_the_do_block_or_in_it_applies_to_its_statements(tmp_path: Path) -> None:
    text = GUARDED.replace("-- a UNIQUE constraint, added once", "-- migration-manager: ignore constraint-builds-index")
    app = repos.write(tmp_path / "harbor", {**FILES, AT: text})
    report = lint_paths([app / "make"], LintConfig(), root=app)
    assert [(f.rule, f.line) for f in report.findings] == [("missing-lock-timeout", 5)]  # read, one rule off
    inside = GUARDED.replace("        ALTER TABLE", "        -- migration-manager: ignore all\n        ALTER TABLE")
    app = repos.write(tmp_path / "harbor", {**FILES, AT: inside})
    assert lint_paths([app / "make"], LintConfig(), root=app).findings == []  # a comment inside the body


CONCURRENT_DO = "DO $$\nBEGIN\n    CREATE INDEX CONCURRENTLY artifact_digest_idx ON artifact (digest);\nEND $$;\n"


def test_concurrently_inside_a_do_block_is_an_error_the_server_agrees(
    tmp_path: Path, tcp_empty_pair: tuple[Server, str, str]
) -> None:
    app = repos.write(tmp_path / "app", {**FILES, AT: CONCURRENT_DO})
    report = lint_paths([app / "make"], LintConfig(), root=app)
    found = [f for f in report.findings if f.rule == "concurrently-in-transaction"]
    assert [(f.path, f.line, f.severity) for f in found] == [(AT, 3, "error")]
    assert "inside a DO block" in found[0].message
    _, db, _ = tcp_empty_pair
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(INIT)
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            conn.execute(CONCURRENT_DO)
