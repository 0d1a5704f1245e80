"""Builders for the analysis tests: configs, records and a fixed `as_of`.

`AS_OF` is 2026-11-22, so the window ends at END = 2026-11-23T00:00Z; `ago(d)` is
`d` days before END (week 0 holds 0 < d < 7).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from connectors.records import Activity, Component, Identity, Item
from zonemap.analysis import analyze
from zonemap.config import Config
from zonemap.frames import Frames

AS_OF = date(2026, 11, 22)
END = datetime(2026, 11, 23, tzinfo=timezone.utc)

__all__ = ["AS_OF", "END", "ago", "config", "item", "act", "ident", "component", "frames", "run"]


def ago(days: float) -> datetime:
    return END - timedelta(days=days)


def config(**sections) -> Config:
    """A validated Config; `settings` is merged over small-test defaults (no exclusions changed)."""
    return Config.model_validate(sections)


def item(id: str, kind: str = "issue", **fields) -> Item:
    return Item(id=id, source=fields.pop("source", "github"), kind=kind, **fields)


_seq = iter(range(10**9))


def act(item_id: str, actor: str, kind: str = "commit", days: float = 1.0, id: str | None = None) -> Activity:
    return Activity(id=id or f"act{next(_seq)}", item=item_id, kind=kind, actor=actor, at=ago(days))


def ident(id: str, name: str | None = None, email: str | None = None) -> Identity:
    return Identity(id=id, name=name, email=email)


def component(project: str, name: str, lead: str | None) -> Component:
    return Component(id=f"jira:{project}/{name}", project=project, name=name, lead=lead)


def frames(records) -> Frames:
    return Frames.from_records(records)


def run(cfg: Config, records, as_of: date = AS_OF, window_weeks: int | None = None):
    return analyze(cfg, frames(records), as_of, window_weeks)
