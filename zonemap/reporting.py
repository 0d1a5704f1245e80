"""From the store to a rendered report: load the window the report needs, then analyse."""

from __future__ import annotations

import json
from datetime import date

from .config import Config
from .config_values import AS_OF_MAX, AS_OF_MIN
from .frames import ANALYSIS_ITEM_COLUMNS
from .locate import report_bounds, today_utc
from .store import Store


# The report dates the analysis can compute (its times are pandas datetime64, which end
# in 2262; records outside 1970-2200 are refused at import): the config's range for as_of.
FIRST_AS_OF, LAST_AS_OF = AS_OF_MIN, AS_OF_MAX


def as_of_date(cfg: Config, given: str | None) -> date:
    """The report date: `--as-of` (YYYY-MM-DD; ValueError otherwise), else the config's
    `[settings] as_of`, else today (UTC). The console script's read-ahead follows this rule too."""
    if given:
        day = date.fromisoformat(given)
        if not FIRST_AS_OF <= day <= LAST_AS_OF:
            raise ValueError(f"outside {FIRST_AS_OF}..{LAST_AS_OF}")
        return day
    return cfg.settings.as_of or today_utc()


def compute_report(cfg: Config, store: Store, as_of: date, window_weeks: int | None = None) -> dict:
    window = window_weeks or cfg.settings.window_weeks
    # SQLite works on other threads (reading only the item columns the analysis uses)...
    pending = store.start_loading(*report_bounds(as_of, window), item_columns=ANALYSIS_ITEM_COLUMNS)
    from .report import build_report  # ...while pandas and the analysis are imported

    return build_report(cfg, pending.frames(), as_of, window)


def report_json(report: dict) -> str:
    """The report as JSON text: two-space indents, UTF-8 text unescaped, a final newline;
    the same bytes as ``json.dumps(report, indent=2, ensure_ascii=False) + "\\n"``, written
    by orjson (a 1.5 MB report in 0.01 s instead of 0.15 s). What orjson refuses (a
    value that is not plain JSON data) goes to the standard library, as before."""
    import orjson

    try:
        return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
    except TypeError:
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_report(report: dict, fmt: str) -> str:
    from .report import report_csv, report_markdown

    if fmt == "json":
        return report_json(report)
    if fmt == "md":
        return report_markdown(report)
    if fmt == "csv":
        return report_csv(report)
    raise ValueError(f"unknown report format {fmt!r}")
