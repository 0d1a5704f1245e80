"""The analysis pipeline: DESIGN.md's steps 1-14 run in order over `Frames`.

Each step is one named function in a step module (the step number is in its
docstring): `resolve` (people, excluded actors), `fte` (steps 1, 2, 5-8), `areas`
(step 3), `roles` (step 4), `coverage` (steps 9-12), `graph` (step 13 and the
people/areas graph).  `analyze` wires them; `changes` is step 14.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import networkx as nx
import pandas as pd


@dataclass
class Analysis:
    """Everything one run of the analysis computed; the dashboard reads these frames."""

    cfg: object
    as_of: date
    window_weeks: int
    end: pd.Timestamp            # midnight UTC after as_of
    identities: pd.DataFrame     # identity, person
    people: pd.DataFrame         # index person id; name, team, declared_role, inferred_role, fte, share_<role>, declared
    activities: pd.DataFrame     # counted activities: id, item, kind, actor, person, at, week, weight
    item_areas: pd.DataFrame     # item, area, share (area may be "(unmapped)")
    weekly: pd.DataFrame         # person, week, area, role, fte   -- FTE[p,k,a,r]
    fte: pd.DataFrame            # person, area, role, fte         -- fte[p,a,r]
    area_role: pd.DataFrame      # area, role, fte                 -- F[a,r], every configured area x role
    areas: pd.DataFrame          # one row per configured area in report order
    taste_makers: pd.DataFrame   # area, person, fte, present, origin ("config" | "jira")
    gaps: pd.DataFrame           # area, type, role, fte, min -- in report order
    explorations: pd.DataFrame   # item, area, author, curated, title, url
    suggestions: dict[str, list[tuple[str, float]]]
    graph: nx.Graph              # "area:<id>" / "person:<id>" nodes, edges weight = fte[p,a]


def analyze(cfg, frames, as_of: date, window_weeks: int | None = None) -> Analysis:
    """Run steps 1-13 of DESIGN.md on `frames` for the window ending the day after `as_of`."""
    raise NotImplementedError("being written")


def changes(current: Analysis, previous: Analysis) -> dict:
    """Step 14: gaps opened and closed between two analyses, keyed by (area, type, role)."""
    raise NotImplementedError("being written")
