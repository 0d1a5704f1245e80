"""Steps 9-12: taste-maker presence, gaps (with explorations and their curation),
score and bus factor."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fte import TOL
from .resolve import resolve_taste_maker

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
    rows = [(a.id, resolve_taste_maker(ref, identities, people), "config")
            for a in cfg.areas for ref in a.taste_makers]
    jira = getattr(cfg, "jira", None)
    if jira is not None and jira.component_leads and not components.empty:
        leads = components.dropna(subset=["lead"])
        by_name: dict[str, list[str]] = {}
        for name, lead in zip(leads["name"].astype(str).str.strip().str.lower(), leads["lead"]):
            by_name.setdefault(name, []).append(lead)
        for a in cfg.areas:
            for comp in a.components:
                for lead in by_name.get(comp.strip().lower(), []):
                    if (identities["identity"] == lead).any():  # excluded leads are not people
                        rows.append((a.id, resolve_taste_maker(lead, identities, people), "jira"))
    out = pd.DataFrame(rows, columns=["area", "person", "origin"])
    return out.drop_duplicates(["area", "person"], keep="first").reset_index(drop=True)


def presence(cfg, assigned: pd.DataFrame, fte_pa: pd.DataFrame) -> pd.DataFrame:
    """Step 9 — a taste-maker is present in an area when ``Σ_r fte[t,a,r] >= taste_maker_min_fte``.
    Columns area, person, fte, present, origin."""
    out = assigned.merge(fte_pa, on=["area", "person"], how="left")
    out["fte"] = out["fte"].fillna(0.0)
    out["present"] = out["fte"] >= float(cfg.settings.taste_maker_min_fte) - TOL
    return out[["area", "person", "fte", "present", "origin"]]


def explorations(cfg, items: pd.DataFrame, everything: pd.DataFrame, counted: pd.DataFrame,
                 item_areas: pd.DataFrame, people: pd.DataFrame, steer: pd.DataFrame) -> pd.DataFrame:
    """Exploration items active in the window, per area, with their author and curation.

    An exploration is a draft pull request or an item with an `exploration_labels`
    label.  `everything` is every non-excluded activity (with `person`), used to find
    the author (the opening activity's person, else the earliest actor); `counted`
    are the window's activities.  Curated = a curating activity in the window by
    another person who steers the area or whose inferred role is in `taste_maker_roles`.
    Columns item, area, author, curated, title, url.
    """
    cols = ["item", "area", "author", "curated", "title", "url"]
    labels = {x.strip().lower() for x in cfg.settings.exploration_labels}
    active_items = items[items["id"].isin(counted["item"])]
    lab = active_items["labels"].explode().dropna().astype(str).str.strip().str.lower()
    by_label = set(active_items.loc[lab[lab.isin(labels)].index.unique(), "id"])
    draft = active_items["draft"].fillna(False).astype(bool) & (active_items["kind"] == "pull_request")
    ids = by_label | set(active_items.loc[draft, "id"])
    if not ids:
        return pd.DataFrame(columns=cols)
    mine = everything[everything["item"].isin(ids)]
    mine = mine.assign(opening=~mine["kind"].isin(OPENING_KINDS)).sort_values(["item", "opening", "at", "id"])
    author = mine.groupby("item", sort=False)["person"].first().rename("author")
    area_ids = [a.id for a in cfg.areas]
    expl = item_areas[item_areas["item"].isin(ids) & item_areas["area"].isin(area_ids)
                      & (item_areas["share"] > 0)][["item", "area"]]
    expl = expl.merge(author, left_on="item", right_index=True, how="left")
    cur = counted[counted["item"].isin(ids) & counted["kind"].isin(CURATING_KINDS)][["item", "person"]]
    cur = cur.merge(expl, on="item")
    cur = cur[cur["person"] != cur["author"]]
    tm_roles = set(cfg.settings.taste_maker_roles)
    by_role = cur["person"].map(people["inferred_role"]).isin(tm_roles)
    steers = pd.MultiIndex.from_frame(cur[["area", "person"]]).isin(
        pd.MultiIndex.from_frame(steer[["area", "person"]])) if len(cur) else np.zeros(0, bool)
    done = cur.loc[by_role.to_numpy() | steers, ["item", "area"]].drop_duplicates().assign(curated=True)
    expl = expl.merge(done, on=["item", "area"], how="left")
    expl["curated"] = expl["curated"].fillna(False).astype(bool)
    meta = items.drop_duplicates("id", keep="last").set_index("id")
    expl["title"] = expl["item"].map(meta["title"])
    expl["url"] = expl["item"].map(meta["url"])
    return expl.sort_values(["area", "item"], ignore_index=True)[cols]


def find_gaps(cfg, totals: pd.Series, active: pd.Series, area_role: pd.DataFrame,
              taste_makers: pd.DataFrame, expl: pd.DataFrame) -> pd.DataFrame:
    """Step 10 — gaps of active areas: no_taste_maker, absent_taste_maker, role_gap
    (a required role with ``F[a,r] < role_min_fte[r]``), uncurated_explorations (3 or
    more explorations and fewer than half curated).  Columns area, type, role, fte, min;
    ordered by area (config order), type, role (config order)."""
    f_ar = area_role.set_index(["area", "role"])["fte"]
    counts = expl.groupby("area")["curated"].agg(["size", "sum"]) if len(expl) else None
    rows = []
    for a in cfg.areas:
        if not bool(active.get(a.id, False)):
            continue
        tms = taste_makers[taste_makers["area"] == a.id]
        if tms.empty:
            rows.append((a.id, "no_taste_maker", None, np.nan, np.nan))
        elif not tms["present"].any():
            rows.append((a.id, "absent_taste_maker", None, np.nan, np.nan))
        for role in cfg.settings.roles:
            if role in cfg.required_roles(a):
                need = cfg.settings.min_fte(role)
                have = float(f_ar.get((a.id, role), 0.0))
                if have < need - TOL:
                    rows.append((a.id, "role_gap", role, have, need))
        if counts is not None and a.id in counts.index:
            n, curated = int(counts.at[a.id, "size"]), int(counts.at[a.id, "sum"])
            if n >= 3 and 2 * curated < n:
                rows.append((a.id, "uncurated_explorations", None, np.nan, np.nan))
    return pd.DataFrame(rows, columns=["area", "type", "role", "fte", "min"])


def score(cfg, totals: pd.Series, active: pd.Series, area_role: pd.DataFrame,
          gaps: pd.DataFrame) -> pd.Series:
    """Step 11 — ``F[a]·(tm + 0.5·Σ_{r required} max(0, 1 - F[a,r]/min_r) + 0.5·unc)``
    for active areas, 0 for inactive ones (a role with min 0 adds nothing)."""
    f_ar = area_role.set_index(["area", "role"])["fte"]
    out = {}
    for a in cfg.areas:
        if not bool(active.get(a.id, False)):
            out[a.id] = 0.0
            continue
        mine = gaps[gaps["area"] == a.id]["type"]
        tm = float(mine.isin(TM_GAPS).any())
        unc = float((mine == "uncurated_explorations").any())
        short = 0.0
        for role in cfg.required_roles(a):
            need = cfg.settings.min_fte(role)
            if need > 0:
                short += max(0.0, 1.0 - float(f_ar.get((a.id, role), 0.0)) / need)
        out[a.id] = float(totals[a.id]) * (tm + 0.5 * short + 0.5 * unc)
    return pd.Series(out, dtype="float64")


def bus_factor(fte_pa: pd.DataFrame, totals: pd.Series, active: pd.Series) -> pd.Series:
    """Step 12 — the fewest people whose ``fte[p,a]`` reach at least half of ``F[a]``
    (active areas; inactive ones get NA)."""
    pa = fte_pa[fte_pa["area"].isin(totals.index) & (fte_pa["fte"] > 0)]
    pa = pa.sort_values(["area", "fte"], ascending=[True, False])
    before = pa.groupby("area")["fte"].cumsum() - pa["fte"]
    half = pa["area"].map(totals) / 2.0
    needed = (before < half - TOL).groupby(pa["area"]).sum()
    out = needed.reindex(totals.index, fill_value=0).astype("Int64")
    return out.where(active.reindex(totals.index, fill_value=False), pd.NA)
