"""migration-manager command line: a thin shell over the engine.

Exit codes: 0 done; 1 problems found (find --strict, lint, a failed preflight check, status: a
migration not applied or half-applied); 2 bad input
(fix the request); 3 the change cannot be planned safely as asked (the message says what to add);
4 the database cannot be reached or refused; 5 lint found nothing it reads (no SQL file, Alembic
revision or Django migration among the paths given: not a clean pass); 70 an internal error (a bug);
141 the reader of the output went away (a broken pipe: `| head`), as a shell reports SIGPIPE.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

from . import __version__
from .defaults import (
    DEFAULT_LOCK_RETRIES,
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
    LINT_SMALL_BYTES,
    LINT_SMALL_ROWS,
)
from .errors import DatabaseError, InputError, MigrationManagerError, PlanningError

# typing costs 4 ms to import, a twentieth of a lint run answered from its cache; mypy reads a
# name TYPE_CHECKING as true whatever it is bound to
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .discover import RepoMigrations
    from .lint.run_cache import RunCache
    from .model import ChangeRequest, Plan
    from .schema.model import Schema

# Each command imports what it uses: `lint`, what pre-commit hooks call, starts without the
# planner and the pydantic models of a plan, and `plan` without discover/ and render/.

EXIT_OK, EXIT_PROBLEMS, EXIT_INPUT, EXIT_UNSAFE, EXIT_DATABASE, EXIT_INTERNAL = 0, 1, 2, 3, 4, 70
EXIT_NOTHING_READ = 5  # lint: none of the paths given is a file lint reads
EXIT_BROKEN_PIPE = 141  # what a shell reports for a command stopped by SIGPIPE (128 + 13)


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{source}: no such file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _request(args: argparse.Namespace) -> ChangeRequest:
    from .request import request_from_json, request_from_sql, stats_from_data, target_from

    sql_dialect = getattr(args, "dialect", None)
    if args.sql is not None:
        request = request_from_sql(args.sql, sql_dialect)
    elif args.sql_file is not None:
        request = request_from_sql(_read(args.sql_file), sql_dialect)
    else:
        request = request_from_json(_read(args.ops))
    dialect, release = getattr(args, "dialect", None), getattr(args, "release", None)
    args.target_given = request.target is not None or args.pg_version is not None
    if args.pg_version is not None or request.target is None or dialect or release:
        request.target = target_from(args.pg_version, dialect, release)
    if args.stats:
        import json

        try:
            request.stats = stats_from_data(json.loads(_read(args.stats)))
        except json.JSONDecodeError as exc:
            raise InputError(f"{args.stats}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    return request


def _schema(args: argparse.Namespace, found: RepoMigrations | None = None) -> Schema | None:
    """The schema source the arguments name; `found`: the repository already read (render)."""
    if getattr(args, "no_schema", False):
        return None
    dialect = getattr(args, "dialect", None)
    from .schema.sources import resolve_schema

    replay = args.command == "plan" or getattr(args, "replay", False)  # render's --root is "." by default
    return resolve_schema(
        getattr(args, "dsn", None),
        getattr(args, "schema", None),
        getattr(args, "root", None),
        found=found,
        replay=replay,
        run_code=getattr(args, "replay", False),
        dialect=dialect,
    )


def _plan(args: argparse.Namespace, schema: Schema | None = None, *, read_schema: bool = True) -> Plan:
    """The plan the arguments ask for; its schema from their source unless `read_schema` is False."""
    from .planner import plan

    request = _request(args)
    if read_schema:
        schema = _schema(args)
    if schema is not None and not args.target_given and request.target is not None and request.target.is_postgresql:
        from .request import target_from

        request.target = target_from(schema.server_version)  # plan for the server the schema came from
    return plan(
        request.operations,
        request.target,
        request.stats,
        lock_timeout=args.lock_timeout,
        statement_timeout=args.statement_timeout,
        batch_size=args.batch_size,
        pause_ms=args.pause_ms,
        lock_retries=args.lock_retries,
        schema=schema,
    )


# what plan's own flags give, for the commands that plan without offering them (verify, status)
_PLAN_DEFAULTS: dict[str, object] = {
    "stats": None,
    "lock_timeout": DEFAULT_LOCK_TIMEOUT,
    "statement_timeout": DEFAULT_STATEMENT_TIMEOUT,
    "batch_size": 1000,
    "pause_ms": 50,
    "lock_retries": DEFAULT_LOCK_RETRIES,
}


def cmd_plan(args: argparse.Namespace) -> int:
    from .summary import format_plan

    p = _plan(args)
    print(p.model_dump_json(indent=2) if args.json else format_plan(p))
    return EXIT_OK


def _out_under(root: Path, out: str) -> str:
    """--out as a folder relative to --root (an absolute one inside the root too, so that the
    repository's folder is recognised; one outside stays as given). A relative one that names no
    folder under the root but does name one from here inside the root is taken as meant (with a
    note): it used to make a stray copy of the path under the root."""
    base = root.resolve()
    given = Path(out)
    if given.is_absolute():
        try:
            return str(given.resolve().relative_to(base))
        except ValueError:
            return out
    if (root / given).is_dir() or not given.is_dir():
        return out
    try:
        inside = str(given.resolve().relative_to(base))
    except ValueError:
        return out
    print(f"note: --out is relative to --root: taking {out} as {inside} (the folder {out} from here)", file=sys.stderr)
    return inside


def cmd_render(args: argparse.Namespace) -> int:
    import json

    from .discover import find_migrations
    from .render import write_files
    from .render.choose import CLI_NAMES, choose, placement, render, state_notes
    from .request import timestamp_from

    now = timestamp_from(args.timestamp, "--timestamp")
    root = Path(args.root)
    found = find_migrations(root)
    if args.out is not None:
        args.out = _out_under(root, args.out)
    destination = choose(found, args.format, args.out, names=CLI_NAMES)
    from .render.dialect import render_dialect

    args.dialect, note = render_dialect(found, destination, args.dialect, flag="--dialect")
    if note:
        print(f"note: {note}", file=sys.stderr)
    p = _plan(args, _schema(args, found), read_schema=False)
    files = render(p, destination, now, names=CLI_NAMES)
    includes, placed = placement(destination, files, root / destination.folder)
    for warning in placed + state_notes(p, destination):
        print(f"warning: {warning}", file=sys.stderr)
    # the master changelog's entries for the files (Liquibase), to add exactly as they are
    shown_includes = "".join(f"\n    {line}" for line in includes)
    master = destination.master.path if destination.master and destination.master.path else "the master changelog"
    include_text = f"# add to {master}, in this order:{shown_includes}" if includes else ""
    if not args.write:  # a preview, whatever else is given: it never touches the repository
        if args.json:
            print(
                json.dumps(
                    {
                        "format": destination.format,
                        "folder": destination.folder,
                        "files": [f.model_dump() for f in files],
                        "written": [],
                        "changelog_includes": includes,
                        "note": "not written: pass --write to write them",
                    },
                    indent=2,
                )
            )
        else:
            print(
                f"# {destination.format} files for {root / destination.folder} "
                "(a preview, nothing written: pass --write to write them)"
            )
            for f in files:
                print(f"==> {f.path} <==\n{f.content}")
            if include_text:
                print(include_text)
        return EXIT_OK
    written = write_files(
        files, root / destination.folder, overwrite=args.overwrite, overwrite_name=CLI_NAMES["overwrite"]
    )
    if args.json:
        data = {"format": destination.format, "written": [str(w) for w in written], "changelog_includes": includes}
        print(json.dumps(data, indent=2))
    else:
        for w in written:
            print(w)
        if include_text:
            print(include_text)
    return EXIT_OK


def format_findings(result: RepoMigrations) -> str:
    out = [f"{result.root}: {result.files_scanned} files read, {len(result.frameworks)} migration folder(s)"]
    for f in result.frameworks:
        out.append("")
        out.append(
            f"{f.framework} in {f.folder}"
            + (f" (from {f.config})" if f.config else "")
            + (f", database: {f.dialect}" + (f" ({f.dialect_source})" if f.dialect_source else "") if f.dialect else "")
            + (f", database: unclear ({f.dialect_source})" if f.dialect is None and f.dialect_source else "")
        )
        out.append(f"  {len(f.migrations)} migration(s); head(s): {', '.join(f.heads) or 'none'}")
        if f.migrations:
            out.append(f"  latest: {f.migrations[-1].path}")
        out.append(f"  naming: {f.naming}")
        out.append(f"  next: {f.next_file}  (id {f.next_id})")
        out.extend(f"  {p.severity}: {p.code}: {p.message}" + (f" [{p.path}]" if p.path else "") for p in f.problems)
    if result.problems:
        out.append("")
        out.extend(f"{p.severity}: {p.code}: {p.message}" + (f" [{p.path}]" if p.path else "") for p in result.problems)
    return "\n".join(out)


def cmd_find(args: argparse.Namespace) -> int:
    from .discover import find_migrations

    result = find_migrations(args.root)
    print(result.model_dump_json(indent=2) if args.json else format_findings(result))
    errors = [p for f in result.frameworks for p in f.problems if p.severity == "error"]
    errors += [p for p in result.problems if p.severity == "error"]
    return EXIT_PROBLEMS if args.strict and errors else EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    root = Path.cwd()
    cache = None if args.no_cache else _cache_folder(root)
    kept = None
    if cache is not None and not (args.framework_sql or args.compare or args.stats or args.dsn):
        kept = _kept_run(args, paths, cache)
        hit = kept.lookup() if kept is not None else None
        if hit is not None:  # the same files, arguments and tool as the last run: its output
            if (sys.stdout.encoding or "").lower().replace("-", "") == "utf8" and hasattr(sys.stdout, "buffer"):
                sys.stdout.flush()
                sys.stdout.buffer.write(hit[1])  # as written, not decoded and encoded again
            else:
                sys.stdout.write(str(hit[1], "utf-8", "surrogateescape"))
            return hit[0]
    from .lint import lint_paths, load_config
    from .lint.engine import collect, read_text
    from .lint.output import render_report

    config = load_config(paths[0] if paths else Path(".")).override(args.pg_version, args.dialect, args.ignore)
    if not config.dialect_set:  # a repository on SQLite is refused, not linted as PostgreSQL
        from .lint.repo_dialect import refuse_unlinted_database, repository_root

        refuse_unlinted_database(repository_root(paths, root), "--dialect")
    if args.stats or args.dsn:
        from .lint.sizes import sizes_from_dsn, sizes_from_stats

        config.sizes = sizes_from_stats(Path(args.stats)) if args.stats else sizes_from_dsn(args.dsn)
    compared: list[str] | None = None
    if args.framework_sql or args.compare:
        from .lint.framework_sql import lint_framework

        asked = lint_framework(paths, config, root, compare=args.compare)
        report, compared = asked.report, (asked.differences if args.compare else None)
    else:
        report = lint_paths(paths, config, root, cache=cache)
    sources = None
    if args.format == "text":
        sources = {}
        for f in collect(paths):
            name = str(f.relative_to(root)) if f.is_relative_to(root) else str(f)
            sources[name] = read_text(f)
    output = render_report(report, args.format, sources)
    sys.stdout.write(output)
    if compared is not None:  # to stderr beside a machine format, so its output stays what it is
        out = sys.stdout if args.format == "text" else sys.stderr
        out.write(
            "\n".join(["", "differences between the static reading and the framework's SQL:", *compared, ""])
            if compared
            else "\nno difference between the static reading and the framework's SQL\n"
        )
    if report.nothing_read and not args.allow_nothing:
        code = EXIT_NOTHING_READ
    else:
        failing = report.errors + (report.warnings if args.fail_on == "warning" else 0)
        code = EXIT_PROBLEMS if failing and args.fail_on != "never" else EXIT_OK
    if kept is not None:
        kept.save(code, output.encode("utf-8", "surrogateescape"))
    return code


def _cache_folder(root: Path) -> Path:
    """lint's cache folder: MIGRATION_MANAGER_CACHE_DIR, else in the project's root (the folder of
    the pyproject.toml above `root`, else `root`)."""
    from .lint.cache_files import default_folder
    from .lint.project import find_pyproject

    project = find_pyproject(root)
    return default_folder(project.parent if project is not None else root)


def _kept_run(args: argparse.Namespace, paths: list[Path], cache: Path) -> RunCache | None:
    """The kept output of lint runs with these arguments (lint/run_cache.py), None where none is kept."""
    from .lint.collect import collect
    from .lint.project import find_pyproject
    from .lint.run_cache import run_cache

    arguments = [
        *args.paths,
        f"--format={args.format}",
        f"--pg-version={args.pg_version}",
        f"--dialect={args.dialect}",
        *(f"--ignore={rule}" for rule in args.ignore or ()),
        f"--fail-on={args.fail_on}",
        f"--allow-nothing={args.allow_nothing}",
    ]
    from .lint.initializers import initializers

    config_file = find_pyproject((paths[0] if paths else Path(".")).resolve())
    files = collect(paths)
    read_too = sorted(set(initializers(files).values()))  # strong_migrations' settings change the report
    return run_cache(cache, arguments, [*files, *read_too], config_file)


def cmd_preflight(args: argparse.Namespace) -> int:
    from .preflight import preflight
    from .preflight.text import format_report

    report = preflight(_plan(args), args.dsn, long_transaction_seconds=args.long_transaction)
    print(report.model_dump_json(indent=2) if args.json else format_report(report), end="" if not args.json else "\n")
    return EXIT_PROBLEMS if report.failed else EXIT_OK


def _status_plan(args: argparse.Namespace) -> tuple[Plan, str]:
    """The plan status judges: a saved one (--plan), else planned as `plan` would, from the schema
    file given, else from the database itself."""
    if args.plan is not None:
        if args.schema or args.no_schema:
            raise InputError("--schema and --no-schema say how to plan --sql / --sql-file / --ops; --plan is planned")
        from pydantic import ValidationError

        from .model import Plan as PlanModel

        text = _read(args.plan)
        try:
            return PlanModel.model_validate_json(text), f"saved plan {args.plan}"
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "the top level"
            raise InputError(
                f"{args.plan}: not a plan saved with `migration-manager plan --json` ({where}: {first['msg']}); "
                "save one with `migration-manager plan --json ... > plan.json`, or give the change as --sql"
            ) from None
    from .schema.sources import schema_from_dsn, schema_from_file

    schema = None
    if args.schema:
        schema = schema_from_file(Path(args.schema))
    elif not args.no_schema:
        schema = schema_from_dsn(args.dsn)
    planned = _plan(args, schema, read_schema=False)
    what = "the --sql change" if args.sql is not None else f"the change in {args.sql_file or args.ops}"
    source = planned.schema_source or "the DDL alone (--no-schema)"
    return planned, f"{what}, planned from {source}"


def cmd_status(args: argparse.Namespace) -> int:
    from .status import REPLANNED, migration_status
    from .status.text import format_status

    found = None
    if args.root is not None:
        from .discover import find_migrations

        if not Path(args.root).is_dir():
            raise InputError(
                f"--root {args.root}: not a folder (give the repository the migrations were rendered into)"
            )
        found = find_migrations(args.root)
    planned, source = _status_plan(args)
    report = migration_status(planned, args.dsn, found=found, plan_source=source)
    if args.plan is None and not args.schema and not args.no_schema and report.next is not None:
        report.warnings.append(REPLANNED)
    print(report.model_dump_json(indent=2) if args.json else format_status(report), end="" if not args.json else "\n")
    return EXIT_OK if report.all_applied else EXIT_PROBLEMS


def cmd_verify(args: argparse.Namespace) -> int:
    import tempfile

    from .render import render_sql, write_files
    from .verify import pairs_in, verify
    from .verify.text import format_verify

    schema_sql = _read(args.schema) if args.schema else None
    if args.dialect is None and args.dsn and args.dsn.split("://")[0] in ("mysql", "mariadb", "mysql+pymysql"):
        args.dialect = "mysql" if args.dsn.startswith("mysql") else "mariadb"  # the DSN names the database
    mysql = args.dialect in ("mariadb", "mysql")
    existing: list[Path] = []
    if args.existing:
        from .lint.engine import collect

        existing = [p for p in collect([Path(args.existing)]) if p.suffix == ".sql"]
    show = not args.json and sys.stderr.isatty()

    def progress(message: str) -> None:
        if show:
            print(f"verify: {message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="mm-verify-") as tmp:
        if args.migrations:
            folder = Path(args.migrations)
            if not folder.is_dir():
                raise InputError(f"{folder}: not a folder of migrations")
            pairs = pairs_in(folder, Path(tmp) / "split")
            if not pairs:
                raise InputError(f"{folder}: no .sql migrations in it")
        else:
            schema = None
            if args.schema and not args.no_schema and not mysql:
                from .schema.sources import schema_from_file

                schema = schema_from_file(Path(args.schema), dsn=args.dsn)
            elif args.schema and not args.no_schema:
                from .model import Dialect
                from .schema.read_mysql import schema_from_mysql_file

                schema = schema_from_mysql_file(Path(args.schema), Dialect(args.dialect), dsn=args.dsn)
            planned = _plan(args, schema, read_schema=False)
            write_files(render_sql(planned), Path(tmp))
            pairs = pairs_in(Path(tmp))
        if mysql:
            from .model import Dialect
            from .verify.run_mysql import verify_mysql

            report = verify_mysql(
                pairs,
                dialect=Dialect(args.dialect),
                dsn=args.dsn,
                schema_sql=schema_sql,
                existing=existing,
                rows=args.rows,
                progress=progress,
            )
        else:
            report = verify(
                pairs, dsn=args.dsn, schema_sql=schema_sql, existing=existing, rows=args.rows, progress=progress
            )
    print(report.model_dump_json(indent=2) if args.json else format_verify(report))
    return EXIT_OK if report.passed else EXIT_PROBLEMS


def cmd_serve(args: argparse.Namespace) -> int:
    from .server import serve  # the MCP SDK is imported only when serving

    serve(args.allow)
    return EXIT_OK


def _add_input(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--ops", metavar="FILE", help="operations JSON (a list, or {operations, target, stats}); - = stdin"
    )
    src.add_argument("--sql", metavar="TEXT", help="PostgreSQL DDL to plan, given inline")
    src.add_argument("--sql-file", metavar="FILE", help="PostgreSQL DDL to plan, from a file; - = stdin")
    p.add_argument("--pg-version", type=int, metavar="N", help="PostgreSQL major version the plan is for (10-18)")
    p.add_argument(
        "--dialect",
        choices=["postgresql", "mariadb", "mysql"],
        help="the database (default postgresql); with mariadb / mysql, --sql is read as MySQL DDL (backticks, "
        "MODIFY / CHANGE COLUMN, AFTER, ALGORITHM= ...)",
    )
    p.add_argument("--release", metavar="X.Y", help="MariaDB / MySQL server version (default 10.11 / 8.0)")
    p.add_argument("--stats", metavar="FILE", help='table stats JSON: {"orders": {"rows": 5000000, "bytes": 1e9}}')
    p.add_argument(
        "--lock-timeout",
        default=DEFAULT_LOCK_TIMEOUT,
        help="longest wait for a lock, per attempt; queries queue behind a waiting DDL "
        f"(default {DEFAULT_LOCK_TIMEOUT})",
    )
    p.add_argument(
        "--lock-retries",
        type=int,
        default=DEFAULT_LOCK_RETRIES,
        metavar="N",
        help=f"attempts at a transactional migration's locks, with backoff between them (PostgreSQL; default "
        f"{DEFAULT_LOCK_RETRIES})",
    )
    p.add_argument(
        "--statement-timeout",
        default=DEFAULT_STATEMENT_TIMEOUT,
        help="statement_timeout for catalog-only migrations (default 60s)",
    )
    p.add_argument(
        "--batch-size", type=int, default=1000, metavar="N", help="rows per backfill transaction (default 1000)"
    )
    p.add_argument("--pause-ms", type=int, default=50, metavar="MS", help="pause between backfill batches (default 50)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_schema_source(p)


def _add_schema_source(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group(
        "schema source",
        "what the tables really are (types, NOT NULL, defaults, indexes, keys, views, partitions, sizes): read "
        "from a live database, from a schema file, or from the repository's db/structure.sql; with none the "
        "plan says so and its migrations check the facts when they run",
    )
    group.add_argument(
        "--dsn",
        metavar="DSN",
        help="postgresql://user@host:port/dbname, read in a read-only transaction (a password is better in "
        "PGPASSWORD or ~/.pgpass; it is never printed); mysql://user@host:port/dbname with --dialect mariadb|mysql",
    )
    group.add_argument(
        "--schema",
        metavar="FILE",
        help="pg_dump --schema-only output or a Rails db/structure.sql, loaded into the embedded PostgreSQL "
        "and read from its catalogs; with --dialect mariadb|mysql a mysqldump --no-data, loaded into a "
        "temporary database on the machine's MariaDB (127.0.0.1:3306)",
    )
    group.add_argument("--no-schema", action="store_true", help="plan from the DDL alone")


COMMANDS = ("plan", "render", "find", "lint", "preflight", "verify", "status", "serve")


class _Skipped:
    """What parser(only=...) hands back for a command it does not build: every call a no-op."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


class _Only:
    """The subparsers action, building only the command `only` (None: all of them)."""

    def __init__(self, sub: Any, only: str | None) -> None:
        self.sub, self.only = sub, only

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self.only not in (None, name):
            return _Skipped()
        return self.sub.add_parser(name, formatter_class=_Formatter, **kwargs)


def _columns() -> int:
    """The terminal's width, as shutil.get_terminal_size finds it: COLUMNS, else the terminal of
    standard output, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's own, given the width it would find: it imports shutil for that (3 ms of a lint run
    answered from the cache)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; `only`: build that command's arguments alone (main does for a command
    named first: the others' hundreds of add_argument calls were a tenth of a cached lint run)."""
    root = argparse.ArgumentParser(
        prog="migration-manager",
        formatter_class=_Formatter,
        description="Plan zero-downtime schema changes and write them as migration files.",
        epilog="Exit codes: 0 ok, 1 problems found (find --strict, lint, preflight, verify; status: a migration "
        "still to run), 2 bad input, "
        "3 cannot be done safely as asked, 4 database unreachable or refused, 5 lint found nothing it reads, "
        "70 internal error, 141 the output's reader went away (| head).",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = _Only(root.add_subparsers(dest="command", required=True), only)
    p = sub.add_parser("plan", help="plan a change and print it", description="Plan a change and print it.")
    _add_input(p)
    p.add_argument(
        "--root",
        metavar="DIR",
        help="a repository whose db/structure.sql, else its SQL migrations replayed, is the schema source when no "
        "--dsn or --schema is given",
    )
    p.add_argument(
        "--replay",
        action="store_true",
        help="with --root: also replay migrations that are code (Alembic: `alembic upgrade head` on a scratch "
        "embedded PostgreSQL; this runs the repository's env.py and revisions)",
    )
    p.set_defaults(func=cmd_plan)
    r = sub.add_parser(
        "render",
        help="the plan as migration files (printed; written with --write)",
        description="Render the plan as files in the repository's framework and folder (else "
        "YYYYMMDDHHMMSS_name.sql, _down.sql, _README.md). Prints them unless --write is given, with --out or "
        "without: a preview never touches the repository.",
    )
    _add_input(r)
    r.add_argument(
        "--format",
        choices=[
            "auto",
            "sql",
            "alembic",
            "liquibase",
            "rails",
            "flyway",
            "dbmate",
            "golang-migrate",
            "diesel",
            "django",
        ],
        default="auto",
        help="output format; auto (default): the framework the repository already uses (else sql)",
    )
    r.add_argument(
        "--root",
        metavar="DIR",
        default=".",
        help="the repository (default: the current folder); its db/structure.sql is the schema source when no "
        "--dsn or --schema is given",
    )
    r.add_argument(
        "--replay",
        action="store_true",
        help="without a structure dump, replay the repository's migrations into the embedded PostgreSQL "
        "to read the schema: SQL files with psql, Alembic with `alembic upgrade head` (runs its env.py); "
        "about a second the first time, cached after",
    )
    r.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the files, relative to --root (default: the repository's migrations folder); "
        "written only with --write",
    )
    r.add_argument(
        "--write",
        action="store_true",
        help="write the files (without it, render only prints them: a preview never touches the repository)",
    )
    r.add_argument("--timestamp", metavar="YYYYMMDDHHMMSS", help="timestamp of the first file (default: now, UTC)")
    r.add_argument("--overwrite", action="store_true", help="replace files that already exist")
    r.set_defaults(func=cmd_render)
    f = sub.add_parser(
        "find",
        help="find the repository's migrations (any framework)",
        description="Read a repository: which migration frameworks it uses, where their files are, in which "
        "order, the head(s), the next file name, and problems (several heads, duplicate ids, missing downs, "
        "broken links). Reads only.",
    )
    f.add_argument("root", nargs="?", default=".", help="the repository's folder (default: the current one)")
    f.add_argument("--json", action="store_true", help="machine-readable output")
    f.add_argument("--strict", action="store_true", help="exit 1 when a problem of severity error is found")
    f.set_defaults(func=cmd_find)
    lint = sub.add_parser(
        "lint",
        help="find dangerous statements in existing migrations",
        description="Lint SQL migrations, Alembic revisions, Django and Rails migrations and Liquibase changelogs "
        "(read as the SQL their up direction sends) in migration order, keeping the schema they build: "
        "statements that block the application, break running code or lose data, each with the lock it takes "
        "and the safe alternative. "
        "Suppress one with a comment `-- migration-manager: ignore <rule>` on or above it; configure in pyproject.toml "
        "[tool.migration-manager] (pg-version, ignore, severity). Exit 5 when none of the paths holds a file "
        "lint reads (the files skipped are listed; other files under a folder are counted).",
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="migration files or folders (down files are skipped)")
    lint.add_argument("--pg-version", type=int, metavar="N", help="PostgreSQL major version (default: config, else 16)")
    lint.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text", help="output format")
    lint.add_argument(
        "--dialect", choices=["postgresql", "mariadb", "mysql"], help="the database (default: config, else postgresql)"
    )
    lint.add_argument("--ignore", action="append", metavar="RULE", help="a rule to switch off (repeatable)")
    sizes = lint.add_mutually_exclusive_group()
    sizes.add_argument(
        "--stats",
        metavar="FILE",
        help='table sizes JSON, as plan takes it: {"orders": {"rows": 5000000, "bytes": 1000000000}}; a whole-table '
        f"statement on a table below {LINT_SMALL_ROWS:,} rows and {LINT_SMALL_BYTES // 2**20} MB is a note, above an "
        "error, of unknown size a warning",
    )
    sizes.add_argument(
        "--dsn",
        metavar="DSN",
        help="postgresql://... : read the tables' sizes from the planner's estimates of that database (read-only), "
        "as --stats",
    )
    lint.add_argument(
        "--fail-on",
        choices=["error", "warning", "never"],
        default="error",
        help="exit 1 when a finding of this severity or worse is found (default: error)",
    )
    lint.add_argument(
        "--allow-nothing",
        action="store_true",
        help="exit 0, not 5, when no file given is one lint reads (pre-commit: a commit touching no migration)",
    )
    lint.add_argument(
        "--no-cache",
        action="store_true",
        help="lint every file afresh and keep nothing (default: results kept per file in .migration-manager-cache/ "
        "of the project, or MIGRATION_MANAGER_CACHE_DIR)",
    )
    lint.add_argument(
        "--framework-sql",
        action="store_true",
        help="lint the SQL the framework itself prints (Alembic: `alembic upgrade heads --sql`; Django: "
        "`manage.py sqlmigrate`; Liquibase: offline `update-sql`), run with the project's own executables, "
        "instead of reading the migrations statically; what the framework cannot give is listed as skipped "
        "with the command and its error",
    )
    lint.add_argument(
        "--compare",
        action="store_true",
        help="with --framework-sql (implied): also list, per migration, the statements where the static "
        "reading and the framework's SQL differ",
    )
    lint.set_defaults(func=cmd_lint)
    pre = sub.add_parser(
        "preflight",
        help="the checks to run before a plan's migrations; with --dsn, run them read-only",
        description="List the checks that must pass before each migration of the plan (NULLs before NOT NULL, "
        "duplicates before UNIQUE, orphans before a foreign key, values that will not convert, long transactions "
        "and lock waits on the tables, INVALID indexes, table sizes, replication lag). With --dsn they run on that "
        "database in read-only transactions with statement and lock timeouts, and the plan's time estimate is "
        "recomputed from the sizes found. The DSN's password is never printed. Exit 1 when a check fails, "
        "4 when the database cannot be reached.",
    )
    _add_input(pre)
    pre.add_argument(
        "--long-transaction",
        type=int,
        default=60,
        metavar="SECONDS",
        help="an open transaction older than this on a table fails the activity check (default 60)",
    )
    pre.set_defaults(func=cmd_preflight)
    ver = sub.add_parser(
        "verify",
        help="try migrations on a scratch database: up, down, up again, every statement traced",
        description="Run migrations on a scratch database (an embedded PostgreSQL started for the run, or with "
        "--dsn a temporary database created and dropped on that server): load the schema (--schema FILE, or "
        "--existing DIR of SQL migrations), seed --rows N rows per table, then up -> down -> compare with the "
        "start -> up again. Reports per statement the locks taken (pg_locks), rewrites (relfilenode), full "
        "scans and time; flags a write-blocking lock held while a table is rewritten or scanned, a down that "
        "does not restore the schema or loses rows, and migrations that cannot run again. With --dialect "
        "mariadb|mysql the scratch database is made on the server --dsn mysql://... names (default "
        "mysql://root@127.0.0.1:3306), metadata locks come from the metadata_lock_info plugin (or a probing "
        "write when it is not installed) and rebuilds from the InnoDB table_id. Exit 1 on problems.",
    )
    source = ver.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--migrations", "--dir", metavar="DIR", help="SQL migrations: NAME.sql + NAME_down.sql (or .up/.down.sql)"
    )
    source.add_argument("--ops", metavar="FILE", help="operations JSON to plan and verify; - = stdin")
    source.add_argument("--sql", metavar="TEXT", help="PostgreSQL DDL to plan and verify")
    source.add_argument("--sql-file", metavar="FILE", help="PostgreSQL DDL to plan and verify, from a file")
    ver.add_argument("--pg-version", type=int, metavar="N", help="PostgreSQL major version the plan is for")
    ver.add_argument(
        "--schema",
        "--schema-sql",
        metavar="FILE",
        help="the current schema as SQL (pg_dump --schema-only, or mysqldump --no-data with --dialect mariadb|mysql)",
    )
    ver.add_argument(
        "--dialect",
        choices=["postgresql", "mariadb", "mysql"],
        help="the database (default postgresql, or the --dsn's: mysql:// / mariadb://); plan MariaDB / MySQL "
        "changes from --ops JSON or portable DDL",
    )
    ver.add_argument("--release", metavar="X.Y", help="MariaDB / MySQL server version the plan is for")
    ver.add_argument("--existing", metavar="DIR", help="the repository's SQL migrations, applied first in order")
    ver.add_argument("--rows", type=int, default=1000, metavar="N", help="synthetic rows per table (default 1000)")
    ver.add_argument(
        "--dsn",
        metavar="DSN",
        help="a server to create the scratch database on (default: embedded PostgreSQL; for MariaDB / MySQL the "
        "machine's server at 127.0.0.1:3306 as root)",
    )
    ver.add_argument("--json", action="store_true", help="machine-readable output, no progress")
    ver.add_argument("--no-schema", action="store_true", help="plan from the DDL alone, not from --schema")
    ver.set_defaults(func=cmd_verify, **_PLAN_DEFAULTS)
    st = sub.add_parser(
        "status",
        help="which of a plan's migrations a database has, what an interrupted one left, what runs next",
        description="Read a database (read-only: one READ ONLY transaction, 10 s statement_timeout, 1 s "
        "lock_timeout; the DSN's password is never printed) and say, for each migration of a plan, whether it "
        "is applied, not applied or partly applied, and by what evidence: the framework's version table "
        "(alembic_version, schema_migrations of Rails / dbmate / golang-migrate, flyway_schema_history, "
        "databasechangelog, django_migrations, __diesel_schema_migrations) where one holds the plan's "
        "migrations, else the migration's own checks of its objects (an index valid, a constraint validated ...). "
        "Then what an interrupted plan left on its tables (INVALID indexes, NOT VALID constraints, shadow "
        "*_new / *_old columns, sync triggers and their functions), and the next migration to run with the gate "
        "it waits at.",
        epilog="Exit codes: 0 every migration of the plan is applied; 1 one is not applied, partly applied or "
        "cannot be told (the report says which and what to run next); 2 bad input (the message says what to "
        "fix); 3 the change cannot be planned safely; 4 the database cannot be reached or refused.",
    )
    st_plan = st.add_mutually_exclusive_group(required=True)
    st_plan.add_argument(
        "--plan",
        metavar="FILE",
        help="a plan saved with `plan --json` when it was rendered (exact: recommended); - = stdin",
    )
    st_plan.add_argument("--sql", metavar="TEXT", help="the change, as PostgreSQL DDL, planned again as `plan` does")
    st_plan.add_argument("--sql-file", "--file", metavar="FILE", help="the change as DDL, from a file; - = stdin")
    st_plan.add_argument("--ops", metavar="FILE", help="the change as operations JSON; - = stdin")
    st.add_argument(
        "--dsn",
        metavar="DSN",
        required=True,
        help="the database to read: postgresql://user@host:port/dbname (a password is better in PGPASSWORD or "
        "~/.pgpass)",
    )
    st.add_argument(
        "--root",
        metavar="DIR",
        help="the repository the plan was rendered into: matches the plan's migrations to the versions a "
        "framework records (needed for Alembic, Rails, dbmate, golang-migrate and Diesel, whose tables hold "
        "versions only; Flyway, Django and Liquibase rows carry the names)",
    )
    st.add_argument(
        "--schema",
        metavar="FILE",
        help="with --sql / --sql-file / --ops: plan from this schema (the one from before the change) instead "
        "of the database as it is now",
    )
    st.add_argument("--no-schema", action="store_true", help="with --sql / --sql-file / --ops: plan from the DDL alone")
    st.add_argument("--pg-version", type=int, metavar="N", help="PostgreSQL major version the plan is for")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.set_defaults(func=cmd_status, **_PLAN_DEFAULTS)
    s = sub.add_parser(
        "serve",
        help="run the MCP server on stdio",
        description="Run the MCP server (stdio) with the tools find_migrations, plan_change, render_migration, "
        "lint_sql, preflight_sql, verify_migration and migration_status. "
        "Logs go to stderr; stdout carries the protocol. A tool's `root` must lie inside one of the client's "
        "roots when the client declares them, else inside a folder given to --allow.",
    )
    s.add_argument(
        "--allow",
        nargs="+",
        metavar="PATH",
        help="folders a root may lie in when the client declares no roots (default: the working directory)",
    )
    s.set_defaults(func=cmd_serve)
    return root


def _print_any_name() -> None:
    """A file name that is not valid UTF-8 reaches Python as lone surrogates (PEP 383), which a
    strict UTF-8 stdout refuses: print its bytes as they are, as ls and git do. A stdout in
    another encoding (ASCII under some locales) gets escapes for what it cannot hold."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            utf8 = stream.encoding.lower().replace("-", "").replace("_", "") == "utf8"
            stream.reconfigure(errors="surrogateescape" if utf8 else "backslashreplace")


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    _print_any_name()
    args = parser(given[0] if given and given[0] in COMMANDS else None).parse_args(given)
    try:
        code: int = args.func(args)
        return code
    except PlanningError as exc:
        print(f"migration-manager: cannot plan this safely: {exc}", file=sys.stderr)
        return EXIT_UNSAFE
    except DatabaseError as exc:
        print(f"migration-manager: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except MigrationManagerError as exc:
        print(f"migration-manager: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # the reader stopped (`| head`): not a bug; nothing more to say
        # Python flushes stdout again at exit: point it at /dev/null so that flush fails no more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception:  # a bug: say so, with the traceback, and an exit code CI can tell apart
        import traceback

        traceback.print_exc()
        print("migration-manager: internal error (a bug): please report it with the command you ran", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
