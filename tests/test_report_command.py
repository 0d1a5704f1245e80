"""A plain `zonemap report` runs without the CLI framework (zonemap.report_command): it
must print and write exactly what the CLI does, and leave everything unusual to the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from zonemap import read_ahead, report_command, reporting, store_read

from conftest import ROOT


@pytest.fixture(autouse=True)
def _no_reads_left_ahead():
    yield
    store_read._ahead.clear()


def _zonemap(*args, module="zonemap", flags=()):
    """`python -m zonemap` (the console script) or `-m zonemap.cli` (the CLI alone)."""
    return subprocess.run([sys.executable, *flags, "-m", module, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def _imported(stderr: str) -> set[str]:
    """The modules a `python -X importtime` run imported."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("options", [
    [], ["--format", "md"], ["--format=csv"], ["--window", "2", "--as-of", "2026-11-27"], ["--window=01"],
])
def test_a_plain_report_prints_what_the_cli_prints(org, options):
    fast = _zonemap("--config", org, "report", *options)
    plain = _zonemap("--config", org, "report", *options, module="zonemap.cli")
    assert fast.returncode == plain.returncode == 0, fast.stderr + plain.stderr
    assert fast.stdout == plain.stdout and fast.stderr == plain.stderr == ""
    assert "web" in fast.stdout


def test_a_report_to_a_file_writes_what_the_cli_writes(org, tmp_path):
    fast = _zonemap("--config", org, "report", "--format", "md", "--out", tmp_path / "fast.md")
    plain = _zonemap("--config", org, "report", "--format", "md", "--out", tmp_path / "plain.md", module="zonemap.cli")
    assert fast.returncode == plain.returncode == 0
    assert (tmp_path / "fast.md").read_text() == (tmp_path / "plain.md").read_text()
    assert fast.stderr == f"wrote {tmp_path / 'fast.md'}\n" and plain.stderr == f"wrote {tmp_path / 'plain.md'}\n"
    assert fast.stdout == plain.stdout == ""


def test_a_plain_report_does_without_typer_and_rich(org):
    fast = _zonemap("--config", org, "report", flags=["-X", "importtime"])
    assert fast.returncode == 0
    assert {"pandas", "pydantic", "zonemap.report_command"} <= _imported(fast.stderr)
    assert not {"typer", "click", "rich", "zonemap.cli"} & _imported(fast.stderr)
    debug = _zonemap("--debug", "--config", org, "report", flags=["-X", "importtime"])  # --debug: the CLI's way
    assert debug.returncode == 0 and "typer" in _imported(debug.stderr)
    assert debug.stdout == fast.stdout


COUNT_COLLECTIONS = """  # runs the console script; says how many passes the cycle collector made
import gc, sys
passes = []
gc.callbacks.append(lambda phase, info: passes.append(info) if phase == "start" else None)
import atexit, os
exit = os._exit
os._exit = lambda code: (sys.stderr.write(f"collections: {len(passes)}\\n"), sys.stderr.flush(), exit(code))
atexit.register(lambda: sys.stderr.write(f"collections: {len(passes)}\\n"))
sys.argv = ["zonemap", *sys.argv[1:]]
from zonemap.entry import main
passes.clear()
main()
"""


def test_a_plain_report_runs_without_the_cycle_collector_and_the_cli_with_it(org):
    def collections(*args):
        result = subprocess.run([sys.executable, "-c", COUNT_COLLECTIONS, *map(str, args)], capture_output=True,
                                text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        return int(result.stderr.rsplit("collections: ", 1)[1].split()[0])

    assert collections("--config", org, "report") == 0
    assert collections("--debug", "--config", org, "report") > 0  # handed to the CLI: the collector is back


@pytest.mark.parametrize("options, status, says", [
    (["--window", "0"], 2, "--window"),
    (["--window", "two"], 2, "--window"),
    (["--as-of", "yesterday"], 2, "not a date"),
    (["--format", "pdf"], 2, "--format"),
    (["--window", "521"], 2, "--window"),
    (["--as-of", "3000-01-01"], 2, "not a date from 1970-01-01 to 2200-12-31"),
    (["--out", "{tmp}/no/such/folder/r.json"], 2, "no/such/folder does not exist; create it"),
    (["--out", "{tmp}/zones.toml"], 2, "that is the config in use"),
    (["--out", "{tmp}/data/z.db-wal"], 2, "that is the store in use"),
    (["--out", "{tmp}/data"], 2, "is a folder"),
])
def test_what_the_cli_would_refuse_is_refused_by_the_cli(org, tmp_path, options, status, says):
    options = [o.replace("{tmp}", str(tmp_path)) for o in options]
    fast = _zonemap("--config", org, "report", *options)
    plain = _zonemap("--config", org, "report", *options, module="zonemap.cli")
    assert fast.returncode == plain.returncode == status
    assert says in fast.stderr and "Traceback" not in fast.stderr
    assert fast.stderr == plain.stderr.replace("zonemap.cli", "zonemap")  # the usage line names the program
    assert fast.stdout == ""
    assert len(fast.stderr.splitlines()) == 1  # one line, usage errors too


def test_a_config_problem_is_reported_by_the_cli(org, tmp_path):
    result = _zonemap("--config", tmp_path / "nowhere.toml", "report")
    assert result.returncode == 2 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "nowhere.toml" in result.stderr


@pytest.mark.parametrize("argv, options", [
    (["report"], (None, "json")),
    (["report", "--window", "3", "--format", "csv"], (3, "csv")),
    (["report", "--window", "-1"], None),
    (["report", "--format", "JSON"], None),  # the CLI's choices are case-sensitive
])
def test_the_options_are_taken_as_the_cli_takes_them(argv, options):
    assert report_command._options(read_ahead.parse_report_request(argv, {})) == options


def test_the_formats_are_the_clis():
    from zonemap.cli import ReportFormat

    assert set(report_command.FORMATS) == {f.value for f in ReportFormat}


def test_debug_is_always_the_clis(org):
    request = read_ahead.parse_report_request(["--debug", "--config", str(org), "report"], {})
    assert report_command.run(request) is None


def test_an_interrupted_report_says_so_in_one_line(org, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reporting, "compute_report", interrupted)
    assert report_command.run(read_ahead.parse_report_request(["--config", str(org), "report"], {})) == 130
    assert capsys.readouterr().err == "interrupted\n"
