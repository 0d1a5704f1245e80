"""The plotly builders as plain functions over frames in Analysis's documented shapes."""

from datetime import date

import pandas as pd
import pytest

from dashboard import charts, charts_graph

ROLES = ["engineering", "design", "product"]
AS_OF = date(2026, 11, 22)


@pytest.fixture()
def frames():
    areas = pd.DataFrame({
        "id": ["billing", "search", "legacy"], "name": ["Billing", "Search", "Legacy"],
        "stage": ["ship", "explore", "ship"], "active": [True, True, False],
        "fte": [2.0, 1.0, 0.1], "score": [3.0, 1.0, 0.0], "bus_factor": [1, 1, None],
        "explorations": [0, 4, 0], "curated": [0, 1, 0]})
    area_role = pd.DataFrame({
        "area": ["billing", "billing", "billing", "search", "search", "legacy"],
        "role": ["engineering", "design", "product", "engineering", "product", "engineering"],
        "fte": [1.5, 0.05, 0.45, 0.7, 0.3, 0.1]})
    gaps = pd.DataFrame({
        "area": ["billing", "billing", "search", "search"],
        "type": ["absent_taste_maker", "role_gap", "role_gap", "uncurated_explorations"],
        "role": [None, "design", "design", None], "fte": [None, 0.05, 0.0, None],
        "min": [None, 0.2, 0.2, None]})
    weekly = pd.DataFrame({
        "person": ["bob", "bob", "alice", "alice", "carol"],
        "week": [0, 1, 0, 3, 0], "area": ["billing", "billing", "search", "billing", "(unmapped)"],
        "role": ["engineering", "engineering", "product", "design", "engineering"],
        "fte": [1.0, 0.5, 0.6, 0.4, 1.0]})
    fte = pd.DataFrame({
        "person": ["bob", "alice", "alice", "carol"], "area": ["billing", "search", "billing", "(unmapped)"],
        "role": ["engineering", "product", "design", "engineering"], "fte": [0.9, 0.5, 0.03, 0.1]})
    people = pd.DataFrame({
        "name": ["Bob", "Alice", "Carol <img src=x>"], "team": ["Core", "Growth", "Core"],
        "declared_role": ["engineering", "product", "design"],
        "inferred_role": ["engineering", "product", "engineering"], "fte": [0.9, 0.53, 0.1],
        "share_engineering": [1.0, 0.0, 0.6], "share_design": [0.0, 0.06, 0.4],
        "share_product": [0.0, 0.94, 0.0], "declared": [True, True, False]},
        index=pd.Index(["bob", "alice", "carol"], name="person"))
    return dict(areas=areas, area_role=area_role, gaps=gaps, weekly=weekly, fte=fte, people=people)


def test_heatmap_lists_active_areas_in_report_order_and_marks_role_gaps(frames):
    fig = charts.coverage_heatmap(frames["area_role"], frames["areas"], frames["gaps"], ROLES)
    heat = fig.data[0]
    assert list(heat.x) == ROLES
    assert list(heat.y) == ["Billing  ⚑", "Search"]  # inactive Legacy left out; ⚑ = taste-maker gap
    assert heat.z[0][0] == pytest.approx(1.5) and heat.z[1][1] == 0.0
    assert heat.text[0][1] == "gap 0.05" and heat.text[1][1] == "gap 0.00"
    assert heat.text[0][0] == "1.50"
    assert len(fig.layout.shapes) == 2  # one red frame per role gap


def test_heatmap_without_active_area_says_so(frames):
    areas = frames["areas"].assign(active=False)
    fig = charts.coverage_heatmap(frames["area_role"], areas, frames["gaps"], ROLES)
    assert "No active area" in fig.layout.annotations[0].text


def test_weekly_role_chart_stacks_every_week_of_the_window(frames):
    fig = charts.role_fte_weekly(frames["weekly"], "billing", AS_OF, 4, ROLES)
    assert [t.name for t in fig.data] == ROLES
    eng = fig.data[0]
    assert len(eng.x) == 4  # idle weeks are zeros, not holes
    assert list(eng.y) == [0.0, 0.0, 0.5, 1.0]  # oldest first
    assert eng.x[-1] == date(2026, 11, 16)  # week 0 starts 6 days before as_of
    assert list(fig.data[1].y) == [0.4, 0.0, 0.0, 0.0]
    assert all(t.stackgroup == "one" for t in fig.data)


def test_weekly_role_chart_of_a_quiet_area_is_an_explained_blank(frames):
    fig = charts.role_fte_weekly(frames["weekly"], "legacy", AS_OF, 4, ROLES)
    assert not fig.data and "No activity" in fig.layout.annotations[0].text


def test_person_areas_weekly_uses_area_names_and_orders_by_total(frames):
    fig = charts.person_areas_weekly(frames["weekly"], "alice", AS_OF, 4, {"search": "Search", "billing": "Billing"})
    assert [t.name for t in fig.data] == ["Search", "Billing"]
    assert sum(fig.data[0].y) == pytest.approx(0.6)


def test_role_share_bars_sorted_by_role_then_specialism(frames):
    fig = charts.role_share_bars(frames["people"], ROLES)
    assert [t.name for t in fig.data] == ROLES
    assert list(fig.data[0].y) == ["Bob", "Carol <img src=x>", "Alice"]
    assert list(fig.data[0].x) == [100.0, 60.0, 0.0]
    assert fig.layout.barmode == "stack"


def test_role_share_bars_tell_namesakes_apart(frames):
    people = frames["people"].assign(name=["Sam", "Sam", None])
    fig = charts.role_share_bars(people, ROLES)
    assert list(fig.data[0].y) == ["Sam (bob)", "carol", "Sam (alice)"]


def test_area_people_bars_largest_first(frames):
    fig = charts.area_people_bars(frames["fte"], "billing", {"bob": "Bob", "alice": "Alice"}, ROLES)
    assert list(fig.data[0].y) == ["Bob", "Alice"]
    assert list(fig.data[1].x) == [0.0, 0.03]


def test_gap_comparison_aligns_types(frames):
    fig = charts.gap_comparison(pd.Series({"role_gap": 2}), pd.Series({"role_gap": 1, "absent_taste_maker": 1}),
                                {"role_gap": "role gap"})
    assert list(fig.data[0].x) == ["absent_taste_maker", "role gap"]
    assert list(fig.data[0].y) == [0, 2] and list(fig.data[1].y) == [1, 1]


def test_presentation_style_enlarges_type(frames):
    small = charts.role_share_bars(frames["people"], ROLES)
    big = charts.role_share_bars(frames["people"], ROLES, big=True)
    assert big.layout.font.size > small.layout.font.size
    assert big.layout.height > small.layout.height


def test_area_states_worst_gap_wins(frames):
    states = charts_graph.area_states(frames["areas"], frames["gaps"])
    assert states.to_dict() == {"billing": "taste_maker_gap", "search": "role_gap", "legacy": "inactive"}


def _analysis_graph():
    """The analysis' graph shape: area/person nodes, work and steering edges."""
    import networkx as nx
    g = nx.Graph()
    for area, name, fte in [("billing", "Billing", 2.0), ("search", "Search", 1.0), ("legacy", "Legacy", 0.1)]:
        g.add_node(f"area:{area}", kind="area", label=name, fte=fte, state="gap")
    for pid, name, role, fte in [("bob", "Bob", "engineering", 0.9), ("alice", "Alice", "product", 0.53),
                                 ("dan", "Dan", "design", 0.3)]:
        g.add_node(f"person:{pid}", kind="person", label=name, role=role, fte=fte)
    g.add_edge("person:bob", "area:billing", weight=0.9, taste_maker=False)
    g.add_edge("person:alice", "area:search", weight=0.5, taste_maker=False)
    g.add_edge("person:alice", "area:billing", weight=0.03, taste_maker=True)
    g.add_edge("person:dan", "area:legacy", weight=0.01, taste_maker=False)
    return g


def test_prepare_restates_areas_and_drops_light_work_edges(frames):
    g = charts_graph.prepare(_analysis_graph(), frames["areas"], frames["gaps"])
    assert g.has_edge("person:alice", "area:billing")  # steering is kept however light
    assert not g.has_edge("person:dan", "area:legacy") and "person:dan" not in g
    assert g.nodes["area:search"]["state"] == "role_gap"
    assert g.nodes["area:legacy"]["state"] == "inactive"
    sub = charts_graph.focus(g, "search", radius=1)
    assert set(sub.nodes) == {"area:search", "person:alice"}
    assert charts_graph.focus(g, "nope") is g


def test_network_figure_colours_areas_by_state_and_people_by_role(frames):
    g = charts_graph.prepare(_analysis_graph(), frames["areas"], frames["gaps"])
    pos = charts_graph.layout(g)
    assert charts_graph.layout(g) == pos  # deterministic
    fig = charts_graph.network_figure(g, pos, ROLES)
    named = {t.name: t for t in fig.data if t.name}
    assert named["area: taste-maker gap"].text == ("Billing",)
    assert named["area: inactive"].text == ("Legacy",)
    assert set(named["engineering"].text) == {"Bob"}
    assert named["product"].marker.color == charts.ROLE_COLOURS["product"]
    steering = [t for t in fig.data if t.mode == "lines" and t.line.dash == "dot"]
    assert len(steering) == 1 and list(steering[0].x).count(None) == 1  # one steering edge
    work = [t for t in fig.data if t.mode == "lines" and t.line.dash != "dot"]
    assert sorted(t.line.width for t in work) == [3.5, 5.0]  # alice-search 0.5 FTE, bob-billing 0.9 FTE


def test_empty_graph_is_an_explained_blank():
    import networkx as nx
    fig = charts_graph.network_figure(nx.Graph(), {}, ROLES)
    assert "Nothing to draw" in fig.layout.annotations[0].text
