"""Liquibase: the master changelog (XML, YAML, JSON or formatted SQL), followed through include
and includeAll, every changeSet as id::author with its contexts and labels."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import PurePosixPath
from typing import Any

import yaml

from ..naming import NAME, next_number, next_timestamp
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_MASTER_NAMES = re.compile(r"(db\.)?changelog[-_.]?(master|root|main)?\.(xml|ya?ml|json|sql)$", re.I)
_EXTS = (".xml", ".yaml", ".yml", ".json", ".sql")
_CHANGESET = re.compile(r"^--\s*changeset\s+([^:\s]+):(\S+)(.*)$", re.I)
_URL = re.compile(r"jdbc:(\w+):")
# Change types Liquibase can roll back by itself.
_AUTO_ROLLBACK = {
    "createTable",
    "addColumn",
    "createIndex",
    "renameColumn",
    "renameTable",
    "addForeignKeyConstraint",
    "addUniqueConstraint",
    "addPrimaryKey",
    "addNotNullConstraint",
    "dropNotNullConstraint",
    "createView",
    "addDefaultValue",
    "createSequence",
    "renameView",
    "addLookupTable",
    "createProcedure",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Reader:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.entries: list[MigrationEntry] = []
        self.problems: list[Problem] = []
        self.visited: set[str] = set()

    def problem(self, code: str, message: str, path: str | None, severity: str = "error") -> None:
        self.problems.append(
            Problem(severity="error" if severity == "error" else "warning", code=code, message=message, path=path)
        )

    def read(self, path: str) -> None:
        if path in self.visited:
            return
        self.visited.add(path)
        text = self.repo.text(path)
        if text is None:
            return
        try:
            if path.endswith(".xml"):
                self._xml(path, text)
            elif path.endswith((".yaml", ".yml")):
                self._data(path, yaml.safe_load(text))
            elif path.endswith(".json"):
                self._data(path, json.loads(text))
            elif path.endswith(".sql"):
                self._sql(path, text)
        except (ET.ParseError, yaml.YAMLError, json.JSONDecodeError) as exc:
            self.problem("malformed", f"cannot parse: {str(exc).splitlines()[0]}", path)

    def include(self, base: str, file: str, relative: bool, where: str) -> None:
        target = str(PurePosixPath(base).parent / file) if relative else file
        target = self.repo.inside(target.lstrip("/")) or ""
        if target not in self.repo.files:
            self.problem("broken_include", f"include of {file!r} points nowhere", where)
            return
        self.read(target)

    def include_all(self, base: str, folder: str, relative: bool, where: str) -> None:
        target = str(PurePosixPath(base).parent / folder) if relative else folder
        target = (self.repo.inside(target.strip("/")) or "").rstrip("/")
        files = sorted(p for p in self.repo.under(target) if p.endswith(_EXTS))
        if not files:
            self.problem("broken_include", f"includeAll of {folder!r} finds no changelog files", where)
        for f in files:
            self.read(f)

    def changeset(self, path: str, cs_id: Any, author: Any, has_down: bool | None, extra: str = "") -> None:
        if not isinstance(cs_id, str | int) or not isinstance(author, str | int):
            self.problem("malformed", "changeSet without id or author", path)
            return
        self.entries.append(
            MigrationEntry(id=f"{cs_id}::{author}", name=str(cs_id), path=path, has_down=has_down, kind=extra or None)
        )

    def _xml(self, path: str, text: str) -> None:
        root = ET.fromstring(text)
        for child in root:
            tag = _local(child.tag)
            relative = child.get("relativeToChangelogFile", "false").lower() == "true"
            if tag == "include":
                self.include(path, child.get("file", ""), relative, path)
            elif tag == "includeAll":
                self.include_all(path, child.get("path", ""), relative, path)
            elif tag == "changeSet":
                changes = [_local(c.tag) for c in child]
                has_down = "rollback" in changes or (
                    bool(changes)
                    and all(
                        c in _AUTO_ROLLBACK for c in changes if c not in ("comment", "preConditions", "validCheckSum")
                    )
                )
                extra = ";".join(f"{k}={child.get(k)}" for k in ("context", "contextFilter", "labels") if child.get(k))
                self.changeset(path, child.get("id"), child.get("author"), has_down, extra)

    def _data(self, path: str, data: Any) -> None:
        items = data.get("databaseChangeLog") if isinstance(data, dict) else None
        if not isinstance(items, list):
            self.problem("malformed", "no databaseChangeLog list", path)
            return
        for item in items:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("include"), dict):
                inc = item["include"]
                self.include(path, str(inc.get("file", "")), bool(inc.get("relativeToChangelogFile")), path)
            elif isinstance(item.get("includeAll"), dict):
                inc = item["includeAll"]
                self.include_all(path, str(inc.get("path", "")), bool(inc.get("relativeToChangelogFile")), path)
            elif isinstance(item.get("changeSet"), dict):
                cs = item["changeSet"]
                changes = [next(iter(c)) for c in cs.get("changes", []) if isinstance(c, dict) and c]
                has_down = "rollback" in cs or (bool(changes) and all(c in _AUTO_ROLLBACK for c in changes))
                extra = ";".join(f"{k}={cs[k]}" for k in ("context", "contextFilter", "labels") if cs.get(k))
                self.changeset(path, cs.get("id"), cs.get("author"), has_down, extra)

    def _sql(self, path: str, text: str) -> None:
        if not text.lstrip().lower().startswith("--liquibase formatted sql"):
            return
        current: tuple[str, str, str] | None = None
        rollback = False
        for line in [*text.splitlines(), "--changeset end:end"]:
            m = _CHANGESET.match(line.strip())
            if m:
                if current:
                    self.changeset(path, current[1], current[0], rollback, current[2])
                current, rollback = (m.group(1), m.group(2), m.group(3).strip().replace(" ", ";")), False
            elif line.strip().lower().startswith("--rollback"):
                rollback = True


def _masters(repo: Repo) -> list[str]:
    configured = []
    for path in repo.files:
        if basename(path) == "liquibase.properties":
            for line in (repo.text(path) or "").splitlines():
                key, _, value = line.partition(":") if ":" in line.split("=")[0] else line.partition("=")
                if key.strip() in ("changeLogFile", "changelog-file"):
                    configured.append(str(PurePosixPath(path).parent / value.strip()).removeprefix("./"))
    named = [p for p in repo.files if _MASTER_NAMES.search(basename(p))]
    return sorted(set(configured)) or sorted(named)


def _dialect(repo: Repo) -> str | None:
    for path in repo.files:
        if basename(path) == "liquibase.properties":
            m = _URL.search(repo.text(path) or "")
            if m:
                return m.group(1)
    return None


def find(repo: Repo) -> list[FrameworkFindings]:
    out = []
    included: set[str] = set()
    for master in _masters(repo):
        if master in included:
            continue  # a changelog another master already includes
        if master not in repo.files:
            repo.problems.append(
                Problem(
                    severity="error",
                    code="broken_include",
                    message="liquibase.properties names a changelog that does not exist",
                    path=master,
                )
            )
            continue
        reader = _Reader(repo)
        reader.read(master)
        if not reader.entries and len(reader.visited) == 1 and not reader.problems:
            continue  # a file that only looks like a changelog
        included |= reader.visited
        out.append(_findings(repo, master, reader))
    return out


def _findings(repo: Repo, master: str, reader: _Reader) -> FrameworkFindings:
    seen: dict[tuple[str, str], str] = {}
    for e in reader.entries:
        key = (e.id, e.path)
        if key in seen:
            reader.problem("duplicate_id", f"changeSet {e.id} appears twice in this file", e.path)
        seen[key] = e.path
        if e.has_down is False:
            reader.problem("missing_down", f"changeSet {e.id} has no rollback", e.path, severity="warning")
    folder = dirname(master)
    last = reader.entries[-1].path if reader.entries else master
    ids = [e.name for e in reader.entries]
    nxt = next_number(ids) if ids and all(i.isdigit() for i in ids) else next_timestamp([])
    ext = PurePosixPath(master).suffix
    return FrameworkFindings(
        framework="liquibase",
        folder=folder,
        config=master,
        migrations=reader.entries,
        heads=[reader.entries[-1].id] if reader.entries else [],
        dialect=_dialect(repo),
        naming=f"changeSets (id::author) in {ext} changelogs included from {master}; "
        "a new file must be included from it (unless an includeAll folder covers it)",
        next_id=nxt,
        next_file=f"{PurePosixPath(last).parent}/{nxt}_{NAME}{ext}",
        problems=reader.problems,
    )
