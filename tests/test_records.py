import gzip
import json

import pytest

from connectors.records import Activity, Item, ReadStats, RecordError, read_records, write_records


def _lines(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


GOOD_ITEM = {"type": "item", "id": "github:acme/web#1", "source": "github", "kind": "issue",
             "title": "Fix", "labels": ["a"], "created_at": "2026-11-02T10:00:00Z", "extra_key": 1}
GOOD_ACT = {"type": "activity", "id": "x/1", "item": "github:acme/web#1", "kind": "issue_opened",
            "actor": "github:alice", "at": "2026-11-02T11:00:00+01:00"}


def test_reads_and_normalises_to_utc(tmp_path):
    path = _lines(tmp_path / "r.jsonl", [GOOD_ITEM, GOOD_ACT])
    recs = list(read_records(path))
    assert isinstance(recs[0], Item) and recs[0].labels == ["a"]
    assert isinstance(recs[1], Activity)
    assert recs[1].to_json()["at"] == "2026-11-02T10:00:00Z"


def test_bad_lines_are_counted_with_line_numbers(tmp_path):
    naive = dict(GOOD_ACT, at="2026-11-02T11:00:00")
    path = _lines(tmp_path / "r.jsonl", [GOOD_ITEM, "{not json", naive, {"type": "mystery"}, GOOD_ACT])
    stats = ReadStats()
    recs = list(read_records(path, stats=stats))
    assert len(recs) == 2
    assert stats.bad == 2
    assert stats.bad_lines[0].endswith(":2: not valid JSON (Expecting property name enclosed in double quotes)")
    assert ":3: at: timestamp has no time zone" in stats.bad_lines[1]
    assert stats.unknown_types["mystery"] == 1


def test_strict_fails_on_first_bad_line(tmp_path):
    path = _lines(tmp_path / "r.jsonl", [GOOD_ITEM, dict(GOOD_ITEM, kind="wiki")])
    with pytest.raises(RecordError, match=r"r.jsonl:2: kind"):
        list(read_records(path, strict=True))


def test_gzip_round_trip(tmp_path):
    recs = list(read_records(_lines(tmp_path / "r.jsonl", [GOOD_ITEM, GOOD_ACT])))
    out = tmp_path / "o.jsonl.gz"
    assert write_records(out, recs) == 2
    with gzip.open(out, "rt") as fh:
        assert json.loads(fh.readline())["id"] == "github:acme/web#1"
    assert list(read_records(out)) == recs


def test_unknown_activity_kind_is_kept_and_counted(tmp_path):
    path = _lines(tmp_path / "r.jsonl", [dict(GOOD_ACT, kind="wiki_edit")])
    stats = ReadStats()
    assert [r.kind for r in read_records(path, stats=stats)] == ["wiki_edit"]
    assert stats.unknown_kinds["wiki_edit"] == 1
