"""The dashboard in a real browser: `streamlit run` on a free port, Debian's Chromium
driven by Playwright.

Every view is visited and must show its text; an item titled
``<img src=x onerror=alert(1)>`` (injected into the demo store) must show as text
and fire no dialog. Screenshots go to docs/screenshots/ (the README shows them).
Skipped, with the reason, where Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from dashboard_testkit import ROOT, SAMPLE, XSS_TITLE, load_demo
from zonemap import launch

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# the README's screenshots are refreshed on demand (ZONEMAP_SCREENSHOTS=1 make test), so a
# plain test run leaves the working tree clean
SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("ZONEMAP_SCREENSHOTS") else None
XSS_AREA = "checkout"


def _skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


if (reason := _skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


def xss_records() -> list[dict]:
    """An exploration in the demo's Checkout area whose title is an HTML payload."""
    item = {"type": "item", "id": "github:acme/web#999001", "source": "github", "kind": "pull_request",
            "title": XSS_TITLE, "url": "https://github.com/acme/web/pull/999001", "repo": "acme/web",
            "labels": [], "paths": ["src/checkout/xss.ts"], "draft": True, "state": "open"}
    act = {"type": "activity", "id": "github:acme/web#999001/opened", "item": item["id"], "kind": "pr_opened",
           "actor": "github:mallory-x", "at": "2026-11-22T23:00:00Z"}
    return [item, act]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The dashboard on the demo store (plus the HTML-titled item), on a free port."""
    db = load_demo(tmp_path_factory.mktemp("browser") / "demo.db", xss_records())
    port = launch.free_port(8600)
    env = {**os.environ, "ZONEMAP_CONFIG": str(SAMPLE / "zones.toml"), "ZONEMAP_DB": str(db)}
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w+")
    proc = subprocess.Popen(launch.streamlit_command(port, open_browser=False), env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=tmp_path_factory.mktemp("cwd"))
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
                pytest.fail(f"streamlit did not start: {log.read()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1400}, device_scale_factor=1)
    p = context.new_page()
    p.dialogs = []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    yield p
    context.close()


def settle(page, text: str, timeout: float = 60_000) -> None:
    """Wait until ``text`` shows and Streamlit has finished running the script."""
    expect(page.get_by_text(text, exact=False).first).to_be_visible(timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"], [data-testid=\"stSkeleton\"]')",
        timeout=timeout)
    page.wait_for_timeout(1000)  # plotly's first paint


def shoot(page, name: str) -> None:
    folder = SHOTS or Path(tempfile.gettempdir()) / "zonemap-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


VISITS = [  # name, path and query, texts that must show
    ("coverage", "/", ["Coverage", "Active areas", "Open gaps", "Gaps, worst first", "FTE by area and role"]),
    ("area", f"/area?area={XSS_AREA}", ["Taste-makers", "Role FTE per week", "Recent items", "Bus factor"]),
    ("people", "/people", ["Role-time averages", "Declared vs observed role", "Taste-maker load"]),
    ("graph", "/graph", ["Focus on an area", "areas,"]),
    ("planning", "/planning", ["Since last week", "Zone-defense suggestions", "What if", "Digest (Markdown)"]),
    ("data", "/data", ["Sources", "Unmapped work", "Undeclared identities", "Configuration"]),
]


@pytest.mark.parametrize("name,path,expected", VISITS, ids=[v[0] for v in VISITS])
def test_every_view_shows_its_content(server, page, name, path, expected):
    page.goto(server + path)
    settle(page, expected[0])
    for text in expected:
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    assert not page.get_by_text("Traceback").count()
    assert not page.locator('[data-testid="stException"]').count()
    shoot(page, name)
    assert page.dialogs == []


def test_html_in_an_item_title_is_shown_as_text(server, page):
    page.goto(f"{server}/area?area={XSS_AREA}")
    settle(page, "Recent items")
    link = page.get_by_role("link", name=XSS_TITLE)  # the recent-items entry, a link to the PR
    expect(link).to_be_visible()
    assert link.get_attribute("href") == "https://github.com/acme/web/pull/999001"
    assert page.locator("img[src='x']").count() == 0  # the title never became an element
    page.wait_for_timeout(500)
    assert page.dialogs == []


def test_presentation_mode_hides_the_sidebar_and_enlarges_type(server, page):
    page.goto(f"{server}/?present=1")
    settle(page, "Active areas")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    size = page.locator('[data-testid="stMetricValue"]').first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 50
    shoot(page, "coverage-presentation")


def test_the_url_keeps_the_state_across_pages(server, page):
    page.goto(f"{server}/?window=6")
    settle(page, "Active areas")
    expect(page.get_by_text("6 weeks up to", exact=False).first).to_be_visible()
    page.get_by_role("link", name="People").first.click()
    settle(page, "Role-time averages")
    expect(page.get_by_text("over 6 weeks", exact=False).first).to_be_visible()
    assert "window=6" in page.url


def test_what_if_in_the_browser(server, page):
    page.goto(f"{server}/planning")
    settle(page, "What if")
    page.locator('[data-testid="stMultiSelect"]', has_text="People away").locator("input").click()
    page.keyboard.type("Lena Fischer")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    settle(page, "Open gaps (what-if)")
    expect(page.get_by_text("Onboarding", exact=False).last).to_be_visible()
    metric = page.locator('[data-testid="stMetric"]', has_text="Open gaps (what-if)")
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("6")
    shoot(page, "planning-what-if")
