"""Shared fixtures: a store on a tmp path, a config file writer, the CLI runner."""

from __future__ import annotations

import contextlib
import socket
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.records import Activity, Identity, Item
from zonemap.store import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(autouse=True)
def _no_ambient_store(monkeypatch):
    """A developer's own ZONEMAP_DB / ZONEMAP_CONFIG must neither steer the tests nor
    receive their records (a test that gives no --db uses its own [store] url or file)."""
    monkeypatch.delenv("ZONEMAP_DB", raising=False)
    monkeypatch.delenv("ZONEMAP_CONFIG", raising=False)


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "zonemap.db")
    yield s
    s.close()


@pytest.fixture
def write_config(tmp_path):
    """write_config(toml_text) -> path of a zones.toml in tmp_path."""

    def write(text: str, name: str = "zones.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli():
    """cli(args..., env=None) -> click Result, running the real typer app in-process."""
    from zonemap.cli import app

    runner = CliRunner()

    def run(*args: str, env: dict | None = None, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], env=env, input=input, catch_exceptions=False)

    return run


SMALL_ORG = """
[settings]
as_of = 2026-11-20
window_weeks = 4

[store]
url = "sqlite:///data/z.db"

[[areas]]
id = "web"
labels = ["web"]
"""


@pytest.fixture
def org(tmp_path, write_config):
    """A config whose relative [store] url names a store with a little work in it (one person, five
    issues in one area, in the four weeks to its as_of)."""
    config = write_config(SMALL_ORG)
    (tmp_path / "data").mkdir()
    store = Store(tmp_path / "data" / "z.db")
    records = [Identity(id="github:alice", name="Alice")]
    for n in range(1, 6):
        records.append(Item(id=f"github:acme/web#{n}", source="github", kind="issue", title=f"t{n}", labels=["web"]))
        records.append(Activity(id=f"github:acme/web#{n}/c", item=f"github:acme/web#{n}", kind="issue_commented",
                                actor="github:alice", at=f"2026-11-{2 * n + 5:02d}T10:00:00Z"))
    store.upsert(records)
    store.close()
    return config


@contextlib.contextmanager
def closed_port():
    """A 127.0.0.1 port nobody listens on (bound, not listening: connecting is refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, for one test module (`dashboard_testkit.chromium`)."""
    from dashboard_testkit import chromium

    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser):
    """A fresh page that records dialogs and pop-ups (`dashboard_testkit.new_page`)."""
    from dashboard_testkit import new_page

    with new_page(browser) as p:
        yield p
