"""Steps 1, 2 and 5-8: weeks, weights, weekly FTE, its time average, area FTE and
each person's role-time average.  All vectorised; steps 1-6 on integer codes."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from .vectors import expand, positions


TOL = 1e-9
WEEK = pd.Timedelta(days=7)


def window_end(as_of: date) -> pd.Timestamp:
    """Midnight UTC after `as_of`: the exclusive end of week 0."""
    return pd.Timestamp(as_of + timedelta(days=1)).tz_localize("UTC")


def week_of(at_ns: np.ndarray, end: pd.Timestamp, window_weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 on nanosecond timestamps — which are in the window ``end - 7W days <= at < end``
    and their ``week = floor((end - at) / 7 days)`` (0 is the latest week).

    The one instant ``at = end - 7W days`` is inside the window (DESIGN.md "Time")
    although the formula gives it week W; it counts in week W-1, the oldest.
    Returns (positions in `at_ns`, their weeks).
    """
    stop = end.as_unit("ns").value
    keep = np.flatnonzero((at_ns < stop) & (at_ns >= stop - window_weeks * WEEK.value))
    return keep, np.minimum((stop - at_ns[keep]) // WEEK.value, window_weeks - 1).astype("int64")


def kind_weights(kinds, weights: dict[str, float]) -> np.ndarray:
    """Step 2 — ``weight = weights[kind]`` for each of `kinds`; a kind the table does
    not name weighs 0.  (Excluded actors are dropped before this.)"""
    return np.array([float(weights.get(k, 0.0)) for k in kinds], dtype="float64")


def _group_sum(keys: list[np.ndarray], sizes: list[int], values: np.ndarray,
               ordered: bool = True) -> tuple[list[np.ndarray], np.ndarray]:
    """Sum `values` by the integer key columns (each < its size), ordered by the keys
    (else in order of first appearance)."""
    flat = np.zeros(len(values), dtype="int64")
    for k, n in zip(keys, sizes):
        flat = flat * n + k
    summed = pd.Series(values, copy=False).groupby(flat, sort=ordered).sum()  # compensated (Kahan) sums
    uniq, total = summed.index.to_numpy(), summed.to_numpy()
    out = []
    for n in reversed(sizes):
        out.append(uniq % n)
        uniq = uniq // n
    return out[::-1], total


def weekly_fte(cfg, acts: dict, split: dict, sizes: dict) -> dict:
    """Step 5 — ``FTE[p,k,a,r]``: each activity adds ``c·w·area_share·role_share/T``.

    ``T`` is the person-week's total weight (a week with T = 0 is skipped);
    ``c = 1`` when `full_week_weight` is 0, else ``min(1, T / full_week_weight)``.
    Everything is integer codes (numpy arrays): `acts` has p, week, pair (its (item,
    kind) pair) and weight; `split` is steps 3 and 4 joined per pair (a `vectors.by_key`
    table on the pair code with a, area_share, r, role_share: `prepared._pair_split`);
    `sizes` the number of codes of p, week, a, r.  Returns p, week, a, r, fte ordered
    by those codes.
    """
    n = sizes
    p, week, pair, weight = acts["p"], acts["week"], acts["pair"], acts["weight"]
    person_week = (p + 1) * n["week"] + week  # a dense key (person -1 included), summed by counting
    total = np.bincount(person_week, weights=weight, minlength=(n["p"] + 1) * n["week"])[person_week]
    # a row without a person (in a span computed with one window's people, an actor only
    # other weeks know) adds to nobody: `_group_sum` has no code for it
    ok = (total > TOL) & (p >= 0)
    p, week, pair, weight, total = p[ok], week[ok], pair[ok], weight[ok], total[ok]
    full = float(cfg.settings.full_week_weight)
    c = np.minimum(1.0, total / full) if full > 0 else 1.0
    base = c * weight / total

    row, t = expand(split, pair)
    fte = base[row] * split["area_share"][t] * split["role_share"][t]
    (p, week, a, r), fte = _group_sum([p[row], week[row], split["a"][t], split["r"][t]],
                                      [n["p"], n["week"], n["a"], n["r"]], fte)
    return {"p": p, "week": week, "a": a, "r": r, "fte": fte}


def decay(window_weeks: int, half_life: float) -> np.ndarray:
    """The week weights ``d_k`` for k < W: 1, or ``0.5^(k/h)`` with a half-life."""
    k = np.arange(window_weeks, dtype="float64")
    return np.ones_like(k) if half_life <= 0 else 0.5 ** (k / half_life)


def time_average(weekly: dict, window_weeks: int, half_life: float, sizes: dict) -> dict:
    """Step 6 — ``fte[p,a,r] = Σ_k d_k·FTE[p,k,a,r] / Σ_{k<W} d_k`` (weeks without activity
    count as 0), on the codes of `weekly_fte`.  Returns p, a, r, fte ordered by codes."""
    d = decay(window_weeks, half_life)
    (p, a, r), fte = _group_sum([weekly["p"], weekly["a"], weekly["r"]], [sizes["p"], sizes["a"], sizes["r"]],
                                weekly["fte"] * d[weekly["week"]] / d.sum())
    return {"p": p, "a": a, "r": r, "fte": fte}


def _sum_grid(fte: pd.DataFrame, column: str, labels, roles: list[str]) -> np.ndarray:
    """``Σ fte`` by `column` (rows: `labels`, in their order) and role (columns: `roles`),
    0 where nothing was summed; rows whose value or role is not among them are left
    out.  The same compensated sums, row by row, that a groupby on the strings gives,
    on integer keys (the strings are looked up once, in Arrow)."""
    row = positions(pd.Series(labels, dtype="str"), fte[column])
    col = positions(pd.Series(roles, dtype="str"), fte["role"])
    return sum_grid(row, col, fte["fte"].to_numpy(dtype="float64"), len(labels), len(roles))


def sum_grid(row: np.ndarray, col: np.ndarray, values: np.ndarray, n_rows: int, n_cols: int) -> np.ndarray:
    """`_sum_grid` on codes: ``Σ values`` into an ``n_rows × n_cols`` grid at (row, col),
    in row order (pandas' compensated sums); a -1 row or column is left out. The
    analysis gives steps 7-8 their grids this way, from step 6's codes
    (`grid_codes`), so that neither decodes nor looks up a string."""
    keep = (row >= 0) & (col >= 0)
    grid = np.zeros(n_rows * n_cols)
    if keep.any():
        sums = pd.Series(values[keep], copy=False).groupby(row[keep] * n_cols + col[keep], sort=False).sum()
        grid[sums.index.to_numpy()] = sums.to_numpy()
    return grid.reshape(n_rows, n_cols)


def grid_codes(labels, uniques) -> np.ndarray:
    """For each of `uniques` (the strings behind a code), its row among `labels`, -1 if
    none, with one more -1 at the end for code -1."""
    return np.append(positions(pd.Series(labels, dtype="str"), pd.Series(uniques, dtype="str")), -1)


def area_fte(cfg, fte: pd.DataFrame | None, grid: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.Series,
                                                                                     pd.Series]:
    """Step 7 — ``F[a,r]`` for every configured area × role (zeros included), ``F[a]``
    and `active` (``F[a] >= active_min_fte``).  ``(unmapped)`` is not an area.
    `grid` may give the sums by area (config order) and role already (`sum_grid`)."""
    ids = [a.id for a in cfg.areas]
    roles = list(cfg.settings.roles)
    if grid is None:
        grid = _sum_grid(fte, "area", ids, roles)
    area_role = pd.DataFrame({"area": pd.array(np.repeat(np.array(ids, dtype=object), len(roles)), dtype="str"),
                              "role": pd.array(np.tile(np.array(roles, dtype=object), len(ids)), dtype="str"),
                              "fte": grid.ravel()})
    total = pd.DataFrame(grid, index=pd.Index(ids, dtype="str", name="area"), columns=roles).sum(axis=1)
    active = total >= float(cfg.settings.active_min_fte) - TOL
    return area_role, total, active


def person_roles(cfg, fte: pd.DataFrame | None, people: pd.DataFrame, grid: np.ndarray | None = None) -> pd.DataFrame:
    """Step 8 — ``share[p,r]``, the person's total ``fte`` and the inferred role (largest
    share; a tie goes to the declared role if it is among the tied, else to config order;
    None for a person without FTE).  Adds fte, share_<role>, inferred_role to `people`.
    `grid` may give the sums by person (`people` order) and role already (`sum_grid`)."""
    roles = list(cfg.settings.roles)
    if grid is None:
        grid = _sum_grid(fte, "person", people.index, roles)
    by_role = pd.DataFrame(grid, index=people.index, columns=roles)
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
