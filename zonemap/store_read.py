"""Reading an analysis window out of the SQLite store, fast.

`Store.load_frames` is the report's and the dashboard's hot path: a 12-week window of a
million-activity store is a quarter of a million activities and ninety thousand items.
Where the ADBC SQLite driver is installed (it is a dependency) the window is read
straight into Arrow columns, read-only; otherwise through the stdlib cursor, one
column at a time. Both give the same frames; the items' list columns (labels,
components, paths) are Arrow lists of strings in both, parsed by Arrow and never
turned into Python lists (the analysis splits them in Arrow).

The ADBC driver carries its own SQLite library. It is used only for reading, on its own
read-only connection that is closed right after, so it never holds a lock while the
process's other SQLite connections write.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from .frames import ACTIVITY_COLUMNS, COMPONENT_COLUMNS, IDENTITY_COLUMNS, ITEM_COLUMNS, Frames

LIST_COLUMNS = ("labels", "components", "paths")
TIME_COLUMNS = ("at", "created_at", "updated_at")
NUMERIC_COLUMNS = {"at", "created_at", "updated_at", "draft"}

try:  # pragma: no branch
    import adbc_driver_sqlite.dbapi as _adbc
except ImportError:  # pragma: no cover - the stdlib path below serves
    _adbc = None


def _select(table: str, columns: list[str], where: str = "") -> str:
    # ADBC infers a column's type from its first rows: an all-NULL start would read as
    # integers, so nullable text comes out as '' and turns back into missing below.
    cols = ", ".join(c if c in NUMERIC_COLUMNS or c == "id" else f"COALESCE({c}, '') AS {c}" for c in columns)
    return f"SELECT {cols} FROM {table}{where}"


# The three JSON list columns of an item come out as one line of NDJSON (text SQLite
# only concatenates), which Arrow's JSON reader parses straight into list columns.
_LISTS = ("'{' || " + " || ',' || ".join(f"'\"{c}\":' || COALESCE(NULLIF({c}, ''), '[]')" for c in LIST_COLUMNS)
          + " || '}' || char(10) AS lists")
_ITEM_SCALARS = [c for c in ITEM_COLUMNS if c not in LIST_COLUMNS]
LIST_TYPE = pa.list_(pa.string())


def _queries(bounded: bool) -> dict[str, tuple[str, list[str], bool]]:
    where = " WHERE at >= ? AND at < ?" if bounded else ""
    item_where = f" WHERE id IN (SELECT item FROM activities{where})" if bounded else ""
    item_sql = _select("items", _ITEM_SCALARS, item_where).replace(" FROM items", f", {_LISTS} FROM items", 1)
    return {
        "activities": (_select("activities", ACTIVITY_COLUMNS, where), ACTIVITY_COLUMNS, bounded),
        "items": (item_sql, [*_ITEM_SCALARS, "lists"], bounded),
        "identities": (_select("identities", IDENTITY_COLUMNS), IDENTITY_COLUMNS, False),
        "components": (_select("components", COMPONENT_COLUMNS), COMPONENT_COLUMNS, False),
    }


def _from_rows(rows: list[tuple], names: list[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    return pd.DataFrame(dict(zip(names, map(list, zip(*rows)))))


def _read_adbc(path: Path, bounds: tuple[int, int] | None) -> dict[str, pd.DataFrame]:
    """The four queries at once, each on its own read-only connection (the driver
    releases the GIL while SQLite works, so the two cores share the item lookups)."""
    def read(name: str) -> pd.DataFrame:
        sql, columns, bounded = queries[name]
        with _adbc.connect(f"file:{path}?mode=ro") as conn, conn.cursor() as cur:
            cur.execute("PRAGMA busy_timeout = 30000")  # wait out a writer's checkpoint, as the store does
            cur.execute(sql, bounds if bounded else None)
            table = cur.fetch_arrow_table()
        return table.to_pandas() if table.num_rows else _from_rows([], columns)

    queries = _queries(bounds is not None)
    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        return dict(zip(queries, pool.map(read, queries)))


def _read_cursor(dbapi_conn, bounds: tuple[int, int] | None) -> dict[str, pd.DataFrame]:
    cur = dbapi_conn.cursor()
    try:
        return {name: _from_rows(cur.execute(sql, bounds if bounded else ()).fetchall(), columns)
                for name, (sql, columns, bounded) in _queries(bounds is not None).items()}
    finally:
        cur.close()


def _finish(raw: dict[str, pd.DataFrame]) -> Frames:
    acts, its = raw["activities"], raw["items"]
    for frame in raw.values():
        for col in frame.columns:
            if col in TIME_COLUMNS:
                frame[col] = pd.to_datetime(frame[col], unit="s", utc=True).astype("datetime64[us, UTC]")
            elif col not in NUMERIC_COLUMNS and col not in ("id", "title", "lists"):
                frame[col] = frame[col].replace("", np.nan) if len(frame) else frame[col]
    lists = _parse_lists(its.pop("lists"))
    for col in LIST_COLUMNS:
        its[col] = pd.Series(pd.arrays.ArrowExtensionArray(lists.column(col)), index=its.index)
    its = its[ITEM_COLUMNS]
    its["draft"] = its["draft"].fillna(0).astype(bool)
    return Frames(items=its, activities=acts, identities=raw["identities"], components=raw["components"])


def _parse_lists(lines: pd.Series) -> pa.Table:
    """The list columns of the items, Arrow lists of strings, from their NDJSON lines:
    the lines' text is one contiguous Arrow buffer, handed to the JSON reader as is."""
    schema = pa.schema([(c, LIST_TYPE) for c in LIST_COLUMNS])
    if not len(lines):
        return schema.empty_table()
    text = pa.array(lines, type=pa.large_string(), from_pandas=True)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    offsets = np.frombuffer(text.buffers()[1], dtype="int64")[text.offset: text.offset + len(text) + 1]
    data = text.buffers()[2][offsets[0]: offsets[-1]]
    block = max(1 << 20, 2 * int(np.diff(offsets).max()))  # a block must hold a whole line
    return pa_json.read_json(pa.BufferReader(data), read_options=pa_json.ReadOptions(block_size=block),
                             parse_options=pa_json.ParseOptions(explicit_schema=schema))


def read_window(engine: Callable[[], object], sqlite_path: Path | None, bounds: tuple[int, int] | None) -> Frames:
    """The frames of ``lo <= at < hi`` (``bounds``), or of everything when it is None.
    `engine` gives the store's SQLAlchemy engine; it is called only when ADBC cannot read."""
    if _adbc is not None and sqlite_path is not None and sqlite_path.exists():
        try:
            return _finish(_read_adbc(sqlite_path, bounds))
        except _adbc.Error:  # e.g. a read-only folder where SQLite cannot open the WAL index
            pass  # the stdlib reader below opens the store as the writer does
    with engine().connect() as conn:
        return _finish(_read_cursor(conn.connection.driver_connection, bounds))
