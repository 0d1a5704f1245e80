"""The synthetic organisation: deterministic, honours its sizes, writes valid records and
config, the committed demo is what the generator makes, and the planted situations
show in the report at DEMO_AS_OF."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from connectors.records import Activity, Identity, Item, read_records
from zonemap import sample
from zonemap.config import load_config
from zonemap.frames import Frames
from zonemap.report import build_report

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


def _lines(folder: Path) -> list[dict]:
    with gzip.open(folder / sample.RECORDS_NAME, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    args = dict(people=40, areas=14, activities=6000, weeks=26)
    a, b, c = (sample.generate(tmp_path / name, seed=seed, **args) for name, seed in
               (("a", 5), ("b", 5), ("c", 6)))
    assert a == b
    for name in (sample.CONFIG_NAME, sample.RECORDS_NAME):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / sample.RECORDS_NAME).read_bytes() != (tmp_path / "c" / sample.RECORDS_NAME).read_bytes()


@pytest.mark.parametrize("people,areas,activities,weeks", [
    (45, 20, 7000, 30),     # planted demo plus generated areas
    (6, 3, 400, 4),         # too small for the planted situations: background only
    (1, 1, 1, 1),           # the smallest
    (600, 450, 20000, 52),  # more areas than name combinations: numbered names
])
def test_sizes_are_honoured_and_every_record_is_valid(tmp_path, people, areas, activities, weeks):
    stats = sample.generate(tmp_path, people=people, areas=areas, activities=activities, weeks=weeks, seed=3)
    assert stats["planted"] == (areas >= 14 and people >= 30 and weeks >= 20)
    cfg = load_config(tmp_path / sample.CONFIG_NAME)
    assert len(cfg.people) == people and len(cfg.areas) == areas
    assert len({a.id for a in cfg.areas}) == areas and len({p.id for p in cfg.people}) == people

    records = list(read_records(tmp_path / sample.RECORDS_NAME, strict=True))
    kinds = Counter(type(r).__name__ for r in records)
    assert kinds["Activity"] == activities == stats["activities"]
    assert kinds["Item"] == stats["items"] and kinds["Identity"] == stats["identities"]
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids)), "record ids must be unique"
    items = {r.id: r for r in records if isinstance(r, Item)}
    end = datetime(2026, 11, 23, tzinfo=timezone.utc)
    for r in records:
        if isinstance(r, Activity):
            assert r.item in items
            assert end - timedelta(weeks=weeks) <= r.at < end
            assert items[r.item].created_at <= r.at
    identities = {r.id for r in records if isinstance(r, Identity)}
    assert {r.actor for r in records if isinstance(r, Activity)} <= identities


def test_the_committed_demo_is_what_the_defaults_generate(tmp_path):
    stats = sample.generate(tmp_path)
    assert stats["planted"] and stats["people"] == 70 and stats["areas"] == 14
    for name in (sample.CONFIG_NAME, sample.RECORDS_NAME):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), \
            f"data/sample/{name} is stale: run `zonemap sample` with the defaults"
    assert (SAMPLE_DIR / sample.RECORDS_NAME).stat().st_size < 3_000_000


def test_the_demo_looks_like_a_real_organisation():
    lines = _lines(SAMPLE_DIR)
    items = [r for r in lines if r["type"] == "item"]
    acts = [r for r in lines if r["type"] == "activity"]
    assert Counter(r["kind"] for r in items).keys() == {"issue", "pull_request", "commit", "jira_issue"}
    assert any(r["draft"] for r in items) and any("ux-research" in r["labels"] for r in items)
    assert any(r["id"].startswith("github:acme/web@") for r in items)
    assert any(r["components"] for r in items) and any(r["issue_type"] == "Spike" for r in items)
    assert {a["kind"] for a in acts} >= {"pr_opened", "pr_reviewed", "pr_merged", "commit", "issue_opened",
                                         "issue_commented", "jira_created", "jira_commented"}
    assert any(a["actor"] == "github:dependabot[bot]" for a in acts)
    assert 20_000 <= len(acts) <= 60_000


@pytest.fixture(scope="module")
def demo_report():
    cfg = load_config(SAMPLE_DIR / sample.CONFIG_NAME)
    assert cfg.settings.as_of == sample.DEMO_AS_OF
    frames = Frames.from_records(read_records(SAMPLE_DIR / sample.RECORDS_NAME, strict=True))
    return build_report(cfg, frames, sample.DEMO_AS_OF)


def _gaps(report) -> dict[str, set]:
    return {a["id"]: {(g["type"], g.get("role")) for g in a["gaps"]} for a in report["areas"]}


def test_planted_taste_maker_gaps(demo_report):
    areas = {a["id"]: a for a in demo_report["areas"]}
    gaps = _gaps(demo_report)
    assert gaps["integrations"] == {("no_taste_maker", None)}                    # 1
    assert gaps["analytics"] == {("absent_taste_maker", None)}                   # 2
    assert areas["analytics"]["taste_makers"] == [{"id": "priya-raman", "fte": 0.05, "present": False}]
    assert {s["area"] for s in demo_report["suggestions"]} == {"integrations", "analytics", "search"}
    checkout = areas["checkout"]["taste_makers"]                                  # 5
    assert len(checkout) == 3 and all(t["present"] for t in checkout) and not gaps["checkout"]


def test_planted_role_and_curation_gaps(demo_report):
    areas = {a["id"]: a for a in demo_report["areas"]}
    gaps = _gaps(demo_report)
    assert gaps["admin"] == {("role_gap", "design")}                             # 3
    assert areas["admin"]["fte_by_role"]["design"] == 0.0
    assert gaps["ai-assistant"] == {("uncurated_explorations", None)}            # 4
    expl = areas["ai-assistant"]["explorations"]
    assert expl["count"] >= 20 and expl["curated"] < expl["count"] / 4


def test_planted_changes_this_week(demo_report):                                 # 6
    changes = demo_report["changes"]
    assert [(c["area"], c["type"]) for c in changes["opened"]] == [("search", "absent_taste_maker")]
    assert [(c["area"], c["type"], c["role"]) for c in changes["closed"]] == [("onboarding", "role_gap", "design")]
    assert _gaps(demo_report)["search"] == {("absent_taste_maker", None)}
    assert not _gaps(demo_report)["onboarding"]


def test_planted_unmapped_and_inactive_and_nothing_else(demo_report):            # 7
    areas = {a["id"]: a for a in demo_report["areas"]}
    assert {i for i, a in areas.items() if not a["active"]} == {"reports-legacy", "marketplace"}
    assert 0 < areas["marketplace"]["fte"] < 0.25 and areas["reports-legacy"]["fte"] == 0
    assert 0.03 < demo_report["summary"]["unmapped_share"] < 0.2
    assert demo_report["summary"]["gap_count"] == 5
    assert demo_report["summary"]["active_areas"] == 12


def test_people_titles_identities_and_bots(demo_report):
    people = {p["id"]: p for p in demo_report["people"]}
    assert "github:jdoe-ext" in people and people["github:jdoe-ext"]["declared_role"] is None
    assert not any("dependabot" in pid for pid in people)
    mismatched = {(p["declared_role"], p["inferred_role"]) for p in people.values()
                  if p["declared_role"] and p["declared_role"] != p["inferred_role"]}
    assert ("design", "engineering") in mismatched
    assert people["lena-fischer"]["areas"] == {"onboarding": pytest.approx(1 / 12, abs=1e-3)}


def test_bad_sizes_are_one_line_errors(tmp_path):
    with pytest.raises(sample.SampleError, match=r"^sample: --people must be .* \(got 0\)$"):
        sample.generate(tmp_path, people=0)
    with pytest.raises(sample.SampleError, match="too few"):
        sample.generate(tmp_path, activities=10)
