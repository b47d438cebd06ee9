"""A lint report as text (with the source line), JSON, SARIF 2.1.0 or GitHub Actions annotations."""

from __future__ import annotations

import json
from typing import Any, Literal

from .model import LintReport

OutputFormat = Literal["text", "json", "sarif", "github"]
SHOWN_FIX_LINES = 12


def short_fix(fix: str) -> list[str]:
    """The fix as shown to a person: the first lines, and where the rest is (JSON and SARIF keep it all)."""
    lines = fix.splitlines()
    if len(lines) <= SHOWN_FIX_LINES:
        return lines
    titles = [line for line in lines[SHOWN_FIX_LINES:] if line.startswith("-- migration ")]
    hidden = len(lines) - SHOWN_FIX_LINES - len(titles)
    return [
        *lines[:SHOWN_FIX_LINES],
        *titles,
        f"-- ... {hidden} more lines: --format json, or migration-manager plan --sql",
    ]


def as_text(report: LintReport, sources: dict[str, str] | None = None) -> str:
    lines: list[str] = []
    split: dict[str, list[str]] = {}  # each file's lines, split once (a file has many findings)
    for f in report.findings:
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.severity} [{f.rule}] {f.message}")
        text = (sources or {}).get(f.path) if f.statement else None  # no statement: a file not quoted (not SQL)
        if text is not None:
            source_lines = split.get(f.path)
            if source_lines is None:
                source_lines = split[f.path] = text.splitlines()
            if 0 < f.line <= len(source_lines):
                lines.append(f"    {f.line:>5} | {source_lines[f.line - 1]}")
                lines.append(f"          | {' ' * (f.column - 1)}^")
        if f.lock:
            lines.append(f"    lock: {f.lock}")
        if f.fix:
            first, *rest = short_fix(f.fix)
            lines.append(f"    instead: {first}")
            lines.extend(f"             {r}" for r in rest)
    errors, warnings = report.errors, report.warnings
    if report.dialect_note:
        lines.append(f"note: {report.dialect_note}")
    lines.extend(f"note: {note}" for note in report.project_notes)
    lines.extend(f"skipped: {note}" for note in report.skipped)
    if report.nothing_read:
        lines.append(
            "nothing lintable: no file given is one lint reads (SQL files, Alembic revisions, Django and Rails "
            f"migrations, Liquibase changelogs); {len(report.skipped)} listed as skipped"
        )
        return "\n".join(lines) + "\n"
    lines.append(
        f"{len(report.files)} file(s), {report.statements} statement(s) for {report.target}: "
        f"{errors} error(s), {warnings} warning(s)" + (f", {report.notes} note(s)" if report.notes else "")
    )
    return "\n".join(lines) + "\n"


def as_json(report: LintReport) -> str:
    """The report as JSON, one finding per line: json's C encoder writes each line (with indent=
    the pure-Python encoder wrote every value, a quarter of the time of linting 700 files).
    Text is written as it is, unless a file name is not valid UTF-8: then everything past ASCII
    is escaped (a lone surrogate as \\udcff, which json.loads turns back into the name's byte),
    so that the document stays valid UTF-8."""
    data = report.as_dict()
    findings = data.pop("findings")
    for ascii_only in (False, True):
        head = json.dumps(data, indent=2, ensure_ascii=ascii_only)[:-2]  # without the closing "\n}"
        encode = json.JSONEncoder(ensure_ascii=ascii_only).encode  # one encoder: json.dumps makes one a call
        lines = ",\n".join("    " + encode(f) for f in findings)
        text = f'{head},\n  "findings": [' + (f"\n{lines}\n  ]" if findings else "]") + "\n}\n"
        try:
            text.encode()
        except UnicodeEncodeError:
            continue
        break
    return text


def as_sarif(report: LintReport) -> str:
    """SARIF 2.1.0, as GitHub code scanning reads it: one run, the rules in the driver, one result
    per finding with its physical location."""
    from .mysql_rules import MY_BY_ID
    from .rules import BY_ID

    known: dict[str, Any] = {**BY_ID, **MY_BY_ID}
    used = sorted({f.rule for f in report.findings} | set(BY_ID))
    rules = [
        {
            "id": rid,
            "name": rid,
            "shortDescription": {"text": known[rid].summary},
            "fullDescription": {"text": known[rid].why},
            "defaultConfiguration": {"level": known[rid].severity},
            "helpUri": f"https://github.com/migration-manager/migration-manager/blob/main/docs/lint.md#{rid}",
        }
        for rid in used
    ]
    results: list[dict[str, Any]] = []
    for f in report.findings:
        text = f.message + (f"\nLock: {f.lock}" if f.lock else "") + (f"\nInstead:\n{f.fix}" if f.fix else "")
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": used.index(f.rule),
                "level": f.severity,
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.path},
                            "region": {"startLine": f.line, "startColumn": f.column},
                        }
                    }
                ],
            }
        )
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "migration-manager",
                        "informationUri": "https://github.com/migration-manager",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _escape(text: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping (% \\r \\n always; : and , in properties)."""
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def as_github(report: LintReport) -> str:
    lines = []
    for f in report.findings:
        body = f.message + ("\nInstead:\n" + "\n".join(short_fix(f.fix)) if f.fix else "")
        props = f"file={_escape(f.path, True)},line={f.line},col={f.column},title={_escape(f.rule, True)}"
        level = "notice" if f.severity == "note" else f.severity  # GitHub's word for it
        lines.append(f"::{level} {props}::{_escape(body)}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_report(report: LintReport, fmt: OutputFormat, sources: dict[str, str] | None = None) -> str:
    if fmt == "json":
        return as_json(report)
    if fmt == "sarif":
        return as_sarif(report)
    if fmt == "github":
        return as_github(report)
    return as_text(report, sources)
