"""The analysis pipeline: DESIGN.md's steps 1-14 run in order over `Frames`.

Each step is one named function in a step module (the step number is in its
docstring): `resolve` (people, excluded actors), `fte` (steps 1, 2, 5-8), `areas`
(step 3), `roles` (step 4), `coverage` (steps 9-12), `graph` (step 13 and the
people/areas graph).  `analyze` wires them on the shared work of
`prepared.prepare` (integer codes throughout); `changes` is step 14.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .coverage import (CURATING_KINDS, TM_GAPS, bus_factor, curated_pairs, curation_counts,
                       find_gaps, ordered_explorations, presence, score, taste_maker_role_mask)
from .fte import area_fte, grid_codes, person_roles, sum_grid, time_average, week_of, window_end
from .graph import build_graph, suggest
from .prepared import Prepared, prepare
from .resolve import exclusion_regex
from .vectors import as_dict, decode, expand, isin, positions

if TYPE_CHECKING:  # networkx is imported when a graph is first built, not on the report's path
    import networkx as nx

class Lazy:
    """A dataclass field that may be given as a function of no arguments: it is called
    on first read and its result kept. The per-activity frames are built this way, so a
    report (which never reads them) does not pay for them."""

    def __set_name__(self, owner, name):
        self.slot = "_lazy_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.slot)  # no default: the field stays required
        value = obj.__dict__[self.slot]
        if callable(value):
            value = obj.__dict__[self.slot] = value()
        return value

    def __set__(self, obj, value):
        obj.__dict__[self.slot] = value


@dataclass
class Analysis:
    """Everything one run of the analysis computed; the dashboard reads these frames."""

    cfg: object
    as_of: date
    window_weeks: int
    end: pd.Timestamp            # midnight UTC after as_of
    identities: pd.DataFrame     # identity, person
    people: pd.DataFrame         # index person id; name, team, declared_role, inferred_role, fte, share_<role>, declared
    activities: pd.DataFrame = Lazy()  # counted activities: id, item, kind, actor, person, at, week, weight
    item_areas: pd.DataFrame = Lazy()  # item, area, share (area may be "(unmapped)")
    weekly: pd.DataFrame = Lazy()      # person, week, area, role, fte   -- FTE[p,k,a,r]
    fte: pd.DataFrame = Lazy()   # person, area, role, fte         -- fte[p,a,r]
    fte_pa: pd.DataFrame = Lazy()  # person, area, fte (sorted)    -- Σ_r fte[p,a,r]
    area_role: pd.DataFrame      # area, role, fte                 -- F[a,r], every configured area x role
    areas: pd.DataFrame          # one row per configured area in report order
    taste_makers: pd.DataFrame   # area, person, fte, present, origin ("config" | "jira")
    gaps: pd.DataFrame           # area, type, role, fte, min -- in report order
    explorations: pd.DataFrame   # item, area, author, curated, title, url
    suggestions: dict[str, list[tuple[str, float]]]
    _graph: nx.Graph | None = field(default=None, repr=False)

    @property
    def graph(self) -> nx.Graph:
        """People and areas as a networkx graph (built on first use, then kept):
        nodes "area:<id>" / "person:<id>", edges weight = fte[p,a]."""
        if self._graph is None:
            self._graph = build_graph(self.cfg, self.areas, self.people, self.fte_pa, self.taste_makers)
        return self._graph


def _areas_table(cfg, totals, active, area_role, score_by_area, bus, expl, gaps) -> pd.DataFrame:
    """One row per configured area, in report order (score desc, active first, id)."""
    roles = list(cfg.settings.roles)
    f_ar = dict(zip(zip(area_role["area"].tolist(), area_role["role"].tolist()), area_role["fte"].tolist()))
    tm_gap: dict[str, str] = {}
    gap_count: dict[str, int] = {}
    for area, kind in zip(gaps["area"].tolist(), gaps["type"].tolist()):  # a few dozen rows: plain Python
        gap_count[area] = gap_count.get(area, 0) + 1
        if kind in TM_GAPS:
            tm_gap[area] = kind
    n_expl, n_curated = curation_counts(expl)
    active, totals, score_by_area, bus = as_dict(active), as_dict(totals), as_dict(score_by_area), as_dict(bus)
    rows = []
    for a in cfg.areas:
        row = {"id": a.id, "name": a.name or a.id, "stage": a.stage, "active": bool(active[a.id]),
               "fte": float(totals[a.id]), "score": float(score_by_area[a.id]),
               "bus_factor": bus[a.id],
               "explorations": int(n_expl.get(a.id, 0)),
               "curated": int(n_curated.get(a.id, 0)),
               "gap_count": int(gap_count.get(a.id, 0)),
               "taste_maker_gap": tm_gap.get(a.id)}
        row.update({f"fte_{r}": float(f_ar.get((a.id, r), np.nan)) for r in roles})
        rows.append(row)
    columns = ["id", "name", "stage", "active", "fte", "score", "bus_factor", "explorations", "curated",
               "gap_count", "taste_maker_gap"] + [f"fte_{r}" for r in roles]
    out = pd.DataFrame(rows, columns=columns).astype(
        {"active": bool, "fte": "float64", "score": "float64", "bus_factor": "Int64",
         "explorations": "int64", "curated": "int64", "gap_count": "int64"})
    return out.sort_values(["score", "active", "id"], ascending=[False, False, True], ignore_index=True)


def item_shares(cfg, frames, as_of: date, window_weeks: int, extra_weeks: int = 0) -> Prepared:
    """The older name of `prepared.prepare`: the work analyses of the `window_weeks +
    extra_weeks` weeks ending the day after `as_of` share (steps 3-4 included)."""
    return prepare(cfg, frames, as_of, window_weeks, extra_weeks)


def _frame(columns: dict) -> pd.DataFrame:
    return pd.DataFrame(columns, copy=False)


def _person_area(codes: dict, persons: np.ndarray, areas: np.ndarray) -> pd.DataFrame:
    """``Σ_r fte[p,a,r]`` from step 6's codes (persons and areas sorted, so code order is
    name order): the frame ``fte.groupby(["person", "area"]).sum()`` gives, summed on one
    integer key (the same compensated sums, row by row); rows without a person or area
    are left out, as that groupby leaves out missing keys."""
    keep = (codes["p"] >= 0) & (codes["a"] >= 0)
    n = max(len(areas), 1)
    summed = pd.Series(codes["fte"][keep], copy=False).groupby(codes["p"][keep] * n + codes["a"][keep],
                                                               sort=True).sum()
    key = summed.index.to_numpy()
    return _frame({"person": decode(persons, key // n), "area": decode(areas, key % n),
                   "fte": summed.to_numpy(dtype="float64")})


@contextmanager
def paused_gc():
    """Python's cycle collector off for a block.  The analysis allocates many small
    objects and makes no cycles that matter, while the frames' list columns keep about
    a million objects alive that every full collection walks: at scale that is a
    quarter of a second per report.  Nesting and other threads are safe (whoever found
    it enabled turns it back on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def analyze(cfg, frames, as_of: date, window_weeks: int | None = None, *,
            prepared: Prepared | None = None, shares: Prepared | None = None) -> Analysis:
    """Run steps 1-13 of DESIGN.md on `frames` for the window ending the day after `as_of`.

    `prepared` (or its older name `shares`) may give `prepare(cfg, frames, ...)` made
    for a span that holds this window (`build_report` and what-ifs share it); it is used
    only for these very frames and a config that agrees on what it read
    (`Prepared.serves`), else the work is done afresh.
    """
    with paused_gc():
        return _analyze(cfg, frames, as_of, window_weeks, prepared or shares)


def window_gaps(cfg, frames, as_of: date, window_weeks: int | None = None, *,
                prepared: Prepared | None = None) -> pd.DataFrame:
    """Steps 1-10 only: the window's gaps (columns area, type, role, fte, min; config
    order), all `changes` needs of the earlier analysis.  The same computation as
    `analyze`, without the ranking, the suggestions and the per-activity frames."""
    with paused_gc():
        return _analyze(cfg, frames, as_of, window_weeks, prepared, full=False)


def _analyze(cfg, frames, as_of: date, window_weeks: int | None, prep: Prepared | None,
             full: bool = True) -> Analysis | pd.DataFrame:
    window = int(window_weeks or cfg.settings.window_weeks)
    end = window_end(as_of)
    if prep is None or not prep.serves(cfg, frames, end, window):
        prep = prepare(cfg, frames, as_of, window)
    frames = prep.frames
    sel, week = week_of(prep.at, end, window)                                   # steps 1-2 (weights: prepare)
    i, k, u, weight = prep.item[sel], prep.kind[sel], prep.actor[sel], prep.weight[sel]

    exclude = exclusion_regex(cfg.settings.exclude_actors)
    extra = [ref for a in cfg.areas for ref in a.taste_makers if ":" in ref]
    if frames.components is not None and not frames.components.empty:
        extra += [x for x in frames.components["lead"].dropna().astype(str) if not (exclude and exclude.match(x))]
    expl_codes = pd.unique(i[prep.explore[i]])                                  # explorations of the window
    in_expl = np.zeros(len(prep.item_ids), dtype=bool)
    in_expl[expl_codes] = True
    history = prep.history_actor[in_expl[prep.history_item]]                    # authors may predate the window
    resolved = prep.people(pd.unique(np.concatenate([u, history])), extra)
    identities, people, p_of_actor, persons = resolved
    p = p_of_actor[u]

    sizes = {"p": len(persons), "a": len(prep.areas), "r": len(prep.roles)}
    by_week = prep.weekly(cfg, resolved, end, window, sel, week)                  # step 5 (3-4: prepare)
    codes = time_average(by_week, window, float(cfg.settings.half_life_weeks), sizes)     # step 6
    n_roles, col = len(cfg.settings.roles), grid_codes(cfg.settings.roles, prep.roles)[codes["r"]]
    area_role, totals, active = area_fte(cfg, None, sum_grid(                               # step 7
        grid_codes([a.id for a in cfg.areas], prep.areas)[codes["a"]], col, codes["fte"], len(cfg.areas), n_roles))
    people = person_roles(cfg, None, people, sum_grid(                                     # step 8
        grid_codes(people.index, persons)[codes["p"]], col, codes["fte"], len(people), n_roles))
    acted = np.zeros(len(persons), dtype=bool)
    acted[p] = True
    people = people[people["declared"].to_numpy() | isin(people.index, persons[acted])]
    fte_pa = _person_area(codes, persons, prep.areas)

    steer = prep.steer(cfg, resolved)
    taste_makers = presence(cfg, steer, fte_pa)                                            # step 9
    left, right = expand(prep.shares_by_item, expl_codes)  # each exploration's configured areas
    area = prep.shares_by_item["a"][right]
    keep = prep.configured[area] & (prep.shares_by_item["share"][right] > 0)
    item, area = expl_codes[left[keep]], area[keep]
    opener = prep.opener[item]
    author = np.where(opener >= 0, p_of_actor[opener], -1)
    curating = np.isin(prep.kinds, CURATING_KINDS)[k] & in_expl[i]
    curated = curated_pairs(item, area, author, i[curating], p[curating],                # step 10 (`explorations`)
                            positions(prep.areas, steer["area"]), positions(persons, steer["person"]),
                            taste_maker_role_mask(cfg, people, persons))
    if full:
        expl = ordered_explorations(_frame({
            "item": pd.array(prep.item_ids[item], dtype="str"), "area": decode(prep.areas, area),
            "author": decode(persons, author),
            "title": frames.items["title"].array.take(prep.stored_row[item], allow_fill=True),
            "url": frames.items["url"].array.take(prep.stored_row[item], allow_fill=True)}), curated)
    else:  # all find_gaps reads of them
        expl = _frame({"area": decode(prep.areas, area), "curated": curated})
    gaps = find_gaps(cfg, totals, active, area_role, taste_makers, expl)                  # step 10
    if not full:
        return gaps
    score_by_area = score(cfg, totals, active, area_role, gaps)                            # step 11
    bus = bus_factor(fte_pa, totals, active)                                               # step 12
    areas = _areas_table(cfg, totals, active, area_role, score_by_area, bus, expl, gaps)
    rank = {area_id: i for i, area_id in enumerate(areas["id"])}
    gaps = gaps.assign(_r=gaps["area"].map(rank)).sort_values("_r", kind="stable").drop(columns="_r")
    gaps = gaps.reset_index(drop=True)
    gap_areas = list(dict.fromkeys(gaps.loc[gaps["type"].isin(TM_GAPS), "area"]))
    suggestions = suggest(cfg, fte_pa, people, steer, gap_areas)                           # step 13

    def item_areas() -> pd.DataFrame:                                                     # step 3 (prepare)
        counted_items = np.zeros(len(prep.item_ids), dtype=bool)
        counted_items[i] = True
        return prep.item_areas[counted_items[prep.area_rows]].reset_index(drop=True)

    def fte() -> pd.DataFrame:                                                            # step 6
        return _frame({"person": decode(persons, codes["p"]), "area": decode(prep.areas, codes["a"]),
                       "role": decode(prep.roles, codes["r"]), "fte": codes["fte"]})

    def weekly() -> pd.DataFrame:
        return _frame({"person": decode(persons, by_week["p"]), "week": by_week["week"],
                       "area": decode(prep.areas, by_week["a"]), "role": decode(prep.roles, by_week["r"]),
                       "fte": by_week["fte"]})

    def activities() -> pd.DataFrame:
        acts = frames.activities.take(prep.rows[sel])
        return _frame({"id": acts["id"].array, "item": acts["item"].array, "kind": acts["kind"].array,
                       "actor": acts["actor"].array, "person": decode(persons, p), "at": acts["at"].array,
                       "week": week, "weight": weight})

    return Analysis(cfg=cfg, as_of=as_of, window_weeks=window, end=end, identities=identities,
                    people=people, activities=activities, fte_pa=fte_pa,
                    item_areas=item_areas, weekly=weekly, fte=fte, area_role=area_role, areas=areas,
                    taste_makers=taste_makers, gaps=gaps, explorations=expl,
                    suggestions=suggestions)


def gap_keys(analysis: Analysis | pd.DataFrame) -> set[tuple[str, str, str | None]]:
    """The (area, type, role) keys of an analysis' gaps (or of a gaps frame)."""
    gaps = analysis.gaps if isinstance(analysis, Analysis) else analysis
    roles = [r if isinstance(r, str) else None for r in gaps["role"]]
    return set(zip(gaps["area"], gaps["type"], roles))


def changes(current: Analysis | pd.DataFrame, previous: Analysis | pd.DataFrame) -> dict:
    """Step 14 — gaps opened and closed between two analyses (or their gaps frames, see
    `window_gaps`), keyed by (area, type, role); each list ordered by area, type, role."""
    now, before = gap_keys(current), gap_keys(previous)

    def entries(keys):
        ordered = sorted(keys, key=lambda k: (k[0], k[1], k[2] or ""))
        return [{"area": a, "type": t, **({"role": r} if r is not None else {})} for a, t, r in ordered]

    return {"opened": entries(now - before), "closed": entries(before - now)}
