"""The record types of DESIGN.md and their JSONL I/O (plain or gzip).

Records are the contract between producers (connectors, `zonemap import`) and the
store.  Unknown keys are ignored; timestamps must carry a time zone and are kept in
UTC.  Reading reports bad lines with their line number: by default they are skipped
and counted, with ``strict=True`` the first one raises :class:`RecordError`. A file
that cannot be read at all (a folder, a truncated or damaged ``.gz``) raises
:class:`RecordError` too, naming the file and the line reached.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterable, Iterator, Literal, Union

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, field_validator

from .atomic_file import replacing

ITEM_KINDS = ("issue", "pull_request", "commit", "jira_issue")
ACTIVITY_KINDS = (
    "issue_opened", "issue_commented", "issue_closed", "issue_labeled",
    "pr_opened", "pr_reviewed", "pr_commented", "pr_merged", "commit",
    "jira_created", "jira_commented", "jira_transitioned", "jira_updated",
)


# The years a record's time may fall in. The analysis holds times as pandas datetime64,
# which cannot go past 2262, and a report's date runs from 1970 to 2200
# (`zonemap.reporting`); a time outside these years is a bad line (docs/records.md).
FIRST_YEAR, LAST_YEAR = 1970, 2200


def to_utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def in_range_utc(value: datetime) -> datetime:
    """`to_utc`, for a time in FIRST_YEAR..LAST_YEAR (UTC); ValueError otherwise (also for
    one at the very ends of the calendar, which `to_utc` cannot even convert)."""
    try:
        utc = to_utc(value)
    except OverflowError:  # 0001-01-01T00:00:00+01:00, 9999-12-31T23:59:59-05:00
        utc = None
    if utc is None or not FIRST_YEAR <= utc.year <= LAST_YEAR:
        raise ValueError(f"year out of range ({value.isoformat()}; times must fall in the years "
                         f"{FIRST_YEAR} to {LAST_YEAR}, UTC)")
    return utc


def format_time(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``, to the second: the one form the store and files use
    (the year always in four digits)."""
    if value is None:
        return None
    return to_utc(value).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


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
        return None if v is None else in_range_utc(v)


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
        return in_range_utc(v)


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
    """A bad record line, or a records file that cannot be read; the message names the
    file (and the line) and says what to do."""


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
    if err.get("type") == "value_error" and err.get("ctx", {}).get("error") is not None:
        msg = str(err["ctx"]["error"])  # a validator's own words, without pydantic's "Value error, "
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


GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of every gzip file


def _open_records(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip. Gzip is told by its first two
    bytes, whatever the name; a file named ``.gz`` that is not gzip is refused (it may
    be damaged, or not what the name says). Raises RecordError for what cannot be read."""
    if path.is_dir():
        raise RecordError(f"{path}: is a folder, not a records file; give a .jsonl or .jsonl.gz file")
    try:
        with open(path, "rb") as probe:
            head = probe.read(2)
        if head == GZIP_MAGIC:
            return gzip.GzipFile(path, "rb")
        if head and path.suffix == ".gz":
            raise RecordError(f"{path}: named .gz but not gzip-compressed (it starts with "
                              f"{head.decode('latin-1')!r}); rename it without .gz if it is plain JSONL, "
                              f"or compress it with gzip")
        return open(path, "rb")
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror or exc}; check the path and its permissions") from None


def _unreadable(path: Path, lineno: int, exc: BaseException) -> str:
    """The one line for a file that stops being readable after `lineno` lines."""
    where = f"after line {lineno}" if lineno else "before its first line"
    if isinstance(exc, EOFError):
        return (f"{path}: the compressed data ends early, {where} (a truncated .gz: an interrupted copy "
                f"or download); copy or export the file again")
    if isinstance(exc, (gzip.BadGzipFile, zlib.error)):
        return f"{path}: damaged gzip data {where} ({exc}); copy or export the file again"
    return f"{path}: cannot read {where}: {getattr(exc, 'strerror', None) or exc}"


def read_records(path: str | Path, *, strict: bool = False,
                 stats: ReadStats | None = None) -> Iterator[Record]:
    """Yield the records of a JSONL file (gzip is decompressed).

    Each line is decoded on its own: a line that is not UTF-8 is a bad line like any
    other. Bad lines are counted in ``stats`` (message ``FILE:LINE: reason``) and
    skipped, or, with ``strict``, raise :class:`RecordError` on the first one. A file
    that cannot be read (a folder, a truncated or damaged gzip file) raises
    :class:`RecordError` whatever ``strict`` says, naming the line reached.
    """
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    lineno = 0
    try:
        with _open_records(path) as fh:
            for lineno, raw in enumerate(fh, 1):
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]  # a UTF-8 byte order mark, as some Windows tools write
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw.decode("utf-8"))
                    record = parse_record(obj)
                except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
                    if isinstance(exc, UnicodeDecodeError):
                        reason = (f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                                  f"save the file as UTF-8")
                    elif isinstance(exc, json.JSONDecodeError):
                        reason = f"not valid JSON ({exc.msg})"
                    else:
                        reason = str(exc)
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
    except (EOFError, OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise RecordError(_unreadable(path, lineno, exc)) from None


def write_records(path: str | Path, records: Iterable[Record | dict | str]) -> int:
    """Write records as JSONL (gzip when the name ends in ``.gz``); returns the count.

    A ``str`` is taken as one record already encoded as a JSON object (bulk
    producers such as `zonemap sample` format their lines themselves).

    The records go to a temporary file in the same folder, which replaces ``path`` only
    once it is complete: a failed or interrupted write leaves an existing file as it was
    and no truncated one. (A path that is not a regular file, such as ``/dev/stdout``
    or a named pipe, is written directly.)
    """
    path = Path(path)
    with replacing(path) as raw:
        return _write_lines(raw, path, records)


def _write_lines(raw: IO[bytes], path: Path, records: Iterable[Record | dict | str]) -> int:
    """Write the records to an open binary file, gzipped when `path` ends in ``.gz``
    (reproducibly: mtime 0, the header naming `path`, level 6, 3x faster than 9)."""
    n = 0
    gz = gzip.GzipFile(str(path), "wb", compresslevel=6, fileobj=raw, mtime=0) if path.suffix == ".gz" else None
    fh = io.TextIOWrapper(gz if gz is not None else raw, encoding="utf-8", newline="\n")
    for record in records:
        if isinstance(record, str):
            fh.write(record)
        else:
            obj = record if isinstance(record, dict) else record.to_json()
            fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        fh.write("\n")
        n += 1
    fh.detach()  # flushes, and leaves `raw` open: the caller syncs and closes it
    if gz is not None:
        gz.close()  # writes the gzip trailer; `raw` stays open (GzipFile never closes a fileobj)
    return n
