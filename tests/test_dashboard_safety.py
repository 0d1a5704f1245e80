"""Text from GitHub or Jira is data: never HTML, never Markdown, never a link of its own.

A small organisation whose records carry hostile text: a person whose display name is
HTML (bold, italics, a link to an outside site) and items whose titles hold bare
URLs and an e-mail address. AppTest checks the Markdown the app writes; a real
`streamlit run` in headless Chromium checks what the page makes of it: the charts
(plotly reads a subset of HTML in every string it draws) and the Markdown (which
links bare URLs by itself).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dashboard.ui import WORD_JOINER, md_link, md_text
from dashboard_testkit import (app, browser_skip_reason, serve, settle, tiny_records,
                               write_org)

HOSTILE_NAME = '<b>INJB</b> <i>it</i> <a href="https://evil.example/p">lnk</a>'
URL_TITLE = "Docs moved to https://evil.example/t, www.evil.example and help@evil.example"
MALLORY = "github:mallory"


def hostile_records() -> list[dict]:
    """The tiny organisation, plus Mallory (an HTML display name) coding in Billing every
    week and an item in Search without a URL whose title holds bare URLs and an e-mail
    address."""
    end = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
    recs = tiny_records()
    recs.append({"type": "identity", "id": MALLORY, "name": HOSTILE_NAME, "email": "mallory@evil.example"})
    recs.append({"type": "item", "id": "github:acme/web#50", "source": "github", "kind": "pull_request",
                 "title": "Billing export", "url": "https://github.com/acme/web/pull/50", "repo": "acme/web",
                 "labels": ["area:billing"], "draft": False, "state": "open"})
    # no URL of its own (a local commit, say): the title is shown as text, not inside a link
    recs.append({"type": "item", "id": "github:acme/web#51", "source": "github", "kind": "issue",
                 "title": URL_TITLE, "url": None, "repo": "acme/web",
                 "labels": ["area:search"], "draft": False, "state": "open"})
    for days in range(0, 28, 4):
        recs.append({"type": "activity", "id": f"github:acme/web#50/pr_opened/{days}", "item": "github:acme/web#50",
                     "kind": "pr_opened", "actor": MALLORY,
                     "at": (end - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    recs.append({"type": "activity", "id": "github:acme/web#51/issue_opened", "item": "github:acme/web#51",
                 "kind": "issue_opened", "actor": "github:dana", "at": "2026-11-22T08:00:00Z"})
    return recs


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    return write_org(tmp_path_factory.mktemp("hostile"), records=hostile_records())


# -- Markdown: escaped, and no autolinks ---------------------------------------------------

def test_md_text_breaks_what_markdown_would_autolink():
    shown = md_text(URL_TITLE)
    assert f"https\\:{WORD_JOINER}//evil" in shown
    assert f"www{WORD_JOINER}\\.evil" in shown and f"help@{WORD_JOINER}evil" in shown
    assert md_text("WWW.x.test mailto:a@b.test") == f"WWW{WORD_JOINER}\\.x\\.test mailto\\:a@{WORD_JOINER}b\\.test"
    assert md_text("awww.x.test") == "awww\\.x\\.test"  # not a www. autolink: left alone
    # a link made on purpose still points where it should; only its text is broken up
    assert md_link("https://x.test/a", "https://github.com/acme/web/pull/1") == \
        f"[https\\:{WORD_JOINER}//x\\.test/a](https://github.com/acme/web/pull/1)"


def test_recent_items_write_urls_in_titles_as_text(monkeypatch, org):
    at = app(monkeypatch, *org, area="search")
    at.run()
    at.switch_page("views/area.py").run()
    assert not at.exception
    recent = next(m.value for m in at.markdown if "Docs moved to" in m.value)
    assert f"https\\:{WORD_JOINER}//evil\\.example/t" in recent
    assert "://evil" not in recent and "www.evil" not in recent.lower() and "@evil" not in recent


# -- in the browser ------------------------------------------------------------------------

browser_only = pytest.mark.skipif(browser_skip_reason() is not None, reason=str(browser_skip_reason()))

# what a page made of the hostile texts: elements, links, bold or italic SVG text
LEAKS = """() => {
  const evil = e => ['href', 'xlink:href'].some(a => (e.getAttribute(a) || '').includes('evil.example'));
  const styled = e => /bold|italic/.test(e.getAttribute('style') || '') && e.textContent.includes('INJB');
  return {
    links: [...document.querySelectorAll('a')].filter(evil).map(e => e.outerHTML.slice(0, 200)),
    bold_html: [...document.querySelectorAll('b, strong, i, em')].filter(e => e.textContent.includes('INJB')).length,
    styled_svg: [...document.querySelectorAll('svg tspan, svg text')].filter(styled).length,
    svg_names: [...document.querySelectorAll('svg text')].map(e => e.textContent)
                 .filter(t => t.includes('INJB')),
  };
}"""
# the on-screen position of the first plotly point whose text mentions INJB
POINT = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  for (const [i, cd] of gd.calcdata.entries()) {
    const t = gd._fullData[i];
    if (!Array.isArray(t.text)) continue;
    const j = t.text.findIndex(s => String(s).includes('INJB'));
    if (j < 0) continue;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
    return [r.left + xa._offset + xa.c2p(cd[j].x), r.top + ya._offset + ya.c2p(cd[j].y)];
  }
  return null;
}"""


@pytest.fixture(scope="module")
def server(org, tmp_path_factory):
    with serve(*org, tmp_path_factory.mktemp("server")) as url:
        yield url


def assert_no_markup(page, charts: int):
    leaks = page.evaluate(LEAKS)
    assert leaks["links"] == [] and leaks["bold_html"] == 0 and leaks["styled_svg"] == 0, leaks
    # the name is on the page as the characters it is made of, once per chart
    literal = [t for t in leaks["svg_names"] if HOSTILE_NAME in t]
    assert len(literal) >= charts, leaks["svg_names"]
    assert page.dialogs == [] and page.popups == []


@browser_only
@pytest.mark.browser
def test_a_name_with_html_is_text_in_the_area_and_people_charts(server, page):
    page.goto(f"{server}/area?area=billing")
    settle(page, "Role FTE per week")
    assert_no_markup(page, charts=1)  # Area -> People
    page.goto(f"{server}/people")
    settle(page, "Role-time averages")
    assert_no_markup(page, charts=1)  # People -> Role-time averages (and the person's weeks)


@browser_only
@pytest.mark.browser
def test_a_name_with_html_is_text_in_the_graph_hover_box(server, page):
    page.goto(f"{server}/graph")
    settle(page, "Focus on an area")
    point = page.evaluate(POINT)
    assert point, "Mallory is drawn in the graph"
    page.mouse.move(*point)
    box = page.locator(".hoverlayer .hovertext")
    box.first.wait_for(timeout=10_000)
    assert HOSTILE_NAME in box.first.text_content()
    assert page.locator(".hoverlayer a").count() == 0
    assert_no_markup(page, charts=1)


@browser_only
@pytest.mark.browser
def test_urls_in_a_title_are_not_links(server, page):
    page.goto(f"{server}/area?area=search")
    settle(page, "Recent items")
    entry = page.locator('[data-testid="stMarkdownContainer"] li', has_text="Docs moved to")
    assert entry.count() == 1
    assert entry.inner_text().replace(WORD_JOINER, "").startswith(URL_TITLE)  # all of it, as text
    assert entry.locator("a").count() == 0  # the item has no URL, and its title made none
    assert page.evaluate(LEAKS)["links"] == []
