"""The store's tables, as SQLAlchemy Core metadata, and its bulk upsert statements and rows.

Kept apart from `store` so that reading a window (`zonemap report`) never imports
SQLAlchemy: the store opens its engine only when it writes or runs a query of its own.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text

from connectors.records import Activity, Component, Identity, Item

from .store_read import ITEM_AT_INDEX

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
    Index("ix_activities_at_item", "at", "item"),  # covers the window's activities
    # lookups by item, and the window's distinct items in id order without a sort (`store_read`)
    Index(ITEM_AT_INDEX, "item", "at"),
)
# what stores made before ITEM_AT_INDEX had instead (`upgrade_indexes`)
OLD_ITEM_INDEX = "ix_activities_item"
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

# what the store's methods use, so that they import one module, and only when they run
from sqlalchemy import cast, create_engine, event, func, select  # noqa: E402,F401
from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: E402,F401
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402,F401


def sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL, so a reader never waits for a sync; a busy timeout for the rare checkpoint."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def upgrade_indexes(engine) -> None:
    """Give a store made by an earlier build `ITEM_AT_INDEX` in place of `OLD_ITEM_INDEX`
    (the same size; it serves the same lookups). Readers work on either, so a store that
    cannot be written now (a read-only file, a long lock) keeps what it has until a later
    write; a new store has `ITEM_AT_INDEX` from the start."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {ITEM_AT_INDEX} ON activities (item, at)")
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {OLD_ITEM_INDEX}")
    except SQLAlchemyError:
        pass
