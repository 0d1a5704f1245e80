"""Invariants of the definitions on generated organisations (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from analysis_helpers import AS_OF, END, config, frames, item
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.records import ACTIVITY_KINDS, Activity
from zonemap.analysis import analyze
from zonemap.areas import area_shares

AREAS = [{"id": "a", "labels": ["a"], "paths": ["src/a/**"]},
         {"id": "b", "labels": ["b"], "paths": ["src/**/b.py", "acme/web:lib/**"], "repos": ["acme/web"]},
         {"id": "c", "projects": ["C"], "paths": ["*.md"]}]
LABELS = ["a", "b", "design", "spike", "x"]
PATHS = ["src/a/1.py", "src/x/b.py", "lib/q.py", "README.md", "other/z.txt"]

items_st = st.lists(
    st.builds(lambda n, labels, paths, repo, project, draft: item(
        f"i{n}", kind="pull_request", labels=labels, paths=paths, repo=repo, project=project, draft=draft),
        st.integers(0, 30), st.lists(st.sampled_from(LABELS), max_size=2, unique=True),
        st.lists(st.sampled_from(PATHS), max_size=3), st.sampled_from([None, "acme/web", "acme/api"]),
        st.sampled_from([None, "C"]), st.booleans()),
    min_size=1, max_size=12, unique_by=lambda i: i.id)


@st.composite
def orgs(draw):
    items = draw(items_st)
    ids = [i.id for i in items] + ["ghost"]
    n = draw(st.integers(1, 60))
    acts = [Activity(id=f"x{k}", item=draw(st.sampled_from(ids)),
                     kind=draw(st.sampled_from(list(ACTIVITY_KINDS) + ["custom"])),
                     actor=f"github:{draw(st.sampled_from(['p1', 'p2', 'p3', 'p4', 'bot[bot]']))}",
                     at=END - timedelta(hours=draw(st.integers(1, 24 * 7 * 6))))
            for k in range(n)]
    return items + acts


PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(orgs(), st.sampled_from([0, 2]))
def test_every_active_person_week_is_one_fte_and_nobody_exceeds_one(records, half_life):
    cfg = config(areas=AREAS, settings={"half_life_weeks": half_life})
    a = analyze(cfg, frames(records), AS_OF, 4)
    per_week = a.weekly.groupby(["person", "week"])["fte"].sum()
    assert per_week.to_numpy() == pytest.approx(1.0)  # c = 1 with full_week_weight = 0
    assert (a.people["fte"] <= 1.0 + 1e-9).all()
    assert a.fte["fte"].sum() == pytest.approx(a.area_role["fte"].sum()
                                               + a.fte.loc[a.fte["area"] == "(unmapped)", "fte"].sum())


@PROPS
@given(orgs(), st.floats(0.5, 20))
def test_with_full_week_weight_a_week_is_at_most_one(records, full):
    cfg = config(areas=AREAS, settings={"full_week_weight": full})
    a = analyze(cfg, frames(records), AS_OF, 4)
    per_week = a.weekly.groupby(["person", "week"])["fte"].sum()
    assert (per_week <= 1.0 + 1e-9).all()


@PROPS
@given(items_st)
def test_area_shares_of_every_item_sum_to_one(items):
    cfg = config(areas=AREAS)
    f = frames(items)
    shares = area_shares(cfg, f.items, [i.id for i in items] + ["ghost"])
    assert shares.groupby("item")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert set(shares["item"]) == {i.id for i in items} | {"ghost"}
    assert (shares["share"] > 0).all()


@PROPS
@given(orgs())
def test_role_shares_sum_to_one_and_bus_factor_is_bounded(records):
    cfg = config(areas=AREAS, settings={"active_min_fte": 0.1})
    a = analyze(cfg, frames(records), AS_OF, 4)
    with_fte = a.people[a.people["fte"] > 0]
    shares = with_fte[[c for c in a.people.columns if c.startswith("share_")]].sum(axis=1)
    assert shares.to_numpy() == pytest.approx(1.0)
    for row in a.areas.itertuples():
        if row.active:
            contributors = (a.fte[a.fte["area"] == row.id].groupby("person")["fte"].sum() > 0).sum()
            assert 1 <= row.bus_factor <= contributors
        else:
            assert row.score == 0
