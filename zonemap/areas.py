"""Step 3: which areas an item belongs to, and with what share.

Works on an `ItemView`: the stored items of interest, whose list and scalar columns
are split into values and lower-cased once per distinct value, however many steps
ask (areas, role rules, explorations).  Selectors are joined on integer codes; path
rules are matched one rule at a time against the distinct paths of their repo only
(pathspec's gitignore translation; ``dir/**`` as a prefix test, other patterns by
Arrow's regex engine).
"""

from __future__ import annotations

import bisect
import re
import warnings
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .config import split_repo_prefix
from .config_values import gitignore_patterns, plain_dir_prefix
from .vectors import by_key, expand, positions, starts

UNMAPPED = "(unmapped)"
SHARE_COLUMNS = ["item", "area", "share"]


_DIR_TAIL = "(?:(?P<ps_d>/)|$)"  # pathspec's "or anything below this directory" ending


def _compile(pattern: str) -> re.Pattern | None:
    """The regex of a CODEOWNERS pattern, via pathspec's gitignore translation.

    gitignore lets ``src/*`` match ``src/a/b.py`` (``src/a`` is a matched directory);
    CODEOWNERS does not (``*`` never crosses ``/``): when the last segment has a
    wildcard, the pattern matches files at that depth only.
    """
    compiled = gitignore_patterns(pattern)
    regex = getattr(compiled[0], "regex", None) if compiled else None
    if regex is None:
        return None
    last = pattern.rstrip("/").rsplit("/", 1)[-1]
    if not pattern.endswith("/") and last != "**" and ("*" in last or "?" in last) \
            and regex.pattern.endswith(_DIR_TAIL):
        return re.compile(regex.pattern[: -len(_DIR_TAIL)] + "$")
    return regex


_LITERAL_DIR = re.compile(r"\^((?:[A-Za-z0-9_/]|\\[-.])+/)")  # "^src/billing/": a plain prefix


def _prefix(regex: str | re.Pattern) -> str | None:
    """The plain prefix a matcher tests: a `_matcher` prefix as it is, or the prefix of a
    ``^dir/`` regex (what pathspec writes for ``dir/**``); None for any other regex."""
    if isinstance(regex, str):
        return regex
    literal = _LITERAL_DIR.fullmatch(regex.pattern)
    return literal.group(1).replace("\\", "") if literal and not regex.flags & ~re.UNICODE else None


def _matcher(pattern: str) -> str | re.Pattern | None:
    """What tests a CODEOWNERS pattern: the plain prefix of a plain ``dir/**`` pattern
    (no regex compiled, see `config_values.plain_dir_prefix`), else `_compile`'s regex."""
    prefix = plain_dir_prefix(pattern)
    return prefix if prefix is not None else _compile(pattern)


def _hits(paths: pa.Array, regex: str | re.Pattern) -> np.ndarray:
    """Which of `paths` (an Arrow string array) `regex` matches: a prefix test for a
    prefix (`_matcher`) and the ``^dir/`` patterns, Arrow's RE2 engine for other plain
    patterns, Python's for anything RE2 refuses."""
    prefix = _prefix(regex)
    if prefix is not None:
        return pc.starts_with(paths, prefix).fill_null(False).to_numpy(zero_copy_only=False)
    if not regex.flags & ~re.UNICODE:
        try:
            return pc.match_substring_regex(paths, regex.pattern).fill_null(False).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            pass
    with warnings.catch_warnings():  # pathspec's regex has a named group; we only test for a match
        warnings.simplefilter("ignore", UserWarning)
        return pd.Series(paths, dtype="str").str.contains(regex).fillna(False).to_numpy(dtype=bool)


def glob_mask(paths: pd.Series, pattern: str) -> np.ndarray:
    """Which of `paths` a CODEOWNERS pattern matches (``**`` crosses ``/``, ``*`` does
    not, a pattern without ``/`` matches at any depth, a leading ``/`` anchors, a
    directory matches everything below it)."""
    if paths.empty:
        return np.zeros(0, dtype=bool)
    return glob_hits(pa.array(paths.astype("str").to_numpy(dtype=object), type=pa.string()), pattern)


def glob_hits(paths: pa.Array, pattern: str) -> np.ndarray:
    """`glob_mask` on an Arrow string array, for callers that test many patterns
    against the same paths (no conversion per pattern)."""
    regex = _matcher(pattern)
    if regex is None or not len(paths):
        return np.zeros(len(paths), dtype=bool)
    return _hits(paths, regex)


_SEQUENCES = (list, tuple, np.ndarray)


def _is_arrow_list(col: pd.Series) -> bool:
    """Whether a column holds Arrow lists (as `Store.load_frames` gives) rather than objects."""
    return isinstance(col.dtype, pd.ArrowDtype) and pa.types.is_list(col.dtype.pyarrow_dtype)


def _flatten(column: pd.Series) -> tuple[np.ndarray, pa.Array | list]:
    """(item position, value) of every value of a list column; a value of a list column
    that is not a list counts as no values.  Lists of strings go through Arrow."""
    if _is_arrow_list(column):
        arr = pa.array(column)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        return pc.list_parent_indices(arr).to_numpy(), pc.list_flatten(arr)
    col = column.to_numpy(dtype=object)
    types = set(map(type, col))
    if types <= {*_SEQUENCES, type(None)}:
        try:
            arr = pa.array(col, type=pa.list_(pa.string()), from_pandas=True)
            return pc.list_parent_indices(arr).to_numpy(), pc.list_flatten(arr)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    if not types <= set(_SEQUENCES):
        col = np.array([v if isinstance(v, _SEQUENCES) else () for v in col] + [None], dtype=object)[:-1]
    lengths = np.fromiter(map(len, col), dtype="int64", count=len(col))
    return np.repeat(np.arange(len(col)), lengths), list(chain.from_iterable(col))


def _encode(values, arrow: bool = False) -> tuple[np.ndarray, list | pa.Array]:
    """``(codes, distinct)`` of values (an Arrow array or a sequence); missing values get
    -1.  With `arrow`, an Arrow array's distinct values stay an Arrow array."""
    if isinstance(values, pa.Array):
        enc = values.dictionary_encode()
        return (enc.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                enc.dictionary if arrow else enc.dictionary.to_pylist())
    codes, uniq = pd.factorize(values if isinstance(values, pd.Series) else np.asarray(values, dtype=object))
    return codes, list(uniq)


class ItemView:
    """Stored items (rows 0..n-1 of `frame`) with their column values split once.

    `values(column)` and `paths()` are computed on first use and kept, so the area
    selectors, the role rules and the exploration labels share one split per column.
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)
        self._cache: dict[str, tuple] = {}

    def __len__(self) -> int:
        return len(self.frame)

    @classmethod
    def of(cls, items: pd.DataFrame, item_ids) -> tuple["ItemView", np.ndarray]:
        """The view of the stored items among `item_ids` (each once) and, for each
        id of `item_ids`, its row in the view (-1: not stored)."""
        ids = pd.Series(item_ids, dtype="str")
        codes, uniq = pd.factorize(ids)
        view, row = cls.found(items, positions(items["id"], pd.Series(uniq, dtype="str")))
        return view, row[codes]

    @classmethod
    def found(cls, items: pd.DataFrame, found: np.ndarray) -> tuple["ItemView", np.ndarray]:
        """The view of ``items.iloc[found]`` where ``found >= 0`` and, for each entry of
        `found`, its row in the view (-1: not stored)."""
        view = cls(items.iloc[found[found >= 0]])
        row = np.full(len(found), -1, dtype="int64")
        row[np.flatnonzero(found >= 0)] = np.arange(len(view))
        return view, row

    def values(self, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(pos, code, distinct)``: one entry per value of `column` (a list or a scalar
        column), its item row and the code of its value in `distinct`, the stripped,
        lower-cased distinct values (missing values are left out)."""
        if column not in self._cache:
            col = self.frame[column]
            if _is_arrow_list(col) or any(isinstance(v, _SEQUENCES) for v in col.iloc[:64]):
                pos, flat = _flatten(col)
            else:
                pos, flat = np.arange(len(col)), col
            codes, uniq = _encode(flat)
            # normalise each distinct value once, on plain objects (building Arrow strings costs more)
            low = np.array([str(u).strip().lower() for u in uniq], dtype=object)
            keep = codes >= 0
            self._cache[column] = (pos[keep], codes[keep], low)
        return self._cache[column]

    def mask(self, column: str, test) -> np.ndarray:
        """Items with at least one value of `column` for which ``test(value)`` holds
        (evaluated once per distinct value)."""
        pos, codes, uniq = self.values(column)
        hit = np.array([bool(test(u)) for u in uniq], dtype=bool)
        out = np.zeros(len(self), dtype=bool)
        out[pos[hit[codes]]] = True
        return out

    def paths(self) -> tuple[np.ndarray, np.ndarray, pd.Series]:
        """``(pos, code, distinct)`` of the items' paths, as stored (case kept)."""
        if "\0paths" not in self._cache:
            pos, flat = _flatten(self.frame["paths"])
            if isinstance(flat, pa.Array) and flat.null_count:
                flat = flat.to_pylist()
            if not isinstance(flat, pa.Array) and not set(map(type, flat)) <= {str}:
                flat = [str(p) for p in flat]  # a missing path is the path "None", as it always was
            codes, uniq = _encode(flat, arrow=True)  # the distinct paths stay Arrow strings (no Python object each)
            self._cache["\0paths"] = (pos, codes, pd.Series(pd.array(uniq, dtype="str")))
        return self._cache["\0paths"]


def _selector_pairs(cfg, view: ItemView, selectors: list[tuple[str, str]]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pos, area, share) for items whose column values equal an area's selector values
    (exact, case-insensitive), area as its index in ``cfg.areas``, share = equal split
    among the item's areas.  Pairs come in item-value order, each value's areas in config
    order, first occurrence kept."""
    n_areas = len(cfg.areas) + 1
    pos_parts, area_parts = [], []
    for column, key in selectors:
        wanted: dict[str, list[int]] = {}
        for j, a in enumerate(cfg.areas):
            for v in getattr(a, key):
                wanted.setdefault(str(v).strip().lower(), []).append(j)
        if not wanted:
            continue
        pos, codes, uniq = view.values(column)
        areas_of = [wanted.get(u, []) for u in uniq]
        counts = np.array([len(x) for x in areas_of], dtype="int64")
        table = {"area": np.array([j for x in areas_of for j in x], dtype="int64"), **starts(counts)}
        left, right = expand(table, codes)
        pos_parts.append(pos[left])
        area_parts.append(table["area"][right])
    pos = np.concatenate(pos_parts) if pos_parts else np.zeros(0, dtype="int64")
    area = np.concatenate(area_parts) if area_parts else np.zeros(0, dtype="int64")
    _, first = np.unique(pos * n_areas + area, return_index=True)
    first.sort()
    pos, area = pos[first], area[first]
    per_item = np.bincount(pos, minlength=len(view))
    return pos, area, 1.0 / per_item[pos]


def path_rules(cfg) -> list[tuple[str, str | None, str]]:
    """Every `paths` entry of every area in config order: (area, repo or None, pattern)."""
    return [(a.id, *split_repo_prefix(raw)) for a in cfg.areas for raw in a.paths]


def _last_rules(paths: np.ndarray, rules: list[tuple[int, str | re.Pattern]]) -> np.ndarray:
    """For each of `paths` (distinct strings), the index of the last of `rules` (index,
    `_matcher`; in config order) that matches it, or -1.  The paths are sorted once, so a
    ``dir/**`` rule is the range of paths between two binary searches."""
    try:  # Arrow sorts by UTF-8 bytes, which is the code point order Python compares in
        arrow = pa.array(paths, type=pa.string())
        order = pc.array_sort_indices(arrow).to_numpy()
        arrow = arrow.take(order)
    except (pa.ArrowException, UnicodeError):  # a path Arrow cannot hold (a lone surrogate)
        order, arrow = np.argsort(paths, kind="stable"), None
    text = paths[order].tolist()
    last = np.full(len(paths), -1, dtype="int64")  # in sorted order
    for index, regex in rules:
        prefix = _prefix(regex)
        if prefix is not None:  # the strings starting with p are those in [p, p with its last char + 1)
            lo = bisect.bisect_left(text, prefix)
            last[lo:bisect.bisect_left(text, prefix[:-1] + chr(ord(prefix[-1]) + 1), lo)] = index
        else:
            arrow = arrow if arrow is not None else pa.array(text, type=pa.string())
            last[_hits(arrow, regex)] = index
    out = np.empty_like(last)
    out[order] = last
    return out


def _path_winners(cfg, view: ItemView) -> np.ndarray:
    """For each path of the view (`ItemView.paths` order), the area of the LAST
    matching path rule (its index in ``cfg.areas``), or -1.  A rule for one repo is only
    tried on that repo's paths."""
    pos, codes, uniq = view.paths()
    rules = path_rules(cfg)
    if not rules or not len(pos):
        return np.full(len(pos), -1, dtype="int64")
    repo_codes, repos = pd.factorize(view.frame["repo"])  # missing: -1
    lower = [r.lower() for r in repos]
    repo_codes, repos = pd.factorize(np.array(lower + [""], dtype=object)[repo_codes])  # missing: ""
    pair_codes, pairs = pd.factorize(codes * len(repos) + repo_codes[pos])
    pair_paths, pair_repos = pairs // len(repos), np.asarray(repos, dtype=object)[pairs % len(repos)]
    by_repo: dict[str | None, list[tuple[int, str | re.Pattern]]] = {}  # None: rules for every repo
    for index, (_, rule_repo, pattern) in enumerate(rules):
        regex = _matcher(pattern)
        if regex is not None:
            by_repo.setdefault(rule_repo.lower() if rule_repo is not None else None, []).append((index, regex))
    paths = uniq.to_numpy(dtype=object)
    best = np.full(len(pairs), -1, dtype="int64")
    for rule_repo, group in by_repo.items():
        where = np.arange(len(pairs)) if rule_repo is None else np.flatnonzero(pair_repos == rule_repo)
        inverse, distinct = pd.factorize(pair_paths[where])
        best[where] = np.maximum(best[where], _last_rules(paths[distinct], group)[inverse])
    index = {a.id: j for j, a in enumerate(cfg.areas)}
    areas = np.array([index[area] for area, _, _ in rules] + [-1], dtype="int64")  # -1: no rule
    return areas[best][pair_codes]


def view_share_codes(cfg, view: ItemView) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 3 on a view, on integer codes: (pos, area, share) with pos a row of the view
    and area the index of the area in ``cfg.areas`` (``len(cfg.areas)``: unmapped)."""
    unmapped = len(cfg.areas)
    level1 = _selector_pairs(cfg, view, [("labels", "labels"), ("components", "components"), ("epic", "epics")])
    pos3, area3, share3 = _selector_pairs(cfg, view, [("repo", "repos"), ("project", "projects")])

    in1 = np.zeros(len(view), dtype=bool)
    in1[level1[0]] = True
    path_pos = view.paths()[0]
    n_paths = np.bincount(path_pos, minlength=len(view))
    by_path = ~in1 & (n_paths > 0)

    parts = [level1]
    # level 2: one row per path of the items that reach it
    reach = by_path[path_pos]
    if reach.any():
        pos, area = path_pos[reach], _path_winners(cfg, view)[reach]
        share = 1.0 / n_paths[pos]
        won = area >= 0
        parts.append((pos[won], area[won], share[won]))
        # a path no rule wins falls through to its item's level-3 areas (each, in their
        # order, splitting its share), else to unmapped: a left join on the item's row
        fall, fall_share = pos[~won], share[~won]
        level3 = by_key(pos3, len(view), {"area": area3, "share": share3})
        left, right = expand(level3, fall, keep_unmatched=True)  # right -1: unmapped, the whole share
        parts.append((fall[left], np.append(level3["area"], unmapped)[right],
                      fall_share[left] * np.append(level3["share"], 1.0)[right]))
    # level 3 (or unmapped) for items with neither level-1 areas nor paths
    rest = ~in1 & ~by_path
    keep = rest[pos3]
    parts.append((pos3[keep], area3[keep], share3[keep]))
    has3 = np.zeros(len(view), dtype=bool)
    has3[pos3] = True
    lone = np.flatnonzero(rest & ~has3)
    parts.append((lone, np.full(len(lone), unmapped, dtype="int64"), np.ones(len(lone))))
    return tuple(np.concatenate([np.asarray(part[k], dtype=dtype) for part in parts])
                 for k, dtype in enumerate(("int64", "int64", "float64")))


def area_names(cfg) -> np.ndarray:
    """The area of each `view_share_codes` code: the config's areas in order, then unmapped."""
    return np.array([a.id for a in cfg.areas] + [UNMAPPED], dtype=object)


def view_shares(cfg, view: ItemView) -> pd.DataFrame:
    """Step 3 on a view: columns pos (row of the view), area, share."""
    pos, area, share = view_share_codes(cfg, view)
    if not len(pos):
        return pd.DataFrame({"pos": pd.Series(dtype="int64"), "area": pd.Series(dtype="str"),
                             "share": pd.Series(dtype="float64")})
    return pd.DataFrame({"pos": pos, "area": area_names(cfg)[area], "share": share})


def area_shares(cfg, items: pd.DataFrame, item_ids, view: tuple[ItemView, np.ndarray] | None = None
                ) -> pd.DataFrame:
    """Step 3 — area shares of each item in `item_ids` (columns item, area, share).

    Level 1 (labels, components, epics) splits equally; else each of the item's paths
    counts ``1/len(paths)`` and goes to the area of the last matching path rule, or
    falls through to the item's level-3 areas, or to ``(unmapped)``; else level 3
    (repos, projects) splits equally; else the item is ``(unmapped)``.  An item that
    is not stored is ``(unmapped)``.  Each item's shares sum to 1.  `view` may give
    ``ItemView.of(items, item_ids)`` already built.
    """
    ids = pd.Series(item_ids, dtype="str")
    view, rows = view if view is not None else ItemView.of(items, ids)
    shares = view_shares(cfg, view)
    shares["item"] = view.frame["id"].to_numpy()[shares["pos"].to_numpy().astype(int)]
    stranger = pd.unique(ids[rows < 0])
    shares = pd.concat([shares[SHARE_COLUMNS],
                        pd.DataFrame({"item": pd.Series(stranger, dtype="str"), "area": UNMAPPED, "share": 1.0})],
                       ignore_index=True)
    return shares.groupby(["item", "area"], as_index=False, sort=False)["share"].sum()
