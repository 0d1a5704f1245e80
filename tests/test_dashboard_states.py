"""The dashboard's empty and broken states, URL state and text safety, on small stores.

The app runs for real under Streamlit's AppTest against SQLite files in tmp.
"""

import re
from datetime import date

import pytest

from dashboard import state
from dashboard.ui import md_link, md_text
from dashboard_testkit import TINY_AS_OF, VIEWS, XSS_TITLE, app, texts, write_org


@pytest.fixture()
def tiny(tmp_path):
    return write_org(tmp_path / "org")


def test_without_a_config_the_app_says_to_run_the_demo(monkeypatch, tmp_path):
    at = app(monkeypatch, tmp_path / "missing.toml", None)
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "No configuration yet" in shown and "zonemap demo" in shown
    assert "Traceback" not in shown


def test_a_config_error_names_the_key_and_what_to_do(monkeypatch, tmp_path):
    config, db = write_org(tmp_path / "org")
    config.write_text(config.read_text().replace('stage = "ship"', 'stage = "shipped"', 1))
    at = app(monkeypatch, config, db)
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "The configuration has a problem" in shown
    assert "areas[0].stage" in shown and "zonemap check" in shown


def test_an_empty_store_says_to_sync(monkeypatch, tmp_path):
    config, _ = write_org(tmp_path / "org")
    at = app(monkeypatch, config, tmp_path / "empty.db")
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "The store is empty" in shown and "zonemap sync" in shown and "zonemap import" in shown


def test_no_activity_in_the_window_points_at_the_latest_activity(monkeypatch, tiny):
    at = app(monkeypatch, *tiny, as_of="2025-01-10")
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "No activity in this window" in shown
    assert "latest activity in the store is on 2026-11-22" in shown
    at.sidebar.date_input(key="w_as_of").set_value(TINY_AS_OF).run()  # the way out works
    assert "No activity in this window" not in texts(at)
    assert at.metric[0].label == "Active areas"


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders_on_the_tiny_org(monkeypatch, tiny, view):
    at = app(monkeypatch, *tiny)
    at.run()
    at.switch_page(f"views/{view}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == view.capitalize()


def test_defaults_come_from_the_latest_activity_and_the_config(monkeypatch, tiny):
    at = app(monkeypatch, *tiny)
    at.run()
    assert at.sidebar.date_input(key="w_as_of").value == TINY_AS_OF  # earlier than today
    assert at.sidebar.number_input(key="w_window").value == 4
    assert at.query_params["as_of"] == "2026-11-22"
    assert "window" not in at.query_params  # defaults stay out of the URL


def test_item_titles_are_text_not_html(monkeypatch, tiny):
    at = app(monkeypatch, *tiny, area="search")
    at.run()
    at.switch_page("views/area.py").run()
    assert not at.exception
    recent = [m.value for m in at.markdown if "acme/web/pull/3" in m.value]
    assert recent, "the exploration with the HTML title is listed"
    assert "[\\<img src\\=x onerror\\=alert\\(1\\)\\>](https://github.com/acme/web/pull/3)" in recent[0]
    assert not any(re.search(r"(?<!\\)<", m.value) for m in at.markdown)  # no raw "<" reaches Markdown


def test_markdown_escaping_keeps_text_literal():
    assert md_text(XSS_TITLE) == "\\<img src\\=x onerror\\=alert\\(1\\)\\>"
    assert md_text("**bold** [x](y) :red[z] $x$") == "\\*\\*bold\\*\\* \\[x\\]\\(y\\) \\:red\\[z\\] \\$x\\$"
    assert md_link("a)b", "https://x.test/p?q=(1)") == "[a\\)b](https://x.test/p?q=%281%29)"
    assert md_link("evil", "javascript:alert(1)") == "evil"


def test_state_parse_and_encode_round_trip():
    defaults = state.ViewState(as_of=date(2026, 11, 22), window=12, thresholds=(("design", 0.2), ("product", 0.2)))
    params = {"as_of": "2026-10-01", "window": "6", "team": "Growth", "min_design": "0.35", "present": "1",
              "area": "billing", "person": "alice"}
    parsed = state.parse(params, defaults, ["design", "product"], ["Core", "Growth"])
    assert parsed == state.ViewState(as_of=date(2026, 10, 1), window=6, team="Growth",
                                     thresholds=(("design", 0.35), ("product", 0.2)), present=True,
                                     area="billing", person="alice")
    assert state.encode(parsed, defaults) == params
    junk = state.parse({"as_of": "yesterday", "window": "-3", "team": "Nope", "min_design": "lots"},
                       defaults, ["design", "product"], ["Core"])
    assert junk == defaults
    assert state.encode(defaults, defaults) == {"as_of": "2026-11-22"}


def test_sidebar_and_query_params_round_trip(monkeypatch, tiny):
    at = app(monkeypatch, *tiny, as_of="2026-11-15", window="3", min_engineering="0.5", team="Growth")
    at.run()
    assert not at.exception
    sb = at.sidebar
    assert sb.date_input(key="w_as_of").value == date(2026, 11, 15)
    assert sb.number_input(key="w_window").value == 3
    assert sb.number_input(key="w_min_engineering").value == 0.5
    assert sb.selectbox(key="w_team").value == "Growth"
    assert "team Growth works in" in texts(at)  # the team filter is applied
    sb.number_input(key="w_window").set_value(5).run()
    sb.selectbox(key="w_team").set_value("").run()
    assert at.query_params["window"] == "5"
    assert at.query_params["as_of"] == "2026-11-15"
    assert at.query_params["min_engineering"] == "0.5"
    assert "team" not in at.query_params


def test_a_link_to_an_area_opens_that_area(monkeypatch, tiny):
    at = app(monkeypatch, *tiny, area="search")
    at.run()
    at.switch_page("views/area.py").run()
    assert at.selectbox(key="w_area").value == "search"
    at.selectbox(key="w_area").set_value("billing").run()
    assert at.query_params["area"] == "billing"
    at.switch_page("views/coverage.py").run()
    assert at.query_params["area"] == "billing"  # the selection survives a page switch


def test_presentation_mode_from_the_url(monkeypatch, tiny):
    at = app(monkeypatch, *tiny, present="1")
    at.run()
    assert not at.exception
    assert at.sidebar.toggle(key="w_present").value is True
    assert any(b.label == "Leave presentation mode" for b in at.button)
    at.button[-1].click().run()
    assert "present" not in at.query_params
    assert at.sidebar.toggle(key="w_present").value is False


def test_gap_words_carry_their_numbers():
    from dashboard.ui import gap_words, plural

    assert gap_words("role_gap", "design", 0.05, 0.2) == "not enough design (0.05 of 0.20 FTE)"
    assert gap_words("absent_taste_maker", who=[("Priya Raman", 0.05)], needs=0.1) == \
        "the assigned taste-maker is not present: Priya Raman (0.05 FTE here, needs 0.10)"
    assert gap_words("absent_taste_maker", who=[("A", 0.0), ("B", 0.02)]) == \
        "the assigned taste-makers are not present: A (0.00 FTE here), B (0.02 FTE here)"
    assert gap_words("uncurated_explorations", explorations=(69, 6)).startswith(
        "69 explorations are active and only 6 had a review or comment from a taste-maker")
    assert gap_words("uncurated_explorations", explorations=(1, 0)).startswith("1 exploration is active")
    assert gap_words("uncurated_explorations") == "fewer than half of the explorations are curated"
    assert [plural(1, "area"), plural(2, "area"), plural(1, "person", "people"), plural(0, "person", "people")] == \
        ["1 area", "2 areas", "1 person", "0 people"]
