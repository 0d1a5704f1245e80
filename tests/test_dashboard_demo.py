"""Every view of the dashboard on the demo organisation, under AppTest.

The demo store is built once per session in tmp from data/sample; the numbers
asserted are the planted situations of data/sample/README.md.
"""

import re

import pytest

from dashboard_testkit import SAMPLE, VIEWS, app, load_demo, texts

CONFIG = SAMPLE / "zones.toml"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    return load_demo(tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.fixture()
def demo(monkeypatch, demo_db):
    def open_app(view: str = "coverage", **params):
        at = app(monkeypatch, CONFIG, demo_db, **params)
        at.run()
        if view != "coverage":
            at.switch_page(f"views/{view}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return open_app


def shown_markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def frame_of(at, column: str):
    """The first dataframe on the page that has ``column``."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders_on_the_demo(demo, view):
    at = demo(view)
    assert at.title[0].value == view.capitalize()
    assert at.sidebar.date_input(key="w_as_of").value.isoformat() == "2026-11-22"  # the demo's pinned date


def test_coverage_headline_and_ranked_gaps(demo):
    at = demo()
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Active areas"][0] == "12"
    assert metrics["Covered"] == ("9 of 12", "-1")  # Search lost its taste-maker this week
    assert metrics["Open gaps"][0] == "5"  # one opened (Search), one closed (Onboarding design)
    assert metrics["Unmapped work"][0] == "9%"
    links = [e.proto.label for e in at.main if getattr(e, "type", "") == "page_link"]
    assert [label.split(". ", 1)[1].strip("*") for label in links[:5]] == [
        "Analytics", "Search", "Integrations", "Admin Console", "AI Assistant"]
    assert links[5:] == ["**Checkout\\: 3 present taste\\-makers**"]  # the three clustered on Checkout
    assert all("area=" in e.proto.query_string for e in at.main if getattr(e, "type", "") == "page_link")
    shown = texts(at)
    # each gap with its numbers, in the digest's words (zonemap.report)
    assert "the assigned taste-maker is not present: Priya Raman (0.05 FTE here, needs 0.10)" in shown
    assert "no taste-maker is assigned" in shown
    assert "not enough design (0.00 of 0.20 FTE)" in shown
    assert re.search(r"\b(\d+) explorations are active and only (\d+) had a review or comment", shown)
    count, curated = map(int, re.search(r"\b(\d+) explorations are active and only (\d+)", shown).groups())
    assert count >= 30 and 0 < curated < count / 2  # some are curated: not "nobody curates"
    assert "Could steer it: Eva Baker (fit 0.74)" in shown  # Integrations' first suggestion: a fit, not FTE
    assert ":gray[gap score 6.35 · 6.35 FTE" in shown  # each number says what it is
    assert "Inactive (below the activity threshold): Marketplace, Legacy Reports" in shown or \
        "Inactive (below the activity threshold): Legacy Reports, Marketplace" in shown


def test_area_view_shows_the_absent_taste_maker(demo):
    at = demo("area", area="analytics")
    shown = texts(at)
    assert at.selectbox(key="w_area").value == "analytics"
    assert "Priya Raman is assigned but absent: 0.05 FTE here (needs 0.10)" in shown
    assert "Recent items" in shown and "https://" in " ".join(m.value for m in at.markdown)


def test_area_view_of_checkout_has_three_present_taste_makers(demo):
    at = demo("area", area="checkout")
    present = [s.value for s in at.success if "is present" in s.value]
    assert sorted(p.split("**")[1] for p in present) == ["Hiro Ito", "Kira Okafor", "Nadia Petrov"]
    assert {m.label: m.value for m in at.metric}["Gaps"] == "0"


def test_area_view_counts_ai_assistant_explorations(demo):
    at = demo("area", area="ai-assistant")
    heading = next(h.value for h in at.subheader if h.value.startswith("Explorations"))
    count, curated = (int(x) for x in heading[len("Explorations ("):-len(" curated)")].split(", "))
    assert count >= 30 and curated < count / 2


def test_people_view_calls_out_title_mismatches(demo):
    at = demo("people")
    table = frame_of(at, "declared")
    assert set(table["person"]) == {"Maya Smith", "Omar Walsh", "Eva Baker"}
    row = table.set_index("person").loc["Maya Smith"]
    assert (row["declared"], row["observed"]) == ("design", "engineering")
    load = frame_of(at, "steers").set_index("taste-maker")
    assert load.loc["Priya Raman", "present_in"] == 0
    # the demo has one undeclared person with activity, counted in the singular
    assert any(c.value.startswith("1 person with activity is not declared") for c in at.caption)


def test_people_view_counts_one_mismatch_in_the_singular(demo):
    at = demo("people", team="Platform")  # Eva Baker's team: she is its one mismatch
    assert set(frame_of(at, "declared")["person"]) == {"Eva Baker"}
    assert any(w.value.startswith("1 of ") and " people spends most of their time" in w.value for w in at.warning)
    assert any(" people spend most" in w.value for w in demo("people").warning)  # three of them: plural


def test_people_drill_down_follows_the_url(demo):
    at = demo("people", person="marco-bianchi")
    assert at.selectbox(key="w_person").value == "marco-bianchi"
    assert at.query_params["person"] == "marco-bianchi"
    assert {m.label: m.value for m in at.metric}["Team"] != "–"


def test_graph_focus_on_one_area(demo):
    at = demo("graph")
    everyone = next(c.value for c in at.caption if "areas," in c.value)
    at.selectbox(key="w_focus").set_value("integrations").run()
    assert not at.exception
    focused = next(c.value for c in at.caption if "areas," in c.value)
    assert int(focused.split()[0]) < int(everyone.split()[0])
    assert at.query_params["area"] == "integrations"


def test_planning_lists_this_weeks_changes_and_downloads(demo):
    at = demo("planning")
    shown = texts(at)
    assert "Opened (1)" in shown and "Closed (1)" in shown
    assert "opened] Search: the assigned taste-maker is not present: Marco Bianchi (0.05 FTE here" in shown
    assert "closed] Onboarding: not enough design a week ago; 0.23 of 0.20 FTE now" in shown
    suggestions = frame_of(at, "candidate")
    assert suggestions[suggestions["area"] == "Integrations"].iloc[0]["candidate"] == "Eva Baker"
    assert "fit" in suggestions.columns and "score" not in suggestions.columns
    labels = {b.proto.label for b in at.get("download_button")}
    assert labels == {"Digest (Markdown)", "Areas (CSV)", "Report (JSON)"}


def test_what_if_recomputes_the_gaps(demo):
    at = demo("planning")
    at.multiselect(key="wi_away").set_value(["lena-fischer"]).run()
    assert not at.exception
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Open gaps (what-if)"] == ("6", "1")  # Onboarding's design gap comes back
    assert "opens] Onboarding — not enough design" in texts(at)

    at.multiselect(key="wi_away").set_value([]).run()
    at.multiselect(key="wi_areas").set_value(["integrations"]).run()
    at.multiselect(key="wi_tm_integrations").set_value(["eva-baker"]).run()
    assert not at.exception
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Covered (what-if)"] == ("10 of 12", "1")
    assert metrics["Open gaps (what-if)"] == ("4", "-1")
    assert "closes] Integrations — no taste-maker is assigned" in texts(at)


def test_data_view_shows_unmapped_work_and_merge_hints(demo):
    at = demo("data")
    shown = texts(at)
    assert "9% of the FTE in the window" in shown
    assert "No source has been synced" in shown  # the demo store was imported
    labels = frame_of(at, "label")
    assert len(labels) > 0 and labels["items"].is_monotonic_decreasing
    folders = frame_of(at, "folder")
    assert any(f.startswith(("k8s", "terraform", "docs", "scripts", ".github")) for f in folders["folder"])
    # identities merged into a declared person by email are not called undeclared people,
    # and need no merge suggestion (the demo's are all of that kind)
    assert any("joined a declared person through a shared email" in t and "**1** undeclared person " in t
               for t in shown_markdown(at))
    assert "No merge suggestion." in shown


def test_data_view_suggests_merging_a_lookalike_identity(monkeypatch, tmp_path):
    # a commit author under a personal address, with a declared person's name
    extra = [{"type": "identity", "id": "email:amir.b@home.example", "name": "Amir  BAKER",
              "email": "amir.b@home.example"}]
    at = app(monkeypatch, CONFIG, load_demo(tmp_path / "demo.db", extra))
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception
    hints = frame_of(at, "suggested_person_or_identity")
    assert hints[["identity", "name", "suggested_person_or_identity", "reason"]].values.tolist() == [
        ["email:amir.b@home.example", "Amir  BAKER", "amir-baker", "same name"]]
    assert "Merge suggestions" in texts(at)


def test_thresholds_in_the_sidebar_change_the_gaps(demo):
    at = demo()
    before = {m.label: m.value for m in at.metric}["Open gaps"]
    at.sidebar.number_input(key="w_min_design").set_value(0.25).run()
    after = {m.label: m.value for m in at.metric}["Open gaps"]
    assert int(after) > int(before)  # Onboarding's 0.233 FTE of design is now short
    assert at.query_params["min_design"] == "0.25"


def gap_links(at) -> list[str]:
    """The area names of the ranked gap list's links, in order."""
    return [e.proto.label.split(". ", 1)[1].strip("*") for e in at.main
            if getattr(e, "type", "") == "page_link" and ". " in e.proto.label]


def test_the_team_filter_needs_real_work_in_an_area(demo):
    # Platform touches every area a little (0.01 FTE in Pricing Experiments); it works in
    # the five where it puts 0.25 FTE or more, and in none where one of its people steers
    at = demo(team="Platform")
    note = next(i.value for i in at.info if "works in" in i.value)
    assert note.startswith("The gaps and the heatmap are for the 5 areas team Platform works in")
    assert "0.25 FTE" in note and "the numbers above are for everyone" in note
    assert gap_links(at) == ["Integrations", "Admin Console"]  # not Analytics (0.24), Search (0.16)...
    assert {m.label: m.value for m in at.metric}["Open gaps"] == "5"  # the headline stays org-wide


def test_planning_follows_the_team_filter_and_says_so(demo):
    at = demo("planning", team="Growth")
    shown = texts(at)
    assert "The changes and suggestions are for the 5 areas team Growth works in" in shown
    assert "the what-if and the downloads are for everyone" in shown
    assert "Opened (0)" in shown and "Search" not in shown  # Search's gap is not Growth's area
    assert "closed] Onboarding" in shown  # Growth's design gap, closed
    assert not [d for d in at.dataframe if "candidate" in d.value.columns]  # no suggestion for Growth's areas
    assert "Every area the team works in has a present taste-maker." in shown


def test_an_inactive_area_explains_itself_without_alarms(demo):
    at = demo("area", area="reports-legacy")
    assert not at.error and not at.warning  # an absent taste-maker of an inactive area is no gap
    shown = texts(at)
    assert "This area is inactive: 0.00 FTE in the window, below the 0.25 FTE that makes an area active" in shown
    assert "Timo Castillo is assigned: 0.00 FTE here (present from 0.10; the area is inactive" in shown
    assert "Explorations (none)" in shown  # not "(0, 0 curated)"


def test_counts_agree_with_their_nouns(demo):
    shown = texts(demo("area", area="ai-assistant"))
    assert "1 action by 1 person" in shown and "actions by 4 people" in shown
    assert not re.search(r"\b1 actions\b|\bby 1 people\b|\bby [2-9]\d* person\b", shown)
    at = demo("graph", area="integrations")
    caption = next(c.value for c in at.caption if "Hover a node" in c.value)
    assert re.match(r"\d+ areas, \d+ people\.", caption)
    at.get("radio")[0].set_value(1).run()
    caption = next(c.value for c in at.caption if "Hover a node" in c.value)
    assert re.match(r"1 area, \d+ people\.", caption)


def test_data_view_names_the_undeclared_person(demo):
    table = frame_of(demo("data"), "undeclared person")
    assert table["undeclared person"].tolist() == ["Jordan Doe"]
    assert table["identities"].iloc[0].count(":") == 2  # the two identities that make them


def test_area_without_a_present_taste_maker_shows_who_could_steer_it(demo):
    shown = texts(demo("area", area="integrations"))
    assert "Could steer it: Eva Baker (fit 0.74), Tobias Torres (fit 0.55)" in shown
    assert "Could steer it" not in texts(demo("area", area="checkout"))  # covered: no suggestion
