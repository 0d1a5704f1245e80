"""Small vectorised look-ups that stay fast on pandas 3's Arrow-backed strings.

`Series.isin`/`map` with large value sets go through Python objects one by one;
factorising (dictionary-encoding) first and working on the distinct values is
an order of magnitude faster on a million rows.  `by_key`/`expand` join integer
codes (a sorted table with offsets), `decode` turns codes back into strings.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .arrow_lookup import last_index_in


def positions(haystack, needles) -> np.ndarray:
    """For each needle, its position in `haystack` (the last occurrence), or -1 (a
    missing needle too): `arrow_lookup.last_index_in` on the strings as Arrow holds them."""
    import pyarrow as pa

    def arrow(strings):
        return pa.array(pd.Series(strings, copy=False).astype("str").array)

    return last_index_in(arrow(haystack), arrow(needles))


def isin(values, allowed) -> np.ndarray:
    """Boolean mask: which `values` are among `allowed`."""
    values = pd.Series(values, copy=False)
    distinct = pd.unique(pd.Series(allowed, copy=False).dropna())
    if len(distinct) * 50 < len(values):  # a short list: Arrow's own is_in is quicker than hashing all values
        return values.isin(list(distinct)).to_numpy(dtype=bool)
    return positions(distinct, values) >= 0


def as_dict(series: pd.Series) -> dict:
    """``{label: value}`` of a Series, for look-ups in a Python loop: a Series look-up
    costs ~7 us, a dict's ~50 ns (and `Series.to_dict` builds it slower than this)."""
    return dict(zip(series.index.tolist(), series.tolist()))


def map_distinct(values, func: Callable[[object], object], dtype=object) -> np.ndarray:
    """``func`` applied once per distinct value (missing values give None)."""
    codes, uniq = pd.factorize(pd.Series(values, copy=False))
    out = np.array([func(u) for u in uniq.tolist()] + [None], dtype=object)
    res = out[codes]
    return res if dtype is object else res.astype(dtype)


def decode(uniques, codes) -> pd.api.extensions.ExtensionArray:
    """The strings ``uniques[codes]`` as a pandas string array (code -1: missing)."""
    return pd.array(np.asarray(uniques, dtype=object), dtype="str").take(np.asarray(codes), allow_fill=True)


def sorted_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of non-missing strings with `uniques` sorted, so that ordering
    by code is ordering by value (missing values get -1)."""
    codes, uniq = pd.factorize(np.asarray(values, dtype=object))
    uniq = np.asarray(uniq, dtype=object)
    order = np.argsort(uniq.astype(str), kind="stable")
    rank = np.empty(len(uniq) + 1, dtype="int64")
    rank[order] = np.arange(len(uniq))
    rank[-1] = -1
    return rank[codes], uniq[order]


def by_key(keys: np.ndarray, size: int, columns: dict) -> dict:
    """`columns` (numpy arrays) sorted by integer `keys` (< size), with each key's first
    row (``start``) and row count (``count``): the form `weekly_fte` joins on."""
    order = np.argsort(keys, kind="stable")
    return {**{name: values[order] for name, values in columns.items()},
            **starts(np.bincount(keys, minlength=size))}


def starts(counts: np.ndarray) -> dict:
    """The ``start`` and ``count`` of a `by_key` table whose rows are already in key
    order, from each key's row count."""
    return {"start": np.cumsum(counts) - counts, "count": counts}


def expand(right: dict, keys: np.ndarray, keep_unmatched: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Join on integer keys with a `by_key` table: (left row, right row) pairs.  With
    `keep_unmatched`, a left join: a key no right row has gives one pair, right row -1."""
    found = right["count"][keys]
    n = np.maximum(found, 1) if keep_unmatched else found
    left = np.repeat(np.arange(len(keys)), n)
    rows = np.repeat(right["start"][keys] - (np.cumsum(n) - n), n) + np.arange(n.sum())
    if keep_unmatched:
        rows[found[left] == 0] = -1
    return left, rows
