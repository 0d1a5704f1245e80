"""The store: SQLite (by default) through SQLAlchemy Core.

Upserts by record id are idempotent; a connector batch and its cursor commit in one
transaction, so an interrupted sync resumes where it stopped and a failed batch
leaves nothing behind. SQLite runs in WAL mode with a busy timeout, so the dashboard
can read while a sync writes.

The tables live in `store_schema`. An existing SQLite store is opened without
SQLAlchemy: its schema version is read with the standard library, and reading a
window goes through `store_read`; the engine (and the SQLAlchemy import, a quarter of
a second) comes only when a method writes or queries through it.

What is not a zonemap store is refused before anything is written to it: another
application's SQLite database, a file of another kind, a folder, a backend other than
SQLite (`NotAStoreError`). A store in a folder this user cannot write is read without
being written (`locate.sqlite_read_uri`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from stat import S_ISDIR
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from .locate import as_url, epoch_bounds, sqlite_file, sqlite_read_uri

if TYPE_CHECKING:  # pandas comes with the first read, so `zonemap report` can import it while the store is read
    import pandas as pd

    from connectors.base import Batch  # the record models (pydantic) come with the first write, off the report's path
    from connectors.records import Record

    from .frames import Frames
    from .store_read import PendingRead

SCHEMA_VERSION = 3  # 2: integer epoch times, (at, item) index; 3: items clustered by id
# the tables of every zonemap store (`store_schema.metadata`): a SQLite database whose tables
# are not these is another application's
TABLES = frozenset({"items", "activities", "identities", "components", "cursors", "meta"})
CHUNK = 5000
LIST_COLUMNS = ("labels", "components", "paths")


def _sql():
    """The SQLAlchemy side of the store (tables, statements), imported on first use."""
    from . import store_schema

    return store_schema


class StoreError(Exception):
    """The store could not be opened or written; one line for the user."""


class NotAStoreError(StoreError):
    """What --db or `[store] url` names is not a zonemap store this build can use (another
    application's SQLite database, a file of another kind, a folder, a backend other than
    SQLite): bad usage or config rather than a failure (exit status 2 in the CLI)."""


def hide_password(url: str) -> str:
    """A store URL fit to print: its password, if it has one, as ***."""
    if "@" not in url or url.startswith("sqlite:"):
        return url
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: hide whatever sits between user: and @
        head, sep, rest = url.partition("://")
        userinfo, at, host = rest.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        return f"{head}{sep}{user}{colon and ':***'}{at}{host}" if at else url


def _now() -> str:
    from connectors.records import format_time

    return format_time(datetime.now(timezone.utc))  # type: ignore[return-value]


class Store:
    """A zonemap store at a SQLAlchemy URL or a plain file path."""

    def __init__(self, url_or_path: str | Path):
        self.url = url = as_url(str(url_or_path))
        self.sqlite_path: Path | None = sqlite_file(url)
        self._engine = None
        if self.sqlite_path is None:
            backend = url.partition("://")[0].partition("+")[0].lower()
            if backend != "sqlite":  # the store's upserts are SQLite's SQL (docs/decisions.md)
                raise NotAStoreError(f"store {self.where}: zonemap keeps its store in SQLite only, not {backend}; "
                                     f"point --db at a SQLite file (a path or a sqlite:/// URL)")
        else:
            folder = self.sqlite_path.parent
            if not folder.is_dir():
                raise StoreError(f"store {self.where}: folder {folder} does not exist; "
                                 f"create it or point --db elsewhere")
            found = _inspect(self.sqlite_path)
            if found is not None:  # an existing store: no engine until one is needed
                self._check_schema(found)
                return
            if not self.sqlite_path.exists() and not os.access(folder, os.W_OK | os.X_OK):
                raise StoreError(f"store {self.where}: cannot create it: folder {folder} is not writable "
                                 f"for this user; point --db at a writable place")
        self.engine  # a new store (or not SQLite): create its tables now

    @property
    def where(self) -> str:
        """How messages name the store: its file, or its URL without a password."""
        return str(self.sqlite_path) if self.sqlite_path is not None else hide_password(self.url)

    @property
    def display_url(self) -> str:
        """The store's URL fit to print (its password, if any, as ***)."""
        return hide_password(self.url)

    def _check_schema(self, found: int) -> None:
        if found > SCHEMA_VERSION:
            raise StoreError(f"store {self.where}: written by a newer zonemap (schema {found}); upgrade zonemap")
        if found < SCHEMA_VERSION:
            raise StoreError(f"store {self.where}: has an older layout (schema {found}); move it aside and "
                             f"run `zonemap sync` or `zonemap import` again")

    @property
    def engine(self):
        """The SQLAlchemy engine, created (with the tables, if missing) on first use."""
        if self._engine is None:
            self._engine = self._open_engine()
        return self._engine

    def _open_engine(self):
        sa = _sql()
        if self.sqlite_path is not None:
            _drop_reads_ahead(self.sqlite_path)  # their read transactions would hold up creating the tables
            uri = sqlite_read_uri(self.sqlite_path) if self.sqlite_path.exists() else ""
            if "immutable=1" in uri:  # a store in a folder this user cannot write: read it, create nothing
                return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True,
                                                                                     check_same_thread=False))
        try:
            engine = sa.create_engine(self.url)
        except Exception as exc:  # bad URL, missing driver
            raise StoreError(f"store {self.where}: cannot open: {_driver_problem(self.url, exc)}") from None
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", sa.sqlite_pragmas)
        try:
            sa.metadata.create_all(engine)
            with engine.begin() as conn:
                found = conn.execute(sa.select(sa.meta.c.value).where(sa.meta.c.key == "schema_version")).scalar()
                if found is None:
                    conn.execute(sa.sqlite_insert(sa.meta).values(key="schema_version", value=str(SCHEMA_VERSION))
                                 .on_conflict_do_nothing())
                else:
                    self._check_schema(_schema_number(found, self.where))
        except sa.SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(f"store {self.where}: cannot open: {exc.__class__.__name__}: "
                             f"{exc.orig if hasattr(exc, 'orig') else exc}") from None
        except StoreError:
            engine.dispose()
            raise
        sa.upgrade_indexes(engine)
        return engine

    def _write_error(self, exc) -> StoreError:
        reason = getattr(exc, "orig", exc)
        hint = ""
        if "readonly" in str(reason) and self.sqlite_path is not None:
            hint = "; this user cannot write the store or its folder: run the command as its owner or copy the store"
        elif "locked" in str(reason):
            hint = ("; another program (an import or sync) kept writing it for the whole busy timeout: "
                    "run the command again when that one has finished")
        return StoreError(f"store {self.where}: could not write: {reason}{hint}")

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # -- writing -------------------------------------------------------------------
    def _write(self, conn, records: Iterable[Record]) -> Counter:
        """Upsert records in a connection's transaction, in order (the last with an id wins)."""
        counts: Counter = Counter()
        sa = _sql()
        pending: dict[type, list[tuple]] = {t: [] for t in sa.TABLE_OF}
        for record in records:
            rtype = type(record)
            rows = pending[rtype]
            rows.append(sa.ROW_OF[rtype](record))
            if len(rows) >= CHUNK:
                conn.exec_driver_sql(sa.UPSERT_SQL[sa.TABLE_OF[rtype]], rows)
                counts[record.type] += len(rows)
                pending[rtype] = []
        for rtype, rows in pending.items():
            if rows:
                conn.exec_driver_sql(sa.UPSERT_SQL[sa.TABLE_OF[rtype]], rows)
                counts[rtype.model_fields["type"].default] += len(rows)
        if counts:
            self._bump_version(conn)
        return counts

    def _bump_version(self, conn) -> None:
        sa = _sql()
        stmt = sa.sqlite_insert(sa.meta).values(key="data_version", value="1")
        stmt = stmt.on_conflict_do_update(
            index_elements=[sa.meta.c.key],
            set_={"value": sa.cast(sa.cast(sa.meta.c.value, sa.Integer) + 1, sa.Text)},
        )
        conn.execute(stmt)

    def upsert(self, records: Iterable[Record]) -> Counter:
        """Insert or replace records by id, all in one transaction."""
        sa = _sql()
        try:
            with self.engine.begin() as conn:
                return self._write(conn, records)
        except sa.SQLAlchemyError as exc:
            raise self._write_error(exc) from None

    def write_batch(self, source: str, batch: Batch) -> dict:
        """A connector batch: its records, deletions and cursor in one transaction.

        Returns counts by record type plus ``removed`` (items gone upstream, on --full).
        """
        sa = _sql()
        try:
            with self.engine.begin() as conn:
                counts = dict(self._write(conn, batch.records))
                counts["removed"] = 0
                if batch.present_item_ids is not None and batch.item_prefix:
                    counts["removed"] = self._remove_missing(conn, batch.item_prefix, batch.present_item_ids)
                if batch.cursor is not None:
                    stmt = sa.sqlite_insert(sa.cursors).values(source=source, scope=batch.scope,
                                                         cursor=json.dumps(batch.cursor), synced_at=_now())
                    stmt = stmt.on_conflict_do_update(
                        index_elements=[sa.cursors.c.source, sa.cursors.c.scope],
                        set_={"cursor": stmt.excluded.cursor, "synced_at": stmt.excluded.synced_at})
                    conn.execute(stmt)
                    self._bump_version(conn)
                return counts
        except sa.SQLAlchemyError as exc:
            raise self._write_error(exc) from None

    def _remove_missing(self, conn, prefix: str, present: set[str]) -> int:
        sa = _sql()
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stored = set(conn.execute(sa.select(sa.items.c.id).where(sa.items.c.id.like(escaped + "%", escape="\\"))).scalars())
        gone = sorted(stored - set(present))
        for start in range(0, len(gone), 500):
            chunk = gone[start:start + 500]
            conn.execute(sa.activities.delete().where(sa.activities.c.item.in_(chunk)))
            conn.execute(sa.items.delete().where(sa.items.c.id.in_(chunk)))
        if gone:
            self._bump_version(conn)
        return len(gone)

    def clear_cursors(self, source: str) -> None:
        sa = _sql()
        with self.engine.begin() as conn:
            conn.execute(sa.cursors.delete().where(sa.cursors.c.source == source))

    # -- reading -------------------------------------------------------------------
    def get_cursor(self, source: str, scope: str) -> dict | None:
        sa = _sql()
        with self.engine.connect() as conn:
            raw = conn.execute(sa.select(sa.cursors.c.cursor).where(
                (sa.cursors.c.source == source) & (sa.cursors.c.scope == scope))).scalar()
        return json.loads(raw) if raw else None

    def cursors(self) -> pd.DataFrame:
        """source, scope, cursor (dict), synced_at: when each source last synced what."""
        import pandas as pd

        sa = _sql()
        with self.engine.connect() as conn:
            df = pd.read_sql(sa.select(sa.cursors), conn)
        df["cursor"] = df["cursor"].map(lambda s: json.loads(s) if s else None)
        return df

    def version(self) -> int:
        """Changes whenever data is written (a cache key for the dashboard)."""
        sa = _sql()
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(sa.meta.c.value).where(sa.meta.c.key == "data_version")).scalar()
        return int(value or 0)

    def counts(self) -> dict[str, int]:
        sa = _sql()
        with self.engine.connect() as conn:
            out = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0
                   for t in (sa.items, sa.activities, sa.identities, sa.components)}
            for source, n in conn.execute(sa.select(sa.items.c.source, sa.func.count())
                                          .group_by(sa.items.c.source)):
                out[f"items:{source}"] = n
        return out

    def time_range(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The first and last activity time in the store."""
        import pandas as pd

        sa = _sql()
        with self.engine.connect() as conn:
            lo, hi = conn.execute(sa.select(sa.func.min(sa.activities.c.at), sa.func.max(sa.activities.c.at))).one()
        return (pd.Timestamp(lo, unit="s", tz="UTC") if lo is not None else None,
                pd.Timestamp(hi, unit="s", tz="UTC") if hi is not None else None)

    def orphan_activities(self) -> int:
        """Activities whose item is not stored (they count as unmapped)."""
        sa = _sql()
        with self.engine.connect() as conn:
            q = sa.select(sa.func.count()).select_from(sa.activities).where(
                ~sa.activities.c.item.in_(sa.select(sa.items.c.id)))
            return conn.execute(q).scalar() or 0

    def load_frames(self, start: datetime | None = None, end: datetime | None = None,
                    item_columns: Sequence[str] | None = None) -> Frames:
        """Activities with ``start <= at < end`` (filtered in SQL on the time index), the
        items they touch (every item when neither bound is given), and all identities and
        components. `item_columns` may name fewer item columns to read (`ITEM_COLUMNS`
        order is kept; a report reads `frames.ANALYSIS_ITEM_COLUMNS`). See `store_read`
        for how it is kept fast."""
        return self.start_loading(start, end, item_columns).frames()

    def start_loading(self, start: datetime | None = None, end: datetime | None = None,
                      item_columns: Sequence[str] | None = None) -> PendingRead:
        """`load_frames`, begun: the store is read on other threads while the caller goes
        on; the returned object's ``frames()`` waits for the result."""
        from .frames import ITEM_COLUMNS
        from .store_read import PendingRead, take_read_ahead

        bounds = epoch_bounds(start, end)
        columns = tuple(ITEM_COLUMNS if item_columns is None else item_columns)
        ahead = take_read_ahead(self.sqlite_path, bounds, columns, lambda: self.engine)  # begun by the console script
        if ahead is not None:
            return ahead
        return PendingRead(lambda: self.engine, self.sqlite_path, bounds, columns)

    def iter_records(self) -> Iterator[dict]:
        """Every stored record as a JSONL dict: identities, components, items, activities."""
        sa = _sql()
        with self.engine.connect() as conn:
            for table, rtype in ((sa.identities, "identity"), (sa.components, "component"),
                                 (sa.items, "item"), (sa.activities, "activity")):
                result = conn.execution_options(stream_results=True).execute(sa.select(table).order_by(table.c.id))
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
    """Epoch seconds as the records' ISO 8601 (`connectors.records.format_time`): UTC,
    `Z`, the year in four digits (strftime's %Y gives `1-01-01` for the year 1)."""
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _schema_number(value: object, where: str) -> int:
    """A stored schema_version as a number; NotAStoreError for anything else."""
    text = str(value).strip()
    if not text.isdigit():
        raise NotAStoreError(f"store {where}: its meta table holds schema_version {value!r}, which no zonemap "
                             f"writes: not a zonemap store; point --db at a zonemap store or a new file")
    return int(text)


def _inspect(path: Path) -> int | None:
    """The schema version of the zonemap store in the SQLite file `path`, read with the
    standard library, read-only; None where there is none yet: no file, an empty file,
    a SQLite database without tables, or zonemap's tables without their version row (a
    store whose creation was cut short). NotAStoreError for a file that is not a
    zonemap store (another application's database, a file of another kind, a folder),
    StoreError for one that cannot be read. On a store, one query."""
    where = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"store {where}: cannot open: {exc.strerror}") from None
    if S_ISDIR(info.st_mode):
        raise NotAStoreError(f"store {where}: is a folder; point --db at a store file in it "
                             f"(e.g. {path / 'zonemap.db'})")
    if info.st_size == 0:
        return None  # SQLite's empty database: a new store
    try:
        conn = sqlite3.connect(sqlite_read_uri(path), uri=True, timeout=30)
        try:
            try:
                row = conn.execute("SELECT (SELECT value FROM meta WHERE key = 'schema_version'), "
                                   "(SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                   "AND name IN ('items', 'activities'))").fetchone()
            except sqlite3.OperationalError as exc:
                if "no such table" not in str(exc):
                    raise
                row = (None, None)
            if row[0] is not None and row[1] == 2:
                return _schema_number(row[0], where)
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _unreadable(path, exc) from None
    if not tables or TABLES <= tables:
        return None
    raise NotAStoreError(f"store {where}: a SQLite database of another application, not a zonemap store; "
                         f"point --db at a zonemap store or a new file")


def _unreadable(path: Path, exc: sqlite3.Error) -> StoreError:
    """The one line for a SQLite file the standard library cannot read."""
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_NOTADB":
        return NotAStoreError(f"store {path}: not a SQLite database (a file of another kind); "
                              f"point --db at a zonemap store or a new file")
    if name == "SQLITE_CORRUPT":
        return StoreError(f"store {path}: a damaged SQLite database ({exc}); restore it from a copy, "
                          f"or move it aside and run `zonemap sync` or `zonemap import` again")
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return StoreError(f"store {path}: locked by another program for over 30 s ({exc}); try again later")
    if name == "SQLITE_CANTOPEN" and not os.access(path, os.R_OK):
        return StoreError(f"store {path}: cannot open: this user may not read it; run the command as a user "
                          f"who may, or change the file's permissions")
    if name == "SQLITE_CANTOPEN" and not os.access(path.parent, os.W_OK | os.X_OK):
        return StoreError(f"store {path}: cannot be read here ({exc}): its folder is read-only for this user and "
                          f"the store has changes in its write-ahead log ({path}-wal) or is open elsewhere; "
                          f"run the command as the store's owner once, or copy the store to a writable folder")
    return StoreError(f"store {path}: cannot open: {exc}; check the file and its permissions")


def stored_schema(path: Path) -> int | None:
    """The schema version of an existing zonemap store; None when there is no such store
    (yet) or it cannot be read. Never raises: the read-ahead asks before it reads."""
    try:
        return _inspect(path)
    except (StoreError, OSError, sqlite3.Error):
        return None


def _drop_reads_ahead(path: Path) -> None:
    """Close any read the console script began ahead on `path` (`store_read.read_ahead`):
    its read transactions would hold up writing the file (up to the busy timeout)."""
    store_read = sys.modules.get("zonemap.store_read")  # not imported: nothing was read ahead
    if store_read is not None:
        store_read.drop_reads_ahead(path)


def _driver_problem(url: str, exc: Exception) -> str:
    """Why SQLAlchemy could not make an engine for `url`, and what to do, in words."""
    dialect = url.partition("://")[0]
    said = str(exc).replace(url, hide_password(url))
    if isinstance(exc, ImportError) or exc.__class__.__name__ == "NoSuchModuleError":
        return f"the driver for {dialect} is not installed ({said}); install the driver for {dialect}"
    return f"{exc.__class__.__name__}: {said}"
