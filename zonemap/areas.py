"""Step 3: which areas an item belongs to, and with what share.

Computed once per distinct item, vectorised: selectors are merged against exploded
item columns; path rules are matched one rule at a time against the distinct paths
only (pathspec's gitignore regex, run by pandas' string engine).
"""

from __future__ import annotations

import re
import warnings
from itertools import chain

import numpy as np
import pandas as pd
import pathspec

from .config import split_repo_prefix
from .vectors import positions

UNMAPPED = "(unmapped)"
SHARE_COLUMNS = ["item", "area", "share"]


_DIR_TAIL = "(?:(?P<ps_d>/)|$)"  # pathspec's "or anything below this directory" ending


def _compile(pattern: str) -> re.Pattern | None:
    """The regex of a CODEOWNERS pattern, via pathspec's gitignore translation.

    gitignore lets ``src/*`` match ``src/a/b.py`` (``src/a`` is a matched directory);
    CODEOWNERS does not (``*`` never crosses ``/``): when the last segment has a
    wildcard, the pattern matches files at that depth only.
    """
    compiled = pathspec.GitIgnoreSpec.from_lines([pattern]).patterns
    regex = getattr(compiled[0], "regex", None) if compiled else None
    if regex is None:
        return None
    last = pattern.rstrip("/").rsplit("/", 1)[-1]
    if not pattern.endswith("/") and last != "**" and ("*" in last or "?" in last) \
            and regex.pattern.endswith(_DIR_TAIL):
        return re.compile(regex.pattern[: -len(_DIR_TAIL)] + "$")
    return regex


def glob_mask(paths: pd.Series, pattern: str) -> np.ndarray:
    """Which of `paths` a CODEOWNERS pattern matches (``**`` crosses ``/``, ``*`` does
    not, a pattern without ``/`` matches at any depth, a leading ``/`` anchors, a
    directory matches everything below it)."""
    regex = _compile(pattern)
    if regex is None or paths.empty:
        return np.zeros(len(paths), dtype=bool)
    with warnings.catch_warnings():  # pathspec's regex has a named group; we only test for a match
        warnings.simplefilter("ignore", UserWarning)
        return paths.astype("str").str.contains(regex).to_numpy(dtype=bool)


def _values(items: pd.DataFrame, column: str) -> pd.DataFrame:
    """(pos, value) rows: the item's values of a list or scalar column, lower-cased."""
    col = items[column].to_numpy(dtype=object)
    if any(isinstance(v, (list, tuple, np.ndarray)) for v in col[:64]):
        lists = [v if isinstance(v, (list, tuple, np.ndarray)) else () for v in col]
        pos = np.repeat(np.arange(len(col)), [len(v) for v in lists])
        flat = list(chain.from_iterable(lists))
    else:
        pos, flat = np.arange(len(col)), col
    # normalise each distinct value once, on plain objects (building Arrow strings costs more)
    codes, uniq = pd.factorize(np.asarray(flat, dtype=object))
    low = np.array([str(u).strip().lower() for u in uniq] + [None], dtype=object)
    keep = codes >= 0
    return pd.DataFrame({"pos": pos[keep], "value": low[codes[keep]]})


def _selector_pairs(cfg, items: pd.DataFrame, selectors: list[tuple[str, str]]) -> pd.DataFrame:
    """(pos, area) pairs for items whose column values equal an area's selector values
    (exact, case-insensitive), with share = equal split among the item's areas."""
    frames = []
    for column, key in selectors:
        table = pd.DataFrame([(str(v).strip().lower(), a.id) for a in cfg.areas for v in getattr(a, key)],
                             columns=["value", "area"])
        if table.empty:
            continue
        frames.append(_values(items, column).merge(table, on="value")[["pos", "area"]])
    if not frames:
        return pd.DataFrame({"pos": pd.Series(dtype="int64"), "area": pd.Series(dtype="str"),
                             "share": pd.Series(dtype="float64")})
    pairs = pd.concat(frames, ignore_index=True).drop_duplicates()
    pairs["share"] = 1.0 / pairs.groupby("pos")["area"].transform("size")
    return pairs


def path_rules(cfg) -> list[tuple[str, str | None, str]]:
    """Every `paths` entry of every area in config order: (area, repo or None, pattern)."""
    return [(a.id, *split_repo_prefix(raw)) for a in cfg.areas for raw in a.paths]


def _path_winners(cfg, rows: pd.DataFrame) -> np.ndarray:
    """For each (repo, path) row, the area of the LAST matching path rule, or None."""
    rules = path_rules(cfg)
    if not rules or rows.empty:
        return np.full(len(rows), None, dtype=object)
    repo = rows["repo"].fillna("").astype("str").str.lower()
    pair_codes, pairs = pd.factorize(pd.MultiIndex.from_arrays([repo, rows["path"].astype("str")]))
    pair_repos = pairs.get_level_values(0).to_numpy(dtype=object)
    path_codes, uniq_paths = pd.factorize(pairs.get_level_values(1))
    uniq = pd.Series(uniq_paths, dtype="str")
    winners = np.full(len(pairs), None, dtype=object)
    for area, rule_repo, pattern in rules:
        hit = glob_mask(uniq, pattern)[path_codes]
        if rule_repo is not None:
            hit &= pair_repos == rule_repo.lower()
        winners[hit] = area
    return winners[pair_codes]


def area_shares(cfg, items: pd.DataFrame, item_ids) -> pd.DataFrame:
    """Step 3 — area shares of each item in `item_ids` (columns item, area, share).

    Level 1 (labels, components, epics) splits equally; else each of the item's paths
    counts ``1/len(paths)`` and goes to the area of the last matching path rule, or
    falls through to the item's level-3 areas, or to ``(unmapped)``; else level 3
    (repos, projects) splits equally; else the item is ``(unmapped)``.  An item that
    is not stored is ``(unmapped)``.  Each item's shares sum to 1.
    """
    ids = pd.Series(pd.unique(pd.Series(item_ids, dtype="str")), dtype="str")
    pos = positions(items["id"], ids)
    known = items.iloc[pos[pos >= 0]].reset_index(drop=True)
    level1 = _selector_pairs(cfg, known, [("labels", "labels"), ("components", "components"),
                                          ("epic", "epics")])
    level3 = _selector_pairs(cfg, known, [("repo", "repos"), ("project", "projects")])

    in1 = np.zeros(len(known), dtype=bool)
    in1[level1["pos"].to_numpy()] = True
    n_paths = known["paths"].str.len().fillna(0).astype(int)
    by_path = ~in1 & (n_paths.to_numpy() > 0)

    parts = [level1[["pos", "area", "share"]]]
    # level 2: one row per path of the items that reach it
    exploded = known.loc[by_path, ["paths", "repo"]].explode("paths").rename(columns={"paths": "path"})
    if not exploded.empty:
        rows = pd.DataFrame({"pos": exploded.index.to_numpy(), "path": exploded["path"].astype(str).to_numpy(),
                             "repo": exploded["repo"].to_numpy()})
        rows["area"] = _path_winners(cfg, rows)
        rows["share"] = 1.0 / n_paths.to_numpy()[rows["pos"].to_numpy()]
        parts.append(rows.loc[rows["area"].notna(), ["pos", "area", "share"]])
        fall = rows.loc[rows["area"].isna(), ["pos", "share"]]
        fall = fall.merge(level3.rename(columns={"share": "s3", "area": "area"}), on="pos", how="left")
        fall["share"] = fall["share"] * fall["s3"].fillna(1.0)
        fall["area"] = fall["area"].fillna(UNMAPPED)
        parts.append(fall[["pos", "area", "share"]])
    # level 3 (or unmapped) for items with neither level-1 areas nor paths
    rest = ~in1 & ~by_path
    parts.append(level3[rest[level3["pos"].to_numpy()]])
    has3 = np.zeros(len(known), dtype=bool)
    has3[level3["pos"].to_numpy()] = True
    lone = np.flatnonzero(rest & ~has3)
    parts.append(pd.DataFrame({"pos": lone, "area": UNMAPPED, "share": 1.0}))

    shares = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(
        not p.empty for p in parts) else pd.DataFrame(columns=["pos", "area", "share"])
    shares["item"] = known["id"].to_numpy()[shares["pos"].to_numpy().astype(int)]
    stranger = ids[pos < 0]
    shares = pd.concat([shares[SHARE_COLUMNS],
                        pd.DataFrame({"item": stranger, "area": UNMAPPED, "share": 1.0})],
                       ignore_index=True)
    return shares.groupby(["item", "area"], as_index=False, sort=False)["share"].sum()
