"""The report: JSON exactly as DESIGN.md, the Markdown digest, the CSV of areas."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from analysis_helpers import AS_OF, act, component, config, frames, item

from zonemap.report import build_report, md, report_csv, report_markdown
from zonemap.store import Store

# DESIGN.md's example, trimmed to one of each element: the keys and types to honour
EXAMPLE = {"as_of": "2026-11-22", "window_weeks": 12,
           "summary": {"active_areas": 12, "covered_areas": 8, "coverage": 0.667, "gap_count": 9,
                       "people": 57, "unmapped_share": 0.08},
           "areas": [{"id": "billing", "name": "Billing", "stage": "ship", "active": True,
                      "fte": 2.31, "fte_by_role": {"engineering": 1.9, "design": 0.0, "product": 0.41},
                      "taste_makers": [{"id": "alice", "fte": 0.05, "present": False}],
                      "gaps": [{"type": "absent_taste_maker"},
                               {"type": "role_gap", "role": "design", "fte": 0.0, "min": 0.2}],
                      "score": 3.47, "bus_factor": 2, "explorations": {"count": 4, "curated": 1},
                      "top_people": [{"id": "bob", "fte": 0.9}]}],
           "people": [{"id": "alice", "name": "Alice Smith", "team": "Growth", "declared_role": "product",
                       "inferred_role": "product", "fte": 0.85,
                       "role_shares": {"engineering": 0.1, "design": 0.0, "product": 0.9},
                       "areas": {"billing": 0.05, "search": 0.6}, "taste_maker_of": ["billing", "search"]}],
           "suggestions": [{"area": "billing", "candidates": [{"id": "carol", "score": 0.42}]}],
           "changes": {"opened": [{"area": "billing", "type": "absent_taste_maker"}], "closed": []}}


def org():
    cfg, records = org_records()
    return cfg, frames(records)


def org_records():
    cfg = config(
        jira={"url": "https://jira.example", "component_leads": True},
        people=[{"id": "alice", "name": "Alice Smith", "role": "product", "team": "Growth",
                 "identities": ["github:alice-s"]},
                {"id": "carol", "name": "Carol <b>C</b>", "role": "engineering", "identities": ["github:carol"]},
                {"id": "lee", "name": "Lee", "identities": ["jira:lee"]}],
        areas=[{"id": "billing", "name": "Billing [beta]", "stage": "ship", "labels": ["billing"],
                "taste_makers": ["alice"], "requires": ["engineering", "design"]},
               {"id": "search", "name": "Search", "stage": "explore", "labels": ["search"], "components": ["Search"]},
               {"id": "dormant", "labels": ["dormant"]}])
    records = [item("b1", labels=["billing"], title="Fix *plan* picker <script>"),
               item("s1", labels=["search"]), item("u1"),
               component("WEB", "Search", "jira:lee")]
    for week in (0, 1):
        d = 1 + 7 * week
        records += [act("b1", "github:bob", days=d), act("b1", "github:bob", "pr_opened", days=d),
                    act("s1", "github:carol", "issue_opened", days=d), act("s1", "github:carol", "issue_commented", days=d),
                    act("b1", "github:alice-s", "issue_commented", days=d), act("u1", "github:alice-s", days=d)]
    records += [act("s1", "github:new", days=2)]  # new this week: opens nothing, but is a person
    return cfg, records


NULLABLE = {"stage", "team", "declared_role", "inferred_role", "name", "bus_factor", "coverage"}


def check(value, example, key="report"):
    """`value` has `example`'s type at every key (None allowed where DESIGN.md says null)."""
    if value is None and key in NULLABLE:
        return
    if isinstance(example, bool):
        assert isinstance(value, bool), key
    elif isinstance(example, (int, float)):
        assert isinstance(value, type(example)) and not isinstance(value, bool), key
    elif isinstance(example, str):
        assert isinstance(value, str), key
    elif isinstance(example, list):
        assert isinstance(value, list), key
        for v in value:
            check(v, example[0], key + "[]")
    elif isinstance(example, dict):
        assert isinstance(value, dict), key
        if key in ("fte_by_role", "role_shares", "areas"):  # maps of name -> float
            assert all(isinstance(v, float) for v in value.values()), key
            return
        for k, sub in example.items():
            if k in value:
                check(value[k], sub, k)


def test_report_keys_and_types_match_design():
    cfg, f = org()
    r = build_report(cfg, f, AS_OF)
    json.dumps(r)  # plain JSON
    assert list(r) == list(EXAMPLE)
    assert list(r["summary"]) == list(EXAMPLE["summary"])
    check(r, EXAMPLE)
    for area in r["areas"]:
        assert list(area) == list(EXAMPLE["areas"][0])
        assert list(area["fte_by_role"]) == ["engineering", "design", "product"]
        for gap in area["gaps"]:
            assert list(gap) in (["type"], ["type", "role", "fte", "min"])
        for tm in area["taste_makers"]:
            assert set(tm) <= {"id", "fte", "present", "source"}
    for person in r["people"]:
        assert list(person) == list(EXAMPLE["people"][0])


def test_report_values():
    cfg, f = org()
    r = build_report(cfg, f, AS_OF, window_weeks=2)
    assert r["as_of"] == "2026-11-22" and r["window_weeks"] == 2
    areas = {a["id"]: a for a in r["areas"]}
    # search: F 1.5 * (absent taste-maker 1 + 0.5 * design 1) = 2.25; billing: 1.5 * 0.5 * design 1 = 0.75
    assert [(a["id"], a["score"]) for a in r["areas"]] == [("search", 2.25), ("billing", 0.75), ("dormant", 0.0)]
    billing = areas["billing"]
    assert billing["fte"] == 1.5 and billing["fte_by_role"] == {"engineering": 1.0, "design": 0.0, "product": 0.5}
    assert billing["taste_makers"] == [{"id": "alice", "fte": 0.5, "present": True}]
    assert billing["gaps"] == [{"type": "role_gap", "role": "design", "fte": 0.0, "min": 0.2}]
    assert billing["top_people"] == [{"id": "github:bob", "fte": 1.0}, {"id": "alice", "fte": 0.5}]
    assert billing["bus_factor"] == 1 and billing["stage"] == "ship"
    search = areas["search"]
    assert search["taste_makers"] == [{"id": "lee", "fte": 0.0, "present": False, "source": "jira"}]
    assert search["gaps"] == [{"type": "absent_taste_maker"},
                              {"type": "role_gap", "role": "design", "fte": 0.0, "min": 0.2}]
    assert areas["dormant"]["active"] is False and areas["dormant"]["bus_factor"] is None
    assert r["summary"] == {"active_areas": 2, "covered_areas": 1, "coverage": 0.5, "gap_count": 3,
                            "people": 5, "unmapped_share": 0.143}
    people = {p["id"]: p for p in r["people"]}
    assert list(people) == ["alice", "carol", "github:bob", "github:new", "lee"]
    alice = people["alice"]
    assert alice["areas"] == {"billing": 0.5} and alice["fte"] == 1.0  # unmapped in fte, not in areas
    assert alice["role_shares"] == {"engineering": 0.5, "design": 0.0, "product": 0.5}
    assert alice["inferred_role"] == "product"  # tie goes to the declared role
    assert alice["taste_maker_of"] == ["billing"]
    assert people["lee"]["inferred_role"] is None and people["lee"]["taste_maker_of"] == ["search"]
    assert people["github:new"]["fte"] == 0.5 and people["github:new"]["declared_role"] is None
    # alice has no fte in search and J(search, billing) = 0; lee is its own taste-maker
    assert r["suggestions"] == [{"area": "search", "candidates": [{"id": "carol", "score": 1.0}]}]


def test_changes_compare_with_the_report_a_week_earlier():
    cfg, f = org()
    r = build_report(cfg, f, AS_OF, window_weeks=1)
    before = build_report(cfg, f, AS_OF - timedelta(days=7), window_weeks=1)
    now_keys = {(a["id"], g["type"], g.get("role")) for a in r["areas"] for g in a["gaps"]}
    old_keys = {(a["id"], g["type"], g.get("role")) for a in before["areas"] for g in a["gaps"]}
    opened = [(c["area"], c["type"], c.get("role")) for c in r["changes"]["opened"]]
    closed = [(c["area"], c["type"], c.get("role")) for c in r["changes"]["closed"]]
    assert set(opened) == now_keys - old_keys and set(closed) == old_keys - now_keys
    assert opened == sorted(opened, key=lambda k: (k[0], k[1], k[2] or ""))


def test_empty_store_gives_a_valid_report():
    r = build_report(config(areas=[{"id": "a", "labels": ["a"]}]), frames([]), AS_OF)
    assert r["summary"] == {"active_areas": 0, "covered_areas": 0, "coverage": None, "gap_count": 0,
                            "people": 0, "unmapped_share": 0.0}
    assert "No area is active" in report_markdown(r)
    assert report_csv(r).splitlines()[1].startswith("a,a,,False,0.0")


def test_markdown_digest_sections_and_escaping():
    cfg, f = org()
    text = report_markdown(build_report(cfg, f, AS_OF, window_weeks=2))
    for heading in ("## Summary", "## Changes since last week", "## Gaps, most urgent first",
                    "## Who could steer the uncovered areas", "## Observed role differs from declared"):
        assert heading in text
    assert "Billing \\[beta\\]" in text                      # a name cannot become a link
    assert "<b>" not in text and "Carol &lt;b&gt;C&lt;/b&gt;" in text  # never HTML
    assert "design has 0.00 FTE here, below the 0.20 needed" in text
    assert "the assigned taste-maker is not present: Lee (0.00 FTE here)" in text
    assert "**Search**: Carol &lt;b&gt;C&lt;/b&gt; (1.00)" in text
    assert "| Carol &lt;b&gt;C&lt;/b&gt; | engineering | product | 100% |" in text


@pytest.mark.parametrize("raw, safe", [("a*b*", "a\\*b\\*"), ("[x](http://e)", "\\[x\\](http://e)"),
                                       ("<img src=x>", "&lt;img src=x&gt;"), ("a|b", "a\\|b"),
                                       ("line\nbreak", "line break"), ("`code`", "\\`code\\`")])
def test_md_escapes_source_text(raw, safe):
    assert md(raw) == safe


def test_csv_has_one_row_per_area_in_report_order():
    cfg, f = org()
    r = build_report(cfg, f, AS_OF, window_weeks=2)
    rows = list(csv.DictReader(io.StringIO(report_csv(r))))
    assert [row["id"] for row in rows] == [a["id"] for a in r["areas"]]
    assert rows[0]["gaps"] == "absent_taste_maker;role_gap:design" and rows[0]["taste_makers"] == "lee"
    assert rows[1]["name"] == "Billing [beta]" and rows[1]["fte_engineering"] == "1.0"
    assert rows[1]["taste_makers_present"] == "alice" and rows[1]["top_people"] == "github:bob;alice"


def test_csv_neutralises_formula_like_cells():
    cfg = config(areas=[{"id": "a", "name": "=HYPERLINK(1)", "labels": ["a"]}])
    text = report_csv(build_report(cfg, frames([]), AS_OF))
    assert "'=HYPERLINK(1)" in text


def test_report_from_a_real_store_matches_the_report_from_records(tmp_path):
    cfg, records = org_records()
    store = Store(tmp_path / "zonemap.db")
    try:
        store.upsert(records)
        end = pd.Timestamp("2026-11-23", tz="UTC")
        loaded = store.load_frames(start=end - pd.Timedelta(days=7 * 3), end=end)
    finally:
        store.close()
    assert len(loaded.activities) == len(records) - 4
    assert build_report(cfg, loaded, AS_OF, window_weeks=2) == build_report(cfg, frames(records), AS_OF,
                                                                             window_weeks=2)


def test_precomputed_item_shares_give_the_same_analysis():
    from zonemap.analysis import analyze, item_shares

    cfg, f = org()
    plain = analyze(cfg, f, AS_OF, 2)
    shared = analyze(cfg, f, AS_OF, 2, shares=item_shares(cfg, f, AS_OF, 2, extra_weeks=1))
    for name in ("weekly", "fte", "area_role", "areas", "gaps", "people", "explorations"):
        pd.testing.assert_frame_equal(getattr(plain, name), getattr(shared, name), check_like=True)
    assert plain.suggestions == shared.suggestions


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ann", "Bob", "é", "zoe", "中"]), st.sampled_from(["a", "B", "c", "ü"]),
                          st.sampled_from([0.5, 0.25, 1.0, 0.125, 2.0])), max_size=30, unique_by=lambda r: r[:2]))
def test_top_people_and_person_areas_are_ranked_as_sort_values_ranks_them(rows):
    from zonemap.report import _ranked, _runs

    def ordered(runs):  # keys and entries in their order, as the JSON lists them
        return [(key, list(entries.items())) for key, entries in runs.items()]

    mapped = pd.DataFrame({"person": pd.array([p for p, _, _ in rows], dtype="str"),
                           "area": pd.array([a for _, a, _ in rows], dtype="str"), "fte": [f for *_, f in rows]})
    top, by_person = _ranked(mapped, top=2)
    assert ordered(top) == ordered(_runs(mapped.sort_values(["area", "fte", "person"], ascending=[True, False, True])
                                         .groupby("area", sort=False).head(2), "area", "person"))
    assert ordered(by_person) == ordered(_runs(mapped.sort_values(["person", "fte", "area"],
                                                                  ascending=[True, False, True]), "person", "area"))


def test_the_digest_and_the_dashboard_word_a_gap_alike():
    """One definition of the gap sentences (zonemap.gap_words) serves both."""
    from dashboard.ui import gap_words as dashboard_words
    from zonemap.report import _gap_words

    area = {"taste_makers": [{"id": "p1", "fte": 0.05}], "explorations": {"count": 1, "curated": 0}}
    absent = _gap_words({"type": "absent_taste_maker"}, area, {"p1": "Priya Raman"})
    assert absent == "the assigned taste-maker is not present: Priya Raman (0.05 FTE here)"
    assert dashboard_words("absent_taste_maker", who=[("Priya Raman", 0.05)]) == absent
    uncurated = _gap_words({"type": "uncurated_explorations"}, area, {})
    assert uncurated.startswith("1 exploration is active and only 0 had a review")
    assert dashboard_words("uncurated_explorations", explorations=(1, 0)) == uncurated
