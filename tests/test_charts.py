"""The plotly builders as plain functions over frames in Analysis's documented shapes."""

import math
import re
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
    assert list(fig.data[0].y) == ["Bob", "Carol &lt;img src=x&gt;", "Alice"]  # escaped: plotly reads HTML
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


# -- names from the records are text to plotly, never its HTML subset --------------------

HOSTILE = '<b>INJB</b> <i>it</i> <a href="https://evil.example/p">lnk</a> & co'
ESCAPED = '&lt;b&gt;INJB&lt;/b&gt; &lt;i&gt;it&lt;/i&gt; &lt;a href="https://evil.example/p"&gt;lnk&lt;/a&gt; &amp; co'
OWN_MARKUP = re.compile(r"<br>|</?extra>")  # the builders' own markup: line breaks, hover side boxes


def strings(node):
    """Every string in a figure's JSON (data, layout, annotations, templates)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from strings(value)
    elif hasattr(node, "tolist"):
        yield from strings(node.tolist())


def assert_inert(fig):
    """No string plotly draws holds markup from the data, and the hostile name is there, escaped."""
    texts = list(strings(fig.to_plotly_json()))
    leaks = [t for t in texts if "<" in OWN_MARKUP.sub("", t)]
    assert not leaks, leaks
    assert any(ESCAPED in t for t in texts), "the hostile name is drawn (escaped)"


def test_plain_escapes_plotlys_html_subset():
    assert charts.plain(HOSTILE) == ESCAPED
    assert charts.plain(None) == "" and charts.plain(float("nan")) == ""
    assert charts.plain("a\nb") == "a b" and charts.plain("a\n<b>", breaks=True) == "a<br>&lt;b&gt;"


def test_every_builder_escapes_names_from_the_records(frames):
    people = frames["people"].assign(name=[HOSTILE, "Alice", "Carol"])
    names = {"bob": HOSTILE, "alice": "Alice"}
    areas = frames["areas"].assign(name=[HOSTILE, "Search", "Legacy"])
    weekly = frames["weekly"].assign(role=frames["weekly"]["role"].replace("design", HOSTILE))
    roles = ["engineering", HOSTILE, "product"]
    assert_inert(charts.coverage_heatmap(frames["area_role"], areas, frames["gaps"], ROLES))
    assert_inert(charts.role_fte_weekly(weekly, "billing", AS_OF, 4, roles))
    assert_inert(charts.role_fte_weekly(weekly, "billing", AS_OF, 1, roles))
    assert_inert(charts.person_areas_weekly(frames["weekly"], "alice", AS_OF, 4, {"search": HOSTILE}))
    assert_inert(charts.role_share_bars(people, ROLES))
    assert_inert(charts.area_people_bars(frames["fte"], "billing", names, ROLES))
    assert_inert(charts.gap_comparison(pd.Series({"role_gap": 2}), pd.Series({"role_gap": 1}),
                                       {"role_gap": HOSTILE}))
    g = _analysis_graph()
    g.nodes["person:bob"]["label"] = HOSTILE
    g.nodes["area:search"]["label"] = HOSTILE
    g = charts_graph.prepare(g, frames["areas"], frames["gaps"])
    assert_inert(charts_graph.network_figure(g, charts_graph.layout(g), ROLES))


def test_namesakes_keep_their_own_bars_in_an_area(frames):
    fig = charts.area_people_bars(frames["fte"], "billing", {"bob": "Sam", "alice": "Sam"}, ROLES)
    assert list(fig.data[0].y) == ["Sam (bob)", "Sam (alice)"]


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a #RRGGBB colour."""
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    xyz = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def test_state_and_role_colours_never_look_alike():
    roles = ROLES + [f"extra{i}" for i in range(len(charts.EXTRA_COLOURS))]
    by_colour: dict[str, set[str]] = {}  # one colour may name one state on several charts
    for name, colour in [*((f"role {r}", c) for r, c in charts.role_colours(roles).items()),
                         *((f"state {s}", c) for s, (c, _) in charts_graph.STATES.items()),
                         *((f"state {s}", c) for s, c in charts.STATE_COLOURS.items())]:
        by_colour.setdefault(colour, set()).add(name)
    assert all(len({n.split()[0] for n in names}) == 1 for names in by_colour.values()), by_colour
    assert all(len(names) == 1 for c, names in by_colour.items() if "role" in next(iter(names))), by_colour
    colours = sorted(by_colour)
    close = [(by_colour[a], by_colour[b], round(math.dist(_lab(a), _lab(b))))
             for i, a in enumerate(colours) for b in colours[i + 1:]]
    assert [c for c in close if c[2] < 25] == []


def test_heatmap_is_readable_at_a_laptops_width(frames):
    fig = charts.coverage_heatmap(frames["area_role"], frames["areas"], frames["gaps"], ROLES)
    heat = fig.data[0]
    assert heat.showscale is False  # the values are printed; no colour bar takes the width
    assert heat.textfont.size >= 14
    assert fig.layout.xaxis.tickangle == 0  # role headers read horizontally
    big = charts.coverage_heatmap(frames["area_role"], frames["areas"], frames["gaps"], ROLES, big=True)
    assert big.data[0].textfont.size > heat.textfont.size


def test_one_week_window_draws_bars_on_a_date_axis(frames):
    for fig in (charts.role_fte_weekly(frames["weekly"], "billing", AS_OF, 1, ROLES),
                charts.person_areas_weekly(frames["weekly"], "bob", AS_OF, 1, {"billing": "Billing"})):
        assert fig.data and all(t.type == "bar" for t in fig.data)
        assert fig.layout.barmode == "stack"
        assert list(fig.layout.xaxis.tickvals) == [date(2026, 11, 16)]  # the one week, as a date
        assert "%d" in fig.layout.xaxis.tickformat
        lo, hi = fig.layout.xaxis.range
        assert (hi - lo).days >= 7  # a readable span around it, not milliseconds
    eng = charts.role_fte_weekly(frames["weekly"], "billing", AS_OF, 1, ROLES).data[0]
    assert list(eng.y) == [1.0]


def test_an_area_keeps_its_colour_from_person_to_person(frames):
    colours = charts.area_colours(["billing", "search"])
    bob = charts.person_areas_weekly(frames["weekly"], "bob", AS_OF, 4, colours=colours)
    alice = charts.person_areas_weekly(frames["weekly"], "alice", AS_OF, 4, colours=colours)
    assert [t.name for t in alice.data] == ["search", "billing"]  # alice's largest first, bob's only billing
    assert bob.data[0].line.color == alice.data[1].line.color == colours["billing"]
    carol = charts.person_areas_weekly(frames["weekly"], "carol", AS_OF, 4, colours=colours)
    assert carol.data[0].line.color == charts.STATE_COLOURS["inactive"]  # (unmapped) is grey
    roles = [_lab(c) for c in charts.ROLE_COLOURS.values()]
    assert min(math.dist(_lab(a), r) for a in charts.AREA_PALETTE for r in roles) >= 25  # never a role's colour


def test_a_focused_graph_names_its_people(frames):
    g = charts_graph.prepare(_analysis_graph(), frames["areas"], frames["gaps"])
    pos = charts_graph.layout(g)
    people = [t for t in charts_graph.network_figure(g, pos, ROLES).data if t.name in ROLES]
    assert people and all(t.mode == "markers" for t in people)  # everyone: hover for names
    people = [t for t in charts_graph.network_figure(g, pos, ROLES, label_people=True).data if t.name in ROLES]
    assert all(t.mode == "markers+text" for t in people) and {"Bob", "Alice"} <= {x for t in people for x in t.text}
