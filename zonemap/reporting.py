"""From the store to a rendered report: load the window the report needs, then analyse."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

from .config import Config
from .store import Store


def report_bounds(as_of: date, window_weeks: int) -> tuple[datetime, datetime]:
    """The activity range a report at `as_of` needs: its window plus one week for the
    week-earlier report that `changes` compares with (UTC datetimes)."""
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=timezone.utc)
    return end - timedelta(days=7 * (window_weeks + 1)), end


def compute_report(cfg: Config, store: Store, as_of: date, window_weeks: int | None = None) -> dict:
    window = window_weeks or cfg.settings.window_weeks
    pending = store.start_loading(*report_bounds(as_of, window))  # SQLite works on other threads...
    from .report import build_report  # ...while pandas and the analysis are imported

    return build_report(cfg, pending.frames(), as_of, window)


def render_report(report: dict, fmt: str) -> str:
    from .report import report_csv, report_markdown

    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return report_markdown(report)
    if fmt == "csv":
        return report_csv(report)
    raise ValueError(f"unknown report format {fmt!r}")
