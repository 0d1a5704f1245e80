"""The store: idempotent upserts, atomic batches with cursors, window loading, export."""

import sqlite3
import threading

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import Batch
from connectors.records import Activity, Identity, Item
from zonemap.store import Store, StoreError


def item(n, **kw):
    return Item(id=f"github:acme/web#{n}", source="github", kind="issue", title=f"t{n}", **kw)


def act(n, item_n, at, kind="issue_commented"):
    return Activity(id=f"github:acme/web#{item_n}/c{n}", item=f"github:acme/web#{item_n}", kind=kind,
                    actor="github:alice", at=at)


def dump(store):
    return sorted(map(repr, store.iter_records()))


def test_upsert_is_idempotent_and_last_wins(store):
    recs = [item(1, labels=["a"]), act(1, 1, "2026-11-02T10:00:00Z"), Identity(id="github:alice", name="A")]
    store.upsert(recs)
    before = dump(store)
    store.upsert(recs)
    assert dump(store) == before
    store.upsert([item(1, labels=["b"]), item(1, labels=["c"])])
    assert store.load_frames().items.set_index("id").loc["github:acme/web#1", "labels"] == ["c"]
    assert store.counts()["items"] == 1


def test_identity_without_name_keeps_the_known_name(store):
    store.upsert([Identity(id="github:alice", name="Alice", email="a@x.com")])
    store.upsert([Identity(id="github:alice")])
    store.upsert([Identity(id="github:alice", name="Alice S.")])
    row = store.load_frames().identities.set_index("id").loc["github:alice"]
    assert (row["name"], row["email"]) == ("Alice S.", "a@x.com")


@pytest.mark.filterwarnings("ignore::UserWarning")  # the deliberately bad record
def test_batch_and_cursor_commit_together_or_not_at_all(store):
    store.write_batch("github", Batch(scope="acme/web", records=[item(1)], cursor={"since": "a"}))
    assert store.get_cursor("github", "acme/web") == {"since": "a"}

    # an id that is no string cannot be written: the whole batch must roll back
    bad = item(2).model_copy(update={"id": object()})
    with pytest.raises(StoreError):
        store.write_batch("github", Batch(scope="acme/web", records=[item(3), bad], cursor={"since": "b"}))
    assert store.get_cursor("github", "acme/web") == {"since": "a"}
    assert set(store.load_frames().items["id"]) == {"github:acme/web#1"}


def test_full_sync_removes_items_gone_upstream(store):
    store.upsert([item(1), item(2), act(1, 2, "2026-11-02T10:00:00Z"),
                  Item(id="github:acme/web-old#9", source="github", kind="issue")])
    counts = store.write_batch("github", Batch(scope="acme/web", records=[item(1)], cursor={},
                                               present_item_ids={"github:acme/web#1"},
                                               item_prefix="github:acme/web#"))
    assert counts["removed"] == 1
    assert set(store.load_frames().items["id"]) == {"github:acme/web#1", "github:acme/web-old#9"}
    assert store.counts()["activities"] == 0


def test_load_frames_filters_by_time_in_sql(store):
    store.upsert([item(1), item(2), act(1, 1, "2026-10-01T00:00:00Z"), act(2, 2, "2026-11-02T10:00:00Z"),
                  act(3, 2, "2026-11-09T00:00:00Z")])
    f = store.load_frames(pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-09", tz="UTC"))
    assert list(f.activities["id"]) == ["github:acme/web#2/c2"]
    assert list(f.items["id"]) == ["github:acme/web#2"]  # only the items the window touches
    assert str(f.activities["at"].dt.tz) == "UTC"
    plan = sqlite3.connect(store.url[len("sqlite:///"):]).execute(
        "EXPLAIN QUERY PLAN SELECT item FROM activities WHERE at >= 1 AND at < 2").fetchall()
    assert "COVERING INDEX ix_activities_at_item" in str(plan)


def test_version_changes_on_write(store):
    v0 = store.version()
    store.upsert([item(1)])
    assert store.version() > v0


def test_reader_does_not_fail_while_a_writer_holds_the_lock(tmp_path):
    path = tmp_path / "z.db"
    writer, reader = Store(path), Store(path)
    writer.upsert([item(1)])
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")
    raw.execute("INSERT INTO items (id) VALUES ('github:acme/web#99')")
    errors = []
    t = threading.Thread(target=lambda: errors.append(len(reader.load_frames().items)))
    t.start()
    t.join(10)
    raw.execute("COMMIT")
    assert errors == [1]  # WAL: the reader sees the last commit, without waiting or failing


def test_missing_folder_is_one_clear_line(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "no" / "such" / "z.db")


times = st.datetimes(min_value=pd.Timestamp("2026-01-01").to_pydatetime(),
                     max_value=pd.Timestamp("2026-12-31").to_pydatetime()).map(
    lambda d: d.replace(microsecond=0).isoformat() + "Z")
record_lists = st.lists(st.tuples(st.integers(1, 5), st.integers(1, 30), times,
                                  st.lists(st.sampled_from(["a", "b", "ux"]), max_size=2)), max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=record_lists)
def test_import_twice_and_export_import_round_trip(tmp_path_factory, rows):
    recs = []
    for item_n, act_n, at, labels in rows:
        recs += [item(item_n, labels=labels), act(act_n, item_n, at)]
    folder = tmp_path_factory.mktemp("p")
    a = Store(folder / "a.db")
    a.upsert(recs)
    once = dump(a)
    a.upsert(recs)
    assert dump(a) == once
    from connectors.records import read_records, write_records

    write_records(folder / "x.jsonl.gz", a.iter_records())
    b = Store(folder / "b.db")
    b.upsert(read_records(folder / "x.jsonl.gz", strict=True))
    assert dump(b) == once
    a.close(), b.close()


def test_arrow_and_cursor_readers_give_the_same_frames(store, monkeypatch):
    import zonemap.store_read as store_read

    assert store_read._adbc is not None, "the ADBC SQLite driver is a dependency"
    store.upsert([item(1, labels=["a", "b"]), Item(id="jira:WEB-1", source="jira", kind="jira_issue",
                                                   project="WEB", components=["Billing"], title=""),
                  act(1, 1, "2026-11-02T10:00:00Z"),
                  Activity(id="j1", item="jira:WEB-1", kind="jira_created", actor="jira:x", at="2026-11-03T00:00:00Z"),
                  Identity(id="jira:x")])
    lo, hi = pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-09", tz="UTC")
    arrow = store.load_frames(lo, hi)
    monkeypatch.setattr(store_read, "_adbc", None)
    cursor = store.load_frames(lo, hi)
    for name in ("items", "activities", "identities", "components"):
        pd.testing.assert_frame_equal(getattr(arrow, name).sort_values("id").reset_index(drop=True),
                                      getattr(cursor, name).sort_values("id").reset_index(drop=True))
    row = arrow.items.set_index("id").loc["jira:WEB-1"]
    assert pd.isna(row["repo"]) and row["project"] == "WEB" and row["components"] == ["Billing"]


def _indexes(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def _window_frames(store):
    lo, hi = pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-09", tz="UTC")
    return store.load_frames(lo, hi)


def test_a_window_s_items_come_from_the_item_at_index_without_a_sort(store):
    """With the (item, at) index the window's distinct items are one pass over it, in id
    order: no temporary B-tree (the cost that index saves), and the same frames."""
    import zonemap.store_read as store_read

    assert store_read.ITEM_AT_INDEX in _indexes(store.sqlite_path) and "ix_activities_item" not in _indexes(
        store.sqlite_path)
    sql = store_read._queries(True, item_at_index=True)["items"][0]
    with sqlite3.connect(store.sqlite_path) as conn:
        plan = " / ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, (0, 1)))
    assert store_read.ITEM_AT_INDEX in plan and "TEMP B-TREE" not in plan, plan


def test_the_item_at_index_is_used_only_while_the_history_is_not_much_longer_than_the_window(store):
    import zonemap.store_read as store_read

    store.upsert([act(1, 1, "2024-01-01T00:00:00Z"), act(2, 1, "2026-11-01T00:00:00Z")])  # ~150 weeks apart
    week = 7 * 24 * 3600
    end = int(pd.Timestamp("2026-11-02", tz="UTC").timestamp())
    with sqlite3.connect(store.sqlite_path) as conn:
        assert store_read._use_item_at_index(conn, (end - 26 * week, end))      # 150 <= 8 x 26 weeks
        assert not store_read._use_item_at_index(conn, (end - 13 * week, end))  # 150 > 8 x 13 weeks
        assert not store_read._use_item_at_index(conn, (0, 1000))               # a window outside the store
        assert not store_read._use_item_at_index(None, (end - 26 * week, end))
        conn.execute(f"DROP INDEX {store_read.ITEM_AT_INDEX}")
        assert not store_read._use_item_at_index(conn, (end - 26 * week, end))
    with sqlite3.connect(":memory:") as conn:  # not a store: the read itself says so, not this
        assert not store_read._use_item_at_index(conn, (end - 26 * week, end))


def test_a_store_from_before_the_item_at_index_reads_alike_and_gets_it_at_its_next_write(tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    records = [item(n, labels=["a"]) for n in (3, 1, 2)] + [act(n, n, f"2026-11-0{n + 1}T10:00:00Z") for n in (3, 1, 2)]
    records += [act(9, 2, "2026-10-01T00:00:00Z"), act(8, 7, "2026-11-05T00:00:00Z")]  # outside; not stored
    current = Store(tmp_path / "new.db")
    current.upsert(records)
    expected = _window_frames(current)
    old = Store(db)
    old.upsert(records)
    old.close()
    with sqlite3.connect(db) as conn:  # the layout earlier builds made
        conn.execute("DROP INDEX ix_activities_item_at")
        conn.execute("CREATE INDEX ix_activities_item ON activities (item)")
    reader = Store(db)  # reading opens no engine: the store stays as it is
    for got in (_window_frames(reader), _window_frames(reader)):
        for name in ("items", "activities"):
            pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    assert "ix_activities_item_at" not in _indexes(db)
    import zonemap.store_read as store_read

    monkeypatch.setattr(store_read, "_adbc", None)  # the stdlib reader, on the old layout
    pd.testing.assert_frame_equal(_window_frames(Store(db)).items, expected.items)
    writer = Store(db)
    writer.upsert([Identity(id="github:alice", name="Alice")])
    assert "ix_activities_item_at" in _indexes(db) and "ix_activities_item" not in _indexes(db)
    pd.testing.assert_frame_equal(_window_frames(writer).items, expected.items)  # the stdlib reader, new layout
    writer.close(), current.close()


def test_the_window_s_text_reaches_pandas_without_a_copy(store):
    """The reading threads hand pandas its text in the form it stores (large_string), so
    the main thread wraps the Arrow buffers instead of copying them."""
    import zonemap.store_read as store_read

    store.upsert([item(1, labels=["a"]), act(1, 1, "2026-11-02T10:00:00Z")])
    bounds = (0, 2**40)
    for name, (sql, columns, bounded) in store_read._queries(True).items():
        table = store_read._fetch(store.sqlite_path, sql, bounds if bounded else None)
        if not table.num_rows:
            continue
        frame = store_read._to_pandas(table, columns)
        for column in ("id", "title", "actor", "item"):
            if column in frame:
                offsets = lambda array: array.chunk(0).buffers()[1].address  # noqa: E731 - where each text starts
                assert offsets(frame[column].array._pa_array) == offsets(table.column(column)), (name, column)


def test_an_existing_store_is_read_without_importing_sqlalchemy(tmp_path):
    """`zonemap report` reads through Arrow; SQLAlchemy (a quarter second of imports)
    and the records' models come only with the first write."""
    import subprocess
    import sys

    db = tmp_path / "z.db"
    Store(db).upsert([item(1), act(1, 1, "2026-11-02T10:00:00Z")])
    probe = (
        "import sys\n"
        "from zonemap.store import Store\n"
        f"s = Store({str(db)!r})\n"
        "f = s.load_frames()\n"
        "print(len(f.activities), 'sqlalchemy' in sys.modules, 'connectors.records' in sys.modules)\n"
        "s.upsert([])\n"
        "print(s.version(), 'sqlalchemy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["1 False False", "1 True"]


@pytest.mark.parametrize("found, words", [(99, "newer zonemap"), (1, "older layout")])
def test_a_store_of_another_schema_is_one_clear_line(tmp_path, found, words):
    db = tmp_path / "z.db"
    Store(db).upsert([item(1)])
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(found),))
    conn.close()
    with pytest.raises(StoreError, match=words):
        Store(db)
    with sqlite3.connect(db) as conn:  # also where the standard library cannot read it first
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (1,)
    conn.close()


def test_a_new_store_file_gets_its_tables_at_once(tmp_path):
    db = tmp_path / "new.db"
    Store(db)
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert {"items", "activities", "identities", "components", "cursors", "meta"} <= tables


def test_the_cli_starts_without_pandas_so_a_report_reads_while_importing_it():
    """`zonemap report` starts reading the store on other threads before pandas and the
    analysis are imported (docs/benchmarks.md): that only helps while the CLI module
    itself stays free of them."""
    import subprocess
    import sys

    probe = "import sys, zonemap.cli; print(sorted({'pandas', 'numpy', 'sqlalchemy', 'networkx'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_when_the_arrow_reader_cannot_open_the_store_the_stdlib_reader_serves(store, monkeypatch):
    """E.g. a store in a read-only folder, where SQLite cannot create the WAL index for a
    read-only connection: ADBC's error must send the read to the stdlib cursor."""
    import zonemap.store_read as store_read

    store.upsert([item(1, labels=["a"]), act(1, 1, "2026-11-02T10:00:00Z")])
    expected = store.load_frames()

    def refuse(*_):
        raise store_read._adbc.OperationalError("unable to open database file",
                                                status_code=store_read._adbc.AdbcStatusCode.IO)

    monkeypatch.setattr(store_read, "_fetch", refuse)
    got = store.load_frames()
    pd.testing.assert_frame_equal(got.items, expected.items)
    pd.testing.assert_frame_equal(got.activities, expected.activities)


def test_a_writer_closing_during_an_arrow_read_does_not_checkpoint_under_it(tmp_path):
    """The ADBC driver carries its own copy of SQLite, which the process's other SQLite
    connections cannot see. When the last of those closes (a sync's store being
    garbage-collected, say) it would checkpoint the WAL and delete it under the Arrow
    readers. A read keeps a stdlib read transaction open while ADBC reads, so SQLite
    knows the file is in use and leaves the WAL alone."""
    db = tmp_path / "z.db"
    writer = Store(db)
    writer.upsert([item(n) for n in range(1, 50)] + [act(n, n, "2026-11-02T10:00:00Z") for n in range(1, 50)])
    wal = tmp_path / "z.db-wal"
    assert wal.exists() and wal.stat().st_size > 0  # the writes are in the WAL, its connection pooled
    pending = Store(db).start_loading()
    writer.close()  # the process's last stdlib-SQLite connection closes mid-read
    assert wal.exists() and wal.stat().st_size > 0
    assert len(pending.frames().activities) == 49


@pytest.mark.parametrize("reader", ["arrow", "cursor"])
def test_a_report_reads_only_the_item_columns_the_analysis_uses_and_reports_the_same(store, monkeypatch, reader,
                                                                                     tmp_path):
    """A report's read leaves out the item columns no analysis step reads (source, state,
    times); the report built from it is the report built from every column."""
    from zonemap import sample, store_read
    from zonemap.config import load_config
    from zonemap.frames import ANALYSIS_ITEM_COLUMNS, ITEM_COLUMNS
    from zonemap.locate import report_bounds
    from zonemap.report import build_report

    from connectors.records import read_records

    sample.generate(tmp_path, people=30, areas=12, activities=4000, weeks=20, seed=11)
    cfg = load_config(tmp_path / sample.CONFIG_NAME)
    store.upsert(read_records(tmp_path / sample.RECORDS_NAME))
    if reader == "cursor":
        monkeypatch.setattr(store_read, "_adbc", None)
    window = report_bounds(cfg.settings.as_of, 8)
    narrow = store.load_frames(*window, item_columns=ANALYSIS_ITEM_COLUMNS)
    full = store.load_frames(*window)
    assert list(narrow.items.columns) == ANALYSIS_ITEM_COLUMNS and list(full.items.columns) == ITEM_COLUMNS
    assert {"source", "state", "created_at", "updated_at"}.isdisjoint(narrow.items.columns)
    pd.testing.assert_frame_equal(narrow.items, full.items[ANALYSIS_ITEM_COLUMNS])
    report = build_report(cfg, narrow, cfg.settings.as_of, 8)
    assert report == build_report(cfg, full, cfg.settings.as_of, 8)
    assert report["summary"]["gap_count"] > 0 and report["changes"]["opened"] + report["changes"]["closed"]
