"""The areas-and-people network: its graph, layout and plotly figure (no Streamlit).

Areas are squares coloured by coverage state, people are circles coloured by
inferred role; both are sized by FTE. A grey edge joins a person to an area they put
at least ``min_fte`` into and is as thick as that FTE; a dotted gold edge joins a
taste-maker to the area they steer. Node labels are names from the records, so they
reach plotly through :func:`dashboard.charts.plain` (escaped, never markup).
"""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import STATE_COLOURS, empty_figure, plain, role_colours, styled

STATES = {  # coverage state -> (colour, words); no colour of a role (see dashboard.charts)
    "taste_maker_gap": (STATE_COLOURS["gap"], "taste-maker gap"),
    "role_gap": (STATE_COLOURS["role_gap"], "role or curation gap"),
    "covered": (STATE_COLOURS["covered"], "covered"),
    "inactive": (STATE_COLOURS["inactive"], "inactive"),
}
TASTE_MAKER_GAPS = ("no_taste_maker", "absent_taste_maker")


def area_states(areas: pd.DataFrame, gaps: pd.DataFrame) -> pd.Series:
    """Coverage state of each area (index area id): the worst gap decides."""
    tm = set(gaps.loc[gaps["type"].isin(TASTE_MAKER_GAPS), "area"])
    other = set(gaps.loc[~gaps["type"].isin(TASTE_MAKER_GAPS), "area"])
    ids = areas["id"]
    state = pd.Series("covered", index=ids.values)
    state[ids.isin(other).values] = "role_gap"
    state[ids.isin(tm).values] = "taste_maker_gap"
    state[~areas["active"].astype(bool).values] = "inactive"
    return state


def prepare(graph: nx.Graph, areas: pd.DataFrame, gaps: pd.DataFrame, min_fte: float = 0.05) -> nx.Graph:
    """A drawable copy of the analysis graph (``area:<id>`` / ``person:<id>`` nodes with
    kind, label, fte, role; edges with weight and ``taste_maker``).

    Area states become the finer :func:`area_states`; work edges lighter than
    ``min_fte`` go (steering edges stay), and so do people left without an edge.
    """
    g = graph.copy()
    states = area_states(areas, gaps)
    for area_id, st in states.items():
        if f"area:{area_id}" in g:
            g.nodes[f"area:{area_id}"]["state"] = st
    light = [(u, v) for u, v, d in g.edges(data=True)
             if not d.get("taste_maker") and d.get("weight", 0) < min_fte]
    g.remove_edges_from(light)
    g.remove_nodes_from([n for n, d in g.nodes(data=True) if d.get("kind") == "person" and g.degree(n) == 0])
    return g


def focus(graph: nx.Graph, area: str | None, radius: int = 2) -> nx.Graph:
    """The neighbourhood of one area: its people and (radius 2) their other areas."""
    node = f"area:{area}"
    if not area or node not in graph:
        return graph
    return nx.ego_graph(graph, node, radius=radius)


def layout(graph: nx.Graph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Deterministic force-directed positions. Heavier edges pull harder; a steering edge
    pulls like a moderate one, so a taste-maker who is absent still sits near the area."""
    if graph.number_of_nodes() == 0:
        return {}
    pull = nx.Graph()
    pull.add_nodes_from(graph)
    pull.add_weighted_edges_from(((u, v, max(d.get("weight", 0.0), 0.3 if d.get("taste_maker") else 0.05))
                                  for u, v, d in graph.edges(data=True)), weight="pull")
    k = 2.5 / math.sqrt(graph.number_of_nodes())
    pos = nx.spring_layout(pull, weight="pull", seed=seed, k=k, iterations=150)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


EDGE_WIDTHS = (0.8, 2.0, 3.5, 5.0)  # work edges: below 0.25, 0.5, 0.75 FTE and above


def _edge_groups(graph: nx.Graph, pos: dict) -> dict[tuple[bool, float], tuple[list, list]]:
    """Edges as few line traces: one per (steering, width class), segments split by None."""
    groups: dict[tuple[bool, float], tuple[list, list]] = {}
    for u, v, data in graph.edges(data=True):
        steer = bool(data.get("taste_maker"))
        weight = float(data.get("weight", 0.0))
        width = 2.5 if steer else EDGE_WIDTHS[min(int(weight / 0.25), len(EDGE_WIDTHS) - 1)]
        xs, ys = groups.setdefault((steer, width), ([], []))
        (x0, y0), (x1, y1) = pos[u], pos[v]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return groups


def _size(fte: float, base: float, per: float) -> float:
    return base + per * math.sqrt(max(fte, 0.0))


def network_figure(graph: nx.Graph, pos: dict, roles: list[str], *, label_people: bool = False,
                   big: bool = False) -> go.Figure:
    """Plotly network of ``graph`` at ``pos``: one legend entry per state and role. Areas
    are always labelled; people too with ``label_people`` (a focused, smaller graph)."""
    if graph.number_of_nodes() == 0:
        return empty_figure("Nothing to draw: no area or person in this window", big=big)
    fig = go.Figure()
    for (steer, width), (xs, ys) in _edge_groups(graph, pos).items():
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
            line=dict(width=width, color="rgba(202,138,4,0.8)" if steer else "rgba(100,116,139,0.35)",
                      dash="dot" if steer else "solid")))
    nodes = pd.DataFrame([{"node": n, **d} for n, d in graph.nodes(data=True)])
    nodes["x"] = [pos[n][0] for n in nodes["node"]]
    nodes["y"] = [pos[n][1] for n in nodes["node"]]
    people = nodes[nodes["kind"] == "person"]
    colours = role_colours(roles)
    for role in [*roles, None]:
        group = people[people["role"].isna()] if role is None else people[people["role"] == role]
        if group.empty:
            continue
        fig.add_trace(go.Scatter(
            x=group["x"], y=group["y"], mode="markers+text" if label_people else "markers",
            name=plain(role or "no role"), textposition="bottom center",
            textfont=dict(size=16 if big else 12, color="#374151"),
            marker=dict(size=[_size(f, 8, 10) for f in group["fte"]], color=colours.get(role, "#64748B"),
                        line=dict(width=1, color="white")),
            text=[plain(t) for t in group["label"]], customdata=group["fte"],
            hovertemplate="%{text}<br>%{customdata:.2f} FTE<extra>" + plain(role) + "</extra>"))
    areas = nodes[nodes["kind"] == "area"]
    for state, (colour, words) in STATES.items():
        group = areas[areas["state"] == state]
        if group.empty:
            continue
        fig.add_trace(go.Scatter(
            x=group["x"], y=group["y"], mode="markers+text", name=f"area: {words}",
            marker=dict(symbol="square", size=[_size(f, 14, 9) for f in group["fte"]], color=colour,
                        line=dict(width=2, color="white")),
            text=[plain(t) for t in group["label"]], textposition="top center", customdata=group["fte"],
            textfont=dict(size=20 if big else 15, color="#111827"),
            hovertemplate="%{text}<br>%{customdata:.2f} FTE<extra>" + words + "</extra>"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, height=720, big=big)
