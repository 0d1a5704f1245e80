"""The analysis pipeline: DESIGN.md's steps 1-14 run in order over `Frames`.

Each step is one named function in a step module (the step number is in its
docstring): `resolve` (people, excluded actors), `fte` (steps 1, 2, 5-8), `areas`
(step 3), `roles` (step 4), `coverage` (steps 9-12), `graph` (step 13 and the
people/areas graph).  `analyze` wires them; `changes` is step 14.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import networkx as nx
import pandas as pd

from .areas import area_shares
from .coverage import (TM_GAPS, assigned_taste_makers, bus_factor, exploration_items, explorations, find_gaps,
                       presence, score)
from .fte import area_fte, assign_weeks, assign_weights, person_roles, time_average, weekly_fte, window_end
from .graph import build_graph, suggest
from .resolve import excluded_mask, exclusion_regex, resolve_people
from .roles import role_shares
from .vectors import isin, map_distinct

ACTIVITY_COLUMNS = ["id", "item", "kind", "actor", "person", "at", "week", "weight"]


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
    _graph: nx.Graph | None = field(default=None, repr=False)

    @property
    def graph(self) -> nx.Graph:
        """People and areas as a networkx graph (built on first use, then kept):
        nodes "area:<id>" / "person:<id>", edges weight = fte[p,a]."""
        if self._graph is None:
            fte_pa = self.fte.groupby(["person", "area"], as_index=False, sort=True)["fte"].sum()
            self._graph = build_graph(self.cfg, self.areas, self.people, fte_pa, self.taste_makers)
        return self._graph


def _areas_table(cfg, totals, active, area_role, score_by_area, bus, expl, gaps) -> pd.DataFrame:
    """One row per configured area, in report order (score desc, active first, id)."""
    roles = list(cfg.settings.roles)
    by_role = area_role.pivot(index="area", columns="role", values="fte").reindex(
        index=[a.id for a in cfg.areas], columns=roles).to_dict("index")
    counts = expl.groupby("area")["curated"].agg(["size", "sum"])
    tm_gap = gaps[gaps["type"].isin(TM_GAPS)].set_index("area")["type"].to_dict()
    gap_count = gaps["area"].value_counts().to_dict()
    n_expl, n_curated = counts["size"].to_dict(), counts["sum"].to_dict()
    rows = []
    for a in cfg.areas:
        row = {"id": a.id, "name": a.name or a.id, "stage": a.stage, "active": bool(active[a.id]),
               "fte": float(totals[a.id]), "score": float(score_by_area[a.id]),
               "bus_factor": bus[a.id],
               "explorations": int(n_expl.get(a.id, 0)),
               "curated": int(n_curated.get(a.id, 0)),
               "gap_count": int(gap_count.get(a.id, 0)),
               "taste_maker_gap": tm_gap.get(a.id)}
        row.update({f"fte_{r}": float(by_role[a.id][r]) for r in roles})
        rows.append(row)
    columns = ["id", "name", "stage", "active", "fte", "score", "bus_factor", "explorations", "curated",
               "gap_count", "taste_maker_gap"] + [f"fte_{r}" for r in roles]
    out = pd.DataFrame(rows, columns=columns).astype(
        {"active": bool, "fte": "float64", "score": "float64", "bus_factor": "Int64",
         "explorations": "int64", "curated": "int64", "gap_count": "int64"})
    return out.sort_values(["score", "active", "id"], ascending=[False, False, True], ignore_index=True)


def item_shares(cfg, frames, as_of: date, window_weeks: int,
                extra_weeks: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Steps 3 and 4 for every item acted on in the window, optionally widened by
    `extra_weeks` into the past.  They depend on the item and config only, so
    `build_report` computes them once for both of its analyses."""
    acts = assign_weeks(frames.activities, window_end(as_of), window_weeks + extra_weeks)
    acts = acts[~excluded_mask(acts["actor"], exclusion_regex(cfg.settings.exclude_actors))]
    return (area_shares(cfg, frames.items, pd.unique(acts["item"])),
            role_shares(cfg, acts[["item", "kind"]], frames.items))


def analyze(cfg, frames, as_of: date, window_weeks: int | None = None, *,
            shares: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> Analysis:
    """Run steps 1-13 of DESIGN.md on `frames` for the window ending the day after `as_of`.

    `shares` may give steps 3-4 precomputed by `item_shares` for a superset of the
    window's items (what-ifs and `build_report` reuse them).
    """
    window = int(window_weeks or cfg.settings.window_weeks)
    end = window_end(as_of)
    exclude = exclusion_regex(cfg.settings.exclude_actors)
    in_window = assign_weeks(frames.activities, end, window)                              # step 1
    counted = assign_weights(in_window[~excluded_mask(in_window["actor"], exclude)], cfg.weights)  # step 2

    extra = [ref for a in cfg.areas for ref in a.taste_makers if ":" in ref]
    if frames.components is not None and not frames.components.empty:
        extra += [x for x in frames.components["lead"].dropna().astype(str) if not (exclude and exclude.match(x))]
    expl_items = exploration_items(cfg, frames.items, counted)
    history = frames.activities[isin(frames.activities["item"], expl_items["id"])]  # authors may predate the window
    history = history[~excluded_mask(history["actor"], exclude)]
    actors = pd.unique(pd.concat([counted["actor"], history["actor"]], ignore_index=True))
    identities, people = resolve_people(cfg, frames.identities, actors, exclude, extra)
    person_of = dict(zip(identities["identity"], identities["person"]))
    counted = counted.assign(person=map_distinct(counted["actor"], person_of.get))

    if shares is None:
        item_areas = area_shares(cfg, frames.items, pd.unique(counted["item"]))            # step 3
        role_split = role_shares(cfg, counted[["item", "kind"]], frames.items)             # step 4
    else:
        item_areas = shares[0][isin(shares[0]["item"], pd.unique(counted["item"]))].reset_index(drop=True)
        role_split = shares[1]
    weekly = weekly_fte(cfg, counted, item_areas, role_split)                              # step 5
    fte = time_average(weekly, window, float(cfg.settings.half_life_weeks))                # step 6
    area_role, totals, active = area_fte(cfg, fte)                                         # step 7
    people = person_roles(cfg, fte, people)                                                # step 8
    people = people[people["declared"].to_numpy() | isin(people.index, pd.unique(counted["person"]))]
    fte_pa = fte.groupby(["person", "area"], as_index=False, sort=True)["fte"].sum()

    steer = assigned_taste_makers(cfg, identities, people, frames.components)
    taste_makers = presence(cfg, steer, fte_pa)                                            # step 9
    history = history.assign(person=map_distinct(history["actor"], person_of.get))
    expl = explorations(cfg, expl_items, history, counted, item_areas, people, steer)
    gaps = find_gaps(cfg, totals, active, area_role, taste_makers, expl)                  # step 10
    score_by_area = score(cfg, totals, active, area_role, gaps)                            # step 11
    bus = bus_factor(fte_pa, totals, active)                                               # step 12
    areas = _areas_table(cfg, totals, active, area_role, score_by_area, bus, expl, gaps)
    rank = {area_id: i for i, area_id in enumerate(areas["id"])}
    gaps = gaps.assign(_r=gaps["area"].map(rank)).sort_values("_r", kind="stable").drop(columns="_r")
    gaps = gaps.reset_index(drop=True)
    gap_areas = list(dict.fromkeys(gaps.loc[gaps["type"].isin(TM_GAPS), "area"]))
    suggestions = suggest(cfg, fte_pa, people, steer, gap_areas)                           # step 13

    return Analysis(cfg=cfg, as_of=as_of, window_weeks=window, end=end, identities=identities,
                    people=people, activities=counted[ACTIVITY_COLUMNS].reset_index(drop=True),
                    item_areas=item_areas, weekly=weekly, fte=fte, area_role=area_role, areas=areas,
                    taste_makers=taste_makers, gaps=gaps, explorations=expl,
                    suggestions=suggestions)


def gap_keys(analysis: Analysis) -> set[tuple[str, str, str | None]]:
    """The (area, type, role) keys of an analysis' gaps."""
    roles = [r if isinstance(r, str) else None for r in analysis.gaps["role"]]
    return set(zip(analysis.gaps["area"], analysis.gaps["type"], roles))


def changes(current: Analysis, previous: Analysis) -> dict:
    """Step 14 — gaps opened and closed between two analyses, keyed by (area, type, role);
    each list ordered by area, type, role."""
    now, before = gap_keys(current), gap_keys(previous)

    def entries(keys):
        ordered = sorted(keys, key=lambda k: (k[0], k[1], k[2] or ""))
        return [{"area": a, "type": t, **({"role": r} if r is not None else {})} for a, t, r in ordered]

    return {"opened": entries(now - before), "closed": entries(before - now)}
