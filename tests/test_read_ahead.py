"""The console script reads a report's window before the CLI starts (zonemap.read_ahead):
it must read exactly what the CLI will ask for, be used only then, and never change
what a command prints or how it fails."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from zonemap import read_ahead, store_read
from zonemap.config import load_config, resolve_store_url
from zonemap.frames import ANALYSIS_ITEM_COLUMNS, ITEM_COLUMNS
from zonemap.locate import epoch_bounds, report_bounds
from zonemap.reporting import report_json
from zonemap.store import Store

from conftest import ROOT


@pytest.fixture(autouse=True)
def _no_reads_left_ahead():
    yield
    store_read._ahead.clear()


@pytest.mark.parametrize("argv, expected", [
    (["report"], (None, None, None, None, None, None, False)),
    (["--config", "c.toml", "--db=s.db", "--debug", "report", "--as-of", "2026-01-02", "--window=3",
      "--format", "md", "--out", "x.md"], ("c.toml", "s.db", "2026-01-02", "3", "md", "x.md", True)),
    (["--config=c.toml", "report", "--window", "5", "--format=csv"], ("c.toml", None, None, "5", "csv", None, False)),
])
def test_a_report_command_line_is_understood(argv, expected):
    request = read_ahead.parse_report_request(argv, {})
    got = (str(request.config) if request.config else None, request.db, request.as_of, request.window,
           request.fmt, request.out, request.debug)
    assert got == expected


def test_the_environment_twins_count_and_the_options_beat_them():
    env = {"ZONEMAP_CONFIG": "e.toml", "ZONEMAP_DB": "e.db"}
    request = read_ahead.parse_report_request(["report"], env)
    assert (str(request.config), request.db) == ("e.toml", "e.db")
    request = read_ahead.parse_report_request(["--config", "c.toml", "--db", "c.db", "report"], env)
    assert (str(request.config), request.db) == ("c.toml", "c.db")


@pytest.mark.parametrize("argv", [
    ["sync"], ["report", "--help"], ["--help", "report"], ["report", "--bogus"], ["--config", "report"],
    ["report", "--window"], ["--debug=1", "report"], ["report", "extra"], ["--config", "report", "report", "--db", "x"],
])
def test_anything_else_is_left_to_the_cli(argv):
    assert read_ahead.parse_report_request(argv, {}) is None


def test_it_reads_the_very_file_and_window_the_cli_will(org, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path / "data")  # the store url is relative to the config, not to here
    request = read_ahead.parse_report_request(["--config", str(org), "report"], {})
    cfg = load_config(org)
    expected_file = Store(resolve_store_url(cfg, None)).sqlite_path
    assert read_ahead.report_window(request) == (
        expected_file, epoch_bounds(*report_bounds(cfg.settings.as_of, cfg.settings.window_weeks)))
    request = read_ahead.parse_report_request(["--config", str(org), "report", "--as-of", "2026-11-27",
                                               "--window", "2"], {})
    assert read_ahead.report_window(request)[1] == epoch_bounds(*report_bounds(date(2026, 11, 27), 2))


@pytest.mark.parametrize("text", ["not toml [", "[settings]\nwindow_weeks = 'x'\n", "[settings]\nas_of = 3\n",
                                  "[store]\nurl = 'sqlite:///missing.db'\n", "settings = 1\n"])
def test_a_config_it_cannot_follow_means_no_read_ahead(write_config, text):
    path = write_config(text)
    assert not read_ahead.start(["--config", str(path), "report"], {})
    assert not store_read._ahead


def test_the_store_takes_the_read_begun_ahead_only_for_the_same_file_window_and_columns(org, tmp_path):
    assert read_ahead.start(["--config", str(org), "report"], {})
    cfg = load_config(org)
    store = Store(resolve_store_url(cfg, None))
    ahead = next(iter(store_read._ahead.values()))
    window = report_bounds(cfg.settings.as_of, cfg.settings.window_weeks)
    other = store.start_loading(*report_bounds(cfg.settings.as_of, 9), item_columns=ANALYSIS_ITEM_COLUMNS)
    assert other is not ahead and store_read._ahead  # another window: read afresh
    everything = store.start_loading(*window)  # every item column (the dashboard's read): afresh
    assert everything is not ahead and store_read._ahead
    taken = store.start_loading(*window, item_columns=ANALYSIS_ITEM_COLUMNS)  # what a report asks for
    assert taken is ahead and not store_read._ahead
    got, fresh, full = taken.frames(), other.frames(), everything.frames()
    assert len(got.activities) == 5 and len(fresh.activities) == 5
    assert list(got.items.columns) == ANALYSIS_ITEM_COLUMNS and list(full.items.columns) == ITEM_COLUMNS
    expected = store.load_frames(*window, item_columns=ANALYSIS_ITEM_COLUMNS)
    for name in ("items", "activities", "identities", "components"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    pd.testing.assert_frame_equal(got.items, full.items[ANALYSIS_ITEM_COLUMNS])
    store.close()


def _zonemap(*args, module="zonemap"):
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def test_the_console_script_prints_the_same_report_with_and_without_reading_ahead(org):
    ahead = _zonemap("--config", org, "report")
    plain = _zonemap("--config", org, "report", module="zonemap.cli")  # the CLI alone reads no window ahead
    assert ahead.returncode == 0, ahead.stderr
    assert ahead.stdout == plain.stdout
    assert json.loads(ahead.stdout)["summary"]["people"] == 1


def test_a_bad_config_still_fails_in_one_line_with_status_2(org):
    org.write_text(org.read_text() + "\n[[areas]]\nid = 'web'\n")  # a duplicate area id
    result = _zonemap("--config", org, "report")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr and "web" in result.stderr


def test_reading_ahead_starts_before_pyarrow_pydantic_and_pandas_are_imported():
    probe = ("import sys, zonemap.read_ahead, zonemap.store_read\n"
             "print(sorted({'pandas', 'pydantic', 'typer', 'sqlalchemy', 'pyarrow', 'numpy'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_report_json_is_what_json_dumps_writes():
    report = {"areas": [{"id": "wéb", "fte": 0.125, "gaps": [], "score": 1.0, "bus_factor": None,
                         "names": {"x": [1, 2.5, True]}}], "empty": {}, "text": "a\"b\\c\n\u2028<img>"}
    assert report_json(report) == json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def test_the_demo_report_json_is_what_json_dumps_writes(cli, tmp_path):
    db = tmp_path / "demo.db"
    assert cli("--config", ROOT / "data/sample/zones.toml", "--db", db, "import",
               ROOT / "data/sample/records.jsonl.gz").exit_code == 0
    out = cli("--config", ROOT / "data/sample/zones.toml", "--db", db, "report").stdout
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"


def test_a_report_to_stdout_never_imports_rich(org):
    """rich is for messages, progress and errors; a report that succeeds writes its text
    with sys.stdout and does without rich's imports."""
    probe = ("import sys\nfrom zonemap import cli\n"
             f"cli.app(['--config', {str(org)!r}, 'report'], standalone_mode=False)\n"
             "print('rich' in sys.modules, 'rich.console' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"
    assert json.loads(result.stdout[: result.stdout.rindex("}") + 1])["summary"]["people"] == 1


def test_messages_still_go_through_rich(org, tmp_path):
    result = _zonemap("--config", org, "report", "--format", "csv", "--out", tmp_path / "areas.csv")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"wrote {tmp_path / 'areas.csv'}"
    missing = _zonemap("--config", tmp_path / "nowhere.toml", "report")
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and missing.stderr.count("\n") == 1


def _foreign(path):
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    conn.close()


@pytest.mark.parametrize("kind", ["empty", "foreign", "text", "older layout"])
def test_nothing_is_read_ahead_from_a_file_that_is_no_store_at_this_layout(org, tmp_path, kind):
    db = tmp_path / "x.db"
    if kind == "empty":
        db.touch()
    elif kind == "foreign":
        _foreign(db)
    elif kind == "text":
        db.write_text("hello, not sqlite\n")
    else:
        import sqlite3

        Store(db).close()
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        conn.close()
    assert not read_ahead.start(["--config", str(org), "--db", str(db), "report"], {})
    assert not store_read._ahead
    assert read_ahead.start(["--config", str(org), "report"], {})  # the config's own store: yes


@pytest.mark.parametrize("kind", ["empty", "foreign"])
def test_report_on_an_empty_or_foreign_sqlite_file_does_not_wait_for_its_own_read(org, tmp_path, kind):
    """A read begun ahead holds a read transaction; on a file without WAL that held up the
    store creating its tables until SQLite gave up ("database is locked", after 5 s)."""
    db = tmp_path / "x.db"
    db.touch() if kind == "empty" else _foreign(db)
    result = subprocess.run([sys.executable, "-m", "zonemap", "--config", str(org), "--db", str(db), "report"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "locked" not in result.stderr and "Traceback" not in result.stderr
    if kind == "empty":  # an empty file is a new store (SQLite's own view): an empty report
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["summary"]["people"] == 0
    else:
        assert result.returncode == 2 and "a SQLite database of another application" in result.stderr


def test_a_store_creating_its_tables_ends_a_read_begun_ahead_on_its_file(tmp_path):
    """Whatever began a read ahead on a file, a store writing it must not wait on it."""
    import time

    db = tmp_path / "x.db"
    db.touch()
    store_read.read_ahead(db, epoch_bounds(*report_bounds(date(2026, 11, 20), 4)), tuple(ANALYSIS_ITEM_COLUMNS))
    pending = next(iter(store_read._ahead.values()))
    assert pending._guard is not None  # the read transaction that held the writer up
    started = time.monotonic()
    store = Store(db)  # creates its tables
    assert time.monotonic() - started < 3
    assert not store_read._ahead and pending._guard is None
    assert store.counts()["items"] == 0
    store.close()
