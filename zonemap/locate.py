"""Where a command's store, config text and report window are.

Standard library (and the compiled TOML parser) only: the console script uses this
before the CLI's own imports, to start reading a report's window early
(`read_ahead`); the CLI, the config and the store use the same functions, so both
arrive at the same file and bounds.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

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
    (`configured`; the default when None). A plain path becomes a sqlite URL; a relative
    sqlite URL from the config is relative to the config's folder (`base_dir`, else the
    working directory)."""
    if db:
        return as_url(db)
    url = configured or DEFAULT_STORE_URL
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
