"""The pure parts of the Jira connector: JQL building, cursor advance, raw JSON -> records."""

from __future__ import annotations

from datetime import datetime, timezone

from connectors.jira import OVERLAP, _next_cursor, build_jql, scope_of, split_jql
from connectors.jira_records import component_records, identity_id, issue_records, parse_time

CLOUD_USER = {"accountId": "5b10a2844c20165700ede21g", "displayName": "Alice", "emailAddress": ""}
DC_USER = {"name": "bob", "key": "JIRAUSER10100", "displayName": "Bob", "emailAddress": "Bob@x.test "}


def raw_issue(**fields) -> dict:
    base = {"summary": "S", "created": "2026-11-02T10:00:00.000+0100",
            "updated": "2026-11-03T09:30:00.000-0800", "creator": CLOUD_USER,
            "status": {"name": "Done", "statusCategory": {"key": "done"}}}
    return {"key": "BILL-7", "fields": {**base, **fields}}


def test_jql_keeps_the_filter_and_orders_by_update():
    assert split_jql("project = WEB ORDER BY created DESC") == "project = WEB"
    assert build_jql("project = WEB order by rank", "2026/11/02 09:58") == (
        '(project = WEB) AND updated >= "2026/11/02 09:58" ORDER BY updated ASC, key ASC')
    # an empty filter stays bounded (Jira Cloud rejects unbounded search/jql queries)
    assert build_jql("order by updated", None) == (
        'updated >= "1970/01/01 00:00" ORDER BY updated ASC, key ASC')
    assert scope_of("https://a.test/", "x") == scope_of("https://a.test", "x ") != scope_of("https://a.test", "y")


def test_times_and_identities():
    assert parse_time("2026-11-03T09:30:00.000-0800") == datetime(2026, 11, 3, 17, 30, tzinfo=timezone.utc)
    assert identity_id(CLOUD_USER) == "jira:5b10a2844c20165700ede21g"
    assert identity_id(DC_USER) == "jira:bob"
    assert identity_id({"key": "JIRAUSER1"}) == "jira:JIRAUSER1" and identity_id(None) is None


def test_issue_records_map_changelog_items_to_transitions_and_updates():
    histories = [
        {"id": "1", "author": DC_USER, "created": "2026-11-02T11:00:00.000+0000",
         "items": [{"field": "status"}, {"field": "resolution"}]},  # a transition only
        {"id": "2", "author": DC_USER, "created": "2026-11-02T12:00:00.000+0000",
         "items": [{"field": "status"}, {"field": "Sprint"}]},  # both
        {"id": "3", "author": CLOUD_USER, "created": "2026-11-02T13:00:00.000+0000",
         "items": [{"field": "labels"}]},
        {"id": "4", "created": "2026-11-02T14:00:00.000+0000", "items": [{"field": "labels"}]},  # no author
    ]
    comments = [{"id": "77", "author": DC_USER, "created": "2026-11-02T15:00:00.000+0000"}]
    recs = {r.id: r for r in issue_records(raw_issue(), comments, histories, "https://j.test/")}
    kinds = {i: r.kind for i, r in recs.items() if r.type == "activity"}
    assert kinds == {
        "jira:BILL-7/created": "jira_created",
        "jira:BILL-7/comment/77": "jira_commented",
        "jira:BILL-7/history/1/transition": "jira_transitioned",
        "jira:BILL-7/history/2/transition": "jira_transitioned",
        "jira:BILL-7/history/2/update": "jira_updated",
        "jira:BILL-7/history/3/update": "jira_updated",
    }
    item = recs["jira:BILL-7"]
    assert (item.state, item.project, item.url) == ("closed", "BILL", "https://j.test/browse/BILL-7")
    assert recs["jira:BILL-7/created"].at == datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    # an empty email (hidden by Cloud privacy) is no email; a visible one is trimmed
    assert recs["jira:5b10a2844c20165700ede21g"].email is None
    assert recs["jira:bob"].email == "Bob@x.test"


def test_epic_from_epic_link_or_an_epic_parent_only():
    epic_parent = {"key": "BILL-1", "fields": {"issuetype": {"name": "Epic", "hierarchyLevel": 1}}}
    story_parent = {"key": "BILL-2", "fields": {"issuetype": {"name": "Story", "hierarchyLevel": 0}}}

    def epic(**fields):
        return issue_records(raw_issue(**fields), [], [], "https://j.test")[0].epic

    assert epic(parent=epic_parent) == "BILL-1"
    assert epic(parent=story_parent) is None  # a sub-task's parent is not an epic
    assert epic(**{"Epic Link": "BILL-9"}) == "BILL-9"


def test_reporter_stands_in_for_a_missing_creator():
    recs = issue_records(raw_issue(creator=None, reporter=DC_USER), [], [], "https://j.test")
    assert [r.actor for r in recs if r.type == "activity"] == ["jira:bob"]


def test_component_leads_cloud_and_dc():
    recs = component_records("BILL", [{"name": "Billing", "lead": CLOUD_USER},
                                      {"name": "Ops", "leadAccountId": "abc"}, {"name": "Misc"}])
    comps = {r.id: r.lead for r in recs if r.type == "component"}
    assert comps == {"jira:BILL/Billing": "jira:5b10a2844c20165700ede21g",
                     "jira:BILL/Ops": "jira:abc", "jira:BILL/Misc": None}
    # a bare account id is not written as an identity (it would blank a known name)
    assert [r.id for r in recs if r.type == "identity"] == ["jira:5b10a2844c20165700ede21g"]


def test_cursor_remembers_only_the_overlap():
    t = "2026-11-03T10:{:02d}:00.000+0000"
    page = [{"key": f"A-{m}", "fields": {"updated": t.format(m)}} for m in (0, 30, 58, 59)]
    at, seen = _next_cursor(None, {}, page)
    assert at == datetime(2026, 11, 3, 10, 59, tzinfo=timezone.utc)
    assert set(seen) == {"A-58", "A-59"} and OVERLAP.total_seconds() == 120
    at2, seen2 = _next_cursor(at, seen, [])  # an empty page keeps the cursor
    assert (at2, seen2) == (at, seen)
