"""The record types of DESIGN.md and their JSONL I/O (plain or gzip).

Records are the contract between producers (connectors, `zonemap import`) and the
store.  Unknown keys are ignored; timestamps must carry a time zone and are kept in
UTC.  Reading reports bad lines with their line number: by default they are skipped
and counted, with ``strict=True`` the first one raises :class:`RecordError`.
"""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterable, Iterator, Literal, Union

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, field_validator

ITEM_KINDS = ("issue", "pull_request", "commit", "jira_issue")
ACTIVITY_KINDS = (
    "issue_opened", "issue_commented", "issue_closed", "issue_labeled",
    "pr_opened", "pr_reviewed", "pr_commented", "pr_merged", "commit",
    "jira_created", "jira_commented", "jira_transitioned", "jira_updated",
)


def to_utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def format_time(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``, to the second: the one form the store and files use."""
    if value is None:
        return None
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Record(BaseModel):
    # defer_build: the schemas are built on first use, not at import (a report validates no record)
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    def to_json(self) -> dict:
        out = self.model_dump()
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = format_time(value)
        return out


class Item(_Record):
    type: Literal["item"] = "item"
    id: str
    source: str
    kind: Literal["issue", "pull_request", "commit", "jira_issue"]
    title: str = ""
    url: str | None = None
    repo: str | None = None
    project: str | None = None
    labels: list[str] = []
    components: list[str] = []
    epic: str | None = None
    issue_type: str | None = None
    paths: list[str] = []
    draft: bool = False
    state: str | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None

    @field_validator("created_at", "updated_at")
    @classmethod
    def _utc(cls, v):
        return None if v is None else to_utc(v)


class Activity(_Record):
    type: Literal["activity"] = "activity"
    id: str
    item: str
    kind: str  # a kind outside ACTIVITY_KINDS is kept; it weighs 0 unless [weights] names it
    actor: str
    at: AwareDatetime

    @field_validator("at")
    @classmethod
    def _utc(cls, v):
        return to_utc(v)


class Identity(_Record):
    type: Literal["identity"] = "identity"
    id: str
    name: str | None = None
    email: str | None = None


class Component(_Record):
    """A Jira component and its lead (used for `[jira] component_leads`)."""

    type: Literal["component"] = "component"
    id: str  # "jira:<PROJECT>/<component name>"
    project: str
    name: str
    lead: str | None = None  # an identity id, e.g. "jira:5b10a2844c20165700ede21g"


Record = Union[Item, Activity, Identity, Component]
RECORD_TYPES: dict[str, type[_Record]] = {
    "item": Item, "activity": Activity, "identity": Identity, "component": Component,
}


class RecordError(ValueError):
    """A bad record line; the message names the file and the line."""


@dataclass
class ReadStats:
    counts: Counter = field(default_factory=Counter)  # by record type
    unknown_types: Counter = field(default_factory=Counter)
    bad_lines: list[str] = field(default_factory=list)  # one message per bad line
    unknown_kinds: Counter = field(default_factory=Counter)  # activity kinds outside the vocabulary

    @property
    def bad(self) -> int:
        return len(self.bad_lines)


def _explain(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()) if p not in RECORD_TYPES) or "record"
    msg = err.get("msg", "invalid")
    if err.get("type") == "timezone_aware":
        msg = "timestamp has no time zone (use ISO 8601 with Z, e.g. 2026-11-02T10:00:00Z)"
    return f"{where}: {msg}"


def parse_record(obj: object) -> Record | None:
    """A record from a decoded JSON object; None for an unknown ``type``."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    cls = RECORD_TYPES.get(obj.get("type"))  # type: ignore[arg-type]
    if cls is None:
        return None
    try:
        return cls.model_validate(obj)
    except ValidationError as exc:
        raise ValueError(_explain(exc)) from None


def _open_text(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":  # mtime=0: same records, same bytes; level 6: 3x faster than 9
        return io.TextIOWrapper(gzip.GzipFile(path, mode + "b", compresslevel=6, mtime=0), encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def read_records(path: str | Path, *, strict: bool = False,
                 stats: ReadStats | None = None) -> Iterator[Record]:
    """Yield the records of a JSONL file (``.gz`` is decompressed).

    Bad lines are counted in ``stats`` (message ``FILE:LINE: reason``) and skipped, or,
    with ``strict``, raise :class:`RecordError` on the first one.
    """
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    with _open_text(path, "r") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                record = parse_record(obj)
            except ValueError as exc:  # JSONDecodeError is a ValueError
                reason = str(exc) if not isinstance(exc, json.JSONDecodeError) else f"not valid JSON ({exc.msg})"
                message = f"{path}:{lineno}: {reason}"
                if strict:
                    raise RecordError(message) from None
                stats.bad_lines.append(message)
                continue
            if record is None:
                stats.unknown_types[str(obj.get("type"))] += 1
                continue
            stats.counts[record.type] += 1
            if isinstance(record, Activity) and record.kind not in ACTIVITY_KINDS:
                stats.unknown_kinds[record.kind] += 1
            yield record


def write_records(path: str | Path, records: Iterable[Record | dict | str]) -> int:
    """Write records as JSONL (gzip when the name ends in ``.gz``); returns the count.

    A ``str`` is taken as one record already encoded as a JSON object (bulk
    producers such as `zonemap sample` format their lines themselves).
    """
    path = Path(path)
    n = 0
    with _open_text(path, "w") as fh:
        for record in records:
            if isinstance(record, str):
                fh.write(record)
            else:
                obj = record if isinstance(record, dict) else record.to_json()
                fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            n += 1
    return n
