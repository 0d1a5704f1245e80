"""The CLI: help and README for every command, exit codes, one-line errors, import/export."""

import gzip
import json
import re

import pytest

from zonemap.cli import app

from conftest import ROOT

COMMANDS = sorted(c.name for c in app.registered_commands)


def test_every_command_is_registered():
    assert set(COMMANDS) >= {"demo", "sync", "import", "export", "report", "dashboard", "check",
                             "sample", "codeowners"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"`zonemap {command}\b", readme), f"`zonemap {command}` is not documented in README.md"


RECORDS = [
    {"type": "item", "id": "github:acme/web#1", "source": "github", "kind": "issue", "labels": ["area:billing"]},
    {"type": "activity", "id": "a1", "item": "github:acme/web#1", "kind": "issue_opened",
     "actor": "github:alice", "at": "2026-11-20T10:00:00Z"},
    {"type": "activity", "id": "a2", "item": "github:acme/web#404", "kind": "wiki_edit",
     "actor": "github:alice", "at": "2026-11-20T10:00:00Z"},
    {"type": "identity", "id": "github:alice", "name": "Alice"},
]


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_import_export_round_trip_without_config(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = _jsonl(tmp_path / "in.jsonl", RECORDS + ["{broken"])
    result = cli("--db", tmp_path / "z.db", "import", src)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("imported 1 items, 2 activities, 1 identities from ")
    assert "skipped 1 bad line(s); first: " in result.stderr and "in.jsonl:5" in result.stderr
    assert "'wiki_edit'" in result.stderr and "weigh 0" in result.stderr
    assert "1 activities point at items that are not stored" in result.stderr
    out = tmp_path / "out.jsonl.gz"
    assert cli("--db", tmp_path / "z.db", "export", out).exit_code == 0
    with gzip.open(out, "rt") as fh:
        ids = sorted(json.loads(line)["id"] for line in fh)
    assert ids == sorted(r["id"] for r in RECORDS)


def test_strict_import_stores_nothing_of_a_bad_file(cli, tmp_path):
    src = _jsonl(tmp_path / "in.jsonl", RECORDS[:2] + ['{"type":"activity","id":"x"}'])
    result = cli("--db", tmp_path / "z.db", "import", "--strict", src)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: ") and "in.jsonl:3" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    from zonemap.store import Store

    assert Store(tmp_path / "z.db").counts()["items"] == 0


def test_bad_config_exits_2_with_one_line(cli, write_config, tmp_path):
    path = write_config("[settings]\nwindow_weeks = -1\n")
    result = cli("--config", path, "--db", tmp_path / "z.db", "report")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "settings.window_weeks" in lines[0] and "Traceback" not in result.output


def test_bad_as_of_is_usage_error(cli, write_config, tmp_path):
    path = write_config("")
    result = cli("--config", path, "--db", tmp_path / "z.db", "report", "--as-of", "yesterday")
    assert result.exit_code == 2 and "--as-of 'yesterday': not a date" in result.stderr


def test_store_in_missing_folder_exits_1(cli, write_config, tmp_path):
    result = cli("--db", tmp_path / "nope" / "z.db", "import", _jsonl(tmp_path / "in.jsonl", RECORDS))
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_env_twins(cli, write_config, tmp_path):
    path = write_config("[store]\nurl = \"sqlite:///from-config.db\"\n")
    src = _jsonl(tmp_path / "in.jsonl", RECORDS)
    result = cli("import", src, env={"ZONEMAP_CONFIG": str(path), "ZONEMAP_DB": str(tmp_path / "env.db")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists() and not (tmp_path / "from-config.db").exists()
    result = cli("import", src, env={"ZONEMAP_CONFIG": str(path), "ZONEMAP_DB": ""})
    assert (tmp_path / "from-config.db").exists()


def test_check_reports_ok_and_warnings(cli, write_config, tmp_path):
    path = write_config("""
        [[areas]]
        id = "search"
        paths = ["src/search/**"]
        [[areas]]
        id = "platform"
        paths = ["src/**"]
    """)
    result = cli("--config", path, "--db", tmp_path / "z.db", "check")
    assert result.exit_code == 0
    assert "ok (2 areas" in result.stdout
    assert "shadowed by the later rule 'src/**'" in result.stderr


def test_sample_import_report_end_to_end(cli, tmp_path):
    out = tmp_path / "org"
    result = cli("sample", "--out", out, "--people", 40, "--areas", 8, "--activities", 1500, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert "1,500 activities" in result.stdout
    db = tmp_path / "z.db"
    assert cli("--config", out / "zones.toml", "--db", db, "import", out / "records.jsonl.gz").exit_code == 0
    result = cli("--config", out / "zones.toml", "--db", db, "report", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["people"] > 0 and len(report["areas"]) == 8
    csv_out = tmp_path / "areas.csv"
    assert cli("--config", out / "zones.toml", "--db", db, "report", "--format", "csv", "--out", csv_out).exit_code == 0
    assert csv_out.read_text().splitlines()[0].startswith("id,")


def test_demo_digest_explains_the_planted_situations(cli, tmp_path):
    from conftest import SAMPLE

    db = tmp_path / "demo.db"
    assert cli("--config", SAMPLE / "zones.toml", "--db", db, "import", SAMPLE / "records.jsonl.gz").exit_code == 0
    result = cli("--config", SAMPLE / "zones.toml", "--db", db, "report", "--format", "md")
    assert result.exit_code == 0
    digest = result.stdout
    assert "# Zone coverage digest, 2026-11-22" in digest
    for phrase in ["**Integrations**", "no taste-maker is assigned",
                   "**Analytics**", "taste-maker is not present: Priya Raman",
                   "**Admin Console**", "design has 0.00 FTE",
                   "**AI Assistant**", "explorations are active",
                   "Opened: **Search**", "Closed: **Onboarding**: role gap (design)",
                   "Maya Smith", "Inactive (too little work to judge): ",
                   "## Taste-makers stacked on one area", "**Checkout**: 3 present taste-makers"]:
        assert phrase in digest, phrase
