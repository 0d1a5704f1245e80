"""Step 13 (suggestions) and the people/areas graph the dashboard draws."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .fte import TOL
from .vectors import positions

if TYPE_CHECKING:
    import networkx as nx

CONTRIBUTOR_MIN_FTE = 0.05


def fte_entries(fte_pa: pd.DataFrame, area_ids: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """``fte[p,a]`` over the configured areas as sparse entries: (person row, area column,
    fte, person ids sorted), one entry per (person, area) pair of `fte_pa`."""
    col = positions(pd.Series(area_ids, dtype="str"), fte_pa["area"])
    pa = fte_pa[col >= 0]
    row, people = pd.factorize(pa["person"], sort=True)
    return row, col[col >= 0], pa["fte"].to_numpy(dtype="float64"), pd.Index(people, name="person")


def jaccard(row: np.ndarray, col: np.ndarray, fte: np.ndarray, n_areas: int) -> np.ndarray:
    """``J(a,b)`` between the contributor sets (``fte[p,x] >= 0.05``) of every pair of areas,
    counted exactly from the sparse entries (no dense product, no BLAS threads)."""
    c = fte >= CONTRIBUTOR_MIN_FTE - TOL
    row, col = row[c], col[c]
    order = np.argsort(row, kind="stable")
    row, col = row[order], col[order]
    counts = np.bincount(row, minlength=row.max() + 1 if len(row) else 0)
    starts = np.cumsum(counts) - counts
    n = counts[row]  # each entry pairs with every entry of the same person, itself included
    left = np.repeat(np.arange(len(row)), n)
    right = np.repeat(starts[row] - (np.cumsum(n) - n), n) + np.arange(n.sum())
    inter = np.bincount(col[left] * n_areas + col[right], minlength=n_areas * n_areas).reshape(n_areas, n_areas)
    size = np.bincount(col, minlength=n_areas)
    union = size[:, None] + size[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def suggest(cfg, fte_pa: pd.DataFrame, people: pd.DataFrame, steer: pd.DataFrame,
            gap_areas: list[str], limit: int = 3) -> dict[str, list[tuple[str, float]]]:
    """Step 13 — for each area with a taste-maker gap, up to `limit` people whose inferred
    role is in `taste_maker_roles` (not the area's own taste-makers), ranked by
    ``(fte[p,a] + 0.5·Σ_{b≠a} fte[p,b]·J(a,b)) / (1 + areas p already steers)``;
    only positive values; ties by person id."""
    if not gap_areas:
        return {}
    area_ids = [a.id for a in cfg.areas]
    column = {a: j for j, a in enumerate(area_ids)}
    cols = [column[a] for a in gap_areas]
    row, col, fte, persons = fte_entries(fte_pa, area_ids)
    j = jaccard(row, col, fte, len(area_ids))
    np.fill_diagonal(j, 0.0)
    # Σ_b over each person's entries, one gap area at a time (entries x gap areas at once
    # is a temporary of tens of megabytes at scale), then fte[p,a] itself
    half = 0.5 * fte
    raw = np.column_stack([np.bincount(row, weights=half * j[col, c], minlength=len(persons)) for c in cols])
    gap_of = np.full(len(area_ids), -1, dtype="int64")
    gap_of[cols] = np.arange(len(cols))
    mine = gap_of[col] >= 0
    raw[row[mine], gap_of[col[mine]]] += fte[mine]  # one entry per (person, area): no index repeats
    steering = steer.groupby("person")["area"].nunique().reindex(persons, fill_value=0)
    scores = raw / (1.0 + steering.to_numpy()[:, None])
    keep_rows = people["inferred_role"].reindex(persons).isin(set(cfg.settings.taste_maker_roles)).to_numpy()
    scores = scores[keep_rows]
    ids = persons.to_numpy(dtype=object)[keep_rows]
    owned = np.zeros(scores.shape, dtype=bool)  # owned[p, g]: p already steers the g-th gap area
    rows = positions(pd.Series(ids, dtype="str"), steer["person"])
    gap_col = {a: g for g, a in enumerate(gap_areas)}
    at = np.array([gap_col.get(a, -1) for a in steer["area"]], dtype="int64")
    ok = (rows >= 0) & (at >= 0)
    owned[rows[ok], at[ok]] = True
    out = {}
    for g, area in enumerate(gap_areas):
        values = scores[:, g]
        keep = (values > TOL) & ~owned[:, g]
        order = np.lexsort((ids[keep], -values[keep]))[:limit]
        out[area] = [(str(p), float(s)) for p, s in zip(ids[keep][order], values[keep][order])]
    return out


def build_graph(cfg, areas: pd.DataFrame, people: pd.DataFrame, fte_pa: pd.DataFrame,
                taste_makers: pd.DataFrame) -> nx.Graph:
    """Nodes ``area:<id>`` (kind, label, fte, stage, state: gap/covered/inactive) and
    ``person:<id>`` (kind, label, fte, role = inferred role, declared_role, team);
    an edge per person working on an area (weight = ``fte[p,a]``) or steering it
    (``taste_maker`` True, weight possibly 0)."""
    import networkx as nx  # only the dashboard's graph needs it: kept off the report's imports

    g = nx.Graph()
    for row in areas.itertuples(index=False):
        state = "inactive" if not row.active else ("gap" if row.gap_count else "covered")
        g.add_node(f"area:{row.id}", kind="area", label=row.name, fte=float(row.fte),
                   stage=row.stage, state=state)
    pa = fte_pa[fte_pa["area"].isin(areas["id"]) & (fte_pa["fte"] > 0)]
    linked = set(pa["person"]) | set(taste_makers["person"])
    for pid in sorted(linked):
        known = pid in people.index
        g.add_node(f"person:{pid}", kind="person",
                   label=people.at[pid, "name"] if known else pid,
                   fte=float(people.at[pid, "fte"]) if known else 0.0,
                   role=people.at[pid, "inferred_role"] if known else None,
                   declared_role=people.at[pid, "declared_role"] if known else None,
                   team=people.at[pid, "team"] if known else None)
    for person, area, value in pa[["person", "area", "fte"]].itertuples(index=False, name=None):
        g.add_edge(f"person:{person}", f"area:{area}", weight=float(value), taste_maker=False)
    for area, person, value in taste_makers[["area", "person", "fte"]].itertuples(index=False, name=None):
        g.add_edge(f"person:{person}", f"area:{area}", weight=float(value), taste_maker=True)
    return g
