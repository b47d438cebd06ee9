"""The entry a Liquibase master changelog needs for each new changelog: in the master's own syntax
(XML, YAML or JSON), naming the file as the master's includes already name that folder (prefix and
relativeToChangelogFile), and none at all when an includeAll of the master picks the folder up
(an include next to it would run the same changeSets twice: Liquibase stops on the duplicate ids).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import yaml

Syntax = Literal["xml", "yaml", "json", "sql"]
_SUFFIXES: dict[str, Syntax] = {".xml": "xml", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".sql": "sql"}
_RESOURCES = re.compile(r"(^|.*/)src/(main|test)/resources(/|$)")
_YAML_ITEM = re.compile(r"^([ \t]*)-[ \t]+(include|includeAll|changeSet|property|preConditions)[ \t]*:", re.M)
# Where a master with no includes yet is created for a repository without one.
NEW_MASTER = "db.changelog-master.xml"


@dataclass(frozen=True)
class Master:
    """How the master changelog takes a new file of `folder` (all paths relative to the root)."""

    path: str  # the master; "" when the repository has none yet
    syntax: Syntax = "xml"
    prefix: str = ""  # the folder as the master's includes name it: "" or "changes/"
    relative: bool = True  # relativeToChangelogFile of those includes
    indent: str = "  "  # YAML: the indentation of the master's list items
    include_all: str | None = None  # the master's includeAll path that already picks the folder up


@dataclass(frozen=True)
class _Ref:
    kind: Literal["include", "includeAll"]
    name: str  # file (include) or path (includeAll), as written
    relative: bool


def _refs(syntax: Syntax, text: str) -> Iterator[_Ref]:
    """The master's own include and includeAll entries (not those of the files it includes)."""
    if syntax == "xml":
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            return
        for child in root:
            tag = child.tag.rsplit("}", 1)[-1]
            relative = child.get("relativeToChangelogFile", "false").lower() == "true"
            if tag == "include":
                yield _Ref("include", child.get("file", ""), relative)
            elif tag == "includeAll":
                yield _Ref("includeAll", child.get("path", ""), relative)
        return
    data: Any = None
    try:
        data = yaml.safe_load(text) if syntax == "yaml" else json.loads(text) if syntax == "json" else None
    except (yaml.YAMLError, json.JSONDecodeError):
        return
    items = data.get("databaseChangeLog") if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else []:
        for kind, key in (("include", "file"), ("includeAll", "path")):
            body = item.get(kind) if isinstance(item, dict) else None
            if isinstance(body, dict):
                relative = str(body.get("relativeToChangelogFile", False)).lower() == "true"
                yield _Ref(kind, str(body.get(key, "")), relative)  # type: ignore[arg-type]


def _plain(name: str) -> str:
    return name.removeprefix("classpath:").lstrip("/").rstrip("/")


def _covers(ref: _Ref, here: str, folder: str) -> bool:
    """Whether an includeAll reaches `folder` (includeAll descends into sub-folders)."""
    if ref.relative:
        top = posixpath.normpath(posixpath.join(here, ref.name))
        return top == "." or folder == top or folder.startswith(top + "/")
    name = _plain(ref.name)  # from the search path: some folder whose path ends with it
    parts = folder.split("/")
    ancestors = ("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return bool(name) and any(a == name or a.endswith("/" + name) for a in ancestors)


def _named(ref: _Ref, here: str, folder: str, changelogs: Iterable[str]) -> bool:
    """Whether an include names a changelog that lies in `folder`."""
    if ref.relative:
        return posixpath.dirname(posixpath.normpath(posixpath.join(here, ref.name))) == folder
    name = _plain(ref.name)
    return any((c == name or c.endswith("/" + name)) and posixpath.dirname(c) == folder for c in changelogs)


def read_master(root: Path, master: str | None, folder: str, changelogs: Iterable[str] = ()) -> Master:
    """How `master` (relative to the root; None: the repository has none) takes new files of
    `folder`; `changelogs`: the changelog files find_migrations reached from it."""
    if not master:
        return Master(path="")
    try:
        text = (root / master).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    syntax = _SUFFIXES.get(posixpath.splitext(master)[1].lower(), "xml")
    here = posixpath.dirname(master) or "."
    folder = posixpath.normpath(folder)
    indent = _YAML_ITEM.search(text)
    base = Master(path=master, syntax=syntax, indent=indent.group(1) if indent else "  ")
    refs = list(_refs(syntax, text))
    covering = next((r for r in refs if r.kind == "includeAll" and _covers(r, here, folder)), None)
    if covering is not None:
        return replace(base, include_all=covering.name, relative=covering.relative)
    known = list(changelogs)
    named = [r for r in refs if r.kind == "include" and _named(r, here, folder, known)]
    if named:  # as the master already names a file of that folder (the latest such include)
        last = named[-1]
        head = posixpath.dirname(last.name)
        return replace(base, prefix=head + "/" if head else "", relative=last.relative)
    includes = [r for r in refs if r.kind == "include"]
    if not includes or any(r.relative for r in includes):
        rel = Path(os.path.relpath(folder, here)).as_posix()
        return replace(base, prefix="" if rel == "." else rel + "/", relative=True)
    # the master's includes are not relative: name the file from the search path (the classpath
    # root for a master under src/main/resources, as JHipster's config/liquibase/changelog/...)
    stripped = _RESOURCES.sub("", folder, count=1) if _RESOURCES.match(folder + "/") else folder
    prefix = "" if stripped in ("", ".") else stripped.rstrip("/") + "/"
    return replace(base, prefix=prefix, relative=False)


def entry(master: Master, file: str) -> str | None:
    """The entry to add to the master for `file` (a name in the destination folder), in the master's
    syntax; None when its includeAll picks the file up, or the master is formatted SQL (whose
    include is not part of Liquibase Community)."""
    if master.include_all is not None or master.syntax == "sql":
        return None
    name = master.prefix + file
    relative = "true" if master.relative else "false"
    if master.syntax == "yaml":
        return f"{master.indent}- include: {{file: {json.dumps(name)}, relativeToChangelogFile: {relative}}}"
    if master.syntax == "json":
        return json.dumps({"include": {"file": name, "relativeToChangelogFile": master.relative}})
    return f'<include file="{name}" relativeToChangelogFile="{relative}"/>'


def includes(master: Master, files: Iterable[str]) -> list[str]:
    """The master's entries for the rendered changelogs, in the order they must run."""
    out = [entry(master, f) for f in files if f.endswith(".xml") and "/" not in f]
    return [e for e in out if e is not None]


def notes(master: Master, files: list[str], folder: Path) -> list[str]:
    """What to tell the user about the master: where the entries go, or why there are none."""
    changelogs = sorted(f for f in files if f.endswith(".xml") and "/" not in f)
    if not changelogs:
        return []
    if not master.path:
        return [
            "no Liquibase master changelog found: create one (e.g. "
            f"{NEW_MASTER} beside these files) holding changelog_includes, in that order"
        ]
    if master.syntax == "sql":
        return [
            f"the master {master.path} is formatted SQL, whose include is not part of Liquibase Community: "
            "include these changelogs from an XML, YAML or JSON master instead"
        ]
    if master.include_all is not None:
        said = [
            f"{master.path}'s includeAll of {master.include_all!r} picks these files up: add no include for them "
            "(one next to it would run their changeSets twice and Liquibase stops on the duplicate ids)"
        ]
        try:
            existing = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name not in files)
        except OSError:
            existing = []
        later = [name for name in existing if name.endswith((".xml", ".yaml", ".yml", ".json", ".sql"))]
        if later and later[-1] > changelogs[0]:
            said.append(
                f"includeAll runs files in name order and {later[-1]} sorts after {changelogs[0]}: on a new "
                "database the new changelogs would run before it; rename them (or give timestamp) so they sort last"
            )
        return said
    where = "databaseChangeLog list" if master.syntax != "xml" else "<databaseChangeLog>"
    return [
        f"add changelog_includes to {master.path} as they are, at the end of its {where} (after the existing "
        "entries, in this order)" + (", each a new element of the JSON array" if master.syntax == "json" else "")
    ]
