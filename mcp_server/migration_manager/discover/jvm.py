"""JVM projects: where Liquibase and Flyway are told to look, read as Spring Boot, Maven, Gradle and
the tools themselves read it, and `classpath:` resolved against the resource roots.

Settings come from Spring configuration (application*.yml / .properties, every profile and YAML
document, relaxed key names), Maven plugin configuration (pom.xml), Gradle plugin blocks
(build.gradle, build.gradle.kts) and configuration code (`Flyway.configure().locations(...)`,
`liquibase.setChangeLog(...)` in Java or Kotlin). A value find cannot evaluate (a `${...}`
placeholder, an expression instead of a string literal, an absolute path) is reported, never
dropped.
"""

from __future__ import annotations

import re
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from .models import Problem
from .walk import MAX_BYTES, Repo, _read_head, basename, dirname

RESOURCE_TAILS = ("src/main/resources", "src/test/resources")
_SPRING_FILE = re.compile(r"(application|bootstrap)(-[\w.-]+)?\.(ya?ml|properties)$")
_CODE_EXTS = (".java", ".kt", ".groovy")
_GRADLE = ("build.gradle", "build.gradle.kts")
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
# key names after Spring's relaxed binding (lower case, no - or _), any prefix (spring., quarkus.,
# liquibase.datasources.x. for Micronaut)
_LB_KEY = re.compile(r"(^|\.)liquibase\.(.+\.)?changelog$")
_FW_KEY = re.compile(r"(^|\.)flyway\.(.+\.)?locations(\[\d+\])?$")
_SPRING_DEFAULT = re.compile(r"\$\{[^}:$]+:([^{}$]*)\}")
_MAVEN_PROP = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Setting:
    """One value naming a changelog or a Flyway location set, and where it was read."""

    values: tuple[str, ...]  # as written: "classpath:db/migration", "filesystem:sql" ...
    source: str  # the file that says so
    key: str  # how it was said: "spring.flyway.locations", "<changeLogFile>", ".locations(...)"
    line: int | None = None
    url: str | None = None  # a JDBC URL said beside it (same YAML document or properties file)


def quiet_text(repo: Repo, rel: str) -> str | None:
    """A build or source file as text, without recording a problem when it is not (a Latin-1 Java
    file is not a migration; Repo.text would report it as one)."""
    try:
        data = _read_head(repo.root / rel, MAX_BYTES)
    except OSError:
        return None
    return None if b"\x00" in data else data.decode("utf-8", errors="replace")


def module_of(path: str) -> str:
    """The build module a file belongs to: the folder above its src/, else its own folder."""
    parts = path.split("/")
    if "src" in parts:
        i = len(parts) - 1 - parts[::-1].index("src")
        return "/".join(parts[:i]) or "."
    return dirname(path)


def _roots_holding(repo: Repo) -> list[str]:
    """Resource roots, including ones whose only content is in subfolders."""
    found: set[str] = set()
    for f in repo.files:
        for tail in RESOURCE_TAILS:
            if f.startswith(tail + "/"):
                found.add(tail)
            i = f.find("/" + tail + "/")
            if i >= 0:
                found.add(f[: i + 1 + len(tail)])
    return sorted(found)


class Resolver:
    """Turns `classpath:x`, `filesystem:x`, `file:x` and bare names into repository paths."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.roots = _roots_holding(repo)
        self.files = set(repo.files)
        self._dirs: set[str] = set()
        for f in repo.files:
            parent = dirname(f)
            while parent != "." and parent not in self._dirs:
                self._dirs.add(parent)
                parent = dirname(parent)

    def exists(self, path: str, folder: bool) -> bool:
        if folder:
            return path in self._dirs or (path not in self.files and (self.repo.root / path).is_dir())
        return path in self.files

    def roots_for(self, source: str) -> list[str]:
        """Resource roots, those of the file's own module (main before test) first."""
        module = module_of(source)
        own = [r for r in self.roots if module_of(r + "/x") == module]
        return own + [r for r in self.roots if r not in own]

    def _join(self, base: str, rest: str) -> str | None:
        joined = rest if base in ("", ".") else f"{base}/{rest}"
        return self.repo.inside(joined.strip("/") or ".")

    def candidates(self, value: str, source: str, local: bool = True) -> tuple[list[str], str | None]:
        """Repository paths `value` may mean, best first, or a reason it cannot mean any. Bare
        names are classpath first (as Spring, Flyway and Liquibase read them), then files from
        the naming file's folder (unless not `local`), its module, the root."""
        value = value.strip()
        m = _SPRING_DEFAULT.fullmatch(value)
        if m:  # ${NAME:default}: what Spring uses when nothing sets NAME
            value = m.group(1)
        if "${" in value:
            return [], f"{value!r} holds a placeholder find cannot evaluate"
        kind, sep, rest = value.partition(":")
        if not sep or len(kind) == 1:  # no prefix (or a Windows drive letter)
            kind, rest = "", value
        kind = kind.lower()
        if kind not in ("", "classpath", "classpath*", "filesystem", "file"):
            return [], f"{value!r}: {kind}: locations are not in the repository"
        if rest.startswith("//"):
            rest = rest[2:]
        if (kind in ("filesystem", "file") and rest.startswith("/")) or re.match(r"[A-Za-z]:[\\/]", rest):
            return [], f"{value!r} is an absolute path, outside the repository"
        rest = rest.lstrip("/")
        here = dirname(source)
        bases: list[str] = []
        if kind in ("", "classpath", "classpath*"):
            bases += self.roots_for(source)
        if kind in ("", "filesystem", "file"):
            bases += [here, module_of(source), "."] if local else [module_of(source), "."]
        out: list[str] = []
        for base in bases:
            path = self._join(base, rest)
            if path is not None and path not in out:
                out.append(path)
        if not out and kind.startswith("classpath"):
            return [], f"{value!r}: no resource root (src/main/resources) to read the classpath from"
        if not out:
            return [], f"{value!r} points outside the repository"
        return out, None

    def file(self, value: str, source: str, local: bool = True) -> tuple[str | None, str | None]:
        paths, why = self.candidates(value, source, local)
        if why:
            return None, why
        for p in paths:
            if self.exists(p, folder=False):
                return p, None
        return None, f"{value!r}: no such file (looked at {', '.join(paths[:4])})"

    def folders(self, value: str, source: str) -> tuple[list[tuple[str, str | None]], str | None]:
        """(folder, vendor) pairs a Flyway location means, or why none: `{vendor}` (Spring Boot's
        placeholder for the database id) stands for every folder there, each its own vendor;
        `*` and `**` are Flyway's wildcards."""
        paths, why = self.candidates(value, source)
        if why:
            return [], why
        for p in paths:
            if "{vendor}" in p or "*" in p or "?" in p:
                pattern = (
                    re.escape(p)
                    .replace(re.escape("{vendor}"), "([^/]+)")
                    .replace(r"\*\*", ".*")
                    .replace(r"\*", "[^/]*")
                    .replace(r"\?", "[^/]")
                )
                hits = []
                for d in sorted(self._dirs):
                    m = re.fullmatch(pattern, d)
                    if m:
                        hits.append((d, m.group(1) if "{vendor}" in p else None))
                if hits:
                    return hits, None
            elif self.exists(p, folder=True):
                return [(p, None)], None
        return [], f"{value!r}: no such folder (looked at {', '.join(paths[:4])})"


# ---- Spring configuration -------------------------------------------------------------------


def _relaxed(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def _flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, data


def properties(text: str) -> Iterator[tuple[str, str, int]]:
    """(key, value, line) of a Java .properties file: = or : or blank separators, \\ continuations,
    # and ! comments."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i].lstrip()
        i += 1
        if not line or line[0] in "#!":
            continue
        while line.endswith("\\") and not line.endswith("\\\\") and i < len(lines):
            line = line[:-1] + lines[i].lstrip()
            i += 1
        m = re.match(r"((?:[^=:\s\\]|\\.)+)\s*[=:\s]\s*(.*)$", line)
        if m:
            yield m.group(1).replace("\\", ""), m.group(2).strip(), start + 1


def spring_settings(repo: Repo, problems: list[Problem]) -> tuple[list[Setting], list[Setting]]:
    """(changelog settings, Flyway location settings) from application*/bootstrap* files; the
    default profile's file before the profiles', main resources before test ones."""
    files = sorted(
        (p for p in repo.files if _SPRING_FILE.fullmatch(basename(p))),
        key=lambda p: ("/src/test/" in f"/{p}", "-" in basename(p), p),
    )
    changelogs: list[Setting] = []
    locations: list[Setting] = []
    for path in files:
        text = quiet_text(repo, path)
        if text is None or ("liquibase" not in text.lower() and "flyway" not in text.lower()):
            continue
        documents: list[list[tuple[str, Any, int | None]]] = []
        if path.endswith(".properties"):
            documents.append([(k, v, n) for k, v, n in properties(text)])
        else:
            try:
                documents = [[(k, v, None) for k, v in _flatten(d)] for d in yaml.safe_load_all(text) if d is not None]
            except yaml.YAMLError as exc:
                problems.append(
                    Problem(
                        severity="warning",
                        code="malformed",
                        message=f"Spring configuration does not parse as YAML: {str(exc).splitlines()[0]}",
                        path=path,
                    )
                )
                continue
        for doc in documents:
            indexed: dict[str, list[str]] = {}
            urls = {_relaxed(k): v for k, v, _ in doc if isinstance(v, str) and v.startswith("jdbc:")}
            url = next((urls[k] for k in ("spring.flyway.url", "spring.datasource.url") if k in urls), None)
            for key, value, line in doc:
                norm = _relaxed(key)
                if _LB_KEY.search(norm) and isinstance(value, str):
                    changelogs.append(Setting((value,), path, key, line))
                elif _FW_KEY.search(norm):
                    base = re.sub(r"\[\d+\]$", "", key)
                    if isinstance(value, list):
                        values = [str(v) for v in value]
                    elif isinstance(value, str):
                        values = [v for v in (s.strip() for s in value.split(",")) if v]
                    else:
                        continue
                    if base != key:  # spring.flyway.locations[0]=... lines make one list
                        indexed.setdefault(base, []).extend(values)
                    else:
                        locations.append(Setting(tuple(values), path, key, line, url))
            locations += [Setting(tuple(v), path, k, None, url) for k, v in indexed.items()]
    return changelogs, locations


# ---- Maven, Gradle, configuration code ------------------------------------------------------


def _xml_local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def maven_settings(repo: Repo, problems: list[Problem]) -> tuple[list[Setting], list[Setting], list[Setting]]:
    """(changelogs, location sets, liquibase property files) from liquibase-maven-plugin and
    flyway-maven-plugin configuration in every pom.xml, ${...} taken from the pom's properties."""
    changelogs: list[Setting] = []
    locations: list[Setting] = []
    propfiles: list[Setting] = []
    for path in (p for p in repo.files if basename(p) == "pom.xml"):
        text = quiet_text(repo, path)
        if text is None or ("liquibase" not in text and "flyway" not in text):
            continue
        try:
            root = ET.fromstring(text)
        except ET.ParseError as exc:
            problems.append(Problem(severity="warning", code="malformed", message=f"pom.xml: {exc}", path=path))
            continue
        module = dirname(path)
        props = {"basedir": module, "project.basedir": module}
        for el in root.iter():
            if _xml_local(el.tag) == "properties":
                for p in el:
                    props.setdefault(_xml_local(p.tag), (p.text or "").strip())

        def expand(value: str, props: dict[str, str] = props, module: str = module) -> str:
            for _ in range(5):
                new = _MAVEN_PROP.sub(lambda m: props.get(m.group(1), m.group(0)), value)
                if new == value:
                    break
                value = new
            if value == module or value.startswith(module + "/"):
                value = "filesystem:" + value.removeprefix(module).lstrip("/")
            return value

        for plugin in root.iter():
            if _xml_local(plugin.tag) != "plugin":
                continue
            artifact = next((c.text or "" for c in plugin if _xml_local(c.tag) == "artifactId"), "")
            for el in plugin.iter():
                tag = _xml_local(el.tag)
                value = (el.text or "").strip()
                if "liquibase" in artifact and tag == "changeLogFile" and value:
                    changelogs.append(Setting((expand(value),), path, "<changeLogFile>"))
                elif "liquibase" in artifact and tag == "propertyFile" and value:
                    propfiles.append(Setting((expand(value),), path, "<propertyFile>"))
                elif "flyway" in artifact and tag == "locations":
                    values = [expand((c.text or "").strip()) for c in el if (c.text or "").strip()]
                    if not values and value:
                        values = [expand(v.strip()) for v in value.split(",") if v.strip()]
                    if values:
                        locations.append(Setting(tuple(values), path, "<locations>"))
    return changelogs, locations, propfiles


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _call_args(text: str, start: int) -> str:
    """The text of a bracketed argument list starting at text[start] ('(' or '[' ), or up to the
    end of the line."""
    opening = text[start] if start < len(text) else ""
    if opening not in "([":
        end = text.find("\n", start)
        return text[start : end if end >= 0 else len(text)]
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
        elif c in "\"'":
            m = _STRING.match(text, i)
            if m:
                i = m.end() - 1
        i += 1
    return text[start + 1 :]


def _strings(args: str) -> tuple[list[str], bool]:
    """String literals in an argument list, and whether it holds anything else (a variable, a
    constant, a concatenation)."""
    found = [m.group(1) if m.group(1) is not None else m.group(2) for m in _STRING.finditer(args)]
    rest = _STRING.sub("", args)
    rest = re.sub(r"\b(arrayOf|listOf|mutableListOf|setOf|new|String|Location|Arrays\.asList|List\.of)\b", "", rest)
    rest = re.sub(r"//[^\n]*|/\*.*?\*/", "", rest, flags=re.S)
    return found, bool(re.search(r"[\w$+]", rest))


_CODE_LOCATIONS = re.compile(r"(?:\.locations|\bsetLocations|\blocations\s*=)\s*(?=[(\[]|\w+\s*\()")
_CODE_CHANGELOG = re.compile(r"(?:\bsetChangeLog\s*\(|\.changeLog\s*\(|\bchangeLog\s*=|\bchange[lL]ogFile\s*=)\s*")
# @Value("${spring.flyway.locations:classpath:db/x}") private String locations;  (Kotlin: \${...}, var x)
_VALUE_BINDING = re.compile(
    r'@Value\(\s*"\\?\$\{([^}:"]+)(?::([^}"]*))?\}"\s*\)\s*'
    r"(?:(?:private|protected|public|final|lateinit|var|val|static)\s+)*(?:[\w.<>\[\]]+\s+)?(\w+)"
)
_GRADLE_CHANGELOG = re.compile(r"""["']?\bchange[lL]ogFile["']?\s*(?:[:=(]|\bto\b)?\s*\(?\s*(?=["'])""")
_GRADLE_LOCATIONS = re.compile(r"\blocations\s*(?:=|\+=)?\s*(?:arrayOf|listOf|mutableListOf)?\s*(?=[(\[\"'])")


def code_settings(repo: Repo, problems: list[Problem]) -> tuple[list[Setting], list[Setting]]:
    """(changelogs, location sets) from Gradle plugin blocks and Java / Kotlin / Groovy code that
    configures Flyway or Liquibase; what is not a string literal is reported."""
    changelogs: list[Setting] = []
    locations: list[Setting] = []
    for path in repo.files:
        name = basename(path)
        gradle = name in _GRADLE
        if not gradle and not (name.endswith(_CODE_EXTS) and f"/{path}".count("/src/") and "/test/" not in path):
            continue
        text = quiet_text(repo, path)
        if text is None:
            continue
        lower = text.lower()
        bindings = {m.group(3): (m.group(1), m.group(2)) for m in _VALUE_BINDING.finditer(text)}
        if "flyway" in lower:
            pattern = _GRADLE_LOCATIONS if gradle else _CODE_LOCATIONS
            for m in pattern.finditer(text):
                end = m.end()
                while end < len(text) and text[end] not in "([\"'\n":
                    end += 1  # arrayOf / listOf / Location between = and the bracket
                args = _call_args(text, end)
                values, other = _strings(args)
                line = _line(text, m.start())
                bound = bindings.get(args.strip().lstrip("*").strip()) if not values else None
                if bound is not None and (bound[1] or _relaxed(bound[0]).startswith("spring.flyway.")):
                    # a field Spring fills from a property: spring.flyway.locations is read from the
                    # configuration files; a default given here counts as one more setting
                    if bound[1]:
                        defaults = tuple(v.strip() for v in bound[1].split(",") if v.strip())
                        locations.append(Setting(defaults, path, f"@Value default of {bound[0]}", line))
                    continue
                if values:
                    locations.append(Setting(tuple(values), path, "locations", line))
                if other or not values:
                    problems.append(
                        Problem(
                            severity="warning",
                            code="unresolved_location",
                            message=f"line {line}: Flyway locations set from an expression find cannot evaluate"
                            + (f" (read only the literals {', '.join(values)})" if values else ""),
                            path=path,
                        )
                    )
        if "liquibase" in lower:
            pattern = _GRADLE_CHANGELOG if gradle else _CODE_CHANGELOG
            for m in pattern.finditer(text):
                after = text[m.end() :]
                s = _STRING.match(after.lstrip("( \t"))
                line = _line(text, m.start())
                if s:
                    changelogs.append(Setting((s.group(1) or s.group(2) or "",), path, "changelog", line))
                elif not gradle:
                    problems.append(
                        Problem(
                            severity="warning",
                            code="unresolved_changelog",
                            message=f"line {line}: Liquibase changelog set from an expression find cannot evaluate",
                            path=path,
                        )
                    )
    return changelogs, locations


def liquibase_properties(repo: Repo, extra: list[Setting]) -> list[Setting]:
    """changeLogFile of liquibase.properties files (and of property files a pom names)."""
    files = [p for p in repo.files if basename(p) == "liquibase.properties"]
    resolver = Resolver(repo)
    for s in extra:
        target, _ = resolver.file(s.values[0], s.source)
        if target and target not in files:
            files.append(target)
    out = []
    for path in files:
        for key, value, line in properties(quiet_text(repo, path) or ""):
            if _relaxed(key).rpartition(".")[2] == "changelogfile" and value:
                out.append(Setting((value,), path, key, line))
    return out


@dataclass(frozen=True)
class Settings:
    changelogs: list[Setting]  # liquibase.properties, Spring, Maven, Gradle and code, in that order
    locations: list[Setting]  # Spring, Maven, Gradle and code (flyway.conf / .toml are Flyway's own)


_CACHE: dict[int, tuple[weakref.ref[Repo], Settings]] = {}


def settings(repo: Repo) -> Settings:
    """Every JVM setting of the repository, read once for both detectors; what cannot be read or
    evaluated goes to the repository's problems, once."""
    hit = _CACHE.get(id(repo))
    if hit is not None and hit[0]() is repo:
        return hit[1]
    for key in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[key]
    problems: list[Problem] = []
    spring_changelogs, spring_locations = spring_settings(repo, problems)
    maven_changelogs, maven_locations, propfiles = maven_settings(repo, problems)
    code_changelogs, code_locations = code_settings(repo, problems)
    found = Settings(
        liquibase_properties(repo, propfiles) + spring_changelogs + maven_changelogs + code_changelogs,
        spring_locations + maven_locations + code_locations,
    )
    repo.problems.extend(problems)
    _CACHE[id(repo)] = (weakref.ref(repo), found)
    return found


def describe(s: Setting) -> str:
    where = f"{s.source}:{s.line}" if s.line else s.source
    return f"{s.key} in {where}"
