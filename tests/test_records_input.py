"""Bad records input: every problem is one line naming the file (and the line), a bad
line is skipped and counted like any other, and nothing already stored or written is lost.
The CLI-level tests run the real console script in a subprocess."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timezone

import pytest

from connectors.records import ReadStats, RecordError, format_time, read_records, write_records

from conftest import ROOT

ITEM = {"type": "item", "id": "github:acme/web#1", "source": "github", "kind": "issue", "title": "Fix"}


def act(n: int, at: str = "2026-11-02T10:00:00Z") -> dict:
    return {"type": "activity", "id": f"a{n}", "item": "github:acme/web#1", "kind": "issue_opened",
            "actor": "github:alice", "at": at}


def encoded(rows) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


def zonemap(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "zonemap", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def one_line(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def stored_ids(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        ids = sorted(r[0] for r in conn.execute("SELECT id FROM activities"))
    conn.close()
    return ids


# -- reading -------------------------------------------------------------------------------------


def test_a_line_that_is_not_utf8_is_a_bad_line_with_its_number(tmp_path):
    path = tmp_path / "r.jsonl"
    latin1 = json.dumps(act(2)).replace("alice", "al\u00efce").encode("latin-1")  # one byte 0xef, not UTF-8
    path.write_bytes(encoded([ITEM, latin1, act(3)]))
    stats = ReadStats()
    assert [r.id for r in read_records(path, stats=stats)] == ["github:acme/web#1", "a3"]
    assert stats.bad_lines == [f"{path}:2: not UTF-8 text (byte 0xef at column {latin1.index(0xef) + 1}); "
                               f"save the file as UTF-8"]
    with pytest.raises(RecordError, match=r"r\.jsonl:2: not UTF-8 text"):
        list(read_records(path, strict=True))


def test_a_utf8_byte_order_mark_at_the_start_is_no_bad_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + encoded([ITEM, act(1)]))
    stats = ReadStats()
    assert len(list(read_records(path, stats=stats))) == 2 and stats.bad == 0


def test_a_truncated_gzip_file_is_one_error_naming_the_line_reached(tmp_path):
    whole = gzip.compress(encoded([ITEM] + [act(n) for n in range(3000)]), mtime=0)
    path = tmp_path / "r.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    for strict in (False, True):
        with pytest.raises(RecordError) as caught:
            list(read_records(path, strict=strict))
        message = str(caught.value)
        assert message.startswith(f"{path}: the compressed data ends early, after line ")
        assert "copy or export the file again" in message
        reached = int(message.split("after line ")[1].split(" ")[0])
        assert 0 < reached < 3001
    path.write_bytes(whole[:10])  # the gzip header alone
    with pytest.raises(RecordError, match="ends early, before its first line"):
        list(read_records(path))


def test_a_plain_file_named_gz_is_one_clear_error(tmp_path):
    path = tmp_path / "r.jsonl.gz"
    path.write_bytes(encoded([ITEM]))
    with pytest.raises(RecordError, match=r"r\.jsonl\.gz: named \.gz but not gzip-compressed .*rename it"):
        list(read_records(path))


def test_a_gzip_file_without_gz_in_its_name_is_read_as_gzip(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(gzip.compress(encoded([ITEM, act(1)])))
    stats = ReadStats()
    assert [r.id for r in read_records(path, stats=stats)] == ["github:acme/web#1", "a1"] and stats.bad == 0


def test_a_folder_is_one_clear_error(tmp_path):
    with pytest.raises(RecordError, match="is a folder, not a records file"):
        list(read_records(tmp_path))


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00",  # OverflowError before
                                "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                                "1969-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "2200-12-31T23:00:00-05:00"])
def test_a_time_outside_the_years_the_analysis_can_hold_is_a_bad_line(tmp_path, at):
    path = tmp_path / "r.jsonl"
    path.write_bytes(encoded([ITEM, act(1, at), act(2), dict(ITEM, id="github:acme/web#2", updated_at=at)]))
    stats = ReadStats()
    assert [r.id for r in read_records(path, stats=stats)] == ["github:acme/web#1", "a2"]
    assert [m.split(": ", 2)[:2] for m in stats.bad_lines] == [[f"{path}:2", "at"], [f"{path}:4", "updated_at"]]
    assert all(f"year out of range ({at[:4]}" in m and "the years 1970 to 2200, UTC" in m for m in stats.bad_lines)
    with pytest.raises(RecordError, match=r":2: at: year out of range"):
        list(read_records(path, strict=True))


def test_the_first_and_last_moments_of_the_range_are_good(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(encoded([act(1, "1970-01-01T00:00:00Z"), act(2, "2200-12-31T23:59:59Z"),
                              act(3, "1970-01-01T01:00:00+01:00")]))
    times = [r.to_json()["at"] for r in read_records(path, strict=True)]
    assert times == ["1970-01-01T00:00:00Z", "2200-12-31T23:59:59Z", "1970-01-01T00:00:00Z"]


def test_times_are_written_with_four_digit_years():
    assert format_time(datetime(1, 1, 1, tzinfo=timezone.utc)) == "0001-01-01T00:00:00Z"
    assert format_time(datetime(2026, 11, 2, 10, 0, 0, 999, tzinfo=timezone.utc)) == "2026-11-02T10:00:00Z"


# -- writing -------------------------------------------------------------------------------------


def failing_after(n: int):
    for i in range(n):
        yield act(i)
    raise RuntimeError("the store went away")


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz"])
def test_a_failed_write_leaves_the_existing_file_as_it_was_and_no_temporary_file(tmp_path, name):
    path = tmp_path / name
    write_records(path, [ITEM, act(1)])
    before = path.read_bytes()
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError):
        write_records(path, failing_after(20_000))  # far more than one buffer's worth
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert write_records(path, [act(7)]) == 1  # a complete write replaces it, keeping its permissions
    assert [r.id for r in read_records(path, strict=True)] == ["a7"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)


def test_a_failed_write_to_a_new_path_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        write_records(tmp_path / "new.jsonl", failing_after(10))
    assert list(tmp_path.iterdir()) == []


def test_a_gzip_file_names_the_file_itself_not_the_temporary_one(tmp_path):
    path = tmp_path / "x.jsonl.gz"
    write_records(path, [ITEM])
    raw = path.read_bytes()
    assert raw[3] & 0x08 and raw[10:raw.index(b"\0", 10)] == b"x.jsonl"  # FNAME, as gzip.open(path) writes it
    assert raw[4:8] == b"\0\0\0\0"  # mtime 0: the same records, the same bytes


def test_writing_through_a_link_writes_its_target(tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    write_records(link, [ITEM])
    assert link.is_symlink() and json.loads(target.read_text())["id"] == "github:acme/web#1"


def test_a_named_pipe_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_records(fifo, [ITEM])
    reader.join(10)
    assert got and json.loads(got[0])["id"] == "github:acme/web#1"
    assert fifo.is_fifo()


# -- the console script --------------------------------------------------------------------------


def test_import_skips_a_non_utf8_line_and_keeps_the_rest(tmp_path):
    db, path = tmp_path / "z.db", tmp_path / "r.jsonl"
    path.write_bytes(encoded([ITEM, act(1), b'{"type":"identity","id":"github:\xff"}', act(2)]))
    result = zonemap("--db", db, "import", path)
    assert result.returncode == 0, result.stderr
    assert f"{path}:3: not UTF-8 text" in one_line(result)
    assert stored_ids(db) == ["a1", "a2"]


def test_import_skips_a_time_out_of_range_and_keeps_the_rest(tmp_path):
    db, path = tmp_path / "z.db", tmp_path / "r.jsonl"
    path.write_bytes(encoded([ITEM, act(1, "0001-01-01T00:00:00+01:00"), act(2), act(3, "9999-12-31T23:59:59-05:00")]))
    result = zonemap("--db", db, "import", path)
    assert result.returncode == 0, result.stderr
    assert f"{path}:2: at: year out of range" in one_line(result)
    assert stored_ids(db) == ["a2"]


@pytest.mark.parametrize("damage", ["truncated", "plain named .gz"])
def test_an_unreadable_gzip_file_fails_in_one_line_with_status_2_and_stores_nothing(tmp_path, damage):
    db, path, first = tmp_path / "z.db", tmp_path / "r.jsonl.gz", tmp_path / "first.jsonl"
    first.write_bytes(encoded([ITEM, act(0)]))
    assert zonemap("--db", db, "import", "--strict", first).returncode == 0
    whole = gzip.compress(encoded([ITEM] + [act(n) for n in range(1, 3000)]), mtime=0)
    path.write_bytes(whole[: len(whole) // 2] if damage == "truncated" else encoded([act(5)]))
    result = zonemap("--db", db, "import", path)
    assert result.returncode == 2
    assert one_line(result).startswith(f"error: {path}: ")
    assert stored_ids(db) == ["a0"]  # what was stored before stays; nothing of the bad file is added


def test_export_that_fails_halfway_leaves_the_previous_export_whole(tmp_path):
    db, out = tmp_path / "z.db", tmp_path / "out.jsonl"
    src = tmp_path / "r.jsonl"
    src.write_bytes(encoded([ITEM] + [act(n) for n in range(5000)]))
    assert zonemap("--db", db, "import", src).returncode == 0
    assert zonemap("--db", db, "export", out).returncode == 0
    before = out.read_bytes()
    more = tmp_path / "more.jsonl"
    more.write_bytes(encoded([dict(act(n), id=f"b{n}") for n in range(10)]))
    assert zonemap("--db", db, "import", more).returncode == 0
    with sqlite3.connect(db) as conn:  # a row no time can be made of, last in export order
        conn.execute("INSERT INTO activities (id, item, kind, actor, at) VALUES ('zz', 'x', 'commit', 'a', ?)",
                     (10**15,))
    conn.close()
    result = zonemap("--db", db, "export", out)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
