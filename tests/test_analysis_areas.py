"""Step 3: area shares of items (levels 1, 2, 3, per-path fall-through, unmapped)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from analysis_helpers import config, frames, item

from zonemap.areas import UNMAPPED, _last_rules, _prefix, area_shares, glob_mask
from zonemap.config import check_glob, gitignore_patterns, plain_dir_prefix


def shares(cfg, items, ids=None) -> dict[str, dict[str, float]]:
    f = frames(items)
    out = area_shares(cfg, f.items, ids if ids is not None else [i.id for i in items])
    return {i: dict(zip(g["area"], g["share"])) for i, g in out.groupby("item")}


def test_level1_labels_components_epics_split_equally_and_case_insensitively():
    cfg = config(areas=[{"id": "billing", "labels": ["Area:Billing"]}, {"id": "search", "components": ["Search"]},
                        {"id": "plans", "epics": ["BILL-1"]}, {"id": "web", "repos": ["acme/web"]}])
    got = shares(cfg, [item("i1", labels=["area:billing"], components=["SEARCH"], epic="bill-1", repo="acme/web")])
    assert got["i1"] == pytest.approx({"billing": 1 / 3, "search": 1 / 3, "plans": 1 / 3})


def test_level1_beats_paths_and_level3():
    cfg = config(areas=[{"id": "billing", "labels": ["billing"]}, {"id": "src", "paths": ["src/**"]},
                        {"id": "web", "repos": ["acme/web"]}])
    assert shares(cfg, [item("i1", labels=["billing"], paths=["src/a.py"], repo="acme/web")]) == {
        "i1": {"billing": 1.0}}


def test_last_matching_path_rule_wins_in_config_order_across_areas():
    cfg = config(areas=[{"id": "specific", "paths": ["src/billing/**"]}, {"id": "broad", "paths": ["src/**"]},
                        {"id": "docs", "paths": ["*.md"]}])
    got = shares(cfg, [item("i1", paths=["src/billing/a.py", "src/billing/README.md"])])
    # the later broad rule shadows the earlier specific one (CODEOWNERS semantics)
    assert got["i1"] == pytest.approx({"broad": 0.5, "docs": 0.5})


def test_each_path_counts_one_over_len_paths_and_unmatched_paths_fall_through_to_level3():
    cfg = config(areas=[{"id": "billing", "paths": ["src/billing/**"]}, {"id": "web", "repos": ["acme/web"]},
                        {"id": "webproj", "repos": ["ACME/WEB"]}])
    got = shares(cfg, [item("i1", repo="acme/web", paths=["src/billing/a.py", "src/x.py", "docs/y.md", "z"])])
    assert got["i1"] == pytest.approx({"billing": 0.25, "web": 0.375, "webproj": 0.375})


def test_fall_through_joins_each_path_to_its_own_items_level3_areas():
    """Several items in one view, interleaved: each unmatched path takes its own item's
    level-3 areas (or unmapped), never a neighbour's."""
    cfg = config(areas=[{"id": "billing", "paths": ["src/billing/**"]}, {"id": "web", "repos": ["acme/web"]},
                        {"id": "bill", "projects": ["BILL"]}, {"id": "web2", "repos": ["acme/web"]}])
    got = shares(cfg, [item("a", repo="acme/api", paths=["x.py", "src/billing/b.py"]),
                       item("b", repo="acme/web", project="BILL", paths=["y.py", "z.py", "src/billing/c.py"]),
                       item("c", project="BILL", paths=["w.py"]),
                       item("d", repo="acme/web", paths=["src/billing/d.py"])])
    assert got["a"] == pytest.approx({UNMAPPED: 0.5, "billing": 0.5})
    assert got["b"] == pytest.approx({"web": 2 / 9, "bill": 2 / 9, "web2": 2 / 9, "billing": 1 / 3})
    assert got["c"] == pytest.approx({"bill": 1.0})
    assert got["d"] == pytest.approx({"billing": 1.0})


def test_unmatched_paths_without_level3_are_unmapped():
    cfg = config(areas=[{"id": "billing", "paths": ["src/billing/**"]}])
    got = shares(cfg, [item("i1", repo="acme/web", paths=["src/billing/a.py", "lib/x.py"])])
    assert got["i1"] == pytest.approx({"billing": 0.5, UNMAPPED: 0.5})


def test_repo_prefixed_path_rules_apply_to_that_repo_only():
    cfg = config(areas=[{"id": "web-src", "paths": ["acme/web:src/**"]}, {"id": "any-lib", "paths": ["lib/**"]}])
    got = shares(cfg, [item("w", repo="acme/web", paths=["src/a.py"]), item("x", repo="acme/api", paths=["src/a.py"]),
                       item("y", repo="acme/api", paths=["lib/a.py"])])
    assert got == {"w": {"web-src": 1.0}, "x": {UNMAPPED: 1.0}, "y": {"any-lib": 1.0}}


def test_level3_repos_and_projects_split_equally():
    cfg = config(areas=[{"id": "web", "repos": ["acme/web"]}, {"id": "bill", "projects": ["bill"]}])
    got = shares(cfg, [item("i1", repo="acme/web", project="BILL"), item("i2", project="BILL"), item("i3")])
    assert got == {"i1": {"web": 0.5, "bill": 0.5}, "i2": {"bill": 1.0}, "i3": {UNMAPPED: 1.0}}


def test_item_that_is_not_stored_is_unmapped():
    cfg = config(areas=[{"id": "web", "repos": ["acme/web"]}])
    assert shares(cfg, [item("i1", repo="acme/web")], ids=["i1", "ghost"]) == {
        "i1": {"web": 1.0}, "ghost": {UNMAPPED: 1.0}}


@pytest.mark.parametrize("pattern, path, hit", [
    ("src/**", "src/a/b/c.py", True),
    ("src/*", "src/a/b.py", False),           # * does not cross /
    ("src/*", "src/a.py", True),
    ("*.md", "deep/er/x.md", True),           # no slash: any depth
    ("docs", "x/docs/a.md", True),            # a directory name at any depth
    ("/docs/", "x/docs/a.md", False),         # leading / anchors
    ("/docs/", "docs/a.md", True),
    ("src/billing", "src/billing/a.py", True),
    ("src/billing", "lib/src/billing/a.py", False),  # a middle slash anchors too
])
def test_path_patterns_have_gitignore_semantics(pattern, path, hit):
    assert bool(glob_mask(pd.Series([path], dtype="str"), pattern)[0]) is hit


def test_shares_of_every_item_sum_to_one():
    cfg = config(areas=[{"id": "a", "labels": ["a"], "paths": ["a/**"]}, {"id": "b", "labels": ["b"], "repos": ["r/b"]}])
    items = [item("1", labels=["a", "b"]), item("2", paths=["a/x", "c/y", "b/z"], repo="r/b"), item("3"),
             item("4", paths=["c/y"])]
    for got in shares(cfg, items).values():
        assert sum(got.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("pattern, path, hit", [
    ("docs/*", "docs/getting-started.md", True),       # GitHub's CODEOWNERS example
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("docs/", "docs/build-app/troubleshooting.md", True),
    ("src/**/*.py", "src/a/b/c.py", True),
    ("src/**/*.py", "src/a/b/c.ts", False),
    ("a?c", "x/abc", True),
])
def test_codeowners_star_does_not_cross_directories(pattern, path, hit):
    assert bool(glob_mask(pd.Series([path], dtype="str"), pattern)[0]) is hit


_SEGMENT = st.text(alphabet="abcXYZ019_.-", min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(_SEGMENT, min_size=1, max_size=4), st.booleans())
def test_a_plain_directory_pattern_is_the_prefix_pathspec_would_test(segments, anchored):
    """`plain_dir_prefix` (no regex compiled) must say what pathspec's compiled form does."""
    pattern = ("/" if anchored else "") + "/".join(segments) + "/**"
    compiled = gitignore_patterns(pattern)[0].regex
    assert plain_dir_prefix(pattern) == _prefix(compiled) == "/".join(segments) + "/"


@pytest.mark.parametrize("pattern", ["src/*/x/**", "src/billing/", "x", "src//x/**", "!src/x/**", "#src/**",
                                     "src/x/** ", "é/**", "/**", "src/x/*", "src/[ab]/**"])
def test_other_patterns_go_through_pathspec(pattern):
    assert plain_dir_prefix(pattern) is None


def test_a_plain_directory_rule_is_checked_and_matched_without_compiling_it():
    gitignore_patterns.cache_clear()
    check_glob("src/fresh-area.v2/**")
    cfg = config(areas=[{"id": "fresh", "paths": ["src/fresh-area.v2/**"]}])
    shares = area_shares(cfg, frames([item("i1", paths=["src/fresh-area.v2/a.py", "src/fresh-area-v2/b.py"])]).items,
                         ["i1"])
    assert gitignore_patterns.cache_info().currsize == 0
    assert dict(zip(shares["area"], shares["share"])) == {"fresh": 0.5, UNMAPPED: 0.5}


def test_a_config_of_plain_directory_rules_never_imports_pathspec(tmp_path):
    """Its import is a twentieth of a second of a report's start; such a config needs none."""
    (tmp_path / "zones.toml").write_text('[[areas]]\nid = "web"\npaths = ["acme/web:src/web/**", "/docs/web/**"]\n')
    probe = ("import sys; from zonemap.config import load_config; "
             f"load_config({str(tmp_path / 'zones.toml')!r}); print('pathspec' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


_PATH = st.text(alphabet=st.sampled_from(["a", "b", "/", "é", "z", "\U0001F600", "A", "-"]), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PATH, min_size=1, max_size=30, unique=True), st.lists(_PATH, min_size=1, max_size=6),
       st.booleans())
def test_prefix_rules_win_by_binary_search_as_a_scan_would(paths, prefixes, lone_surrogate):
    """The sorted search must find what testing every path finds, in any alphabet (Arrow
    sorts by UTF-8 bytes, Python by code points), also for a path Arrow cannot hold."""
    if lone_surrogate:
        paths = [*paths, "a\ud800"]
    rules = list(enumerate(prefixes))
    expected = [max((i for i, p in rules if path.startswith(p)), default=-1) for path in paths]
    assert _last_rules(np.array(paths, dtype=object), rules).tolist() == expected

