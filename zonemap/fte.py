"""Steps 1, 2 and 5-8: weeks, weights, weekly FTE, its time average, area FTE and
each person's role-time average.  All vectorised over activities."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from .vectors import map_distinct, positions

TOL = 1e-9
WEEK = pd.Timedelta(days=7)


def window_end(as_of: date) -> pd.Timestamp:
    """Midnight UTC after `as_of`: the exclusive end of week 0."""
    return pd.Timestamp(as_of + timedelta(days=1)).tz_localize("UTC")


def assign_weeks(activities: pd.DataFrame, end: pd.Timestamp, window_weeks: int) -> pd.DataFrame:
    """Step 1 — keep activities with ``end - 7W days <= at < end`` and add
    ``week = floor((end - at) / 7 days)`` (0 is the latest week).

    The one instant ``at = end - 7W days`` is inside the window (DESIGN.md "Time")
    although the formula gives it week W; it counts in week W-1, the oldest.
    """
    at = activities["at"]
    keep = (at < end) & (at >= end - window_weeks * WEEK)
    out = activities.loc[keep].copy()
    out["week"] = np.minimum((end - out["at"]) // WEEK, window_weeks - 1).astype("int64")
    return out


def assign_weights(activities: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Step 2 — ``weight = weights[kind]``; a kind the table does not name weighs 0.
    (Excluded actors are dropped before this, in `analyze`.)"""
    out = activities.copy()
    out["weight"] = map_distinct(out["kind"], lambda k: float(weights.get(k, 0.0)), dtype="float64")
    return out


def weekly_fte(cfg, acts: pd.DataFrame, item_areas: pd.DataFrame, role_split: pd.DataFrame) -> pd.DataFrame:
    """Step 5 — ``FTE[p,k,a,r]``: each activity adds ``c·w·area_share·role_share/T``.

    ``T`` is the person-week's total weight (a week with T = 0 is skipped);
    ``c = 1`` when `full_week_weight` is 0, else ``min(1, T / full_week_weight)``.
    Columns person, week, area, role, fte.
    """
    cols = ["person", "week", "area", "role", "fte"]
    if acts.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "fte" else "int64" if c == "week" else "str")
                             for c in cols})
    # work on integer codes: grouping and merging Arrow strings is what costs at scale
    p, persons = pd.factorize(acts["person"])
    i, items = pd.factorize(acts["item"])
    k, kinds = pd.factorize(acts["kind"])
    codes = pd.DataFrame({"p": p, "week": acts["week"].to_numpy(), "i": i, "k": k,
                          "weight": acts["weight"].to_numpy(dtype="float64")})
    agg = codes.groupby(["p", "week", "i", "k"], sort=False)["weight"].sum().reset_index()
    total = agg.groupby(["p", "week"], sort=False)["weight"].transform("sum").to_numpy()
    agg, total = agg[total > TOL], total[total > TOL]
    full = float(cfg.settings.full_week_weight)
    c = np.minimum(1.0, total / full) if full > 0 else 1.0
    agg = agg.assign(base=c * agg["weight"].to_numpy() / total)

    a, areas = pd.factorize(item_areas["area"])
    ia = pd.DataFrame({"i": positions(pd.Series(items), item_areas["item"]), "a": a,
                       "a_share": item_areas["share"].to_numpy(dtype="float64")})
    r, roles = pd.factorize(role_split["role"])
    rs = pd.DataFrame({"i": positions(pd.Series(items), role_split["item"]),
                       "k": positions(pd.Series(kinds), role_split["kind"]), "r": r,
                       "r_share": role_split["share"].to_numpy(dtype="float64")})
    agg = agg.merge(ia[ia["i"] >= 0], on="i").merge(rs[(rs["i"] >= 0) & (rs["k"] >= 0)], on=["i", "k"])
    agg["fte"] = agg["base"] * agg["a_share"] * agg["r_share"]
    out = agg.groupby(["p", "week", "a", "r"], as_index=False, sort=False)["fte"].sum()
    out = pd.DataFrame({"person": np.asarray(persons, dtype=object)[out["p"].to_numpy()],
                        "week": out["week"].to_numpy(dtype="int64"),
                        "area": np.asarray(areas, dtype=object)[out["a"].to_numpy()],
                        "role": np.asarray(roles, dtype=object)[out["r"].to_numpy()],
                        "fte": out["fte"].to_numpy()})
    return out.sort_values(["person", "week", "area", "role"], ignore_index=True)[cols]


def decay(window_weeks: int, half_life: float) -> np.ndarray:
    """The week weights ``d_k`` for k < W: 1, or ``0.5^(k/h)`` with a half-life."""
    k = np.arange(window_weeks, dtype="float64")
    return np.ones_like(k) if half_life <= 0 else 0.5 ** (k / half_life)


def time_average(weekly: pd.DataFrame, window_weeks: int, half_life: float) -> pd.DataFrame:
    """Step 6 — ``fte[p,a,r] = Σ_k d_k·FTE[p,k,a,r] / Σ_{k<W} d_k`` (weeks without activity
    count as 0).  Columns person, area, role, fte."""
    d = decay(window_weeks, half_life)
    weighted = weekly.assign(fte=weekly["fte"] * d[weekly["week"].to_numpy()] / d.sum())
    return weighted.groupby(["person", "area", "role"], as_index=False, sort=True)["fte"].sum()


def area_fte(cfg, fte: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Step 7 — ``F[a,r]`` for every configured area × role (zeros included), ``F[a]``
    and `active` (``F[a] >= active_min_fte``).  ``(unmapped)`` is not an area."""
    ids = [a.id for a in cfg.areas]
    roles = list(cfg.settings.roles)
    grid = (fte[fte["area"].isin(ids)].pivot_table(index="area", columns="role", values="fte",
                                                   aggfunc="sum", fill_value=0.0)
            .reindex(index=ids, columns=roles, fill_value=0.0).fillna(0.0))
    grid.index.name, grid.columns.name = "area", "role"
    area_role = grid.stack().rename("fte").reset_index()
    total = grid.sum(axis=1)
    active = total >= float(cfg.settings.active_min_fte) - TOL
    return area_role, total, active


def person_roles(cfg, fte: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Step 8 — ``share[p,r]``, the person's total ``fte`` and the inferred role (largest
    share; a tie goes to the declared role if it is among the tied, else to config order;
    None for a person without FTE).  Adds fte, share_<role>, inferred_role to `people`."""
    roles = list(cfg.settings.roles)
    by_role = (fte.pivot_table(index="person", columns="role", values="fte", aggfunc="sum", fill_value=0.0)
               .reindex(columns=roles, fill_value=0.0).reindex(people.index, fill_value=0.0).fillna(0.0))
    total = by_role.sum(axis=1)
    shares = by_role.div(total.where(total > 0), axis=0).fillna(0.0)
    values = shares.to_numpy()
    top = values.max(axis=1, initial=0.0) if len(roles) else np.zeros(len(shares))
    tied = values >= (top[:, None] - TOL)
    first = np.argmax(tied, axis=1) if len(roles) else np.zeros(len(shares), dtype=int)
    inferred = np.array(roles, dtype=object)[first] if roles else np.full(len(shares), None)
    declared = people["declared_role"].to_numpy()
    role_pos = {r: i for i, r in enumerate(roles)}
    for row in np.flatnonzero((tied.sum(axis=1) > 1) & (total.to_numpy() > TOL)):  # ties only: a few people
        j = role_pos.get(declared[row])
        if j is not None and tied[row, j]:
            inferred[row] = declared[row]
    out = people.copy()
    out["fte"] = total.to_numpy()
    for r in roles:
        out[f"share_{r}"] = shares[r].to_numpy()
    out["inferred_role"] = pd.Series(np.where(total.to_numpy() > TOL, inferred, None), index=out.index,
                                     dtype=object)
    return out
