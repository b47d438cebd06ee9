"""Bad input gets a clear message and an exit code CI can act on, and nothing is written.

Exit codes: 2 = fix the request, 3 = cannot be done safely as asked. These run the installed
console script, as a user or a CI job would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = shutil.which("migration-manager", path=str(Path(sys.executable).parent))


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the migration-manager console script is not installed next to this Python (run ./scripts/setup)"
    return subprocess.run([SCRIPT, *args], input=stdin, capture_output=True, text=True, timeout=60)


def ops_file(tmp_path: Path, data: object) -> str:
    path = tmp_path / "ops.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([{"op": "add_colum", "table": "t"}], ["unknown operation 'add_colum'", "known: create_table"]),
        ([{"op": "add_column", "table": "t"}], ["0.add_column.column: required field missing"]),
        ([{"op": "add_index", "table": "t", "columns": []}], ["columns"]),
        ([{"op": "add_column", "table": "t", "column": {"name": "a", "type": "int"}, "colour": 1}], ["colour"]),
        ('[{"op":\n', ["invalid JSON at line 2"]),
        ({"operations": "nope"}, ["operations"]),
    ],
    ids=["unknown_op", "missing_field", "empty_list", "extra_field", "broken_json", "wrong_shape"],
)
def test_malformed_operations_exit_2(tmp_path: Path, data: object, expected: list[str]) -> None:
    done = run("plan", "--ops", ops_file(tmp_path, data))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    for text in expected:
        assert text in done.stderr


def test_invalid_sql_names_the_position() -> None:
    done = run("plan", "--sql", "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADDD COLUMN b int;")
    assert done.returncode == 2
    assert 'syntax error at or near "ADDD" at line 2, column 15' in done.stderr


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1", "not schema changes this tool plans"),
        ("GRANT SELECT ON t TO someone", "not schema changes this tool plans"),
        ("ALTER TABLE t ADD COLUMN a tinyint", "no type 'tinyint'; use smallint"),
        ("ALTER TABLE t ADD COLUMN a int UNSIGNED", "invalid SQL"),
        ("   ", "holds no statement"),
    ],
)
def test_sql_that_is_not_a_plannable_change_exit_2(sql: str, expected: str) -> None:
    done = run("plan", "--sql", sql)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr


def test_not_null_without_a_value_exit_3() -> None:
    done = run("plan", "--sql", "ALTER TABLE t ADD COLUMN a int NOT NULL")
    assert done.returncode == 3
    assert "NOT NULL without a default" in done.stderr and "Give a default" in done.stderr


def test_virtual_generated_column_before_18_exit_3() -> None:
    sql = "ALTER TABLE t ADD COLUMN d int GENERATED ALWAYS AS (a * 2) VIRTUAL"
    done = run("plan", "--sql", sql, "--pg-version", "15")
    assert done.returncode == 3
    assert "need PostgreSQL 18" in done.stderr and "STORED" in done.stderr
    assert run("plan", "--sql", sql, "--pg-version", "18").returncode == 0


@pytest.mark.parametrize("version", ["9", "19"])
def test_unsupported_version_exit_2(version: str) -> None:
    done = run("plan", "--sql", "ALTER TABLE t ADD COLUMN a int", "--pg-version", version)
    assert done.returncode == 2
    assert f"PostgreSQL {version} is not supported" in done.stderr


def test_bad_side_inputs_exit_2(tmp_path: Path) -> None:
    sql = ("--sql", "ALTER TABLE t ADD COLUMN a int")
    assert "no such file" in run("plan", "--ops", str(tmp_path / "absent.json")).stderr
    (tmp_path / "stats.json").write_text("{")
    done = run("plan", *sql, "--stats", str(tmp_path / "stats.json"))
    assert done.returncode == 2 and "invalid JSON" in done.stderr
    (tmp_path / "stats.json").write_text('{"orders": {"rows": -1}}')
    done = run("plan", *sql, "--stats", str(tmp_path / "stats.json"))
    assert done.returncode == 2 and "rows" in done.stderr
    done = run("render", *sql, "--timestamp", "yesterday", "--out", str(tmp_path / "out"), "--write")
    assert done.returncode == 2 and "YYYYMMDDHHMMSS" in done.stderr
    assert not (tmp_path / "out").exists()


def test_render_never_overwrites_and_writes_nothing_on_conflict(tmp_path: Path) -> None:
    out = tmp_path / "migrations"
    sql = "ALTER TABLE orders ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()"
    first = run("render", "--sql", sql, "--timestamp", "20261124090000", "--out", str(out), "--write", "--json")
    assert first.returncode == 0, first.stderr
    written = sorted(p.name for p in out.iterdir())
    assert len(written) >= 6
    assert sorted(Path(w).name for w in json.loads(first.stdout)["written"]) == written
    # Make one file of the would-be output differ, then render again: the run must refuse
    # before writing anything, and leave every existing file as it was.
    victim = out / written[-1]
    victim.write_text("hand edited")
    contents = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run("render", "--sql", sql, "--timestamp", "20261124090000", "--out", str(out), "--write")
    assert again.returncode == 2
    assert "already exists" in again.stderr and "overwrite" in again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == contents


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_render_with_out_but_without_write_is_a_preview_that_writes_nothing(tmp_path: Path) -> None:
    """A preview never touches the repository: --out only chooses the folder; --write writes."""
    import repos

    root = repos.write(tmp_path / "repo", repos.DIESEL_MIXED)
    before = _tree(root)
    sql = ("--sql", "ALTER TABLE post ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()", "--no-schema")
    for out in (repos.DIESEL_DIR, "elsewhere/new"):
        shown = run("render", *sql, "--root", str(root), "--out", out)
        assert shown.returncode == 0, shown.stderr
        assert "nothing written: pass --write to write them" in shown.stdout
        assert "==> " in shown.stdout  # the files, shown
        assert _tree(root) == before and not (root / "elsewhere").exists()
    as_json = run("render", *sql, "--root", str(root), "--out", repos.DIESEL_DIR, "--json")
    data = json.loads(as_json.stdout)
    assert data["written"] == [] and "--write" in data["note"] and data["files"]
    assert _tree(root) == before

    written = run("render", *sql, "--root", str(root), "--out", repos.DIESEL_DIR, "--write", "--json")
    assert written.returncode == 0, written.stderr
    paths = json.loads(written.stdout)["written"]
    assert paths and all(Path(p).is_file() and p.startswith(str(root / repos.DIESEL_DIR)) for p in paths)


def test_render_errors_name_the_clis_own_flags(tmp_path: Path) -> None:
    import repos

    root = repos.write(tmp_path, repos.GOLANG_DBMATE_DIESEL_PRISMA)
    done = run("render", "--sql", "ALTER TABLE t ADD COLUMN a int", "--root", str(root), "--no-schema")
    assert done.returncode == 2
    assert "several migration folders" in done.stderr and "give --out (and --format)" in done.stderr
    assert "out_dir" not in done.stderr
    sql = ("--sql", "ALTER TABLE t ADD COLUMN a int", "--root", str(root), "--no-schema", "--out", "out")
    first = run("render", *sql, "--timestamp", "20261124090000", "--write")
    assert first.returncode == 0, first.stderr
    second = run("render", *sql, "--timestamp", "20261124090000", "--write")
    assert second.returncode == 2 and "pass --overwrite" in second.stderr


def test_render_refuses_a_file_as_output_folder(tmp_path: Path) -> None:
    target = tmp_path / "a_file"
    target.write_text("keep me")
    done = run("render", "--sql", "ALTER TABLE t ADD COLUMN a int", "--out", str(target), "--write")
    assert done.returncode == 2
    assert target.read_text() == "keep me"


def test_help_lists_exit_codes_and_commands() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "plan" in done.stdout and "render" in done.stdout and "Exit codes" in done.stdout
    assert run("frobnicate").returncode == 2


def test_a_command_built_alone_parses_and_helps_as_in_the_whole_parser() -> None:
    """main builds only the command named first (cli.parser(only=...)): its help and what it
    parses must be the whole parser's."""
    import argparse

    from migration_manager import cli

    whole = cli.parser()
    (sub,) = (a for a in whole._actions if isinstance(a, argparse._SubParsersAction))
    assert tuple(sub.choices) == cli.COMMANDS
    for name in cli.COMMANDS:
        alone = cli.parser(name)
        (only,) = (a for a in alone._actions if isinstance(a, argparse._SubParsersAction))
        assert list(only.choices) == [name]
        assert only.choices[name].format_help() == sub.choices[name].format_help()
    args = ["lint", "migrations", "--format", "json", "--ignore", "drop-loses-data", "--no-cache"]
    assert vars(cli.parser("lint").parse_args(args)) == vars(whole.parse_args(args))
    assert "lint" in run("lint", "--help").stdout and run("lint").returncode == 2  # PATH is required


def test_a_reader_that_stops_early_is_no_internal_error() -> None:
    """`migration-manager plan ... | head -1`: the pipe closes under a long output (three times
    the 64 KB a pipe holds, so the writes after the first line meet a closed pipe)."""
    assert SCRIPT
    sql = "; ".join(f"ALTER TABLE t{i} ADD COLUMN c uuid NOT NULL DEFAULT gen_random_uuid()" for i in range(120))
    proc = subprocess.Popen([SCRIPT, "plan", "--sql", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as head does after its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert "internal error" not in err and "Traceback" not in err


# -- size: a change over the stated limit is refused before it is read (issue 19) --------------

STATEMENT = "ALTER TABLE orders ADD COLUMN note_{i} text NOT NULL DEFAULT 'none';\n"


def test_a_30000_statement_change_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """1.25 MB of DDL (30,000 statements; it once ran past 120 s): refused on its size, exit 2."""
    sql = tmp_path / "big.sql"
    sql.write_text("".join(STATEMENT.format(i=i) for i in range(30_000)))
    assert sql.stat().st_size > 1_250_000
    done = run("plan", "--sql-file", str(sql))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "at most 1,000,000" in done.stderr and "split it into several changes" in done.stderr
    out = tmp_path / "out"
    assert run("render", "--sql-file", str(sql), "--out", str(out)).returncode == 2
    assert not out.exists()


def test_too_many_statements_are_refused_before_any_is_read(tmp_path: Path) -> None:
    """Under the character limit but over the statement limit: the count alone refuses it, so
    the SELECT at the top (which reading would reject) is never reached."""
    sql = tmp_path / "many.sql"
    sql.write_text("SELECT 1;\n" + "".join(f"DROP INDEX i{i};\n" for i in range(30_000)))
    assert sql.stat().st_size < 1_000_000
    done = run("plan", "--sql-file", str(sql))
    assert done.returncode == 2, done.stderr
    assert "the change has 30,001 statements; one plan takes at most 2,000" in done.stderr
    assert "not schema changes" not in done.stderr


def test_too_many_operations_are_refused_before_they_are_validated(tmp_path: Path) -> None:
    # the last one is malformed: validating would name it, the count refuses first
    ops = [{"op": "drop_column", "table": "t", "column": f"c{i}"} for i in range(30_000)] + [{"op": "nope"}]
    for data in (ops, {"operations": ops}):
        done = run("plan", "--ops", ops_file(tmp_path, data))
        assert done.returncode == 2, done.stderr
        assert "the change has 30,001 operations; one plan takes at most 2,000" in done.stderr
        assert "unknown operation" not in done.stderr


def test_plan_itself_refuses_over_the_limit() -> None:
    """The engine's own check, which the MCP tools reach through plan()."""
    from migration_manager.defaults import MAX_STATEMENTS
    from migration_manager.errors import InputError
    from migration_manager.model import DropColumn, Target
    from migration_manager.planner import plan

    ops = [DropColumn(table="t", column=f"c{i}") for i in range(MAX_STATEMENTS + 1)]
    for target in (Target(), Target(dialect="mariadb")):
        with pytest.raises(InputError, match="at most 2,000"):
            plan(ops, target)
    assert len(plan(ops[:MAX_STATEMENTS], Target()).migrations) > MAX_STATEMENTS  # at the limit: planned


def test_a_file_name_that_is_not_utf8_is_printed_not_a_crash(tmp_path: Path) -> None:
    """A migration named with a byte that is not UTF-8 (a Latin-1 file name from an old checkout),
    printed on a strict UTF-8 stdout: the name's bytes as they are in text, valid UTF-8 JSON with
    the name escaped so json.loads gives it back, escapes on an ASCII stdout; never exit 70."""
    assert SCRIPT
    folder = tmp_path / "m"
    folder.mkdir()
    name = os.fsdecode(b"001_caf\xe9.sql")
    (folder / name).write_text("CREATE INDEX i ON t (a);\n")

    def lint(encoding: str, *extra: str) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "PYTHONIOENCODING": encoding}
        return subprocess.run(
            [SCRIPT, "lint", str(folder), "--no-cache", *extra], capture_output=True, env=env, timeout=60
        )

    text = lint("utf-8:strict")
    assert text.returncode == 0 and b"Traceback" not in text.stderr, text.stderr
    assert b"001_caf\xe9.sql:1:1: warning [index-without-concurrently]" in text.stdout
    as_json = lint("utf-8:strict", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout.decode("utf-8"))  # strict: the document is valid UTF-8
    assert [Path(p).name for p in report["files"]] == [name] and os.fsencode(report["files"][0]).endswith(b"\xe9.sql")
    sarif = lint("utf-8:strict", "--format", "sarif")
    assert sarif.returncode == 0 and json.loads(sarif.stdout.decode("utf-8"))["runs"], sarif.stderr
    plain = lint("ascii")
    assert plain.returncode == 0 and b"001_caf\\udce9.sql:1:1" in plain.stdout, plain.stderr
