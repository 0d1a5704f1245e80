"""Where a command's store, config text and report window are.

Standard library (and the compiled TOML parser) only: the console script uses this
before the CLI's own imports, to start reading a report's window early
(`read_ahead`); the CLI, the config and the store use the same functions, so both
arrive at the same file and bounds.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import tomli as tomllib  # the compiled build of the parser that became the stdlib tomllib: 3x faster

DEFAULT_CONFIG = "zones.toml"
DEFAULT_STORE_URL = "sqlite:///zonemap.db"
DEFAULT_WINDOW_WEEKS = 12


def as_url(url_or_path: str) -> str:
    """A store URL as given, or a plain file path as the sqlite URL of that file."""
    if "://" in url_or_path:
        return url_or_path
    return f"sqlite:///{Path(url_or_path).expanduser().resolve()}"


def store_url(db: str | None, configured: str | None, base_dir: Path | None) -> str:
    """`--db` beats ZONEMAP_DB (the caller passes either as `db`), which beats `[store] url`
    (`configured`; the default when None). A plain path becomes a sqlite URL. A relative
    path from the config, plain or as a sqlite URL, is relative to the config's folder
    (`base_dir`, else the working directory); one from `db` to the working directory."""
    if db:
        return as_url(db)
    url = configured or DEFAULT_STORE_URL
    if "://" not in url:  # a plain path in the config: next to the config, as a sqlite:/// URL's is
        return f"sqlite:///{((base_dir or Path.cwd()) / Path(url).expanduser()).resolve()}"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url[len("sqlite:///"):]
        if rel and rel != ":memory:":
            return f"sqlite:///{((base_dir or Path.cwd()) / rel).resolve()}"
    return url


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store URL; None for an in-memory or non-SQLite store."""
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url[len("sqlite:///"):])
    return None


def sqlite_read_uri(path: Path) -> str:
    """The URI (for `sqlite3.connect(..., uri=True)` and the ADBC driver) that opens the
    store file `path` for reading only.

    That is `mode=ro`, except where SQLite could not open it so. A WAL-mode file (every
    zonemap store) is read through its `-shm` index, which SQLite creates next to it on
    first use; a process that cannot write the folder cannot create it, and `mode=ro`
    then fails ("unable to open database file"). There, when no `-shm` exists (so no
    one has the store open) and no `-wal` holds changes (which an immutable read would
    not see), the file is read as `immutable=1`: no index, no locks. Costs one
    `access()` call for a store in a writable folder."""
    uri = "file:" + quote(str(path))
    if os.access(path.parent, os.W_OK | os.X_OK):
        return uri + "?mode=ro"
    side = str(path)
    try:
        pending = os.path.exists(side + "-shm") or os.path.getsize(side + "-wal") > 0
    except OSError:  # no -wal: nothing pending
        pending = False
    return uri + ("?mode=ro" if pending or not _is_wal_file(path) else "?immutable=1")


def _is_wal_file(path: Path) -> bool:
    """Whether a SQLite file's header says WAL mode (its read and write versions are 2)."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(20)
    except OSError:
        return False
    return len(header) == 20 and header[:16] == b"SQLite format 3\x00" and header[18] == header[19] == 2


def report_bounds(as_of: date, window_weeks: int, extra_weeks: int = 1) -> tuple[datetime, datetime]:
    """The activity range a report at `as_of` needs: its window, ending the day after
    `as_of`, plus `extra_weeks` earlier weeks (one for the week-earlier report that
    `changes` compares with); UTC datetimes."""
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=timezone.utc)
    return end - timedelta(days=7 * (window_weeks + extra_weeks)), end


def epoch_bound(when: datetime | None, default: int) -> int:
    """Epoch seconds of a bound (a datetime or pandas Timestamp; naive means UTC)."""
    if when is None:
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())


def epoch_bounds(start: datetime | None, end: datetime | None) -> tuple[int, int] | None:
    """The store's integer bounds of a time range (None: no bounds at all)."""
    if start is None and end is None:
        return None
    return epoch_bound(start, -2**62), epoch_bound(end, 2**62)


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


# A config parsed ahead of the CLI (by `read_ahead`) is handed to `load_config` once,
# if the file still holds the very same text: a 3,000-person config takes 0.06 s to parse.
_parsed: tuple[str, dict] | None = None


def parse_toml(text: str) -> dict:
    """`tomllib.loads`, reusing the parse `read_ahead` made of the same text (once)."""
    global _parsed
    ahead, _parsed = _parsed, None
    if ahead is not None and ahead[0] == text:
        return ahead[1]
    return tomllib.loads(text)


def parse_ahead(text: str) -> dict:
    """Parse config text for `read_ahead` (which only reads the result), keeping the
    parse for `parse_toml`."""
    global _parsed
    data = tomllib.loads(text)
    _parsed = (text, data)
    return data
