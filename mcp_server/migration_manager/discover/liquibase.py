"""Liquibase: the master changelog (XML, YAML, JSON or formatted SQL), followed through include
and includeAll, every changeSet as id::author with its contexts and labels."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

import yaml

from ..naming import NAME, next_number, next_timestamp
from .jvm import Resolver, describe, quiet_text
from .jvm import settings as jvm_settings
from .models import FrameworkFindings, MigrationEntry, Problem
from .walk import Repo, basename, dirname

_MASTER_NAMES = re.compile(r"(db\.)?changelog[-_.]?(master|root|main)?\.(xml|ya?ml|json|sql)$", re.I)
# JHipster's config/liquibase/master.xml (Spring names it; found by name when the config is elsewhere)
_JHIPSTER_MASTER = re.compile(r"(^|/)liquibase/master\.(xml|ya?ml|json)$")
_EXTS = (".xml", ".yaml", ".yml", ".json", ".sql")
_FORMATTED = re.compile(r"\s*--\s*liquibase\s+formatted\s+sql", re.I)  # Liquibase allows the spaces
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


def _walk_values(data: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield str(k), v
            yield from _walk_values(v)
    elif isinstance(data, list):
        for v in data:
            yield from _walk_values(v)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Reader:
    def __init__(self, repo: Repo, resolver: Resolver) -> None:
        self.repo = repo
        self.resolver = resolver
        self.referenced: set[str] = set()
        self.entries: list[MigrationEntry] = []
        self.problems: list[Problem] = []
        self.visited: set[str] = set()
        self.includer: dict[str, str] = {}  # changelog -> the changelog whose include reached it first

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
        if relative:
            target: str | None = self.repo.inside(str(PurePosixPath(base).parent / file).lstrip("/"))
            why = f"include of {file!r} points nowhere"
        else:  # from the search path: the resource roots (classpath), the module, the root
            target, reason = self.resolver.file(file, base, local=False)
            why = f"include of {file!r} (relativeToChangelogFile false: classpath) points nowhere: {reason}"
        if target is None or target not in self.repo.files:
            self.problem("broken_include", why, where)
            return
        self.includer.setdefault(target, base)
        self.read(target)

    def include_all(self, base: str, folder: str, relative: bool, where: str) -> None:
        if relative:
            targets = [(self.repo.inside(str(PurePosixPath(base).parent / folder).strip("/")) or "").rstrip("/")]
        else:
            targets, _ = self.resolver.candidates(folder, base, local=False)
        files: list[str] = []
        for target in targets:
            files = sorted(p for p in self.repo.under(target) if p.endswith(_EXTS) and p != base)
            if files:
                break
        if not files:
            self.problem("broken_include", f"includeAll of {folder!r} finds no changelog files", where)
        for f in files:
            self.includer.setdefault(f, base)
            self.read(f)

    def refer(self, base: str, value: Any) -> None:
        """A file a changeSet names (sqlFile, loadData ...): not a changelog of its own."""
        if isinstance(value, str) and value:
            self.referenced.add(str(PurePosixPath(base).parent / value))
            paths, _ = self.resolver.candidates(value, base, local=False)
            self.referenced.update(paths)

    def changeset(self, path: str, cs_id: Any, author: Any, has_down: bool | None, extra: str = "") -> None:
        if not isinstance(cs_id, str | int) or not isinstance(author, str | int):
            self.problem("malformed", "changeSet without id or author", path)
            return
        self.entries.append(
            MigrationEntry(
                id=f"{cs_id}::{author}",
                name=str(cs_id),
                path=path,
                has_down=has_down,
                kind=extra or None,
                included_from=self.includer.get(path),
            )
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
                for el in child.iter():
                    self.refer(path, el.get("path") or el.get("file"))
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
                for key, value in _walk_values(cs):
                    if key in ("path", "file"):
                        self.refer(path, value)
                changes = [next(iter(c)) for c in cs.get("changes", []) if isinstance(c, dict) and c]
                has_down = "rollback" in cs or (bool(changes) and all(c in _AUTO_ROLLBACK for c in changes))
                extra = ";".join(f"{k}={cs[k]}" for k in ("context", "contextFilter", "labels") if cs.get(k))
                self.changeset(path, cs.get("id"), cs.get("author"), has_down, extra)

    def _sql(self, path: str, text: str) -> None:
        if not _FORMATTED.match(text):
            # Liquibase runs an included plain SQL file whole, as one changeSet raw::includeAll
            self.changeset(path, "raw", "includeAll", False)
            self.problem(
                "not_formatted",
                "plain SQL without a '--liquibase formatted sql' header: Liquibase runs it whole as "
                "changeSet raw::includeAll, with no rollback",
                path,
                severity="warning",
            )
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


def _masters(repo: Repo, resolver: Resolver) -> list[tuple[str, str | None]]:
    """(master, what names it) for every changelog the configuration names (Spring, the Maven and
    Gradle plugins, configuration code, liquibase.properties), then the usual file names; what
    names a changelog that is not there is a problem of the repository."""
    problems: list[Problem] = []
    settings = jvm_settings(repo).changelogs
    out: dict[str, str | None] = {}
    for s in settings:
        value = s.values[0]
        if basename(s.source) == "liquibase.properties" and not value.startswith(("classpath:", "/")):
            # the CLI's search path is where it runs (beside the file), then the classpath
            local = repo.inside(f"{dirname(s.source)}/{value}".removeprefix("./"))
            target = local if local in repo.files else resolver.file(value, s.source)[0]
            why = None if target else "names a changelog that does not exist"
        else:
            target, why = resolver.file(value, s.source)
        if target is None:
            problems.append(
                Problem(
                    severity="error",
                    code="broken_include",
                    message=f"{describe(s)} names {value!r}: {why}"
                    if basename(s.source) != "liquibase.properties"
                    else "liquibase.properties names a changelog that does not exist",
                    path=s.source
                    if basename(s.source) != "liquibase.properties"
                    else str(PurePosixPath(s.source).parent / value).removeprefix("./"),
                )
            )
            continue
        out.setdefault(target, describe(s))
    repo.problems.extend(problems)
    for p in repo.files:
        if _MASTER_NAMES.search(basename(p)) or _JHIPSTER_MASTER.search(p):
            out.setdefault(p, None)
    return list(out.items())


_ROOT_WHY = "a changelog that includes others and that no other includes"
_INCLUDES = re.compile(r"<include(All)?\b|^\s*-\s*include(All)?\s*:", re.MULTILINE)


def _roots(repo: Repo, resolver: Resolver) -> list[str]:
    """Changelogs that include other changelogs and are included by none (OpenMRS's
    liquibase-update-to-latest.xml is named only in Java code, through a variable)."""
    including = [
        p
        for p in repo.files
        if p.endswith((".xml", ".yaml", ".yml"))
        and "databaseChangeLog" in (text := repo.text(p) or "")
        and _INCLUDES.search(text)
    ]
    reached: dict[str, set[str]] = {}
    for p in including:
        reader = _Reader(repo, resolver)
        reader.read(p)
        reached[p] = reader.visited - {p}
    return [p for p in including if not any(p in seen for q, seen in reached.items() if q != p)]


def _dialect(repo: Repo) -> str | None:
    for path in repo.files:
        if basename(path) == "liquibase.properties":
            m = _URL.search(repo.text(path) or "")
            if m:
                return m.group(1)
    return None


def find(repo: Repo) -> list[FrameworkFindings]:
    resolver = Resolver(repo)
    readers: list[tuple[str, str | None, _Reader]] = []
    included: set[str] = set()
    for master, named_by in _masters(repo, resolver):
        if master in included:
            continue  # a changelog another master already includes
        reader = _Reader(repo, resolver)
        reader.read(master)
        if not reader.entries and len(reader.visited) == 1 and not reader.problems and named_by is None:
            continue  # a file that only looks like a changelog
        included |= reader.visited
        readers.append((master, named_by, reader))
    if not readers:  # no master named or called like one (or only empty ones): the changelogs no other includes
        roots: list[tuple[str, str | None, _Reader]] = []
        for master in _roots(repo, resolver):
            reader = _Reader(repo, resolver)
            reader.read(master)
            if reader.entries:
                roots.append((master, _ROOT_WHY, reader))
        if len(roots) == 1:
            readers, included = roots, roots[0][2].visited
        elif roots:
            repo.problems.append(
                Problem(
                    severity="warning",
                    code="unnamed_master",
                    message="no configuration names the Liquibase master changelog and several changelogs could be "
                    f"it (each includes others, none is included): {', '.join(m for m, _, _ in roots)}; name it "
                    "in a liquibase.properties (changeLogFile: ...) beside the build file",
                    path=roots[0][0],
                )
            )
    referenced = set().union(*(r.referenced for _, _, r in readers)) if readers else set()
    # a changelog beside the ones a master reaches (same folders), that nothing includes
    by_folder: dict[str, list[str]] = {}
    for path in repo.files:
        by_folder.setdefault(dirname(path), []).append(path)
    reported: set[str] = set()
    for master, _, reader in readers:
        for folder in sorted({dirname(p) for p in reader.visited}):
            for path in by_folder.get(folder, []):
                if path in included or path in referenced or path in reported or not path.endswith(_EXTS):
                    continue
                text = quiet_text(repo, path) or ""
                if "databaseChangeLog" in text or _FORMATTED.match(text):
                    reported.add(path)
                    reader.problem(
                        "not_included",
                        f"a changelog beside those {master} includes, that no include reaches: Liquibase never runs it",
                        path,
                        severity="warning",
                    )
    return [_findings(repo, master, named_by, reader) for master, named_by, reader in readers]


def _findings(repo: Repo, master: str, named_by: str | None, reader: _Reader) -> FrameworkFindings:
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
    ids = [e.name for e in reader.entries if e.id != "raw::includeAll"]
    nxt = next_number(ids) if ids and all(i.isdigit() for i in ids) else next_timestamp([])
    ext = PurePosixPath(master).suffix
    return FrameworkFindings(
        framework="liquibase",
        folder=folder,
        config=master,
        migrations=reader.entries,
        heads=[reader.entries[-1].id] if reader.entries else [],
        dialect=_dialect(repo),
        naming=f"changeSets (id::author) in {ext} changelogs included from {master}"
        + (f" (named by {named_by})" if named_by else "")
        + "; "
        "a new file must be included from it (unless an includeAll folder covers it)",
        next_id=nxt,
        next_file=f"{PurePosixPath(last).parent}/{nxt}_{NAME}{ext}",
        problems=reader.problems,
    )
