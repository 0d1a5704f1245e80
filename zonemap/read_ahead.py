"""Reading a report's window before the CLI has started.

`zonemap report` spends its first half second importing typer, rich, pydantic and then
pandas, on one core, while the other idles; reading the window from SQLite is the
other big piece of work, and it needs none of those. So the console script
(`zonemap.entry`) first reads the command line and the config's few relevant keys
with the standard library, works out the store file and the window exactly as the
CLI will (`zonemap.locate`), and starts the read on other threads
(`store_read.read_ahead`). When the CLI, having validated everything, asks the store
for that window, `Store.start_loading` takes the read begun ahead only if it is for
the very same file and bounds; any other read starts afresh.

Nothing here decides anything: a command line or config it does not fully understand
(an unknown option, `--help`, a TOML error, a value of the wrong type) makes it do
nothing, and the CLI then parses, validates and reports as it always does. Nor does it
read a file that is not a zonemap store at this build's layout (an empty file, another
application's database): the CLI refuses it, or creates a store there, and a read
begun on it would only hold up the writing (`store.stored_schema` asks first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping, Sequence

from .locate import (DEFAULT_CONFIG, DEFAULT_WINDOW_WEEKS, epoch_bounds, parse_ahead, report_bounds, sqlite_file,
                     store_url, today_utc)

GLOBAL_OPTIONS = {"--config": True, "--db": True, "--debug": False}  # option: takes a value
REPORT_OPTIONS = {"--as-of": True, "--window": True, "--format": True, "--out": True}


@dataclass
class ReportRequest:
    config: Path | None  # --config / ZONEMAP_CONFIG
    db: str | None       # --db / ZONEMAP_DB
    as_of: str | None    # --as-of
    window: str | None   # --window
    fmt: str | None = None   # --format
    out: str | None = None   # --out
    debug: bool = False      # --debug


def _options(tokens: Sequence[str], known: dict[str, bool]) -> dict[str, str | bool] | None:
    """`--name value`, `--name=value` and flags, all of them known; None otherwise."""
    found: dict[str, str | bool] = {}
    i = 0
    while i < len(tokens):
        name, eq, value = tokens[i].partition("=")
        if name not in known or (eq and not known[name]):
            return None
        if known[name] and not eq:
            i += 1
            if i == len(tokens):
                return None
            value = tokens[i]
        found[name] = value if known[name] else True
        i += 1
    return found


def parse_report_request(argv: Sequence[str], env: Mapping[str, str]) -> ReportRequest | None:
    """The options of a plain `zonemap [global options] report [options]` command line;
    None for any other command line (including one asking for help)."""
    if "report" not in argv:
        return None
    at = list(argv).index("report")
    before, after = _options(argv[:at], GLOBAL_OPTIONS), _options(argv[at + 1:], REPORT_OPTIONS)
    if before is None or after is None:
        return None
    config = before.get("--config") or env.get("ZONEMAP_CONFIG") or None
    return ReportRequest(config=Path(config) if config else None,
                         db=before.get("--db") or env.get("ZONEMAP_DB") or None,
                         as_of=after.get("--as-of"), window=after.get("--window"),
                         fmt=after.get("--format"), out=after.get("--out"), debug="--debug" in before)


def report_window(request: ReportRequest) -> tuple[Path, tuple[int, int]] | None:
    """The store file and integer bounds the CLI will read for this request, from the
    config's `[settings] as_of`, `window_weeks` and `[store] url`; None when unsure."""
    path = request.config or Path(DEFAULT_CONFIG)
    try:
        data = parse_ahead(path.read_text(encoding="utf-8-sig"))  # a byte-order mark is allowed, as the config reader allows it
    except Exception:  # missing, unreadable, not TOML: the CLI says so
        return None
    settings, store = data.get("settings", {}), data.get("store", {})
    if not isinstance(settings, dict) or not isinstance(store, dict):
        return None
    as_of = request.as_of if request.as_of is not None else settings.get("as_of")
    window = request.window if request.window is not None else settings.get("window_weeks", DEFAULT_WINDOW_WEEKS)
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)
    elif as_of is None:
        as_of = today_utc()
    if isinstance(window, bool) or not isinstance(window, (int, str)):
        return None
    window = int(window)
    configured = store.get("url")
    if type(as_of) is not date or window < 1 or not (configured is None or isinstance(configured, str)):
        return None
    file = sqlite_file(store_url(request.db, configured, path.resolve().parent))
    if file is None or not file.is_file():
        return None
    from .store import SCHEMA_VERSION, stored_schema

    if stored_schema(file) != SCHEMA_VERSION:  # not a store the CLI will read as it is (one query)
        return None
    return file, epoch_bounds(*report_bounds(as_of, window))


def start(argv: Sequence[str], env: Mapping[str, str]) -> bool:
    """Begin reading the window of a `zonemap report` command line; whether it began.
    Never raises: whatever goes wrong here, the CLI finds and reports itself."""
    try:
        return start_request(parse_report_request(argv, env))
    except Exception:
        return False


def start_request(request: ReportRequest | None) -> bool:
    """`start` for a command line already parsed (None: not a plain report; nothing to do)."""
    try:
        target = report_window(request) if request is not None else None
        if target is None:
            return False
        from .frames import ANALYSIS_ITEM_COLUMNS
        from .store_read import read_ahead

        read_ahead(*target, tuple(ANALYSIS_ITEM_COLUMNS))  # what `reporting.compute_report` asks for
        return True
    except Exception:
        return False
