"""Reading an analysis window out of the SQLite store, fast.

`Store.load_frames` is the report's and the dashboard's hot path: a 12-week window of a
million-activity store is a quarter of a million activities and ninety thousand items.
Where the ADBC SQLite driver is installed (it is a dependency) the window is read
straight into Arrow columns, read-only; otherwise through the stdlib cursor, one
column at a time. Both give the same frames; the items' list columns (labels,
components, paths) are Arrow lists of strings in both, parsed by Arrow and never
turned into Python lists (the analysis splits them in Arrow).

The ADBC driver carries its own SQLite library. It is used only for reading, on its own
read-only connections that are closed right after, so it never holds a lock while the
process's other SQLite connections write.

`PendingRead` starts the four queries on threads and returns at once; the conversions
(times, missing text, lists) run in Arrow on those threads too, and so does, once the
activities and the items are read, the look-up of each activity's item among the items
(`Frames.item_rows`, which the analysis would otherwise make on the main thread).
`zonemap report` imports pandas and the analysis meanwhile, which is why this module
and `store` import pandas only inside the functions that need it. It imports pyarrow
there too: a thread runs its query's SQL (which releases the GIL) before it needs
pyarrow to take the rows, so the console script starts the reads (`read_ahead`) while
the main thread is still importing pyarrow, 0.1-0.15 s earlier.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .frames import ACTIVITY_COLUMNS, COMPONENT_COLUMNS, IDENTITY_COLUMNS, ITEM_COLUMNS, Frames
from .locate import sqlite_read_uri

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

LIST_COLUMNS = ("labels", "components", "paths")
TIME_COLUMNS = ("at", "created_at", "updated_at")
NUMERIC_COLUMNS = {"at", "created_at", "updated_at", "draft"}

try:  # pragma: no branch
    # the low-level bindings, which need no pyarrow: the DB-API module imports
    # pyarrow.dataset and with it pandas (0.3 s), which the reading threads should not wait for
    import adbc_driver_manager as _adbc
    import adbc_driver_sqlite as _adbc_sqlite
except ImportError:  # pragma: no cover - the stdlib path below serves
    _adbc = None

BATCH_ROWS = 65536  # the driver's default of 1,024 rows per Arrow batch reads 2.5x slower


def _select(table: str, columns: list[str], where: str = "") -> str:
    # ADBC infers a column's type from its first rows: an all-NULL start would read as
    # integers, so nullable text comes out as '' and turns back into missing below.
    cols = ", ".join(c if c in NUMERIC_COLUMNS or c == "id" else f"COALESCE({c}, '') AS {c}" for c in columns)
    return f"SELECT {cols} FROM {table}{where}"


# An item's three list columns are JSON text in the store (`store_schema`: compact, not
# ASCII-escaped); they are read as that text ('[]' for none) and parsed in Arrow
# (`_parse_list_column`).
_LISTS = ", ".join(f"COALESCE(NULLIF({c}, ''), '[]') AS {c}" for c in LIST_COLUMNS)
_ITEM_SCALARS = [c for c in ITEM_COLUMNS if c not in LIST_COLUMNS]


# The index on activities (item, at) of the store's schema (`store_schema`). The window's
# distinct items can come from one pass over it, in id order, each looked up as it comes:
# ~0.1 us per activity ever stored. Otherwise SQLite collects them from the window's
# activities in a temporary B-tree first: ~1 us per activity of the window. So the pass
# is taken while the store's time span is at most ITEM_AT_RATIO times the part of the
# window it covers (`_use_item_at_index`): a 12-week window of a year's store, not of
# ten years'. A store an earlier build made lacks the index until its next write
# (`store_schema.upgrade_indexes`).
ITEM_AT_INDEX = "ix_activities_item_at"
ITEM_AT_RATIO = 8


def _queries(bounded: bool, item_at_index: bool = False,
             item_columns: tuple[str, ...] = tuple(ITEM_COLUMNS)) -> dict[str, tuple[str, list[str], bool]]:
    where = " WHERE at >= ? AND at < ?" if bounded else ""
    scalars = [c for c in _ITEM_SCALARS if c in item_columns]  # the list columns are always read
    if bounded and item_at_index:
        source = (f"(SELECT item FROM activities INDEXED BY {ITEM_AT_INDEX}{where} GROUP BY item) AS w "
                  f"CROSS JOIN items ON items.id = w.item")
        item_sql = _select("items", scalars).replace(" FROM items", f", {_LISTS} FROM {source}", 1)
    else:
        item_where = f" WHERE id IN (SELECT item FROM activities{where})" if bounded else ""
        item_sql = _select("items", scalars, item_where).replace(" FROM items", f", {_LISTS} FROM items", 1)
    return {
        "activities": (_select("activities", ACTIVITY_COLUMNS, where), ACTIVITY_COLUMNS, bounded),
        "items": (item_sql, [*scalars, *LIST_COLUMNS], bounded),
        "identities": (_select("identities", IDENTITY_COLUMNS), IDENTITY_COLUMNS, False),
        "components": (_select("components", COMPONENT_COLUMNS), COMPONENT_COLUMNS, False),
    }


def _from_rows(rows: list[tuple], names: list[str]) -> pd.DataFrame:
    import pandas as pd

    if not rows:
        return pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    return pd.DataFrame(dict(zip(names, map(list, zip(*rows)))))


def _fetch(path: Path, sql: str, bounds: tuple[int, int] | None, uri: str | None = None) -> pa.Table:
    """One query on its own read-only connection (`uri`, else `locate.sqlite_read_uri`),
    as an Arrow table in the frames' final form (the driver and Arrow's kernels release
    the GIL, so the queries share the two cores with the caller)."""
    if bounds is not None:  # two integers, inlined (binding needs the Arrow C interface)
        sql = sql.replace("?", str(int(bounds[0])), 1).replace("?", str(int(bounds[1])), 1)
    handles = [_adbc_sqlite.connect(uri or sqlite_read_uri(path))]
    try:
        handles.append(_adbc.AdbcConnection(handles[0]))
        handles.append(_adbc.AdbcStatement(handles[1]))
        stmt = handles[2]
        stmt.set_sql_query("PRAGMA busy_timeout = 30000")  # wait out a writer's checkpoint, as the store does
        stmt.execute_update()
        stmt.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        stmt.set_sql_query(sql)
        stream, _ = stmt.execute_query()  # the SQL up to the first batch, without the GIL
        import pyarrow as pa  # waits here for the main thread's import, if that is still running

        table = pa.RecordBatchReader._import_from_c(stream.address).read_all()
    finally:
        for handle in reversed(handles):
            handle.close()
    return _finish_arrow(table)


def _finish_arrow(table: pa.Table) -> pa.Table:
    """In Arrow, what `_finish_frame` does in pandas: epoch seconds to UTC times, '' back
    to missing, the items' NDJSON lists parsed, drafts as booleans; and text as the
    large_string pandas stores, so that `_to_pandas` copies none of it.

    This runs on the reading threads while the main thread imports pandas, so it makes
    no Arrow scalar or table out of Python values: pyarrow imports pandas for that, and
    an import of pandas on a reading thread waits for the main thread's to finish."""
    if not table.num_rows:
        return table  # an empty result's column types are unknown: `_finish_frame` sets them
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = {}
    for name, col in zip(table.column_names, table.columns):
        if name in TIME_COLUMNS:
            col = col.cast(pa.int64()).cast(pa.timestamp("s", tz="UTC")).cast(pa.timestamp("us", tz="UTC"))
        elif name == "draft":
            col = col.cast(pa.int64()).cast(pa.bool_())
            col = pc.and_kleene(col, pc.is_valid(col))  # missing: false
        elif name in LIST_COLUMNS:
            columns[name] = _parse_list_column(col)
            continue
        elif name not in NUMERIC_COLUMNS and name not in ("id", "title"):
            empty = pc.invert(pc.cast(pc.utf8_length(col), pa.bool_()))
            col = pc.if_else(empty, pa.nulls(1, col.type)[0], col)
        if pa.types.is_string(col.type):  # pandas keeps its text as large_string: cast here, not on the main thread
            col = col.cast(pa.large_string())
        columns[name] = col
    order = [c for c in ITEM_COLUMNS if c in columns] if "paths" in table.column_names else list(columns)
    return pa.Table.from_arrays([columns[name] for name in order], names=order)


def _to_pandas(table: pa.Table, columns: list[str]) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa

    if not table.num_rows:
        return _finish_frame(_from_rows([], columns))
    return table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None)


def _item_rows(activities, items):
    """For each activity of the read, the row of its item among the read items (the
    last, for an id read twice), -1 if none: `vectors.positions`, in Arrow, on a reading
    thread (`prepared._item_codes` takes it from `Frames.item_rows`)."""
    from .arrow_lookup import last_index_in

    acts, ids = activities.result(), items.result()
    if not acts.num_rows or not ids.num_rows:
        return None
    return last_index_in(ids.column("id"), acts.column("item"))


class PendingRead:
    """A window being read: with ADBC, its four queries run at once on other threads from
    the moment this is made, so the caller can import and prepare meanwhile;
    `frames()` waits for them and builds the frames (through the stdlib cursor when ADBC
    is missing or cannot open the store)."""

    def __init__(self, engine: Callable[[], object] | None, sqlite_path: Path | None, bounds: tuple[int, int] | None,
                 item_columns: tuple[str, ...] = tuple(ITEM_COLUMNS)):
        self._engine, self._bounds, self._item_columns = engine, bounds, item_columns
        self._pool = self._futures = None
        reading = _adbc is not None and sqlite_path is not None and sqlite_path.exists()
        uri = sqlite_read_uri(sqlite_path) if reading else None
        self._guard = _read_guard(sqlite_path, uri) if reading else None
        self._queries = _queries(bounds is not None, _use_item_at_index(self._guard, bounds), item_columns)
        if reading:
            self._pool = ThreadPoolExecutor(max_workers=len(self._queries) + 1)
            self._futures = {name: self._pool.submit(_fetch, sqlite_path, sql, bounds if bounded else None, uri)
                             for name, (sql, _, bounded) in self._queries.items()}
            # once both are read: each activity's item row, while the main thread still imports
            self._item_rows = self._pool.submit(_item_rows, self._futures["activities"], self._futures["items"])

    def frames(self) -> Frames:
        if self._futures is not None:
            try:
                tables = {name: future.result() for name, future in self._futures.items()}
                frames = _frames({name: _to_pandas(table, self._queries[name][1]) for name, table in tables.items()})
                frames.item_rows = self._item_rows.result()
                return frames
            except _adbc.Error:  # e.g. a read-only folder where SQLite cannot open the WAL index
                pass  # the stdlib reader below opens the store as the writer does
            finally:
                self.cancel()
        with self._engine().connect() as conn:
            return _finish(_read_cursor(conn.connection.driver_connection, self._bounds, self._item_columns))

    def cancel(self) -> None:
        """Wait for the reading threads (a query cannot be stopped halfway; queries not yet
        started are dropped) and end the read transactions, so that the file can be
        written; `frames()` then reads through the stdlib cursor."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._futures = None
        if self._guard is not None:
            self._guard.close()
            self._guard = None


# Reads begun by the console script before the CLI's imports (`zonemap.read_ahead`),
# by (file, bounds, item columns): `Store.start_loading` takes one that asks for exactly the same.
_ahead: dict[tuple[Path, tuple[int, int] | None, tuple[str, ...]], PendingRead] = {}


def read_ahead(sqlite_path: Path, bounds: tuple[int, int] | None, item_columns: tuple[str, ...]) -> None:
    """Begin reading a window before any store is opened; see `take_read_ahead`."""
    # no engine until taken
    _ahead[(sqlite_path, bounds, item_columns)] = PendingRead(None, sqlite_path, bounds, item_columns)


def take_read_ahead(sqlite_path: Path | None, bounds: tuple[int, int] | None, item_columns: tuple[str, ...],
                    engine: Callable[[], object]) -> PendingRead | None:
    """The read begun ahead for this very file, bounds and item columns, if any (taken
    once), with the taking store's `engine` for the stdlib fallback."""
    pending = _ahead.pop((sqlite_path, bounds, item_columns), None) if sqlite_path is not None else None
    if pending is not None:
        pending._engine = engine
    return pending


def drop_reads_ahead(sqlite_path: Path) -> None:
    """End the reads begun ahead on `sqlite_path` (a store is about to write it: in a
    file without WAL their read transactions would hold the writer up until it gives
    up with "database is locked")."""
    for key in [key for key in _ahead if key[0] == sqlite_path]:
        _ahead.pop(key).cancel()


def reads_ahead_left() -> bool:
    """Whether a read begun ahead was never taken."""
    return bool(_ahead)


def _read_guard(path: Path, uri: str | None = None):
    """A stdlib read transaction held while ADBC reads. ADBC's copy of SQLite is invisible
    to the process's other SQLite connections (the store's, a sync's); were the last of
    those to close meanwhile, it would checkpoint the WAL and delete it under the Arrow
    readers. An open reader in the same copy of SQLite as theirs stops that. None where
    it cannot be opened (ADBC then reads alone, as before)."""
    import sqlite3

    guard = None
    try:
        guard = sqlite3.connect(uri or sqlite_read_uri(path), uri=True, timeout=30, check_same_thread=False)
        guard.execute("BEGIN")
        guard.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # starts the read transaction
        return guard
    except sqlite3.Error:
        if guard is not None:
            guard.close()
        return None


def _use_item_at_index(dbapi_conn, bounds: tuple[int, int] | None) -> bool:
    """Whether the window's items should come from `ITEM_AT_INDEX` (see there): the store
    has it, and its activities' time span is at most `ITEM_AT_RATIO` times the part of the
    window inside it (the activities taken as spread evenly; a growing organisation's
    recent weeks hold more, so this errs towards the plan that never scans history).
    Three lookups in the store's indexes on a stdlib sqlite3 connection (None: no)."""
    import sqlite3

    if dbapi_conn is None or bounds is None:
        return False
    try:
        has_index = dbapi_conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?",
                                       (ITEM_AT_INDEX,)).fetchone()[0]
        first, last = dbapi_conn.execute("SELECT (SELECT min(at) FROM activities), (SELECT max(at) FROM activities)"
                                         ).fetchone()  # each an end of the (at, item) index
    except sqlite3.Error:  # not a store this build can read: the query itself will say so
        return False
    if not has_index or first is None:
        return False
    covered = min(bounds[1], last + 1) - max(bounds[0], first)
    return covered > 0 and last + 1 - first <= ITEM_AT_RATIO * covered


def _read_cursor(dbapi_conn, bounds: tuple[int, int] | None,
                 item_columns: tuple[str, ...] = tuple(ITEM_COLUMNS)) -> dict[str, pd.DataFrame]:
    cur = dbapi_conn.cursor()
    try:
        queries = _queries(bounds is not None, _use_item_at_index(dbapi_conn, bounds), item_columns)
        return {name: _from_rows(cur.execute(sql, bounds if bounded else ()).fetchall(), columns)
                for name, (sql, columns, bounded) in queries.items()}
    finally:
        cur.close()


def _finish(raw: dict[str, pd.DataFrame]) -> Frames:
    """The frames from the stdlib reader's rows (or an empty ADBC result)."""
    return _frames({name: _finish_frame(frame) for name, frame in raw.items()})


def _finish_frame(frame: pd.DataFrame) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    for col in frame.columns:
        if col in TIME_COLUMNS:
            frame[col] = pd.to_datetime(frame[col], unit="s", utc=True).astype("datetime64[us, UTC]")
        elif col not in NUMERIC_COLUMNS and col not in ("id", "title", *LIST_COLUMNS):
            frame[col] = frame[col].replace("", np.nan) if len(frame) else frame[col]
    if "paths" in frame.columns:
        for col in LIST_COLUMNS:
            frame[col] = pd.Series(pd.arrays.ArrowExtensionArray(_parse_list_column(frame[col])), index=frame.index)
        frame = frame[[c for c in ITEM_COLUMNS if c in frame.columns]]
        frame["draft"] = frame["draft"].fillna(0).astype(bool)
    return frame


def _frames(done: dict[str, pd.DataFrame]) -> Frames:
    return Frames(items=done["items"], activities=done["activities"], identities=done["identities"],
                  components=done["components"])


# A list as the store writes it with no escape in it: `["a","b"]` or `[]`. Its values are
# then exactly the text between the quotes, split at `","` (a quote inside a value, or a
# separator with a space, would need a backslash or fail the pattern).
_PLAIN_LIST = r'^\[(?:"[^"\\]*"(?:,"[^"\\]*")*)?\]$'
_EMPTY_LIST = r'^\[\]$'


def _parse_list_column(text: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """One list column of the items, as Arrow lists of strings, from its JSON text (one
    list per row, '[]' for none). Rows in the store's plain form (`_PLAIN_LIST`: nearly
    all) are split by Arrow's string kernels; the others, with escapes or written in
    another form, go through Arrow's JSON reader (`_json_lists`), and the two are merged
    in row order. Makes no Arrow value out of a Python one (see `_finish_arrow`)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(text, (pa.Array, pa.ChunkedArray)):
        text = pa.array(text, type=pa.string(), from_pandas=True)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.cast(pa.string())  # the split's values: string, as the JSON reader's
    plain = pc.match_substring_regex(text, _PLAIN_LIST)
    body = pc.utf8_slice_codeunits(text, 2, -2)  # '["a","b"]' -> 'a","b'
    body = pc.if_else(pc.match_substring_regex(text, _EMPTY_LIST), pa.nulls(1, body.type)[0], body)
    split = pc.split_pattern(body, '","')  # '[]' gives a null, with no values: an empty list below
    lists = pa.ListArray.from_arrays(split.offsets, split.values)
    if plain.false_count == 0:
        return lists
    other = _where(pc.invert(plain))  # the rows to parse as JSON
    order = np.arange(len(text), dtype="int64")
    order[other] = len(text) + np.arange(len(other))
    parsed = _json_lists(text.take(_int64_array(other)))
    return pa.concat_arrays([lists, parsed]).take(_int64_array(order))


def _where(mask: pa.Array):
    """The positions where a null-free Arrow boolean array is true, as numpy, read from
    the buffer of `indices_nonzero` (`to_numpy` would import pandas)."""
    import numpy as np
    import pyarrow.compute as pc

    found = pc.indices_nonzero(mask)  # uint64
    return np.frombuffer(found.buffers()[1], dtype="uint64")[found.offset: found.offset + len(found)].astype("int64")


def _int64_array(values) -> pa.Array:
    import numpy as np
    import pyarrow as pa

    values = np.ascontiguousarray(values, dtype="int64")
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def _json_lists(text: pa.Array) -> pa.Array:
    """Lists of strings from their JSON text, by Arrow's JSON reader (each row a line
    ``{"v":TEXT}``). Only for the few rows `_PLAIN_LIST` does not cover."""
    import pyarrow as pa
    import pyarrow.json as pa_json

    lines = [f'{{"v":{row}}}\n'.encode() for row in text.to_pylist()]
    block = max(1 << 20, 2 * max(map(len, lines)))  # a block must hold a whole line
    schema = pa.schema([("v", pa.list_(pa.string()))])
    table = pa_json.read_json(pa.BufferReader(b"".join(lines)), read_options=pa_json.ReadOptions(block_size=block),
                              parse_options=pa_json.ParseOptions(explicit_schema=schema))
    return table.column("v").combine_chunks()


def read_window(engine: Callable[[], object], sqlite_path: Path | None, bounds: tuple[int, int] | None,
                item_columns: tuple[str, ...] = tuple(ITEM_COLUMNS)) -> Frames:
    """The frames of ``lo <= at < hi`` (``bounds``), or of everything when it is None.
    `engine` gives the store's SQLAlchemy engine; it is called only when ADBC cannot read."""
    return PendingRead(engine, sqlite_path, bounds, item_columns).frames()
