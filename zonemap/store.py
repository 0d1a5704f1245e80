"""The store: SQLite (by default) through SQLAlchemy Core.

Upserts by record id are idempotent; a connector batch and its cursor commit in one
transaction, so an interrupted sync resumes where it stopped and a failed batch
leaves nothing behind. SQLite runs in WAL mode with a busy timeout, so the dashboard
can read while a sync writes.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd
from sqlalchemy import (Boolean, Column, Index, Integer, MetaData, String, Table, Text, cast, create_engine,
                        event, func, select)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from connectors.base import Batch
from connectors.records import Activity, Component, Identity, Item, Record, format_time

from .frames import Frames
from .store_read import read_window

SCHEMA_VERSION = 3  # 2: integer epoch times, (at, item) index; 3: items clustered by id
CHUNK = 5000
LIST_COLUMNS = ("labels", "components", "paths")

metadata = MetaData()
items = Table(
    "items", metadata,
    Column("id", String, primary_key=True),
    Column("source", String), Column("kind", String), Column("title", Text), Column("url", Text),
    Column("repo", String), Column("project", String),
    Column("labels", Text), Column("components", Text),  # JSON lists
    Column("epic", String), Column("issue_type", String),
    Column("paths", Text),  # JSON list
    Column("draft", Boolean), Column("state", String),
    Column("created_at", Integer), Column("updated_at", Integer),  # epoch seconds, UTC
    sqlite_with_rowid=False,  # one B-tree keyed by id: the window's item lookups read it once
)
activities = Table(
    "activities", metadata,
    Column("id", String, primary_key=True),
    Column("item", String, nullable=False), Column("kind", String, nullable=False),
    Column("actor", String, nullable=False),
    Column("at", Integer, nullable=False),  # epoch seconds, UTC
    Index("ix_activities_at_item", "at", "item"),  # covers the window's item lookup
    Index("ix_activities_item", "item"),
)
identities = Table(
    "identities", metadata,
    Column("id", String, primary_key=True), Column("name", Text), Column("email", Text),
)
components = Table(
    "components", metadata,
    Column("id", String, primary_key=True), Column("project", String), Column("name", Text),
    Column("lead", String),
)
cursors = Table(
    "cursors", metadata,
    Column("source", String, primary_key=True), Column("scope", String, primary_key=True),
    Column("cursor", Text), Column("synced_at", String),
)
meta = Table("meta", metadata, Column("key", String, primary_key=True), Column("value", Text))

TABLE_OF = {Item: items, Activity: activities, Identity: identities, Component: components}


class StoreError(Exception):
    """The store could not be opened or written; one line for the user."""


_json_list = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _epoch(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _list(value: list[str]) -> str:
    return _json_list(value) if value else "[]"


# one row tuple per record, in the table's column order (the bulk upsert's hot path)
ROW_OF = {
    Item: lambda r: (r.id, r.source, r.kind, r.title, r.url, r.repo, r.project, _list(r.labels),
                     _list(r.components), r.epic, r.issue_type, _list(r.paths), int(r.draft), r.state,
                     _epoch(r.created_at), _epoch(r.updated_at)),
    Activity: lambda r: (r.id, r.item, r.kind, r.actor, int(r.at.timestamp())),
    Identity: lambda r: (r.id, r.name, r.email),
    Component: lambda r: (r.id, r.project, r.name, r.lead),
}


def _upsert_sql(table: Table) -> str:
    """INSERT ... ON CONFLICT DO UPDATE, positional; identities keep known names and emails."""
    names = [c.name for c in table.columns]
    keys = [c.name for c in table.primary_key.columns]
    if table is identities:  # a payload without a name or email must not erase the known one
        sets = [f"{n} = COALESCE(excluded.{n}, {table.name}.{n})" for n in names if n not in keys]
    else:
        sets = [f"{n} = excluded.{n}" for n in names if n not in keys]
    return (f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(sets)}")


UPSERT_SQL = {table: _upsert_sql(table) for table in TABLE_OF.values()}


def _now() -> str:
    return format_time(datetime.now(timezone.utc))  # type: ignore[return-value]


class Store:
    """A zonemap store at a SQLAlchemy URL or a plain file path."""

    def __init__(self, url_or_path: str | Path):
        url = str(url_or_path)
        if "://" not in url:
            url = f"sqlite:///{Path(url).expanduser().resolve()}"
        self.url = url
        self.sqlite_path: Path | None = None
        if url.startswith("sqlite:///") and not url.endswith(":memory:"):
            self.sqlite_path = Path(url[len("sqlite:///"):])
            folder = self.sqlite_path.parent
            if not folder.is_dir():
                raise StoreError(f"store {url[len('sqlite:///'):]}: folder {folder} does not exist; "
                                 f"create it or point --db elsewhere")
        try:
            self.engine: Engine = create_engine(url)
        except Exception as exc:  # bad URL, missing driver
            raise StoreError(f"store {url}: cannot open: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                found = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
                if found is None:
                    conn.execute(sqlite_insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION))
                                 .on_conflict_do_nothing())
                elif int(found) > SCHEMA_VERSION:
                    raise StoreError(f"store {url}: written by a newer zonemap (schema {found}); upgrade zonemap")
                elif int(found) < SCHEMA_VERSION:
                    raise StoreError(f"store {url}: has an older layout (schema {found}); move it aside and "
                                     f"run `zonemap sync` or `zonemap import` again")
        except SQLAlchemyError as exc:
            raise StoreError(f"store {url}: cannot open: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}") from None

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------
    def _write(self, conn, records: Iterable[Record]) -> Counter:
        """Upsert records in a connection's transaction, in order (the last with an id wins)."""
        counts: Counter = Counter()
        pending: dict[type, list[tuple]] = {t: [] for t in TABLE_OF}
        for record in records:
            rtype = type(record)
            rows = pending[rtype]
            rows.append(ROW_OF[rtype](record))
            if len(rows) >= CHUNK:
                conn.exec_driver_sql(UPSERT_SQL[TABLE_OF[rtype]], rows)
                counts[record.type] += len(rows)
                pending[rtype] = []
        for rtype, rows in pending.items():
            if rows:
                conn.exec_driver_sql(UPSERT_SQL[TABLE_OF[rtype]], rows)
                counts[rtype.model_fields["type"].default] += len(rows)
        if counts:
            self._bump_version(conn)
        return counts

    def _bump_version(self, conn) -> None:
        stmt = sqlite_insert(meta).values(key="data_version", value="1")
        stmt = stmt.on_conflict_do_update(
            index_elements=[meta.c.key],
            set_={"value": cast(cast(meta.c.value, Integer) + 1, Text)},
        )
        conn.execute(stmt)

    def upsert(self, records: Iterable[Record]) -> Counter:
        """Insert or replace records by id, all in one transaction."""
        try:
            with self.engine.begin() as conn:
                return self._write(conn, records)
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self.url}: could not write: {getattr(exc, 'orig', exc)}") from None

    def write_batch(self, source: str, batch: Batch) -> dict:
        """A connector batch: its records, deletions and cursor in one transaction.

        Returns counts by record type plus ``removed`` (items gone upstream, on --full).
        """
        try:
            with self.engine.begin() as conn:
                counts = dict(self._write(conn, batch.records))
                counts["removed"] = 0
                if batch.present_item_ids is not None and batch.item_prefix:
                    counts["removed"] = self._remove_missing(conn, batch.item_prefix, batch.present_item_ids)
                if batch.cursor is not None:
                    stmt = sqlite_insert(cursors).values(source=source, scope=batch.scope,
                                                         cursor=json.dumps(batch.cursor), synced_at=_now())
                    stmt = stmt.on_conflict_do_update(
                        index_elements=[cursors.c.source, cursors.c.scope],
                        set_={"cursor": stmt.excluded.cursor, "synced_at": stmt.excluded.synced_at})
                    conn.execute(stmt)
                    self._bump_version(conn)
                return counts
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self.url}: could not write: {getattr(exc, 'orig', exc)}") from None

    def _remove_missing(self, conn, prefix: str, present: set[str]) -> int:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stored = set(conn.execute(select(items.c.id).where(items.c.id.like(escaped + "%", escape="\\"))).scalars())
        gone = sorted(stored - set(present))
        for start in range(0, len(gone), 500):
            chunk = gone[start:start + 500]
            conn.execute(activities.delete().where(activities.c.item.in_(chunk)))
            conn.execute(items.delete().where(items.c.id.in_(chunk)))
        if gone:
            self._bump_version(conn)
        return len(gone)

    def clear_cursors(self, source: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(cursors.delete().where(cursors.c.source == source))

    # -- reading -------------------------------------------------------------------
    def get_cursor(self, source: str, scope: str) -> dict | None:
        with self.engine.connect() as conn:
            raw = conn.execute(select(cursors.c.cursor).where(
                (cursors.c.source == source) & (cursors.c.scope == scope))).scalar()
        return json.loads(raw) if raw else None

    def cursors(self) -> pd.DataFrame:
        """source, scope, cursor (dict), synced_at: when each source last synced what."""
        with self.engine.connect() as conn:
            df = pd.read_sql(select(cursors), conn)
        df["cursor"] = df["cursor"].map(lambda s: json.loads(s) if s else None)
        return df

    def version(self) -> int:
        """Changes whenever data is written (a cache key for the dashboard)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.key == "data_version")).scalar()
        return int(value or 0)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            out = {t.name: conn.execute(select(func.count()).select_from(t)).scalar() or 0
                   for t in (items, activities, identities, components)}
            for source, n in conn.execute(select(items.c.source, func.count()).group_by(items.c.source)):
                out[f"items:{source}"] = n
        return out

    def time_range(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and last activity time in the store."""
        with self.engine.connect() as conn:
            lo, hi = conn.execute(select(func.min(activities.c.at), func.max(activities.c.at))).one()
        return (pd.Timestamp(lo, unit="s", tz="UTC") if lo is not None else None,
                pd.Timestamp(hi, unit="s", tz="UTC") if hi is not None else None)

    def orphan_activities(self) -> int:
        """Activities whose item is not stored (they count as unmapped)."""
        with self.engine.connect() as conn:
            q = select(func.count()).select_from(activities).where(
                ~activities.c.item.in_(select(items.c.id)))
            return conn.execute(q).scalar() or 0

    def load_frames(self, start: datetime | pd.Timestamp | None = None,
                    end: datetime | pd.Timestamp | None = None) -> Frames:
        """Activities with ``start <= at < end`` (filtered in SQL on the time index), the
        items they touch (every item when neither bound is given), and all identities and
        components. See `store_read` for how it is kept fast."""
        bounds = None
        if start is not None or end is not None:
            bounds = (int(pd.Timestamp(start).timestamp()) if start is not None else -2**62,
                      int(pd.Timestamp(end).timestamp()) if end is not None else 2**62)
        return read_window(self.engine, self.sqlite_path, bounds)

    def iter_records(self) -> Iterator[dict]:
        """Every stored record as a JSONL dict: identities, components, items, activities."""
        with self.engine.connect() as conn:
            for table, rtype in ((identities, "identity"), (components, "component"),
                                 (items, "item"), (activities, "activity")):
                result = conn.execution_options(stream_results=True).execute(select(table).order_by(table.c.id))
                for row in result.mappings():
                    obj = {"type": rtype, **row}
                    for col in LIST_COLUMNS:
                        if rtype == "item":
                            obj[col] = json.loads(obj[col]) if obj[col] else []
                    if rtype == "item":
                        obj["draft"] = bool(obj["draft"])
                    for col in ("at", "created_at", "updated_at"):
                        if obj.get(col) is not None:
                            obj[col] = _iso(obj[col])
                    yield obj


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
