"""The console script refuses what would lose work or mislead, in one line.

Each case runs the real console script (`python -m zonemap`) in a subprocess, as a user
would: writing a report or an export over the store or the config, a mistyped store
path, standard output that goes away, usage errors, `--debug`, and `zonemap sample`
over a hand-written config.
"""

import os
import sqlite3
import subprocess
import sys

import pytest

from conftest import ROOT


def _zonemap(*args, cwd=None, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "zonemap", *map(str, args)], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, cwd=cwd or ROOT, timeout=120)


def _counts(db):
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "activities")}


@pytest.mark.parametrize("command, target", [
    (["report", "--out"], "data/z.db"),
    (["report", "--format", "csv", "--out"], "data/z.db-wal"),
    (["report", "--format", "md", "--out"], "zones.toml"),
    (["export"], "data/z.db"),
    (["export"], "zones.toml"),
])
def test_output_over_the_store_or_the_config_is_refused(org, tmp_path, command, target):
    before, config_text = _counts(tmp_path / "data" / "z.db"), org.read_text()
    result = _zonemap("--config", org, *command, tmp_path / target)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "choose another file" in result.stderr
    assert "that is the store in use" in result.stderr or "that is the config in use" in result.stderr
    assert _counts(tmp_path / "data" / "z.db") == before and org.read_text() == config_text


def test_a_report_file_replaces_an_old_one(org, tmp_path):
    out = tmp_path / "digest.md"
    out.write_text("last week's digest\n")
    result = _zonemap("--config", org, "report", "--format", "md", "--out", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("# Zone coverage digest")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".digest")] == []  # no temporary file left


@pytest.mark.parametrize("command", [["report"], ["report", "--format", "md"], ["export", "{tmp}/out.jsonl"]])
def test_a_mistyped_store_is_not_created(org, tmp_path, command):
    typo = tmp_path / "data" / "zz.db"
    command = [c.replace("{tmp}", str(tmp_path)) for c in command]
    result = _zonemap("--config", org, "--db", typo, *command)
    assert result.returncode == 2
    assert result.stderr == (f"error: store {typo} does not exist; import records first (`zonemap import FILE` or "
                             f"`zonemap sync`), or point --db / [store] url at an existing store\n")
    assert not typo.exists() and not (tmp_path / "out.jsonl").exists()


def test_check_makes_no_store(org, tmp_path):
    typo = tmp_path / "data" / "zz.db"
    result = _zonemap("--config", org, "--db", typo, "check")
    assert result.returncode == 0 and ": ok (" in result.stdout
    assert not typo.exists()


def test_standard_output_that_goes_away_ends_quietly(org):
    proc = subprocess.Popen([sys.executable, "-m", "zonemap", "--config", str(org), "report", "--format", "md"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()  # `zonemap report | head -0`
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert stderr == ""


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_a_full_disk_on_standard_output_is_one_line(org, fmt):
    with open("/dev/full", "w") as full:
        result = _zonemap("--config", org, "report", "--format", fmt, stdout=full)
    assert result.returncode == 1
    assert result.stderr == "error: standard output: cannot write: No space left on device\n"


@pytest.mark.parametrize("args, says", [
    (["report", "--window", "0"], "zonemap report: Invalid value for '--window'"),
    (["report", "--format", "xml"], "'xml' is not one of 'json', 'md', 'csv'"),
    (["report", "--config", "x.toml"], "global options go before the command"),
    (["reprot"], "No such command 'reprot'"),
    (["sample", "--seed", "-1"], "Invalid value for '--seed'"),
])
def test_usage_errors_are_one_line(tmp_path, args, says):
    result = _zonemap(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert says in result.stderr and result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr


def test_debug_shows_the_traceback_and_keeps_the_exit_status(write_config):
    config = write_config("[settings]\nwindow_weeks = 4\nnonsense = 1\n")
    plain = _zonemap("--config", config, "check")
    debug = _zonemap("--debug", "--config", config, "check")
    assert plain.returncode == debug.returncode == 2
    assert "Traceback" not in plain.stderr and "Traceback" in debug.stderr
    assert plain.stderr.strip().splitlines()[-1] in debug.stderr


def test_import_of_a_folder_or_of_no_records(org, tmp_path):
    before = _counts(tmp_path / "data" / "z.db")
    folder = _zonemap("--config", org, "import", tmp_path / "data")
    assert folder.returncode == 2 and folder.stderr.endswith("is a folder; give a records file (.jsonl or .jsonl.gz)\n")
    config = _zonemap("--config", org, "import", org)  # the config, not records
    assert config.returncode == 2
    assert "zones.toml: no valid record in it (" in config.stderr and config.stderr.count("\n") == 1
    assert _counts(tmp_path / "data" / "z.db") == before


def test_codeowners_that_is_not_text(tmp_path):
    binary = tmp_path / "CODEOWNERS"
    binary.write_bytes(b"/src/ @a\n\xff\xfe\n")
    result = _zonemap("codeowners", binary)
    assert result.returncode == 2 and "not UTF-8 text" in result.stderr and "Traceback" not in result.stderr


def test_sample_keeps_a_hand_written_config(tmp_path):
    config = tmp_path / "org" / "zones.toml"
    config.parent.mkdir()
    config.write_text("# ours\n[settings]\nwindow_weeks = 4\n")
    small = ["--people", "4", "--areas", "2", "--activities", "40", "--weeks", "2"]
    refused = _zonemap("sample", "--out", tmp_path / "org", *small)
    assert refused.returncode == 2 and "a config `zonemap sample` did not write" in refused.stderr
    assert config.read_text().startswith("# ours")
    forced = _zonemap("sample", "--out", tmp_path / "org", *small, "--force")
    assert forced.returncode == 0, forced.stderr
    again = _zonemap("sample", "--out", tmp_path / "org", *small)  # its own output: regenerated freely
    assert again.returncode == 0, again.stderr
    assert "made by `zonemap sample`" in config.read_text().splitlines()[0]


def test_sample_into_a_file_is_one_line(tmp_path):
    (tmp_path / "taken").write_text("x")
    result = _zonemap("sample", "--out", tmp_path / "taken", "--people", "4", "--areas", "2", "--activities", "40")
    assert result.returncode == 2
    assert "cannot write there" in result.stderr and result.stderr.count("\n") == 1


def _foreign_db(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO users (name) VALUES ('ada')")
    return path.read_bytes()


def test_demo_never_replaces_another_applications_database(tmp_path):
    other = tmp_path / "other.db"
    data = _foreign_db(other)
    result = _zonemap("--db", other, "demo", "--no-browser", "--port", "1")
    assert result.returncode == 2, result.stderr
    assert "not a zonemap store" in result.stderr and result.stderr.count("\n") == 1
    assert other.read_bytes() == data


def test_check_warns_about_a_store_it_cannot_use(org, tmp_path):
    other = tmp_path / "other.db"
    data = _foreign_db(other)
    result = _zonemap("--config", org, "--db", other, "check")
    assert result.returncode == 0 and ": ok (" in result.stdout
    assert "warning: store " in result.stderr and "not a zonemap store" in result.stderr
    assert other.read_bytes() == data


def test_a_report_to_dev_stdout_is_written_there_not_over_it(org):
    result = _zonemap("--config", org, "report", "--format", "md", "--out", "/dev/stdout")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Zone coverage digest")
    assert os.path.islink("/dev/stdout")  # the device link is still there, not replaced by a file
