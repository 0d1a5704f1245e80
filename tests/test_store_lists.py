"""The store hands items' list columns to the analysis as Arrow lists, parsed in Arrow:
every value survives (quotes, backslashes, commas, non-ASCII, empty lists), both readers
agree, and the analysis splits Arrow lists exactly as it splits Python lists."""

import pandas as pd
import pyarrow as pa
import pytest

from connectors.records import Activity, Item
from zonemap import store_read
from zonemap.areas import ItemView

AWKWARD = [
    {"labels": ['say "hi"', "back\\slash", "a,b", "ünïcödé ✓", "[not json]"], "components": [],
     "paths": ["src/a.py", "docs/x y.md"]},
    {"labels": [], "components": ["Billing", "}{"], "paths": []},
    {"labels": ["x"], "components": [], "paths": [f"big/{n}.py" for n in range(90_000)]},  # one line over 1 MiB
    {"labels": [], "components": [], "paths": []},
]


def records():
    out = []
    for n, lists in enumerate(AWKWARD):
        out.append(Item(id=f"github:acme/web#{n}", source="github", kind="issue", title=f"t{n}", **lists))
        out.append(Activity(id=f"a{n}", item=f"github:acme/web#{n}", kind="issue_commented", actor="github:al",
                            at="2026-11-02T10:00:00Z"))
    return out


@pytest.mark.parametrize("reader", ["arrow", "cursor"])
def test_list_columns_come_back_as_arrow_lists_holding_every_value(store, monkeypatch, reader):
    store.upsert(records())
    if reader == "cursor":
        monkeypatch.setattr(store_read, "_adbc", None)
    items = store.load_frames(pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-09", tz="UTC")).items
    items = items.sort_values("id", ignore_index=True)
    assert list(items.columns)[7:12] == ["labels", "components", "epic", "issue_type", "paths"]
    for col in ("labels", "components", "paths"):
        assert items[col].dtype == pd.ArrowDtype(pa.list_(pa.string()))
        assert items[col].tolist() == [lists[col] for lists in AWKWARD]
    assert items.loc[0, "labels"] == AWKWARD[0]["labels"]  # a cell reads as a list


def test_the_store_without_items_gives_empty_arrow_list_columns(store):
    items = store.load_frames(pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-09", tz="UTC")).items
    assert items.empty and items["paths"].dtype == pd.ArrowDtype(pa.list_(pa.string()))


def test_arrow_and_python_lists_split_the_same(store):
    store.upsert(records())
    loaded = store.load_frames().items.sort_values("id", ignore_index=True)
    plain = loaded.copy()
    for col in ("labels", "components", "paths"):
        plain[col] = pd.Series(loaded[col].tolist(), dtype=object)
    arrow_view, list_view = ItemView(loaded), ItemView(plain)
    for col in ("labels", "components"):
        for got, expected in zip(arrow_view.values(col), list_view.values(col)):
            assert list(got) == list(expected)
    arrow_paths, list_paths = arrow_view.paths(), list_view.paths()
    assert list(arrow_paths[0]) == list(list_paths[0]) and list(arrow_paths[1]) == list(list_paths[1])
    assert arrow_paths[2].tolist() == list_paths[2].tolist()
    assert len(arrow_paths[0]) == 90_002


def test_list_text_in_any_json_form_parses_as_json_does():
    """The store's plain form is split by string kernels; anything else (escapes, spaces
    after commas, as another writer may leave) goes through the JSON reader, in place."""
    import json

    texts = ['["a","b"]', "[]", '["say \\"hi\\"","x"]', '[ "spaced" , "y" ]', '["ü","a, b",""]',
             '["back\\\\slash"]', '["\\u00e9"]', '["c"]']
    got = store_read._parse_list_column(pd.Series(texts, dtype=object))
    assert got.type == pa.list_(pa.string())
    assert got.to_pylist() == [json.loads(t) for t in texts]
