"""Shared set-up of the dashboard tests: stores in tmp, the app under AppTest.

`tiny_org` writes a three-area organisation (config + records) whose numbers are
easy to check by hand; `demo_store` loads the bundled demo organisation
(data/sample) into a fresh SQLite file. Neither touches anything outside tmp.
`serve` runs the real `streamlit run` on a store for the browser tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from streamlit.testing.v1 import AppTest

from connectors.records import parse_record, read_records
from zonemap import launch
from zonemap.store import Store

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
SAMPLE = ROOT / "data" / "sample"
XSS_TITLE = "<img src=x onerror=alert(1)>"
VIEWS = ["coverage", "area", "people", "graph", "planning", "data"]

TINY_TOML = """
[settings]
window_weeks = 4

[[people]]
id = "alice"
name = "Alice Smith"
role = "product"
team = "Growth"
identities = ["github:alice"]

[[people]]
id = "bob"
name = "Bob Okafor"
role = "engineering"
team = "Core"
identities = ["github:bob"]

[[people]]
id = "dana"
name = "Dana Lee"
role = "design"
team = "Growth"
identities = ["github:dana"]

[[areas]]
id = "billing"
name = "Billing"
stage = "ship"
taste_makers = ["alice"]
requires = ["engineering"]
labels = ["area:billing"]

[[areas]]
id = "search"
name = "Search"
stage = "explore"
taste_makers = ["dana"]
requires = ["engineering"]
labels = ["area:search"]
"""
TINY_AS_OF = datetime(2026, 11, 22, tzinfo=timezone.utc).date()


def tiny_records() -> list[dict]:
    """Bob codes in Billing every week; Alice comments there; Dana designs Search.

    Billing: taste-maker Alice present; Search: Dana present, engineering only from
    Bob's one exploration PR (whose title is an HTML payload)."""
    end = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
    recs: list[dict] = []

    def item(n, label, title, draft=False):
        recs.append({"type": "item", "id": f"github:acme/web#{n}", "source": "github", "kind": "pull_request",
                     "title": title, "url": f"https://github.com/acme/web/pull/{n}", "repo": "acme/web",
                     "labels": [label], "draft": draft, "state": "open"})

    def act(n, kind, actor, days):
        recs.append({"type": "activity", "id": f"github:acme/web#{n}/{kind}/{actor}/{days}",
                     "item": f"github:acme/web#{n}", "kind": kind, "actor": actor,
                     "at": (end - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")})

    item(1, "area:billing", "Fix plan picker")
    item(2, "area:search", "Search results page")
    item(3, "area:search", XSS_TITLE, draft=True)
    item(4, "misc", "Unmapped chore")
    for d in range(0, 28, 3):
        act(1, "pr_opened", "github:bob", d)
        act(1, "issue_commented", "github:alice", d)
        act(2, "issue_commented", "github:dana", d)
        act(4, "commit", "github:eve", d)
    act(3, "pr_opened", "github:bob", 1)
    recs.append({"type": "identity", "id": "github:eve", "name": "Eve Adams", "email": "eve@acme.com"})
    return recs


def write_org(folder: Path, toml: str = TINY_TOML, records: list[dict] | None = None) -> tuple[Path, Path]:
    """A config and a filled store in ``folder``: (config path, db path)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "zones.toml"
    config.write_text(toml, encoding="utf-8")
    db = folder / "zonemap.db"
    store = Store(db)
    store.upsert([parse_record(r) for r in (tiny_records() if records is None else records)])
    store.close()
    return config, db


def load_demo(db: Path, extra: list[dict] = ()) -> Path:
    """The demo organisation's records (plus ``extra``) in a new store at ``db``."""
    store = Store(db)
    store.upsert(read_records(SAMPLE / "records.jsonl.gz"))
    if extra:
        store.upsert([parse_record(r) for r in extra])
    store.close()
    return db


def app(monkeypatch, config: Path | str, db: Path | str | None, **params: str) -> AppTest:
    """The dashboard under AppTest on ``config``/``db`` with URL ``params``; not yet run."""
    monkeypatch.setenv("ZONEMAP_CONFIG", str(config))
    if db is None:
        monkeypatch.delenv("ZONEMAP_DB", raising=False)
    else:
        monkeypatch.setenv("ZONEMAP_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def texts(at: AppTest) -> str:
    """Everything an AppTest run shows as text (markdown, alerts, metrics, captions, titles),
    with Markdown's bold marks and backslash escapes removed, as a reader sees it."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "error",
                                  "info", "success") for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts).replace("**", ""))


def dumps(records: list[dict]) -> str:
    return "\n".join(json.dumps(r) for r in records)


# -- the browser tests: a real server, Debian's Chromium ------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def browser_skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, headless, through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def new_page(browser, width: int = 1440, height: int = 1400):
    """A page in a fresh context that records the dialogs it dismisses (`page.dialogs`)
    and the pop-up windows it opens (`page.popups`)."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    page.dialogs, page.popups = [], []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    context.on("page", lambda new: page.popups.append(new.url))
    try:
        yield page
    finally:
        context.close()


@contextlib.contextmanager
def serve(config: Path, db: Path, folder: Path, preferred_port: int = 8600):
    """`streamlit run` of the dashboard on ``config``/``db`` on a free port; yields its URL
    and stops the server (SIGTERM, then SIGKILL) on the way out."""
    port = launch.free_port(preferred_port)
    env = {**os.environ, "ZONEMAP_CONFIG": str(config), "ZONEMAP_DB": str(db)}
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / "streamlit.log", "w+")
    proc = subprocess.Popen(launch.streamlit_command(port, open_browser=False), env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                log.seek(0)
                raise RuntimeError(f"streamlit did not start: {log.read()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def settle(page, text: str, timeout: float = 60_000) -> None:
    """Wait until ``text`` shows and Streamlit has finished running the script."""
    from playwright.sync_api import expect

    expect(page.get_by_text(text, exact=False).first).to_be_visible(timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"], [data-testid=\"stSkeleton\"]')",
        timeout=timeout)
    page.wait_for_timeout(1000)  # plotly's first paint
