"""Finding the config and store, and the cached analyses every view reads.

The config comes from ``ZONEMAP_CONFIG`` (default ``./zones.toml``) and the store from
``ZONEMAP_DB`` or the config's ``[store] url``, as in the CLI. Anything that stops
the dashboard from showing data raises :class:`Problem`, which the app turns into a
friendly page.

Caching: the raw frames and the config are shared resources (read-only); the
analysis of a view is ``st.cache_data`` keyed by (store url, store version, config
stamp, as-of, window, thresholds), so switching views or touching a widget that
does not change those never recomputes. The cached :class:`Model` leaves out the
per-activity frame (it is summarised per item, in numbers) so a cache hit unpickles
little; the items' text fields are joined back in :func:`item_table`, a shared
resource, so they are never copied.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from zonemap.analysis import Analysis, analyze, changes
from zonemap.config import Config, ConfigError, load_config, resolve_store_url
from zonemap.frames import Frames
from zonemap.locate import report_bounds
from zonemap.report import report_dict
from zonemap.store import Store, StoreError



class Problem(Exception):
    """Why there is nothing to show, and what to do about it (all plain text)."""

    def __init__(self, kind: str, title: str, detail: str, todo: list[str]):
        super().__init__(detail)
        self.kind, self.title, self.detail, self.todo = kind, title, detail, todo


@dataclass(frozen=True)
class Source:
    """Where the data comes from; hashable, so it keys the caches."""

    config_path: str
    config_stamp: tuple[int, int]
    store_url: str


def locate() -> tuple[Source, Config, Store]:
    """The config and store the environment names, or a :class:`Problem`."""
    path = Path(os.environ.get("ZONEMAP_CONFIG") or "zones.toml").expanduser().resolve()
    if not path.is_file():
        raise Problem("no_config", "No configuration yet",
                      f"zonemap looked for its configuration at {path} and found no file there.",
                      ["Try the demo organisation: run `zonemap demo`.",
                       "Or write a `zones.toml` (see the README's Configuration section) and run "
                       "`zonemap --config zones.toml dashboard`."])
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    try:
        cfg = _config(str(path), stamp)
    except ConfigError as exc:
        raise Problem("config_error", "The configuration has a problem", str(exc),
                      ["Fix the key named above in the file, then reload this page.",
                       "`zonemap check` validates the file from the command line."]) from None
    url = resolve_store_url(cfg, os.environ.get("ZONEMAP_DB") or None)
    try:
        store = _store(url)
    except StoreError as exc:
        raise Problem("store_error", "The store cannot be opened", str(exc),
                      ["Check `[store] url` in the config, or the ZONEMAP_DB variable."]) from None
    return Source(str(path), stamp, url), cfg, store


@st.cache_resource(show_spinner=False, max_entries=4)
def _config(path: str, stamp: tuple[int, int]) -> Config:
    return load_config(path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(url: str) -> Store:
    return Store(url)


@st.cache_data(show_spinner=False, max_entries=8)
def store_facts(url: str, version: int) -> dict:
    """What the store holds: counts, time range and the sources' cursors."""
    store = _store(url)
    first, last = store.time_range()
    return {"counts": store.counts(), "first": first, "last": last, "cursors": store.cursors(),
            "orphans": store.orphan_activities()}


def window_bounds(as_of: date, window: int, extra_weeks: int = 1) -> tuple[pd.Timestamp, pd.Timestamp]:
    """`zonemap.locate.report_bounds` as pandas timestamps: the window ending the day after
    ``as_of`` plus ``extra_weeks`` earlier weeks (the previous week's analysis needs one)."""
    start, end = report_bounds(as_of, window, extra_weeks)
    return pd.Timestamp(start), pd.Timestamp(end)


@st.cache_resource(show_spinner=False, max_entries=6)
def frames(url: str, version: int, start: pd.Timestamp, end: pd.Timestamp) -> Frames:
    """The store's frames for ``[start, end)`` (shared; callers must not modify them)."""
    return _store(url).load_frames(start, end)


def has_activity(url: str, version: int, as_of: date, window: int) -> bool:
    """Whether any activity falls in the window (the analysis needs some)."""
    start, end = window_bounds(as_of, window)
    acts = frames(url, version, start, end).activities
    return bool(((acts["at"] >= start + pd.Timedelta(days=7)) & (acts["at"] < end)).any())


def with_thresholds(cfg: Config, thresholds: tuple[tuple[str, float], ...]) -> Config:
    """A copy of ``cfg`` with the sidebar's role thresholds."""
    if all(abs(cfg.settings.min_fte(r) - v) < 1e-12 for r, v in thresholds):
        return cfg
    settings = cfg.settings.model_copy(update={"role_min_fte": {**cfg.settings.role_min_fte, **dict(thresholds)}})
    return cfg.model_copy(update={"settings": settings})


ITEM_FIELDS = ["id", "title", "url", "kind", "state", "labels", "components", "paths", "repo", "project", "draft"]


def item_stats(an: Analysis) -> pd.DataFrame:
    """Per item with counted activity (index item id): last activity, activity count, people."""
    return an.activities.groupby("item").agg(last_at=("at", "max"), activities=("id", "size"),
                                             people=("person", "nunique"))


@dataclass
class Model:
    """What every view reads, for one (source, version, as-of, window, thresholds)."""

    now: Analysis                 # activities left out (see ``items``)
    report: dict                  # the report JSON of ``now`` (DESIGN.md), changes included
    before: dict                  # the report's summary a week earlier
    item_stats: pd.DataFrame      # item_stats() of ``now`` (numbers only; see item_table)
    roles: list[str] = field(default_factory=list)


def _slim(an: Analysis) -> Analysis:
    return replace(an, activities=an.activities.iloc[0:0])


@st.cache_data(show_spinner="Analysing…", max_entries=16)
def model(source: Source, version: int, as_of: date, window: int,
          thresholds: tuple[tuple[str, float], ...]) -> Model:
    """Today's analysis and report (with the changes since a week earlier) and last week's summary."""
    cfg = with_thresholds(_config(source.config_path, source.config_stamp), thresholds)
    start, end = window_bounds(as_of, window)
    fr = frames(source.store_url, version, start, end)
    now = analyze(cfg, fr, as_of, window)
    before = analyze(cfg, fr, as_of - timedelta(days=7), window)
    return Model(now=_slim(now), report=report_dict(now, changes(now, before)),
                 before=report_dict(before)["summary"], item_stats=item_stats(now),
                 roles=list(cfg.settings.roles))


@st.cache_resource(show_spinner=False, max_entries=8)
def item_table(source: Source, version: int, as_of: date, window: int,
               thresholds: tuple[tuple[str, float], ...]) -> pd.DataFrame:
    """Items with counted activity in the window, most recent first: their fields and
    :func:`item_stats` (shared; callers must not modify it)."""
    stats = model(source, version, as_of, window, thresholds).item_stats
    items = frames(source.store_url, version, *window_bounds(as_of, window)).items
    out = items[ITEM_FIELDS].merge(stats, left_on="id", right_index=True, how="inner")
    return out.sort_values("last_at", ascending=False, kind="stable").reset_index(drop=True)


@st.cache_data(show_spinner="Recomputing the what-if…", max_entries=32)
def what_if(source: Source, version: int, as_of: date, window: int,
            thresholds: tuple[tuple[str, float], ...], away: tuple[str, ...],
            reassign: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The analysis with ``away`` people's activity removed and taste-makers reassigned:
    (report summary, areas, gaps)."""
    cfg = with_thresholds(_config(source.config_path, source.config_stamp), thresholds)
    if reassign:
        new = dict(reassign)
        cfg = cfg.model_copy(update={"areas": [
            a.model_copy(update={"taste_makers": list(new[a.id])}) if a.id in new else a for a in cfg.areas]})
    start, end = window_bounds(as_of, window, extra_weeks=0)
    fr = frames(source.store_url, version, *window_bounds(as_of, window))
    if away:
        base = model(source, version, as_of, window, thresholds).now
        gone = set(base.identities.loc[base.identities["person"].isin(away), "identity"])
        acts = fr.activities
        fr = replace(fr, activities=acts[~acts["actor"].isin(gone) & (acts["at"] >= start)])
    an = analyze(cfg, fr, as_of, window)
    return report_dict(an)["summary"], an.areas, an.gaps
