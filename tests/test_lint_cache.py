"""The per-file lint cache (lint/cache.py): a run over unchanged files lints none of them again and
reports byte for byte what an uncached run reports; a change of a file, of the configuration or of
the tool re-lints what it can affect; a broken pack is ignored; --no-cache keeps nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from migration_manager.lint import LintConfig, LintReport, cache_files, lint_paths
from migration_manager.lint import cache as cache_module
from migration_manager.lint.engine import Source, collect, read_text
from migration_manager.lint.linter import Linter
from migration_manager.lint.output import render_report
from migration_manager.lint.sizes import Sizes, TableSize
from test_lint_liquibase import FILES as LIQUIBASE
from test_lint_python import ALEMBIC_HEAD, DJANGO_HEAD, DJANGO_INITIAL
from test_lint_rails import FIXTURES as RAILS

SQL = {
    "sql/001_create.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
    "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, code text);\n"
    "CREATE INDEX orders_code ON orders (code);\n",
    "sql/002_change.sql": "ALTER TABLE orders ADD COLUMN total numeric NOT NULL DEFAULT 0;\n"
    "ALTER TABLE orders ALTER COLUMN code SET NOT NULL;\n"
    "ALTER TABLE orders ADD CONSTRAINT orders_account FOREIGN KEY (account_id) REFERENCES accounts (id);\n",
    "sql/003_more.sql": "SET lock_timeout = '2s';\nCREATE INDEX orders_total ON orders (total);\n"
    "ALTER TABLE accounts RENAME COLUMN email TO mail;\nUPDATE orders SET code = upper(code);\n",
    "sql/004_broken.sql": "ALTER TABLE orders ADD COLUMN;\n",
    "sql/005_types.sql": "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nDROP TABLE accounts;\n",
}
ALEMBIC = {
    "alembic/versions/a1b2c3_change.py": ALEMBIC_HEAD
    + '    op.create_index("orders_code2", "orders", ["code"])\n'
    + '    op.execute("ALTER TABLE orders ADD COLUMN note text NOT NULL")\n'
    + "\n\ndef downgrade() -> None:\n    pass\n",
}
DJANGO = {
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": DJANGO_INITIAL,
    "shop/migrations/0002_change.py": DJANGO_HEAD
    + '        migrations.AddField(model_name="order", name="size", field=models.IntegerField()),\n'
    + '        migrations.RenameField(model_name="order", old_name="note", new_name="remark"),\n'
    + "    ]\n",
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The signing key in a cache home of the test's own, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    cache_files.signing_key.cache_clear()
    yield
    cache_files.signing_key.cache_clear()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """SQL, Alembic, Django, Rails and Liquibase migrations in one project."""
    root = tmp_path / "project"
    write(root, SQL)
    write(root, ALEMBIC)
    write(root, DJANGO)
    write(root, {f"db/migrate/{name}": text for name, text in RAILS.items()})
    write(root, LIQUIBASE)
    return root


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths of the sources the linter really lints (not taken from the cache), in order."""
    seen: list[str] = []
    real = Linter.lint_source

    def counted(self: Linter, source: Source) -> list[object]:
        seen.append(source.path)
        return real(self, source)  # type: ignore[return-value]

    monkeypatch.setattr(Linter, "lint_source", counted)
    yield seen


def run(root: Path, cache: Path | None, config: LintConfig | None = None) -> LintReport:
    return lint_paths([root], config or LintConfig(pg_version=16), root, fix_worker=False, cache=cache)


def rendered(report: LintReport, root: Path) -> str:
    """Every output format, as the CLI writes it (text with the sources it quotes)."""
    sources = {str(f.relative_to(root)): read_text(f) for f in collect([root])}
    return "\n".join(render_report(report, fmt, sources) for fmt in ("text", "json", "sarif", "github"))


def test_a_second_run_lints_nothing_and_reports_the_same_bytes(corpus: Path, tmp_path: Path, linted: list[str]) -> None:
    uncached = rendered(run(corpus, None), corpus)
    everything = list(linted)
    assert (
        len(everything) > 15
        and any(p.endswith(".rb") for p in everything)
        and any("liquibase" in p for p in everything)
    )
    linted.clear()
    first = rendered(run(corpus, tmp_path / "cache"), corpus)
    assert linted == everything  # an empty cache: all linted
    linted.clear()
    second = run(corpus, tmp_path / "cache")
    assert linted == []  # all from the cache
    assert first == uncached and rendered(second, corpus) == uncached
    assert second.statements == run(corpus, None).statements and second.findings


def test_a_changed_file_is_linted_again_with_those_after_it(
    corpus: Path, tmp_path: Path, linted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the schema kept after every file, the files before the change are not linted at all."""
    monkeypatch.setattr(cache_module, "SNAPSHOT_EVERY", 1)
    cache = tmp_path / "cache"
    run(corpus, cache)
    order = list(linted)
    changed = "sql/002_change.sql"
    (corpus / changed).write_text(SQL[changed] + "CREATE INDEX orders_account ON orders (account_id);\n")
    linted.clear()
    report = run(corpus, cache)
    assert linted == order[order.index(changed) :]  # before it: from the cache; it and after: linted
    linted.clear()
    assert rendered(report, corpus) == rendered(run(corpus, None), corpus)
    assert any(f.path == changed and f.rule == "index-without-concurrently" for f in report.findings)


def test_an_appended_file_is_the_only_one_linted(corpus: Path, tmp_path: Path, linted: list[str]) -> None:
    """The schema after the last file is kept: a new migration at the end sees the tables before it."""
    for name in [n for n in SQL if n != "sql/005_types.sql"]:
        (corpus / name).unlink()
    (corpus / "sql/001_create.sql").write_text(SQL["sql/001_create.sql"])
    cache = tmp_path / "cache"
    only_sql = corpus / "sql"
    lint_paths([only_sql], LintConfig(pg_version=16), corpus, fix_worker=False, cache=cache)
    (only_sql / "009_new.sql").write_text("ALTER TABLE orders ALTER COLUMN code TYPE varchar(10);\n")
    linted.clear()
    report = lint_paths([only_sql], LintConfig(pg_version=16), corpus, fix_worker=False, cache=cache)
    assert linted == ["sql/009_new.sql"]
    fresh = lint_paths([only_sql], LintConfig(pg_version=16), corpus, fix_worker=False)
    assert rendered(report, corpus) == rendered(fresh, corpus)
    # orders is known from 001 (created there, code text): the change is judged on that column
    assert [f.rule for f in report.findings if f.path == "sql/009_new.sql"] == [
        f.rule for f in fresh.findings if f.path == "sql/009_new.sql"
    ]


def test_a_change_in_the_middle_rebuilds_the_schema_before_it(
    tmp_path: Path, linted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With snapshots every 4 files, a change at file 10 rebuilds from the snapshot at file 8."""
    monkeypatch.setattr(cache_module, "SNAPSHOT_EVERY", 4)
    root = tmp_path / "project"
    files = {
        f"m/{i:03}.sql": f"CREATE TABLE t{i} (id int, v text);\nALTER TABLE t{i - 1} ADD COLUMN w int;\n"
        for i in range(1, 16)
    }
    files["m/001.sql"] = "CREATE TABLE t0 (id int);\n"
    write(root, files)
    cache = tmp_path / "cache"
    run(root, cache)
    (root / "m/010.sql").write_text(
        "ALTER TABLE t3 ALTER COLUMN v TYPE varchar(3);\nALTER TABLE t14 ALTER COLUMN v SET NOT NULL;\n"
    )
    linted.clear()
    report = run(root, cache)
    # 009 is linted again (its findings dropped) to rebuild the schema after the snapshot at 008
    assert linted == ["m/009.sql", *[f"m/{i:03}.sql" for i in range(10, 16)]]
    linted.clear()
    assert rendered(report, root) == rendered(run(root, None), root)


def test_a_configuration_change_misses(corpus: Path, tmp_path: Path, linted: list[str]) -> None:
    cache = tmp_path / "cache"
    run(corpus, cache)
    everything = list(linted)
    sized = [
        LintConfig(pg_version=16, sizes=Sizes({"orders": TableSize(rows)}, "--stats s.json")) for rows in (10, 10**8)
    ]  # table sizes change severities: each set of sizes is a key of its own
    for config in (LintConfig(pg_version=11), LintConfig(pg_version=16, ignore=["rename-breaks-running-code"]), *sized):
        linted.clear()
        report = run(corpus, cache, config)
        assert linted == everything
        linted.clear()
        assert rendered(report, corpus) == rendered(run(corpus, None, config), corpus)


def test_a_new_version_or_changed_code_misses(
    corpus: Path, tmp_path: Path, linted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    run(corpus, cache)
    everything = list(linted)
    monkeypatch.setattr(cache_files, "__version__", "99.0")
    cache_files.tool_hash.cache_clear()
    try:
        linted.clear()
        run(corpus, cache)
        assert linted == everything
    finally:
        cache_files.tool_hash.cache_clear()
    # the code: a copy of the package hashes the same until one rule is edited, by a comment or
    # by a change of the same length (its modification time moves, as Python's bytecode check sees)
    package = Path(cache_files.__file__).resolve().parents[1]
    copy = tmp_path / "copy"
    for path in package.rglob("*.py"):
        (copy / path.relative_to(package)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy / path.relative_to(package))
    before = cache_files.source_hash(copy)
    assert cache_files.source_hash(copy) == before
    rule = copy / "lint" / "rules" / "rename.py"
    text = rule.read_text()
    rule.write_text(text.replace("a", "b", 1))
    os.utime(rule, ns=(rule.stat().st_atime_ns, rule.stat().st_mtime_ns + 1_000_000))
    same_size = cache_files.source_hash(copy)
    assert same_size != before
    rule.write_text(text + "# changed\n")
    assert cache_files.source_hash(copy) not in (before, same_size)


def test_a_corrupt_pack_is_ignored_and_replaced(corpus: Path, tmp_path: Path, linted: list[str]) -> None:
    cache = tmp_path / "cache"
    expected = rendered(run(corpus, None), corpus)
    linted.clear()
    run(corpus, cache)
    everything = list(linted)
    (pack,) = cache.glob("lint-*.pickle")
    good = pack.read_bytes()
    key = cache_files.signing_key()
    assert key is not None
    data = cache_files.verified(good, key)
    assert data is not None
    broken_entries = pickle.loads(data)
    broken_entries["entries"] = {k: ("not", "an", "entry") for k in broken_entries["entries"]}
    signed = [cache_files.sign(d, key) for d in (data[: len(data) // 2], pickle.dumps(["a list"]))]
    for bad in (good[: len(good) // 2], b"garbage", *signed, cache_files.sign(pickle.dumps(broken_entries), key)):
        pack.write_bytes(bad)
        linted.clear()
        assert rendered(run(corpus, cache), corpus) == expected
        assert linted == everything  # nothing taken from the broken pack
        linted.clear()
        run(corpus, cache)
        assert linted == []  # and a good one written over it


def test_two_runs_at_once_both_report_right_and_leave_a_good_pack(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = rendered(run(corpus, None), corpus)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(rendered(run(corpus, cache), corpus))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected, expected]
    assert [p.name for p in cache.iterdir() if p.name.startswith(".tmp-")] == []  # no temporary file left
    assert rendered(run(corpus, cache), corpus) == expected


def test_the_cli_keeps_a_cache_unless_told_not_to(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cli-cache"
    env = {**os.environ, "MIGRATION_MANAGER_CACHE_DIR": str(cache)}  # XDG_CACHE_HOME: own_key
    command = [sys.executable, "-m", "migration_manager.cli", "lint", "sql", "--format", "json"]
    off = subprocess.run([*command, "--no-cache"], cwd=corpus, env=env, capture_output=True, text=True, timeout=120)
    assert off.returncode == 1, off.stderr
    assert not cache.exists()  # --no-cache writes nothing
    cold = subprocess.run(command, cwd=corpus, env=env, capture_output=True, text=True, timeout=120)
    warm = subprocess.run(command, cwd=corpus, env=env, capture_output=True, text=True, timeout=120)
    assert cold.stdout == warm.stdout == off.stdout and warm.returncode == 1
    assert len(list(cache.glob("lint-*.pickle"))) == 1
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"  # git leaves the folder alone


# what a run over SQL files all in the cache must not load: the rules, PostgreSQL's parser, the
# planner and pydantic (its fixes), the Liquibase reader (yaml), the Python and Ruby readers
HEAVY = ("pglast", "pydantic", "yaml", "sqlglot", "migration_manager.planner", "migration_manager.model")
HEAVY_LINT = ("rules", "linter", "fixes", "source", "schema", "read_liquibase", "read_python", "read_rails")


PROBE = (
    "import sys\n"
    "from migration_manager.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pglast', 'pydantic', 'yaml', 'sqlglot')"
    " or m.startswith('migration_manager.')), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _cli(root: Path, env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """A lint run through the CLI, and the modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "lint", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    return done, eval(done.stderr.strip().splitlines()[-1])


def _heavy(loaded: list[str]) -> list[str]:
    return [
        m
        for m in loaded
        if m.startswith(HEAVY) or m.removeprefix("migration_manager.lint.").split(".")[0] in HEAVY_LINT
    ]


def test_a_run_from_the_cache_loads_no_rule_no_parser_and_no_planner(corpus: Path, tmp_path: Path) -> None:
    """Warm: the same run again (its kept output, run_cache.py), and the same files in another
    format (each file's findings from the per-file cache, the report written anew)."""
    env = {**os.environ, "MIGRATION_MANAGER_CACHE_DIR": str(tmp_path / "cli-cache")}
    cold, cold_loaded = _cli(corpus, env, "sql", "--format", "json")
    warm, warm_loaded = _cli(corpus, env, "sql", "--format", "json")
    assert cold.returncode == warm.returncode == 1 and cold.stdout == warm.stdout, warm.stderr
    assert "migration_manager.lint.rules" in cold_loaded and "pglast" in cold_loaded  # the probe sees them
    assert _heavy(warm_loaded) == [] and "migration_manager.lint.engine" not in warm_loaded  # the kept output
    text, text_loaded = _cli(corpus, env, "sql", "--format", "text")
    uncached, _ = _cli(corpus, env, "sql", "--format", "text", "--no-cache")
    assert text.stdout == uncached.stdout and text.returncode == uncached.returncode == 1
    assert "migration_manager.lint.engine" in text_loaded and _heavy(text_loaded) == []  # per-file cache


def test_a_kept_run_is_shown_only_for_the_same_files_arguments_and_configuration(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MIGRATION_MANAGER_CACHE_DIR": str(tmp_path / "cli-cache")}

    def same_as_uncached(*args: str) -> bool:
        """Whether a run with the cache says what one without it says; and whether it was kept."""
        kept, loaded = _cli(corpus, env, *args)
        fresh, _ = _cli(corpus, env, *args, "--no-cache")
        assert (kept.stdout, kept.returncode) == (fresh.stdout, fresh.returncode), args
        return "migration_manager.lint.engine" not in loaded

    assert not same_as_uncached("sql", "--format", "json")  # the first: linted
    assert same_as_uncached("sql", "--format", "json")  # the same again: the kept output
    assert not same_as_uncached("sql", "--format", "json", "--fail-on", "never")  # another exit code
    assert not same_as_uncached("sql", "--format", "json", "--ignore", "drop-loses-data")
    changed = corpus / "sql" / "005_types.sql"
    changed.write_text(changed.read_text() + "DROP INDEX orders_code;\n")  # a file changes
    assert not same_as_uncached("sql", "--format", "json")
    (corpus / "pyproject.toml").write_text("[tool.migration-manager]\npg-version = 11\n")  # its configuration
    assert not same_as_uncached("sql", "--format", "json")
    assert same_as_uncached("sql", "--format", "json")
    stats = tmp_path / "stats.json"
    stats.write_text('{"orders": {"rows": 10, "bytes": 8192}}')
    assert not same_as_uncached("sql", "--format", "json", "--stats", str(stats))  # sizes: never kept
    assert not same_as_uncached("sql", "--format", "json", "--stats", str(stats))


def test_a_kept_run_not_signed_with_the_users_key_is_never_shown(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cli-cache"
    env = {**os.environ, "MIGRATION_MANAGER_CACHE_DIR": str(cache)}
    first, _ = _cli(corpus, env, "sql", "--format", "json")
    (kept,) = cache.glob("run-*.out")
    blob = kept.read_bytes()
    head = len(cache_files.MAGIC) + 32
    key, code, output = blob[head : head + 32], blob[head + 32], blob[head + 33 :]
    assert (code, output.decode()) == (first.returncode, first.stdout)
    lie = b'{"findings": []}\n'
    for planted in (
        cache_files.MAGIC + b"\0" * 32 + key + b"\0" + lie,  # a signature that is not the user's
        cache_files.MAGIC + hmac.new(b"k" * 32, key + b"\0" + lie, hashlib.sha256).digest() + key + b"\0" + lie,
        blob[:-5] + b"12345",  # the output changed after signing
    ):
        kept.write_bytes(planted)
        again, loaded = _cli(corpus, env, "sql", "--format", "json")
        assert (again.stdout, again.returncode) == (first.stdout, first.returncode)
        assert "migration_manager.lint.engine" in loaded  # linted, the planted file not believed


def test_rails_files_seen_before_are_not_parsed_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Ruby parse (a `ruby` process for the run) is kept per file: only a new text is parsed."""
    from migration_manager.lint import read_rails

    parsed: list[list[str]] = []
    real = read_rails.read_all

    def counted(texts: list[str]) -> list[object]:
        parsed.append(list(texts))
        return real(texts)  # type: ignore[return-value]

    monkeypatch.setattr(read_rails, "read_all", counted)
    cache = tmp_path / "cache"
    expected = rendered(run(corpus, None), corpus)
    parsed.clear()
    run(corpus, cache)
    assert [len(t) for t in parsed] == [len(RAILS)]
    parsed.clear()
    assert rendered(run(corpus, cache), corpus) == expected
    assert parsed == [[]]
    name = sorted(RAILS)[-1]
    changed = RAILS[name].replace("  def up\n", "  def up\n    add_index :users, :name\n", 1)
    assert changed != RAILS[name]
    (corpus / "db/migrate" / name).write_text(changed)
    parsed.clear()
    report = run(corpus, cache)
    assert parsed == [[changed]]
    assert rendered(report, corpus) == rendered(run(corpus, None), corpus)


def test_a_run_from_the_cache_starts_no_plan_helper(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper process that plans fixes (plan_worker.py) starts at the first file to lint."""
    from migration_manager.lint import plan_worker

    started: list[bool] = []
    real = plan_worker.PlanWorker.start

    def counted(self: plan_worker.PlanWorker) -> None:
        first = not self.started
        real(self)
        if first:
            started.append(self.proc is not None)

    monkeypatch.setattr(plan_worker.PlanWorker, "start", counted)
    cache = tmp_path / "cache"
    expected = rendered(run(corpus, None), corpus)

    def helped() -> LintReport:
        return lint_paths([corpus], LintConfig(pg_version=16), corpus, fix_worker=True, cache=cache)

    assert rendered(helped(), corpus) == expected
    assert started == [True]  # cold: started (by the first file)
    started.clear()
    assert rendered(helped(), corpus) == expected
    assert started == []  # warm: never started


class _Planted:
    """What a pack planted in a repository could hold: unpickling it would write a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (self.marker.write_text, ("ran",))


def test_a_pack_not_signed_with_the_users_key_is_never_unpickled(
    corpus: Path, tmp_path: Path, linted: list[str]
) -> None:
    cache = tmp_path / "cache"
    expected = rendered(run(corpus, None), corpus)
    run(corpus, cache)
    (pack,) = cache.glob("lint-*.pickle")
    marker = tmp_path / "ran"
    payload = pickle.dumps({"format": cache_module.FORMAT, "entries": _Planted(marker)})
    other_key = b"k" * 32
    for planted in (payload, cache_files.sign(payload, other_key), cache_files.MAGIC + b"\0" * 32 + payload):
        pack.write_bytes(planted)
        linted.clear()
        assert rendered(run(corpus, cache), corpus) == expected
        assert not marker.exists() and linted  # linted afresh, the planted pickle never loaded
    pickle.loads(payload)
    assert marker.read_text() == "ran"  # what it would have done


RENAMES = {  # one shape, twice (names of up to 7 bytes, then 8 to 11: fixes.py), planned once and kept
    "V1__orders.sql": "ALTER TABLE orders RENAME COLUMN code TO reference;\n",
    "V2__bills.sql": "ALTER TABLE bills RENAME COLUMN number TO bill_number;\n",
}


def test_a_new_file_gets_the_fixes_of_shapes_seen_before_without_the_planner(tmp_path: Path) -> None:
    """Pre-commit: a new migration, linted alone, whose statements have shapes the repository's
    earlier runs planned: its fixes come from the fix store, the planner is never loaded, and the
    report is the one --no-cache gives."""
    project = tmp_path / "project"
    write(project, {f"migrations/{name}": text for name, text in RENAMES.items()})
    env = {**os.environ, "MIGRATION_MANAGER_CACHE_DIR": str(tmp_path / "cli-cache")}
    probe = (
        "import sys\n"
        "from migration_manager.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'migration_manager.planner'))),"
        " file=sys.stderr)\n"
        "sys.exit(code)\n"
    )

    def lint(*args: str) -> tuple[str, list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", probe, "lint", *args, "--format", "json"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 1), done.stderr  # renames are warnings
        return done.stdout, eval(done.stderr.strip().splitlines()[-1])

    _, loaded = lint("migrations")
    assert "migration_manager.planner" in loaded  # the first run plans
    write(project, {"new/V3__charges.sql": "ALTER TABLE charges RENAME COLUMN memo TO memo_text;\n"})
    fresh, _ = lint("new/V3__charges.sql", "--no-cache")
    known, loaded = lint("new/V3__charges.sql")
    (rename,) = (f for f in json.loads(known)["findings"] if f["rule"] == "rename-breaks-running-code")
    assert known == fresh and "memo_text" in rename["fix"]
    assert loaded == []
    write(project, {"new/V4__other.sql": "UPDATE charges SET memo = upper(memo);\n"})  # a shape not seen
    fresh, _ = lint("new/V4__other.sql", "--no-cache")
    planned, loaded = lint("new/V4__other.sql")
    assert planned == fresh and "migration_manager.planner" in loaded


def test_a_fix_store_not_signed_with_the_users_key_is_never_unpickled(tmp_path: Path) -> None:
    from migration_manager.lint.fix_store import FORMAT, FixStore

    project = tmp_path / "project"
    write(project, {f"migrations/{name}": text for name, text in RENAMES.items()})
    cache = tmp_path / "cache"
    expected = rendered(run(project, None), project)
    run(project, cache)
    (store,) = cache.glob("fixes-*.pickle")
    marker = tmp_path / "ran"
    payload = pickle.dumps({"format": FORMAT, "plans": _Planted(marker), "trusted": {}, "seen": {}})
    for planted in (payload, cache_files.sign(payload, b"k" * 32)):
        store.write_bytes(planted)
        assert rendered(run(project, cache), project) == expected
        assert not marker.exists()
    assert FixStore(cache).plans == {}  # nothing read from it


def test_the_cache_folder_keeps_the_newest_files_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pre-commit run per new migration writes a run file and a pack for each: the oldest go."""
    from migration_manager import cli
    from migration_manager.lint import run_cache

    cache = tmp_path / "cache"
    monkeypatch.setenv("MIGRATION_MANAGER_CACHE_DIR", str(cache))
    monkeypatch.chdir(tmp_path)
    for i in range(run_cache.KEEP + 8):
        (tmp_path / f"V{i}__m.sql").write_text(f"CREATE INDEX i{i} ON t{i} (c);\n")
        assert cli.main(["lint", f"V{i}__m.sql", "--format", "json"]) == 0  # a warning: size unknown
    assert '"index-without-concurrently"' in capsys.readouterr().out
    runs, packs = sorted(cache.glob("run-*.out")), sorted(cache.glob("lint-*.pickle"))
    assert len(runs) == run_cache.KEEP and len(packs) == cache_module.KEEP
    assert cli.main(["lint", f"V{run_cache.KEEP + 7}__m.sql", "--format", "json"]) == 0  # the newest is kept
    assert sorted(cache.glob("run-*.out")) == runs


def test_the_tool_hash_changes_with_the_packages_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site-packages"
    (site / "pglast-8.8.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    before = cache_files.installed()
    (site / "pglast-8.8.dist-info").rename(site / "pglast-8.9.dist-info")
    assert cache_files.installed() != before


def test_runs_starting_at_once_get_the_same_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is made whole before it is put in place: a run starting beside the one making it
    never reads it half written (and then keeps no cache at all: seen as a flaky two-runs test)."""
    make = cache_files.signing_key.__wrapped__
    for attempt in range(20):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"home-{attempt}"))
        keys: list[bytes | None] = []
        start = threading.Barrier(8)

        def one(start: threading.Barrier = start, keys: list[bytes | None] = keys) -> None:
            start.wait()
            keys.append(make())

        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(keys)) == 1 and keys[0] is not None and len(keys[0]) == 32, keys
        folder = tmp_path / f"home-{attempt}" / "migration-manager"
        assert [p.name for p in folder.iterdir()] == ["cache-key"]  # no temporary key left
