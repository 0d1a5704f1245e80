"""The dashboard in a real browser: `streamlit run` on a free port, Debian's Chromium
driven by Playwright.

Every view is visited and must show its text; an item titled
``<img src=x onerror=alert(1)>`` (injected into the demo store) must show as text
and fire no dialog. Screenshots go to docs/screenshots/ (the README shows them).
Skipped, with the reason, where Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from dashboard_testkit import (ROOT, SAMPLE, XSS_TITLE, browser_skip_reason, load_demo, serve,
                               settle)

pytestmark = pytest.mark.browser
# the README's screenshots are refreshed on demand (ZONEMAP_SCREENSHOTS=1 make test), so a
# plain test run leaves the working tree clean
SHOTS = ROOT / "docs" / "screenshots" if os.environ.get("ZONEMAP_SCREENSHOTS") else None
XSS_AREA = "checkout"

if (reason := browser_skip_reason()) is not None:
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402


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
    with serve(SAMPLE / "zones.toml", db, tmp_path_factory.mktemp("cwd")) as url:
        yield url


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


# a metric value or a link's title wider than its box is cut off (with "…"): the texts that are
CUT_OFF = """() => [...document.querySelectorAll(
    '[data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stPageLink"]')]
  .filter(e => [e, ...e.querySelectorAll('*')].some(x => x.scrollWidth > x.clientWidth + 1))
  .map(e => e.innerText)"""
SCREENS = [  # path, text to wait for, viewport: a laptop, and a screen-share in presentation mode
    ("/people?person=maya-smith", "Role-time averages", (1440, 900)),  # observed role "engineering"
    ("/people?person=maya-smith&present=1", "Role-time averages", (1280, 720)),
    ("/people?person=priya-raman&present=1", "Role-time averages", (1280, 720)),  # team "Insights"
    ("/area?area=analytics&present=1", "Role FTE per week", (1280, 720)),
    ("/?present=1", "Active areas", (1280, 720)),
    ("/data?present=1", "Unmapped work", (1280, 720)),
]


@pytest.mark.parametrize("path,text,size", SCREENS, ids=[f"{p}@{w}" for p, _, (w, _h) in SCREENS])
def test_metric_values_and_link_titles_are_not_cut_off(server, browser, path, text, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, device_scale_factor=1)
    try:
        page = context.new_page()
        page.goto(server + path)
        settle(page, text)
        assert page.locator('[data-testid="stMetricValue"]').count() >= 3
        assert page.evaluate(CUT_OFF) == []
    finally:
        context.close()


def test_the_page_asks_no_other_host(server, browser):
    """Offline (a screen-share room's wifi) the page must not wait on, or log errors for,
    anything outside the server: the tab icon used to come from fonts.gstatic.com."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:", "blob:"))
                else None)
        page.goto(f"{server}/area?area={XSS_AREA}")
        settle(page, "Role FTE per week")
        assert outside == []
    finally:
        context.close()


def test_gap_card_titles_are_not_smaller_than_their_text(server, page):
    page.goto(server + "/")
    settle(page, "Gaps, worst first")
    sizes = page.evaluate("""() => {
      const size = s => parseFloat(getComputedStyle(document.querySelector('[data-testid=stMain] ' + s)).fontSize);
      return {title: size('[data-testid=stPageLink] p'), text: size('[data-testid=stMarkdownContainer] li')};
    }""")
    assert sizes["title"] > sizes["text"], sizes
