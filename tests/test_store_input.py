"""What --db or `[store] url` may name that is not a zonemap store: each is refused in one
clear line before anything is written to it (another application's database keeps its
tables), a password never reaches the output, and a store in a folder this user cannot
write can still be reported on. The CLI-level tests run the real console script."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from connectors.records import Activity, Identity, Item
from zonemap import store_schema
from zonemap.locate import store_url
from zonemap.store import TABLES, NotAStoreError, Store, StoreError, hide_password

from conftest import ROOT

OTHER_APP = "store {}: a SQLite database of another application, not a zonemap store; " \
            "point --db at a zonemap store or a new file"


def zonemap(*args, cwd=ROOT, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "zonemap", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def one_line(result) -> str:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    return result.stderr[len("error: "):].rstrip("\n")


def records():
    out = [Identity(id="github:alice", name="Alice")]
    for n in range(1, 4):
        out.append(Item(id=f"github:acme/web#{n}", source="github", kind="issue", title=f"t{n}", labels=["web"]))
        out.append(Activity(id=f"a{n}", item=f"github:acme/web#{n}", kind="issue_commented", actor="github:alice",
                            at=f"2026-11-1{n}T10:00:00Z"))
    return out


def records_file(folder: Path) -> Path:
    path = folder / "r.jsonl"
    path.write_text("".join(json.dumps(r.to_json()) + "\n" for r in records()))
    return path


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    return names


@pytest.fixture
def other_app(tmp_path) -> Path:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER, name TEXT)")
        conn.execute("INSERT INTO users VALUES (1, 'ann')")
    conn.close()
    return db


def test_the_store_knows_its_own_tables():
    assert TABLES == set(store_schema.metadata.tables)


# -- another application's database, a file of another kind, a folder ------------------------------


def test_another_application_s_database_is_refused_and_left_alone(other_app):
    before = other_app.read_bytes()
    with pytest.raises(NotAStoreError) as caught:
        Store(other_app)
    assert str(caught.value) == OTHER_APP.format(other_app)
    assert other_app.read_bytes() == before and tables(other_app) == {"users"}


def test_importing_into_another_application_s_database_is_one_line_and_changes_nothing(other_app, tmp_path):
    result = zonemap("--db", other_app, "import", records_file(tmp_path))
    assert result.returncode == 2  # the CLI maps NotAStoreError to bad usage
    assert one_line(result) == OTHER_APP.format(other_app)
    assert tables(other_app) == {"users"}


def test_a_meta_table_of_another_application_is_not_taken_for_a_store(tmp_path):
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:  # a common layout: meta(key, value) with a schema_version
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '3')")
        conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    with pytest.raises(NotAStoreError, match="another application"):
        Store(db)
    assert tables(db) == {"meta", "notes"}


def test_a_schema_version_that_is_no_number_is_one_clear_line(tmp_path):
    db = tmp_path / "z.db"
    Store(db).upsert(records())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = 'three' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(NotAStoreError, match="meta table holds schema_version 'three'"):
        Store(db)
    result = zonemap("--db", db, "import", records_file(tmp_path))
    assert result.returncode == 2 and "schema_version 'three'" in one_line(result)


def test_zonemap_s_tables_without_their_version_row_are_a_store_whose_creation_was_cut_short(tmp_path):
    db = tmp_path / "z.db"
    Store(db).upsert(records())
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta")
    conn.close()
    store = Store(db)
    store.upsert([])
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("3",)
        assert conn.execute("SELECT count(*) FROM activities").fetchone() == (3,)
    conn.close()
    store.close()


def test_a_text_file_is_one_clear_line(tmp_path):
    db = tmp_path / "notes.txt"
    db.write_text("hello, not sqlite\n")
    with pytest.raises(NotAStoreError, match=r"notes\.txt: not a SQLite database \(a file of another kind\); "
                                             r"point --db at a zonemap store or a new file"):
        Store(db)
    assert db.read_text() == "hello, not sqlite\n"


def test_a_folder_is_one_clear_line(tmp_path):
    with pytest.raises(NotAStoreError, match="is a folder; point --db at a store file in it"):
        Store(tmp_path)


def test_an_empty_file_is_a_new_store(tmp_path):
    db = tmp_path / "empty.db"
    db.touch()
    Store(db).upsert(records())
    assert TABLES <= tables(db)


# -- URLs ---------------------------------------------------------------------------------------------


def test_a_password_in_a_store_url_is_never_printed(tmp_path):
    url = "postgresql://u:SECRETPW@127.0.0.1:1/x"
    with pytest.raises(NotAStoreError) as caught:
        Store(url)
    assert "SECRETPW" not in str(caught.value) and "postgresql://u:***@127.0.0.1:1/x" in str(caught.value)
    assert "SQLite only" in str(caught.value)
    for args in (("import", records_file(tmp_path)), ("export", tmp_path / "out.jsonl")):
        result = zonemap("--db", url, *args)
        assert result.returncode == 2 and "SECRETPW" not in result.stdout + result.stderr
        assert "u:***@" in one_line(result)


def test_hide_password():
    assert hide_password("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert hide_password("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert hide_password("sqlite:////tmp/a@b.db") == "sqlite:////tmp/a@b.db"
    assert "pw" not in hide_password("weird://u:pw@[not a host")


def test_a_missing_driver_says_what_to_install(tmp_path):
    with pytest.raises(StoreError, match=r"the driver for sqlite\+nosuchdriver is not installed .*; "
                                         r"install the driver for sqlite\+nosuchdriver"):
        Store(f"sqlite+nosuchdriver:///{tmp_path / 'z.db'}")


def test_a_plain_path_in_the_config_is_next_to_the_config(tmp_path):
    config_dir, elsewhere = tmp_path / "cfg", tmp_path / "elsewhere"
    config_dir.mkdir(), elsewhere.mkdir()
    assert store_url(None, "notaurl", config_dir) == f"sqlite:///{config_dir / 'notaurl'}"
    assert store_url(None, "sub/../z.db", config_dir) == f"sqlite:///{config_dir / 'z.db'}"
    assert store_url(None, "/abs/z.db", config_dir) == "sqlite:////abs/z.db"
    config = config_dir / "zones.toml"
    config.write_text('[store]\nurl = "notaurl"\n')
    result = zonemap("--config", config, "import", records_file(tmp_path), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (config_dir / "notaurl").is_file() and not (elsewhere / "notaurl").exists()


# -- export writes four-digit years ------------------------------------------------------------------


def test_export_writes_four_digit_years(tmp_path):
    db = tmp_path / "z.db"
    store = Store(db)
    store.upsert(records())
    with sqlite3.connect(db) as conn:  # what an earlier build let in: the year 1
        conn.execute("UPDATE activities SET at = ? WHERE id = 'a1'", (-62135596800,))
    conn.close()
    at = {r["id"]: r["at"] for r in store.iter_records() if r["type"] == "activity"}
    assert at == {"a1": "0001-01-01T00:00:00Z", "a2": "2026-11-12T10:00:00Z", "a3": "2026-11-13T10:00:00Z"}
    store.close()


# -- a store this user cannot write --------------------------------------------------------------


def unprivileged() -> list[str]:
    """The command prefix that runs a process without root's disregard of file permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("runs as root, which ignores file permissions, and setpriv is missing to run as nobody")
    nobody = pwd.getpwnam("nobody")
    prefix = [setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import zonemap.store"], capture_output=True, text=True,
                           cwd=ROOT)
    if probe.returncode != 0:
        pytest.skip(f"cannot run the project as nobody: {probe.stderr.strip()[-200:]}")
    return prefix


@pytest.fixture
def public_dir():
    """A folder everyone can read (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="zonemap-ro-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


def read_only_store(folder: Path, pending_wal: bool = False) -> tuple[Path, Path]:
    """A WAL store with a little work in it, in a folder no one may write, without -shm; a
    config for it; with `pending_wal`, the store's last write still in its -wal."""
    shelf, work = folder / "shelf", folder / "work"
    shelf.mkdir(), work.mkdir()
    db = shelf / "z.db"
    store = Store(work / "z.db")
    store.upsert(records())
    store.close()
    conn = sqlite3.connect(work / "z.db")
    if pending_wal:  # a write still in the log, as a writer that was killed leaves it
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("UPDATE identities SET name = 'Alice B.'")
        conn.commit()
        shutil.copy(f"{work / 'z.db'}-wal", f"{db}-wal")
    shutil.copy(work / "z.db", db)
    conn.close()
    assert not Path(f"{db}-shm").exists() and Path(f"{db}-wal").exists() == pending_wal
    assert db.read_bytes()[18:20] == b"\x02\x02"  # WAL mode, read without opening it (which would merge the log)
    db.chmod(0o444)
    shelf.chmod(0o555)
    config = folder / "zones.toml"
    config.write_text('[settings]\nas_of = 2026-11-20\nwindow_weeks = 4\n\n[[areas]]\nid = "web"\nlabels = ["web"]\n')
    return config, db


def test_a_store_in_a_folder_this_user_cannot_write_can_be_reported_on(public_dir):
    prefix = unprivileged()
    config, db = read_only_store(public_dir)
    before = sorted(p.name for p in db.parent.iterdir())
    result = zonemap("--config", config, "--db", db, "report", prefix=prefix)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["people"] == 1 and report["areas"][0]["active"]
    assert sorted(p.name for p in db.parent.iterdir()) == before
    export = public_dir / "out"
    export.mkdir(mode=0o777)
    export.chmod(0o777)
    result = zonemap("--db", db, "export", export / "x.jsonl", prefix=prefix)
    assert result.returncode == 0, result.stderr
    assert len((export / "x.jsonl").read_text().splitlines()) == 7
    result = zonemap("--db", db, "import", records_file(export), prefix=prefix)
    assert result.returncode == 1 and "could not write" in one_line(result)


def test_a_read_only_store_with_changes_still_in_its_log_says_what_to_do(public_dir):
    prefix = unprivileged()
    config, db = read_only_store(public_dir, pending_wal=True)
    result = zonemap("--config", config, "--db", db, "report", prefix=prefix)
    assert result.returncode == 1
    message = one_line(result)
    assert "write-ahead log" in message and "copy the store to a writable folder" in message


def test_a_store_locked_by_another_writer_says_what_to_do(tmp_path):
    """A write that waited out the busy timeout (30 s: too long to wait for here, so the
    error SQLite raises then is handed over directly) says why and what to do."""
    store = Store(tmp_path / "z.db")
    message = str(store._write_error(sqlite3.OperationalError("database is locked")))
    assert message.startswith(f"store {tmp_path / 'z.db'}: could not write: database is locked; another program")
    assert "run the command again when that one has finished" in message
