"""Ids and file names for the next migration, following what a repository already does."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

NAME = "NAME"  # placeholder in next_file for the new migration's name
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("_", text.lower()).strip("_") or "migration"


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def next_timestamp(existing: Iterable[str], fmt: str = "%Y%m%d%H%M%S") -> str:
    """Now, formatted, but later than every existing id of the same format (clocks and futures).
    Ids of one fixed-width digit format sort as strings, so only the largest is parsed."""
    # at the format's resolution: now with its microseconds is later than the id written earlier in
    # the same second, which then came back again (two renders in one second, one version twice)
    candidate = now_utc().replace(microsecond=0)
    candidate = _parse(candidate.strftime(fmt), fmt) or candidate
    width = len(candidate.strftime(fmt))
    same = [e for e in existing if len(e) == width and e.isdigit()]
    latest = _parse(max(same), fmt) if same else None
    if latest is not None and candidate <= latest:
        candidate = latest + timedelta(seconds=1)
    return candidate.strftime(fmt)


def _parse(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


_TOMORROW: dict[str, str] = {}


def in_the_future(stamp: str) -> bool:
    """A YYYYMMDDHHMMSS id later than tomorrow (compared as strings: same width, digits)."""
    if len(stamp) != 14 or not stamp.isdigit():
        return False
    day = now_utc().strftime("%Y%m%d")
    if day not in _TOMORROW:
        _TOMORROW.clear()
        _TOMORROW[day] = (now_utc() + timedelta(days=1)).strftime("%Y%m%d%H%M%S")
    return stamp > _TOMORROW[day]


def next_number(existing: Iterable[str]) -> str:
    """max + 1, keeping the zero padding in use (0007 -> 0008)."""
    values = [e for e in existing if e.isdigit()]
    if not values:
        return "1"
    width = max(len(v) for v in values) if any(v.startswith("0") for v in values) else 0
    return str(max(int(v) for v in values) + 1).zfill(width)


def version_key(version: str) -> tuple[int, ...]:
    """Flyway ordering: parts split on '.' or '_', compared as numbers (1.10 after 1.9)."""
    return tuple(int(p) for p in re.split(r"[._]", version) if p.isdigit())


def next_version(existing: Iterable[str]) -> str:
    versions = sorted(existing, key=version_key)
    if not versions:
        return "1"
    last = versions[-1]
    if len(last) >= 12 and last.isdigit():  # timestamps used as versions
        return next_timestamp(versions)
    parts = re.split(r"([._])", last)
    parts[-1] = str(int(parts[-1]) + 1) if parts[-1].isdigit() else parts[-1] + "1"
    return "".join(parts)


ALEMBIC_TEMPLATE = "%%(rev)s_%%(slug)s"  # Alembic's default file_template


def alembic_file_name(template: str | None, rev: str, name: str, when: datetime) -> str:
    """A revision's file name without .py, as Alembic makes it from file_template (the ini's
    doubled %% read raw); `<rev>_<name>` when the template names a token Alembic does not fill."""
    values: dict[str, str | int] = {
        "rev": rev,
        "slug": name,
        "year": when.year,
        "month": when.month,
        "day": when.day,
        "hour": when.hour,
        "minute": when.minute,
        "second": when.second,
        "epoch": int(when.replace(tzinfo=UTC).timestamp()),
    }
    try:
        return (template or ALEMBIC_TEMPLATE).replace("%%", "%") % values
    except (KeyError, ValueError, TypeError):
        return f"{rev}_{name}"
