"""Graph: areas and the people who work in them, as an interactive network.

Areas are squares coloured by coverage state, people circles coloured by their
observed role, both sized by FTE; dotted gold lines join taste-makers to the areas
they steer. Focus on one area to see its neighbourhood.
"""

from __future__ import annotations

import streamlit as st

from dashboard import charts_graph, state, ui

ALL = ""


@st.cache_data(show_spinner=False, max_entries=32)
def positions(key: tuple, _graph) -> dict:
    """Layout of a graph, cached by (source, version, view state, focus)."""
    return charts_graph.layout(_graph)


def main() -> None:
    ctx = ui.context()
    st.title("Graph")
    an = ctx.an
    graph = charts_graph.prepare(an.graph, an.areas, an.gaps)
    shown = ctx.team_areas()
    if shown is not None:
        keep = {f"person:{p}" for p in ctx.team_people()} | {f"area:{a}" for a in shown}
        graph = graph.subgraph([n for n in graph if n in keep]).copy()
    names = ctx.area_names()
    options = [ALL, *an.areas["id"].tolist()]
    if st.session_state.get("w_focus") not in options:
        st.session_state["w_focus"] = ctx.view.area if ctx.view.area in options else ALL
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    focus = left.selectbox("Focus on an area", options, key="w_focus",
                           format_func=lambda a: names.get(a, a) if a else "All areas")
    radius = right.radio("Neighbourhood", [1, 2], index=1, horizontal=True,
                         format_func=lambda r: "its people" if r == 1 else "and their other areas",
                         disabled=not focus)
    if focus:
        state.update(area=focus)
        graph = charts_graph.focus(graph, focus, radius=radius)
    key = (ctx.source, ctx.version, ctx.view.as_of, ctx.view.window, ctx.view.thresholds, ctx.view.team,
           focus, radius)
    fig = charts_graph.network_figure(graph, positions(key, graph), ctx.roles, label_people=bool(focus),
                                      big=ctx.big)
    ui.chart(fig, "network")
    people = sum(1 for _, d in graph.nodes(data=True) if d.get("kind") == "person")
    st.caption(f"{ui.plural(graph.number_of_nodes() - people, 'area')}, {ui.plural(people, 'person', 'people')}. "
               "Hover a node for its FTE; "
               "drag to zoom, double-click to reset.")


if __name__ == "__main__":
    main()
