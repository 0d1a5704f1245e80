"""The shared work of a report's analyses (`zonemap.prepared`) and the fast paths behind it
change no result: a prepared span gives the analyses a fresh run gives, people resolution is
reused only when it must give the same answer, list columns split the same way whatever
they hold, and path rules keep "last match wins" through their fast paths."""

from __future__ import annotations

import gc
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import AS_OF, act, config, frames, ident, item

from zonemap import sample
from zonemap.analysis import analyze
from zonemap.areas import ItemView, _compile, area_shares, glob_mask
from zonemap.config import load_config
from zonemap.prepared import _dense_codes, _item_codes, _time_ns, prepare
from zonemap.report import build_report

FRAMES = ("people", "activities", "weekly", "fte", "area_role", "areas", "taste_makers", "gaps",
          "explorations")


def assert_same(a, b):
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(a.identities, b.identities)
    key = ["item", "area"]
    pd.testing.assert_frame_equal(a.item_areas.sort_values(key, ignore_index=True),
                                  b.item_areas.sort_values(key, ignore_index=True))
    assert a.suggestions.keys() == b.suggestions.keys()
    for area, cands in a.suggestions.items():
        assert [p for p, _ in cands] == [p for p, _ in b.suggestions[area]]
        assert [s for _, s in cands] == pytest.approx([s for _, s in b.suggestions[area]], rel=1e-12)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    sample.generate(out, people=45, areas=20, activities=7000, weeks=30, seed=3)
    cfg = load_config(out / sample.CONFIG_NAME)
    from connectors.records import read_records
    return cfg, frames(read_records(out / sample.RECORDS_NAME))


def test_a_shared_span_gives_both_weeks_what_fresh_analyses_give(demo):
    cfg, f = demo
    as_of = cfg.settings.as_of
    shared = prepare(cfg, f, as_of, 4, extra_weeks=1)
    now, before = analyze(cfg, f, as_of, 4, prepared=shared), analyze(cfg, f, as_of - timedelta(days=7), 4,
                                                                       prepared=shared)
    assert_same(now, analyze(cfg, f, as_of, 4))
    assert_same(before, analyze(cfg, f, as_of - timedelta(days=7), 4))
    assert len(now.gaps) and len(now.explorations) and now.suggestions  # the demo exercises every step
    assert len(shared._weekly) == 1  # both windows were cut from one weekly FTE of the span
    assert len(shared._steer) == 1  # and share one reading of who steers which area


def test_the_oldest_instant_of_a_window_stays_in_its_oldest_week_when_weeks_are_shared():
    # end - 2 weeks exactly belongs to the 2-week window (DESIGN.md "Time"), in its week 1,
    # where it halves bob's week with the commit of day 10; the span of 3 weeks puts that
    # instant in its week 2, so the later window must not be cut from the span's weeks
    cfg = config(areas=[{"id": "web", "repos": ["acme/web"]}, {"id": "api", "repos": ["acme/api"]}])
    records = [item("w", repo="acme/web"), item("x", repo="acme/api"),
               act("w", "github:bob", days=1), act("w", "github:bob", days=14), act("x", "github:bob", days=10),
               act("x", "github:bob", days=17)]
    f = frames(records)
    shared = prepare(cfg, f, AS_OF, 2, extra_weeks=1)
    now = analyze(cfg, f, AS_OF, 2, prepared=shared)
    before = analyze(cfg, f, AS_OF - timedelta(days=7), 2, prepared=shared)
    assert_same(now, analyze(cfg, f, AS_OF, 2))
    assert_same(before, analyze(cfg, f, AS_OF - timedelta(days=7), 2))
    week1 = now.weekly[now.weekly["week"] == 1].groupby("area")["fte"].sum().to_dict()
    assert week1 == pytest.approx({"web": 0.5, "api": 0.5})


def test_a_span_that_does_not_hold_the_window_is_not_used(demo):
    cfg, f = demo
    as_of = cfg.settings.as_of
    narrow = prepare(cfg, f, as_of, 4)  # no extra week: the week-earlier window reaches outside
    assert not narrow.covers(pd.Timestamp(as_of, tz="UTC"), 4)
    assert_same(analyze(cfg, f, as_of - timedelta(days=7), 4, prepared=narrow),
                analyze(cfg, f, as_of - timedelta(days=7), 4))


def test_people_are_resolved_again_when_an_unknown_identity_acts_in_one_week_only():
    # bob's email identity acts only in the earlier week; it joins github:bob by email and,
    # being the smaller id, names the person there -- but not in the later week.
    cfg = config(areas=[{"id": "a", "repos": ["acme/web"]}])
    records = [item("i1", repo="acme/web"), ident("github:bob", email="bob@x.org"),
               act("i1", "github:bob", days=1), act("i1", "email:bob@x.org", days=9)]
    f = frames(records)
    shared = prepare(cfg, f, AS_OF, 1, extra_weeks=1)
    now = analyze(cfg, f, AS_OF, 1, prepared=shared)
    before = analyze(cfg, f, AS_OF - timedelta(days=7), 1, prepared=shared)
    assert set(now.activities["person"]) == {"github:bob"}
    assert set(before.activities["person"]) == {"email:bob@x.org"}
    assert_same(before, analyze(cfg, f, AS_OF - timedelta(days=7), 1))
    assert_same(now, analyze(cfg, f, AS_OF, 1))


def test_report_leaves_the_cycle_collector_as_it_found_it(demo):
    cfg, f = demo
    build_report(cfg, f, cfg.settings.as_of, 2)
    assert gc.isenabled()
    gc.disable()
    try:
        analyze(cfg, f, cfg.settings.as_of, 2)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("values, expected", [
    ([["A", "b "], [], ["c"]], [(0, "a"), (0, "b"), (2, "c")]),                 # Arrow path
    ([["A", None], None, ("B",), np.array(["C"], dtype=object)], [(0, "a"), (2, "b"), (3, "c")]),
    ([["a"], "not-a-list", float("nan"), ["b"]], [(0, "a"), (3, "b")]),          # a bare string has no values
    ([["a", 1], ["b"]], [(0, "1"), (0, "a"), (1, "b")]),                         # not all strings: Python path
])
def test_list_columns_split_the_same_whatever_they_hold(values, expected):
    col = np.empty(len(values), dtype=object)
    col[:] = values
    view = ItemView(pd.DataFrame({"id": [f"i{n}" for n in range(len(values))], "labels": col}))
    pos, codes, distinct = view.values("labels")
    assert sorted(zip(pos.tolist(), distinct[codes].tolist())) == expected


@pytest.mark.parametrize("pattern", ["src/billing/**", "a-b/c.d/**", "docs/", "/docs/", "src/*.py", "*.md",
                                     "src/billing", "src/**/x", "src/[ab]/**"])
def test_path_rule_fast_paths_match_what_python_regex_matches(pattern):
    paths = pd.Series(["src/billing/a.py", "src/billing", "a-b/c.d/e", "a-b/cxd/e", "x/docs/a.md", "docs/a.md",
                       "src/a.py", "src/a/b.py", "README.md", "src/q/x", "src/a/x.py", "src/b/y"], dtype="str")
    regex = _compile(pattern)
    assert glob_mask(paths, pattern).tolist() == [regex.search(p) is not None for p in paths]


def test_last_matching_path_rule_wins_across_repo_and_plain_rules():
    cfg = config(areas=[{"id": "web", "paths": ["acme/web:src/**"]}, {"id": "billing", "paths": ["src/billing/**"]},
                        {"id": "api-billing", "paths": ["ACME/API:src/billing/**"]}])
    items = [item("w1", repo="acme/web", paths=["src/billing/x.py"]), item("w2", repo="acme/web", paths=["src/y.py"]),
             item("a1", repo="acme/api", paths=["src/billing/x.py"]), item("a2", repo="acme/api", paths=["src/y.py"])]
    got = area_shares(cfg, frames(items).items, [i.id for i in items])
    assert dict(zip(got["item"], got["area"])) == {"w1": "billing", "w2": "web", "a1": "api-billing",
                                                   "a2": "(unmapped)"}


def test_prepared_work_is_used_only_for_its_frames_and_a_config_that_agrees_with_it(demo):
    cfg, f = demo
    as_of = cfg.settings.as_of
    shared = prepare(cfg, f, as_of, 4, extra_weeks=1)
    end = pd.Timestamp(as_of + timedelta(days=1), tz="UTC")
    moved = cfg.model_copy(update={"areas": [a.model_copy(update={"taste_makers": []}) for a in cfg.areas]})
    assert shared.serves(moved, f, end, 4)  # taste-makers are the analysis' own business
    assert analyze(cfg, f, as_of, 4, prepared=shared).taste_makers.shape[0] > 0
    assert_same(analyze(moved, f, as_of, 4, prepared=shared), analyze(moved, f, as_of, 4))  # not cfg's steering
    stricter = cfg.model_copy(update={"settings": cfg.settings.model_copy(update={"exclude_actors": ["github:*"]})})
    assert not shared.serves(stricter, f, end, 4)
    assert_same(analyze(stricter, f, as_of, 4, prepared=shared), analyze(stricter, f, as_of, 4))
    fewer = frames([])
    assert not shared.serves(cfg, fewer, end, 4)
    assert analyze(cfg, fewer, as_of, 4, prepared=shared).activities.empty


def test_window_gaps_are_the_gaps_the_full_analysis_finds(demo):
    from zonemap.analysis import changes, window_gaps

    cfg, f = demo
    shared = prepare(cfg, f, cfg.settings.as_of, 4, extra_weeks=1)
    for as_of in (cfg.settings.as_of, cfg.settings.as_of - timedelta(days=7)):
        full = analyze(cfg, f, as_of, 4, prepared=shared).gaps
        quick = window_gaps(cfg, f, as_of, 4, prepared=shared)
        key = ["area", "type", "role"]
        pd.testing.assert_frame_equal(quick.sort_values(key, ignore_index=True),
                                      full.sort_values(key, ignore_index=True))
    now = analyze(cfg, f, cfg.settings.as_of, 4)
    before = analyze(cfg, f, cfg.settings.as_of - timedelta(days=7), 4)
    assert changes(now, window_gaps(cfg, f, cfg.settings.as_of - timedelta(days=7), 4)) == changes(now, before)


def test_path_rules_of_every_kind_interleave_with_the_last_match_winning():
    rules = [("a", "src/**"), ("b", "*.py"), ("c", "src/billing/**"), ("d", "acme/web:docs/**"), ("e", "src/*"),
             ("f", "acme/api:src/billing/**")]
    cfg = config(areas=[{"id": area, "paths": [pattern]} for area, pattern in rules])
    paths = ["src/billing/a.py", "src/x.py", "src/billing/readme", "docs/a.py", "src/readme", "src/billing",
             "srcx/a", "docs/b.md"]
    items = [item(f"{repo}/{n}", repo=repo, paths=[p]) for repo in ("acme/web", "acme/api") for n, p in enumerate(paths)]
    got = area_shares(cfg, frames(items).items, [i.id for i in items])
    got = dict(zip(got["item"], got["area"]))

    def expected(repo, path):  # the last rule (in config order) whose repo and pattern match
        hit = [area for area, raw in rules
               if (":" not in raw or raw.split(":")[0] == repo) and _compile(raw.split(":")[-1]).search(path)]
        return hit[-1] if hit else "(unmapped)"

    assert got == {i.id: expected(i.repo, i.paths[0]) for i in items}
    assert got["acme/web/3"] == "d" and got["acme/api/3"] == "b" and got["acme/api/0"] == "f"


@pytest.mark.parametrize("spread", [1, 1000])  # a dense table of flags, and thin keys sorted instead
def test_pair_codes_number_the_distinct_keys_in_key_order(spread):
    keys = np.array([7, 3, 7, 0, 3, 9, 9, 9], dtype="int64") * spread
    codes, distinct = _dense_codes(keys, 10 * spread)
    assert distinct.tolist() == sorted(set(keys.tolist()))
    assert (distinct[codes] == keys).all() and codes.dtype == np.int64


def test_store_times_and_other_times_give_the_same_nanoseconds():
    at = pd.Series(pd.to_datetime(["2026-01-05T10:00:00Z", "2026-03-01T00:00:01Z"], utc=True))
    expected = [1767607200 * 10**9, 1772323201 * 10**9]
    assert _time_ns(at.astype("datetime64[us, UTC]")).tolist() == expected  # what the store reads
    assert _time_ns(at.dt.tz_convert("Europe/Berlin")).tolist() == expected
    assert _time_ns(pd.Series(["2026-01-05T11:00:00+01:00", "2026-03-01T00:00:01Z"])).tolist() == expected


def test_item_codes_name_stored_rows_and_number_unstored_items_after_them():
    stored = pd.Series(["i1", "i2", "i3", "i2"], dtype="str")  # i2 stored twice: its last row counts
    acts = pd.Series(["i2", "x9", "i1", None, "x8", "x9", "i2"], dtype="str")
    codes, uniq, stored_codes = _item_codes(acts, stored)
    assert codes.tolist() == [3, 4, 0, -1, 5, 4, 3]
    assert list(uniq) == ["i1", "i2", "i3", "i2", "x9", "x8"]
    assert stored_codes.tolist() == [0, 1, 2, 3]


def test_the_store_looks_items_up_on_its_reading_threads_as_the_analysis_would(tmp_path):
    """`Frames.item_rows` from the store's reading threads is what `_item_codes` would
    work out itself, and the analysis gives the same with or without it."""
    from dataclasses import replace

    from connectors.records import read_records
    from zonemap.store import Store
    from zonemap.vectors import positions

    sample.generate(tmp_path, people=30, areas=12, activities=3000, weeks=20, seed=5)
    cfg = load_config(tmp_path / sample.CONFIG_NAME)
    store = Store(tmp_path / "z.db")
    store.upsert(read_records(tmp_path / sample.RECORDS_NAME))
    loaded = store.load_frames()
    assert loaded.item_rows is not None
    assert loaded.item_rows.tolist() == positions(loaded.items["id"], loaded.activities["item"]).tolist()
    as_of = cfg.settings.as_of
    assert_same(analyze(cfg, loaded, as_of, 8), analyze(cfg, replace(loaded, item_rows=None), as_of, 8))


def test_a_left_join_on_codes_keeps_each_unmatched_key_once():
    from zonemap.vectors import by_key, expand

    table = by_key(np.array([2, 0, 2]), 3, {"v": np.array([10, 20, 30])})
    assert [x.tolist() for x in expand(table, np.array([2, 1, 0]))] == [[0, 0, 2], [1, 2, 0]]
    left, right = expand(table, np.array([2, 1, 0]), keep_unmatched=True)
    assert left.tolist() == [0, 0, 1, 2] and right.tolist() == [1, 2, -1, 0]
    assert np.append(table["v"], -1)[right].tolist() == [10, 30, -1, 20]
