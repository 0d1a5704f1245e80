"""Steps 1, 2, 5-8: weeks, weights, weekly FTE, time average, area FTE, role shares."""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_helpers import END, act, config, item, run
from datetime import timedelta

from connectors.records import Activity

AREAS = [{"id": "a", "labels": ["a"]}, {"id": "b", "labels": ["b"]}]


def fte(analysis, person, area=None, role=None) -> float:
    f = analysis.fte[analysis.fte["person"] == person]
    if area is not None:
        f = f[f["area"] == area]
    if role is not None:
        f = f[f["role"] == role]
    return float(f["fte"].sum())


def at_exactly(item_id, actor, when, kind="commit"):
    return Activity(id=f"{item_id}-{actor}-{when.isoformat()}", item=item_id, kind=kind, actor=actor, at=when)


def test_two_activities_in_two_areas_in_one_week_are_half_and_half():
    cfg = config(areas=AREAS)
    a = run(cfg, [item("x", labels=["a"]), item("y", labels=["b"]),
                  act("x", "github:bob"), act("y", "github:bob")], window_weeks=1)
    assert fte(a, "github:bob", "a") == pytest.approx(0.5)
    assert fte(a, "github:bob", "b") == pytest.approx(0.5)
    assert a.weekly[["person", "week", "area", "role"]].values.tolist() == [
        ["github:bob", 0, "a", "engineering"], ["github:bob", 0, "b", "engineering"]]


def test_weights_split_the_week_by_kind():
    cfg = config(areas=AREAS)
    a = run(cfg, [item("x", kind="pull_request", labels=["a"]), item("y", labels=["b"]),
                  act("x", "github:bob", "pr_opened"), act("y", "github:bob", "commit")], window_weeks=1)
    assert fte(a, "github:bob", "a") == pytest.approx(3 / 4)
    assert fte(a, "github:bob", "b") == pytest.approx(1 / 4)


def test_config_weights_override_defaults_and_unknown_kinds_weigh_zero():
    cfg = config(areas=AREAS, weights={"pr_opened": 1.0, "deploy": 2.0})
    records = [item("x", kind="pull_request", labels=["a"]), item("y", labels=["b"]), item("z", labels=["b"]),
               act("x", "github:bob", "pr_opened"), act("y", "github:bob", "deploy"),
               act("z", "github:bob", "mystery")]
    a = run(cfg, records, window_weeks=1)
    assert fte(a, "github:bob", "a") == pytest.approx(1 / 3)
    assert fte(a, "github:bob", "b") == pytest.approx(2 / 3)
    assert a.activities.set_index("kind")["weight"].to_dict() == {"pr_opened": 1.0, "deploy": 2.0, "mystery": 0.0}


def test_a_week_with_only_zero_weight_is_skipped():
    a = run(config(areas=AREAS), [item("x", labels=["a"]), act("x", "github:bob", "mystery")], window_weeks=1)
    assert a.weekly.empty and fte(a, "github:bob") == 0.0
    assert a.people.loc["github:bob", "inferred_role"] is None


def test_week_index_and_window_boundaries():
    cfg = config(areas=AREAS)
    records = [item("x", labels=["a"]),
               at_exactly("x", "github:in0", END - timedelta(microseconds=1)),       # week 0
               at_exactly("x", "github:wk1", END - timedelta(days=7)),               # floor(1) = week 1
               at_exactly("x", "github:first", END - timedelta(days=14)),            # window start: counts
               at_exactly("x", "github:before", END - timedelta(days=14, seconds=1)),  # outside
               at_exactly("x", "github:after", END)]                                 # outside (end is exclusive)
    a = run(cfg, records, window_weeks=2)
    weeks = a.activities.set_index("actor")["week"].to_dict()
    assert weeks == {"github:in0": 0, "github:wk1": 1, "github:first": 1}


def test_time_average_counts_weeks_without_activity_as_zero():
    a = run(config(areas=AREAS), [item("x", labels=["a"]), act("x", "github:bob", days=1)], window_weeks=4)
    assert fte(a, "github:bob") == pytest.approx(1 / 4)


def test_half_life_decays_older_weeks():
    cfg = config(areas=AREAS, settings={"half_life_weeks": 1})
    # W = 2: d = [1, 0.5], sum 1.5
    a = run(cfg, [item("x", labels=["a"]), act("x", "github:new", days=1), act("x", "github:old", days=8)],
            window_weeks=2)
    assert fte(a, "github:new") == pytest.approx(1 / 1.5)
    assert fte(a, "github:old") == pytest.approx(0.5 / 1.5)


def test_full_week_weight_makes_a_light_week_part_of_a_week():
    cfg = config(areas=AREAS, settings={"full_week_weight": 4})
    a = run(cfg, [item("x", labels=["a"]), act("x", "github:light"),
                  item("y", labels=["b"])] + [act("y", "github:busy") for _ in range(6)], window_weeks=1)
    assert fte(a, "github:light") == pytest.approx(0.25)
    assert fte(a, "github:busy") == pytest.approx(1.0)


def test_area_fte_has_every_configured_area_and_role_and_active_threshold():
    cfg = config(areas=AREAS + [{"id": "c", "labels": ["c"]}], settings={"active_min_fte": 0.5})
    a = run(cfg, [item("x", labels=["a"]), item("y", labels=["b"]), act("x", "github:p"), act("x", "github:q"),
                  act("y", "github:r", "issue_opened")], window_weeks=1)
    grid = a.area_role.set_index(["area", "role"])["fte"]
    assert len(grid) == 9
    assert grid[("a", "engineering")] == pytest.approx(2.0)
    assert grid[("b", "product")] == pytest.approx(1.0)
    assert grid[("c", "design")] == 0.0
    active = a.areas.set_index("id")["active"].to_dict()
    assert active == {"a": True, "b": True, "c": False}


def test_unmapped_work_is_in_the_person_fte_but_not_an_area():
    cfg = config(areas=AREAS)
    a = run(cfg, [item("x", labels=["a"]), item("loose"), act("x", "github:p"), act("loose", "github:p"),
                  act("missing-item", "github:p")], window_weeks=1)
    assert fte(a, "github:p", "(unmapped)") == pytest.approx(2 / 3)
    assert a.people.loc["github:p", "fte"] == pytest.approx(1.0)
    assert "(unmapped)" not in set(a.area_role["area"])


def test_role_shares_and_inferred_role():
    cfg = config(areas=AREAS, people=[{"id": "pm", "role": "product", "identities": ["github:pm"]}])
    a = run(cfg, [item("x", labels=["a"]), act("x", "github:pm", "issue_opened"),
                  act("x", "github:pm", "commit")], window_weeks=1)
    p = a.people.loc["pm"]
    assert p["share_product"] == pytest.approx(2 / 3) and p["share_engineering"] == pytest.approx(1 / 3)
    assert p["inferred_role"] == "product"


@pytest.mark.parametrize("declared, expected", [("product", "product"), ("engineering", "engineering"),
                                                ("design", "engineering"), (None, "engineering")])
def test_inferred_role_tie_goes_to_declared_role_else_config_order(declared, expected):
    cfg = config(areas=AREAS, people=[{"id": "t", "role": declared, "identities": ["github:t"]}])
    a = run(cfg, [item("x", labels=["a"]), act("x", "github:t", "issue_commented"),
                  act("x", "github:t", "commit")], window_weeks=1)
    assert a.people.loc["t", "share_product"] == pytest.approx(0.5)
    assert a.people.loc["t", "inferred_role"] == expected


def test_step_7_and_8_grids_from_codes_are_the_grids_from_strings():
    """The analysis sums steps 7-8 from step 6's codes (`sum_grid`, `grid_codes`); they
    are the sums the string frame gives, (unmapped) and unknown roles left out."""
    import numpy as np

    from zonemap.fte import _sum_grid, grid_codes, sum_grid

    areas, roles, people = ["(unmapped)", "billing", "search"], ["design", "engineering", "ops"], ["ann", "bob"]
    rng = np.random.default_rng(5)
    p, a, r = rng.integers(0, 2, 60), rng.integers(0, 3, 60), rng.integers(0, 3, 60)
    values = rng.random(60)
    fte = pd.DataFrame({"person": pd.array(np.array(people, dtype=object)[p], dtype="str"),
                        "area": pd.array(np.array(areas, dtype=object)[a], dtype="str"),
                        "role": pd.array(np.array(roles, dtype=object)[r], dtype="str"), "fte": values})
    config_areas, config_roles, rows = ["search", "billing", "quiet"], ["engineering", "design", "product"], ["bob", "ann"]
    col = grid_codes(config_roles, roles)[r]
    by_area = sum_grid(grid_codes(config_areas, areas)[a], col, values, 3, 3)
    by_person = sum_grid(grid_codes(rows, people)[p], col, values, 2, 3)
    assert np.array_equal(by_area, _sum_grid(fte, "area", config_areas, config_roles))
    assert np.array_equal(by_person, _sum_grid(fte, "person", rows, config_roles))
    assert by_area[2].sum() == 0 and by_area[:, 2].sum() == 0  # "quiet" and "product": nothing to sum
    assert by_area.sum() == pytest.approx(values[(a > 0) & (r < 2)].sum())  # unmapped and ops left out


def test_weekly_fte_leaves_out_activities_without_a_person():
    """In a span computed with one window's people, an actor only other weeks know has no
    person code (-1): its activities add to nobody, not to the last person's code."""
    import numpy as np

    from zonemap.fte import weekly_fte
    from zonemap.vectors import by_key

    split = by_key(np.array([0]), 1, {"a": np.array([0]), "area_share": np.array([1.0]), "r": np.array([0]),
                                      "role_share": np.array([1.0])})
    acts = {"p": np.array([0, -1]), "week": np.array([0, 0]), "pair": np.array([0, 0]), "weight": np.array([1.0, 1.0])}
    out = weekly_fte(config(), acts, split, {"p": 1, "week": 1, "a": 1, "r": 1})
    assert out["p"].tolist() == [0] and out["fte"].tolist() == [1.0]
    nobody = weekly_fte(config(), {k: v[1:] for k, v in acts.items()}, split, {"p": 0, "week": 1, "a": 1, "r": 1})
    assert len(nobody["fte"]) == 0  # and no division by a person count of 0
