"""Steps 9-12: taste-maker presence, gaps (with explorations and their curation),
score and bus factor."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .areas import ItemView
from .fte import TOL
from .resolve import taste_maker_resolver
from .vectors import as_dict, by_key, expand, isin

OPENING_KINDS = ("pr_opened", "issue_opened", "jira_created")
CURATING_KINDS = ("pr_reviewed", "pr_commented", "issue_commented", "jira_commented")
GAP_ORDER = {"no_taste_maker": 0, "absent_taste_maker": 1, "role_gap": 2, "uncurated_explorations": 3}
TM_GAPS = ("no_taste_maker", "absent_taste_maker")


def assigned_taste_makers(cfg, identities: pd.DataFrame, people: pd.DataFrame,
                          components: pd.DataFrame) -> pd.DataFrame:
    """Who steers which area: columns area, person, origin ("config" or "jira").

    Config entries may be person ids or identity ids (resolved to their person).  With
    ``[jira] component_leads``, the lead of a Jira component becomes a taste-maker of
    every area that selects the component by name (origin "jira"); a person both
    configured and lead keeps origin "config".
    """
    resolve = taste_maker_resolver(identities, people)
    rows = [(a.id, resolve(ref), "config") for a in cfg.areas for ref in a.taste_makers]
    jira = getattr(cfg, "jira", None)
    if jira is not None and jira.component_leads and not components.empty:
        leads = components.dropna(subset=["lead"])
        by_name: dict[str, list[str]] = {}
        for name, lead in zip(leads["name"].astype(str).str.strip().str.lower(), leads["lead"]):
            by_name.setdefault(name, []).append(lead)
        known = set(identities["identity"].tolist())
        for a in cfg.areas:
            for comp in a.components:
                for lead in by_name.get(comp.strip().lower(), []):
                    if lead in known:  # excluded leads are not people
                        rows.append((a.id, resolve(lead), "jira"))
    out = pd.DataFrame(rows, columns=["area", "person", "origin"])
    return out.drop_duplicates(["area", "person"], keep="first").reset_index(drop=True)


def presence(cfg, assigned: pd.DataFrame, fte_pa: pd.DataFrame) -> pd.DataFrame:
    """Step 9 — a taste-maker is present in an area when ``Σ_r fte[t,a,r] >= taste_maker_min_fte``.
    Columns area, person, fte, present, origin."""
    # a left join on (area, person), which fte_pa holds once each: a dict of the few
    # rows of the assigned people (a merge costs several times more)
    mine = fte_pa[isin(fte_pa["person"], assigned["person"])]
    fte = dict(zip(zip(mine["area"].tolist(), mine["person"].tolist()), mine["fte"].tolist()))
    out = assigned.copy()
    out["fte"] = np.array([fte.get(key, 0.0) for key in zip(assigned["area"].tolist(), assigned["person"].tolist())],
                          dtype="float64")
    out["present"] = out["fte"] >= float(cfg.settings.taste_maker_min_fte) - TOL
    return out[["area", "person", "fte", "present", "origin"]]


def exploration_mask(cfg, view: ItemView) -> np.ndarray:
    """Step 10 — which items of `view` are explorations: draft pull requests and items
    with an `exploration_labels` label (exact, case-insensitive).  (Only those with a
    counted activity in the window are the window's explorations.)"""
    labels = {x.strip().lower() for x in cfg.settings.exploration_labels}
    items = view.frame
    draft = items["draft"].fillna(False).astype(bool).to_numpy() & (items["kind"] == "pull_request").to_numpy()
    return view.mask("labels", labels.__contains__) | draft


def first_rows(item: np.ndarray, opening: np.ndarray, at: np.ndarray,
               id_of: Callable[[int], str]) -> tuple[np.ndarray, np.ndarray]:
    """Who opened each item, on integer codes: given an item's activities of any date
    (item codes, whether each is of an opening kind, times), its opener is the first
    opening activity, else the earliest one; ties go to the smallest activity id.
    Returns (items, the opener's row for each). `id_of(row)` gives an activity's id;
    it is asked only where kind and time tie."""
    if not len(item):
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    order = np.lexsort((at, ~opening, item))  # by item, opening kinds first, then time
    head = np.flatnonzero(np.r_[True, item[order][1:] != item[order][:-1]])
    first = order[head]
    tied = np.flatnonzero(np.r_[head[1:], len(order)] - head > 1)  # items with a second row...
    nxt = order[head[tied] + 1]
    tied = tied[(opening[nxt] == opening[first[tied]]) & (at[nxt] == at[first[tied]])]  # ...that ties the first
    for t in tied.tolist():
        run, j = [first[t]], head[t] + 1
        while j < len(order) and item[order[j]] == item[first[t]] and opening[order[j]] == opening[first[t]] \
                and at[order[j]] == at[first[t]]:
            run.append(order[j])
            j += 1
        first[t] = min(run, key=id_of)
    return item[first], first


def explorations(cfg, pairs: pd.DataFrame, curating: pd.DataFrame, people: pd.DataFrame,
                 steer: pd.DataFrame) -> pd.DataFrame:
    """Each exploration per area it maps to, with its author and whether it is curated.

    `pairs` has a row per exploration of the window and configured area it has a
    positive share in: item, area, author (the person who opened it, see `first_rows`),
    title, url.  `curating` holds the window's curating activities on explorations
    (item, person).  Curated = such an activity by another person who steers the area
    or whose inferred role is in `taste_maker_roles`.  Columns item, area, author,
    curated, title, url, ordered by area and item.  (`curated_pairs` is the rule on
    integer codes, which the analysis calls directly.)
    """
    if pairs.empty:
        return ordered_explorations(pairs, np.zeros(0, dtype=bool))
    n_pairs, n_cur = len(pairs), len(curating)
    item, _ = pd.factorize(pd.concat([pairs["item"], curating["item"]], ignore_index=True))
    person, persons = pd.factorize(pd.concat([pairs["author"], curating["person"], steer["person"]],
                                             ignore_index=True))
    area, _ = pd.factorize(pd.concat([pairs["area"], steer["area"]], ignore_index=True))
    curated = curated_pairs(item[:n_pairs], area[:n_pairs], person[:n_pairs], item[n_pairs:],
                            person[n_pairs:n_pairs + n_cur], area[n_pairs:], person[n_pairs + n_cur:],
                            taste_maker_role_mask(cfg, people, persons))
    return ordered_explorations(pairs, curated)


def taste_maker_role_mask(cfg, people: pd.DataFrame, persons) -> np.ndarray:
    """For each of `persons`: whether their inferred role is one of `taste_maker_roles`."""
    tm_people = people.index[people["inferred_role"].isin(list(cfg.settings.taste_maker_roles)).to_numpy()]
    return isin(persons, tm_people)  # not Index.isin: it makes an Arrow scalar per person


def curated_pairs(pair_item: np.ndarray, pair_area: np.ndarray, author: np.ndarray, cur_item: np.ndarray,
                  cur_person: np.ndarray, steer_area: np.ndarray, steer_person: np.ndarray,
                  is_tm: np.ndarray) -> np.ndarray:
    """Step 10's curation rule on integer codes (-1: missing): for each (exploration,
    area) pair (`pair_item`, `pair_area`, `author`), whether a curating activity on its
    item (`cur_item`, `cur_person`) is by another person who steers that area (the
    pairs `steer_area`, `steer_person`) or whose inferred role is a taste-maker role
    (`is_tm`, by person code)."""
    curated = np.zeros(len(pair_item), dtype=bool)
    if not len(pair_item):
        return curated
    missing = int(max(pair_item.max(), cur_item.max(initial=-1))) + 1
    pair_key = np.where(pair_item >= 0, pair_item, missing)  # a missing item joins missing ones, as in a merge
    cur_key = np.where(cur_item >= 0, cur_item, missing)
    pairs_by_item = by_key(pair_key, missing + 1, {"row": np.arange(len(pair_key))})
    cur_row, at = expand(pairs_by_item, cur_key)  # each curating activity x each pair of its item
    pair_row = pairs_by_item["row"][at]
    who = cur_person[cur_row]
    other = (who != author[pair_row]) & (who >= 0)  # not the author's own activity
    steers = (steer_area >= 0) & (steer_person >= 0)  # a person code is below len(is_tm)
    n = len(is_tm) + 1
    steering = np.isin(pair_area[pair_row] * n + who, steer_area[steers] * n + steer_person[steers])
    curated[pair_row[other & (np.append(is_tm, False)[who] | steering)]] = True
    return curated


def ordered_explorations(pairs: pd.DataFrame, curated: np.ndarray) -> pd.DataFrame:
    """`pairs` with their `curated` flags, as `explorations` returns them: ordered by area
    and item (a stable sort by code point, as `sort_values` does)."""
    cols = ["item", "area", "author", "curated", "title", "url"]
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "curated" else "str") for c in cols})
    out = pairs.assign(curated=curated)
    if out["area"].isna().any() or out["item"].isna().any():  # a missing key: pandas places it last
        return out.sort_values(["area", "item"], ignore_index=True)[cols]
    # codes in sorted order (Arrow sorts text by its UTF-8 bytes: by code point), then one stable lexsort
    order = np.lexsort((pd.factorize(out["item"], sort=True)[0], pd.factorize(out["area"], sort=True)[0]))
    return out.take(order).reset_index(drop=True)[cols]


def curation_counts(expl: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """Per area: how many explorations, and how many of them are curated (plain dicts,
    counted on the areas' codes: tens of thousands of rows on a big organisation)."""
    codes, areas = pd.factorize(expl["area"])
    keep = codes >= 0
    counted = np.bincount(codes[keep], minlength=len(areas))
    curated = np.bincount(codes[keep], weights=expl["curated"].to_numpy(dtype=bool)[keep], minlength=len(areas))
    areas = areas.tolist()
    return dict(zip(areas, counted.tolist())), dict(zip(areas, curated.astype("int64").tolist()))


def _cell_dict(area_role: pd.DataFrame) -> dict[tuple[str, str], float]:
    return dict(zip(zip(area_role["area"].tolist(), area_role["role"].tolist()),
                    area_role["fte"].to_numpy(dtype="float64").tolist()))


def find_gaps(cfg, totals: pd.Series, active: pd.Series, area_role: pd.DataFrame,
              taste_makers: pd.DataFrame, expl: pd.DataFrame) -> pd.DataFrame:
    """Step 10 — gaps of active areas: no_taste_maker, absent_taste_maker, role_gap
    (a required role with ``F[a,r] < role_min_fte[r]``), uncurated_explorations (3 or
    more explorations and fewer than half curated).  Columns area, type, role, fte, min;
    ordered by area (config order), type, role (config order)."""
    f_ar = _cell_dict(area_role)
    present: dict[str, bool] = {}
    for area, here in zip(taste_makers["area"].tolist(), taste_makers["present"].tolist()):
        present[area] = present.get(area, False) or bool(here)
    n_expl, n_curated = curation_counts(expl)
    active = as_dict(active)
    rows = []
    for a in cfg.areas:
        if not bool(active.get(a.id, False)):
            continue
        if a.id not in present:
            rows.append((a.id, "no_taste_maker", None, np.nan, np.nan))
        elif not present[a.id]:
            rows.append((a.id, "absent_taste_maker", None, np.nan, np.nan))
        required = set(cfg.required_roles(a))
        for role in cfg.settings.roles:
            if role in required:
                need = cfg.settings.min_fte(role)
                have = f_ar.get((a.id, role), 0.0)
                if have < need - TOL:
                    rows.append((a.id, "role_gap", role, have, need))
        n = int(n_expl.get(a.id, 0))
        if n >= 3 and 2 * int(n_curated.get(a.id, 0)) < n:
            rows.append((a.id, "uncurated_explorations", None, np.nan, np.nan))
    return pd.DataFrame(rows, columns=["area", "type", "role", "fte", "min"])


def score(cfg, totals: pd.Series, active: pd.Series, area_role: pd.DataFrame,
          gaps: pd.DataFrame) -> pd.Series:
    """Step 11 — ``F[a]·(tm + 0.5·Σ_{r required} max(0, 1 - F[a,r]/min_r) + 0.5·unc)``
    for active areas, 0 for inactive ones (a role with min 0 adds nothing)."""
    f_ar = _cell_dict(area_role)
    tm_areas = set(gaps.loc[gaps["type"].isin(TM_GAPS), "area"])
    unc_areas = set(gaps.loc[gaps["type"] == "uncurated_explorations", "area"])
    active, totals = as_dict(active), as_dict(totals)
    out = {}
    for a in cfg.areas:
        if not bool(active.get(a.id, False)):
            out[a.id] = 0.0
            continue
        short = 0.0
        for role in cfg.required_roles(a):
            need = cfg.settings.min_fte(role)
            if need > 0:
                short += max(0.0, 1.0 - f_ar.get((a.id, role), 0.0) / need)
        out[a.id] = float(totals[a.id]) * (float(a.id in tm_areas) + 0.5 * short + 0.5 * float(a.id in unc_areas))
    return pd.Series(out, dtype="float64")


def bus_factor(fte_pa: pd.DataFrame, totals: pd.Series, active: pd.Series) -> pd.Series:
    """Step 12 — the fewest people whose ``fte[p,a]`` reach at least half of ``F[a]``
    (active areas; inactive ones get NA)."""
    pa = fte_pa[isin(fte_pa["area"], totals.index) & (fte_pa["fte"] > 0).to_numpy()]
    pa = pa.sort_values(["area", "fte"], ascending=[True, False])
    before = pa.groupby("area")["fte"].cumsum() - pa["fte"]
    half = pa["area"].map(totals).astype("float64") / 2.0
    needed = (before < half - TOL).groupby(pa["area"]).sum()
    out = needed.reindex(totals.index, fill_value=0).astype("Int64")
    return out.where(active.reindex(totals.index, fill_value=False), pd.NA)
