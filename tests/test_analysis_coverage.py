"""Steps 9-14: presence, gaps, explorations, score, bus factor, suggestions, changes."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from analysis_helpers import AS_OF, act, component, config, item, run

from zonemap.analysis import changes
from zonemap.coverage import OPENING_KINDS, bus_factor, curation_counts, explorations, first_rows

PM = {"role": "product"}


def gaps(analysis, area=None) -> list[tuple]:
    g = analysis.gaps if area is None else analysis.gaps[analysis.gaps["area"] == area]
    return [(r.area, r.type, r.role if isinstance(r.role, str) else None) for r in g.itertuples()]


def test_no_taste_maker_and_role_gaps_and_score():
    cfg = config(areas=[{"id": "a", "labels": ["a"]}])
    a = run(cfg, [item("x", labels=["a"]), act("x", "github:bob")], window_weeks=1)
    assert gaps(a) == [("a", "no_taste_maker", None), ("a", "role_gap", "design"), ("a", "role_gap", "product")]
    row = a.gaps[a.gaps["role"] == "design"].iloc[0]
    assert row["fte"] == 0.0 and row["min"] == 0.2
    # F = 1: tm 1 + 0.5 * (0 + 1 + 1) = 2
    assert a.areas.set_index("id").loc["a", "score"] == pytest.approx(2.0)


def test_presence_at_threshold_partial_role_shortage_score():
    cfg = config(people=[{"id": "carol", **PM, "identities": ["github:carol"]}],
                 areas=[{"id": "a", "labels": ["a"], "taste_makers": ["carol"]}, {"id": "b", "labels": ["b"]}])
    records = [item("x", labels=["a"]), item("y", labels=["b"]), act("x", "github:bob"),
               act("x", "github:carol", "issue_commented")] + [act("y", "github:carol") for _ in range(9)]
    a = run(cfg, records, window_weeks=1)
    tm = a.taste_makers.iloc[0]
    assert tm["fte"] == pytest.approx(0.1) and bool(tm["present"])  # 0.1 >= 0.1 with tolerance
    assert gaps(a, "a") == [("a", "role_gap", "design"), ("a", "role_gap", "product")]
    # F[a] = 1.1; shortage: eng 0, design 1, product 1 - 0.1/0.2 = 0.5 -> 0.5 * 1.5
    assert a.areas.set_index("id").loc["a", "score"] == pytest.approx(1.1 * 0.75)


def test_absent_taste_maker_and_required_roles():
    cfg = config(people=[{"id": "alice", **PM, "identities": ["github:alice"]}],
                 areas=[{"id": "a", "labels": ["a"], "taste_makers": ["alice"], "requires": ["engineering"]}])
    a = run(cfg, [item("x", labels=["a"]), act("x", "github:bob"), item("o"), act("o", "github:alice")],
            window_weeks=1)
    assert gaps(a) == [("a", "absent_taste_maker", None)]
    assert a.taste_makers[["person", "fte", "present"]].values.tolist() == [["alice", 0.0, False]]
    assert a.areas.set_index("id").loc["a", "score"] == pytest.approx(1.0)


def test_role_min_fte_per_role_and_default_for_unlisted_role():
    cfg = config(settings={"role_min_fte": {"engineering": 2.0}},
                 areas=[{"id": "a", "labels": ["a"], "requires": ["engineering", "design"]}])
    a = run(cfg, [item("x", labels=["a"]), act("x", "github:bob")], window_weeks=1)
    mins = {r.role: r.min for r in a.gaps.itertuples() if r.type == "role_gap"}
    assert mins == {"engineering": 2.0, "design": 0.2}


def test_inactive_areas_have_no_gaps_score_or_bus_factor():
    cfg = config(settings={"active_min_fte": 2.0}, areas=[{"id": "a", "labels": ["a"]}])
    a = run(cfg, [item("x", labels=["a"]), act("x", "github:bob")], window_weeks=1)
    row = a.areas.iloc[0]
    assert a.gaps.empty and row["score"] == 0.0 and pd.isna(row["bus_factor"]) and not row["active"]


def test_areas_ranked_by_score_then_active_then_id():
    cfg = config(settings={"active_min_fte": 0.5},
                 areas=[{"id": "z", "labels": ["z"]}, {"id": "quiet", "labels": ["q"]}, {"id": "b", "labels": ["b"]},
                        {"id": "a", "labels": ["a"], "requires": []}, {"id": "big", "labels": ["big"]}])
    records = [item("z1", labels=["z"]), item("b1", labels=["b"]), item("a1", labels=["a"]),
               item("g1", labels=["big"]), act("z1", "github:p1"), act("b1", "github:p2"), act("a1", "github:p3"),
               act("g1", "github:p4"), act("g1", "github:p5")]
    a = run(cfg, records, window_weeks=1)
    assert list(a.areas["id"]) == ["big", "b", "z", "a", "quiet"]


@pytest.mark.parametrize("ftes, expected", [([0.6, 0.3, 0.1], 1), ([0.3, 0.3, 0.3, 0.1], 2),
                                            ([0.5, 0.5], 1), ([0.25, 0.25, 0.25, 0.25], 2)])
def test_bus_factor_is_fewest_people_reaching_at_least_half(ftes, expected):
    pa = pd.DataFrame({"person": [f"p{i}" for i in range(len(ftes))], "area": "a", "fte": ftes})
    totals = pd.Series({"a": sum(ftes)})
    assert bus_factor(pa, totals, pd.Series({"a": True}))["a"] == expected


def test_bus_factor_through_the_pipeline():
    cfg = config(areas=[{"id": "a", "labels": ["a"]}, {"id": "b", "labels": ["b"]}])
    records = [item("x", labels=["a"]), item("y", labels=["b"]), act("x", "github:one"), act("x", "github:two"),
               act("x", "github:three"), act("y", "github:three")]
    a = run(cfg, records, window_weeks=1)
    # a: one 1.0, two 1.0, three 0.5 -> F 2.5, half 1.25 -> two people
    assert a.areas.set_index("id").loc["a", "bus_factor"] == 2


def exploration_setup(curators: list[tuple[str, str]], extra_cfg=None):
    cfg = config(people=[{"id": "pm", **PM, "identities": ["github:pm"]},
                         {"id": "tm", "role": "engineering", "identities": ["github:tm"]}],
                 areas=[{"id": "a", "labels": ["a"], "taste_makers": ["tm"], **(extra_cfg or {})},
                        {"id": "o", "labels": ["o"]}])
    records = [item("other", labels=["o"])] + [act("other", "github:pm", "issue_opened") for _ in range(5)]
    for n in range(3):
        records += [item(f"e{n}", kind="pull_request", labels=["a"], draft=True, title=f"Try {n}"),
                    act(f"e{n}", "github:dev", "pr_opened", days=30), act(f"e{n}", "github:dev", "commit")]
    for item_id, actor in curators:
        records.append(act(item_id, actor, "pr_commented"))
    return run(cfg, records, window_weeks=2)


def test_explorations_author_comes_from_the_opening_activity_even_before_the_window():
    a = exploration_setup([])
    assert set(a.explorations["author"]) == {"github:dev"}
    assert list(a.explorations["title"]) == ["Try 0", "Try 1", "Try 2"]
    assert ("a", "uncurated_explorations", None) in gaps(a)


def test_curation_by_taste_maker_role_or_area_taste_maker_counts():
    a = exploration_setup([("e0", "github:pm"), ("e1", "github:tm")])
    assert a.explorations.set_index("item")["curated"].to_dict() == {"e0": True, "e1": True, "e2": False}
    assert ("a", "uncurated_explorations", None) not in gaps(a)
    row = a.areas.set_index("id").loc["a"]
    assert (row["explorations"], row["curated"]) == (3, 2)


def test_curation_by_the_author_or_an_engineer_does_not_count():
    a = exploration_setup([("e0", "github:dev"), ("e1", "github:eng2"), ("e2", "github:pm")])
    assert a.explorations["curated"].sum() == 1
    assert ("a", "uncurated_explorations", None) in gaps(a)


def test_exploration_labels_are_explorations_too():
    cfg = config(areas=[{"id": "a", "labels": ["a"], "taste_makers": []}])
    records = [item("s", labels=["a", "Spike"]), item("p", labels=["a", "prototype"]), item("n", labels=["a"]),
               act("s", "github:x", "issue_opened"), act("p", "github:x", "issue_opened"),
               act("n", "github:x", "issue_opened")]
    a = run(cfg, records, window_weeks=1)
    assert sorted(a.explorations["item"]) == ["p", "s"]


def suggestion_setup(**area_a):
    cfg = config(people=[{"id": p, **PM, "identities": [f"github:{p}"]} for p in ("pm1", "pm2", "pm3", "pm4")],
                 areas=[{"id": "a", "labels": ["a"], **area_a}, {"id": "b", "labels": ["b"], "taste_makers": ["pm3"]},
                        {"id": "c", "labels": ["c"]}, {"id": "d", "labels": ["d"]}])
    records = [item("xa", labels=["a"]), item("xb", labels=["b"]), item("xd", labels=["d"]),
               act("xa", "github:pm1", "issue_opened"), act("xb", "github:pm1", "issue_opened"),
               act("xb", "github:pm2", "issue_opened"),
               act("xa", "github:eng"),
               act("xa", "github:pm3", "issue_opened"), act("xb", "github:pm3", "issue_opened"),
               act("xd", "github:pm4", "issue_opened")]
    return run(cfg, records, window_weeks=1)


def test_suggestions_rank_by_fte_jaccard_and_steering_load():
    a = suggestion_setup()
    # J(a,b) = |{pm1,pm3}| / |{pm1,eng,pm3,pm2}| = 0.5
    # pm1: 0.5 + 0.5*0.5*0.5 = 0.625; pm3: 0.625 / (1 + 1 area steered) = 0.3125; pm2: 0.5*1*0.5 = 0.25
    # eng is not in taste_maker_roles; pm4 scores 0 (d shares nobody with a)
    got = a.suggestions["a"]
    assert [p for p, _ in got] == ["pm1", "pm3", "pm2"]
    assert [s for _, s in got] == pytest.approx([0.625, 0.3125, 0.25])
    assert "b" not in a.suggestions and "c" not in a.suggestions  # covered / inactive


def test_suggestions_skip_the_areas_own_taste_makers():
    a = suggestion_setup(taste_makers=["pm4"])
    assert a.gaps.set_index(["area", "type"]).index.isin([("a", "absent_taste_maker")]).any()
    assert [p for p, _ in a.suggestions["a"]] == ["pm1", "pm3", "pm2"]
    a = suggestion_setup(taste_makers=["pm2"])
    assert [p for p, _ in a.suggestions["a"]] == ["pm1", "pm3"]


def test_changes_opened_and_closed_ordered_by_area_type_role():
    cfg = config(areas=[{"id": "b", "labels": ["b"], "requires": ["engineering", "product"]},
                        {"id": "a", "labels": ["a"], "requires": ["engineering", "product"]}])
    records = [item("xa", labels=["a"]), item("xb", labels=["b"]),
               act("xa", "github:now", days=1), act("xb", "github:then", days=8)]
    current = run(cfg, records, window_weeks=1)
    previous = run(cfg, records, as_of=AS_OF - timedelta(days=7), window_weeks=1)
    assert changes(current, previous) == {
        "opened": [{"area": "a", "type": "no_taste_maker"}, {"area": "a", "type": "role_gap", "role": "product"}],
        "closed": [{"area": "b", "type": "no_taste_maker"}, {"area": "b", "type": "role_gap", "role": "product"}]}
    assert changes(current, current) == {"opened": [], "closed": []}


def test_jira_component_leads_become_taste_makers():
    cfg = config(jira={"url": "https://jira.example", "component_leads": True},
                 people=[{"id": "lee", **PM, "identities": ["jira:lee"]}],
                 areas=[{"id": "bill", "components": ["billing"]}, {"id": "web", "components": ["Web"]}])
    records = [item("J-1", kind="jira_issue", source="jira", components=["Billing"]),
               act("J-1", "jira:dev", "jira_created"), component("BILL", "Billing", "jira:lee"),
               component("BILL", "Web", None)]
    a = run(cfg, records, window_weeks=1)
    assert a.taste_makers[["area", "person", "origin"]].values.tolist() == [["bill", "lee", "jira"]]
    assert ("bill", "absent_taste_maker", None) in gaps(a)
    off = run(config(people=[{"id": "lee", "identities": ["jira:lee"]}],
                     areas=[{"id": "bill", "components": ["billing"]}]), records, window_weeks=1)
    assert off.taste_makers.empty


def test_graph_has_people_and_areas_with_fte_edges():
    a = suggestion_setup(taste_makers=["pm4"])
    g = a.graph
    assert g.nodes["area:a"]["kind"] == "area" and g.nodes["area:a"]["state"] == "gap"
    assert g.nodes["person:pm1"]["role"] == "product"
    assert g.edges["person:pm1", "area:a"]["weight"] == pytest.approx(0.5)
    assert g.edges["person:pm4", "area:a"]["taste_maker"] is True
    assert a.graph is g  # built once


def test_openers_by_codes_follow_the_definition():
    """Whoever opened an item: its opening activity (pr_opened, issue_opened,
    jira_created) first, else the earliest, ties to the smallest activity id; checked
    against the definition written as a pandas sort on data with many ties."""
    import numpy as np

    rng = np.random.default_rng(5)
    n = 3000
    history = pd.DataFrame({"item": rng.integers(0, 400, n), "kind": rng.choice(["pr_opened", "commented", "reviewed",
                                                                               "issue_opened"], n, p=[.1, .5, .3, .1]),
                            "at": rng.integers(0, 30, n), "id": [f"a{k:05d}" for k in rng.permutation(n)],
                            "actor": rng.integers(0, 50, n)})
    expected = (history.assign(opening=~history["kind"].isin(OPENING_KINDS))
                .sort_values(["item", "opening", "at", "id"]).groupby("item")["actor"].first())
    ids = history["id"].tolist()
    items, rows = first_rows(history["item"].to_numpy(), history["kind"].isin(OPENING_KINDS).to_numpy(),
                             history["at"].to_numpy(), ids.__getitem__)
    got = pd.Series(history["actor"].to_numpy()[rows], index=items).sort_index()
    assert (got.index == expected.index).all() and (got.to_numpy() == expected.to_numpy()).all()
    ties = history.duplicated(["item", "at"], keep=False).sum()
    assert ties > 100  # the data does exercise the tie-break


@pytest.mark.parametrize("missing", [False, True])
def test_explorations_come_ordered_by_area_then_item_by_code_point(missing):
    """The (area, item) order `sort_values` gives, with a missing item last in its area."""
    items = ["b#2", "B#9", "a#10", "é#1", "a#2", None if missing else "z#0"]
    areas = ["web", "api", "web", "web", "api", "api"]
    pairs = pd.DataFrame({"item": pd.array(items, dtype="str"), "area": pd.array(areas, dtype="str"),
                          "author": pd.array(["p"] * 6, dtype="str"), "title": pd.array(list("tuvwxy"), dtype="str"),
                          "url": pd.array(list("UVWXYZ"), dtype="str")})
    people = pd.DataFrame({"inferred_role": pd.Series(dtype=object)}, index=pd.Index([], dtype="str"))
    empty = pd.DataFrame({"item": pd.array([], dtype="str"), "person": pd.array([], dtype="str")})
    steer = pd.DataFrame({"area": pd.array([], dtype="str"), "person": pd.array([], dtype="str")})
    got = explorations(config(), pairs, empty, people, steer)
    expected = pairs.assign(curated=False).sort_values(["area", "item"], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected[["item", "area", "author", "curated", "title", "url"]])
    assert got["area"].tolist() == ["api"] * 3 + ["web"] * 3 and got["item"].tolist()[3:] == ["a#10", "b#2", "é#1"]


def test_curation_finds_each_pair_whatever_order_the_item_codes_come_in():
    """The rule on codes joins curating activities to (exploration, area) pairs by item;
    pairs need not come sorted by item code (a shared span numbers items its own way)."""
    from zonemap.coverage import curated_pairs

    pair_item = np.array([5, 2, 5, 9])
    pair_area = np.array([0, 1, 1, 0])
    author = np.array([0, 0, 1, 2])
    # person 3 (a taste-maker by role) comments on item 2; person 1 steers area 0 and comments on
    # item 9 and on item 5: that curates item 5 in area 0 (authored by 0), not in area 1 (its own)
    curated = curated_pairs(pair_item, pair_area, author, np.array([2, 9, 5]), np.array([3, 1, 1]),
                            np.array([0]), np.array([1]), np.array([False, False, False, True]))
    assert curated.tolist() == [True, True, False, True]


def test_curation_counts_count_explorations_and_curated_ones_per_area():
    expl = pd.DataFrame({"area": pd.array(["b", "a", "b", "b", "a", "c"], dtype="str"),
                         "curated": [True, False, False, True, False, False]})
    count, curated = curation_counts(expl)
    assert count == {"b": 3, "a": 2, "c": 1} and curated == {"b": 2, "a": 0, "c": 0}
    assert all(type(v) is int for v in [*count.values(), *curated.values()])
    assert curation_counts(expl.iloc[:0]) == ({}, {})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="aAbZ_é中𝄞 -", min_size=0, max_size=4),
                          st.text(alphabet="aAbZ_é中𝄞 -", min_size=0, max_size=4)), max_size=40, unique=True))
def test_explorations_are_ordered_by_area_then_item_by_code_point(keys):
    from zonemap.coverage import ordered_explorations

    pairs = pd.DataFrame({"item": pd.array([i for _, i in keys], dtype="str"),
                          "area": pd.array([a for a, _ in keys], dtype="str"),
                          "author": pd.array(["x"] * len(keys), dtype="str"),
                          "title": pd.array(["t"] * len(keys), dtype="str"), "url": pd.array(["u"] * len(keys), dtype="str")})
    out = ordered_explorations(pairs, np.zeros(len(keys), dtype=bool))
    assert list(zip(out["area"].tolist(), out["item"].tolist())) == sorted(keys)
