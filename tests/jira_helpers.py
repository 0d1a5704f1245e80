"""Shared set-up of the Jira sync tests: a fake Jira with a known data set, its config and env."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest
from fake_jira import FakeJira, ago

from zonemap.store import Store

TOKEN = "s3cr3t-jira-token-XYZ"
EMAIL = "sync@acme.test"
N = 130  # issues: two search pages of 100
BIG = "WEB-500"  # 45 comments and 30 changelog entries: over Cloud's cap of 20


def make_fake(mode: str) -> FakeJira:
    """A started fake with N small issues and one big one, in projects WEB and BILL.

    Each small issue: created by alice, one comment by bob, one history with a status
    change (by bob) and one with a labels change (by alice).  Carol (Cloud: email hidden)
    leads the Billing component.
    """
    fake = FakeJira(mode, token=TOKEN, email=EMAIL).start()
    alice = fake.user("alice-acct", "Alice Smith", "alice@acme.test")
    bob = fake.user("bob-acct", "Bob Jones", "bob@acme.test")
    carol = fake.user("carol-acct", "Carol King", None if mode == "cloud" else "carol@acme.test")
    fake.people = {"alice": alice, "bob": bob, "carol": carol}
    for n in range(1, N + 1):
        project = "WEB" if n % 2 else "BILL"
        fake.add_issue(f"{project}-{n}", created=ago(days=20, minutes=n),
                       updated=ago(days=2, minutes=N - n), creator=alice, reporter=alice, assignee=bob,
                       labels=["area:billing"] if project == "BILL" else [],
                       components=["Billing"] if project == "BILL" else ["Web"],
                       comments=[(bob, ago(days=3, minutes=n), "looks good")],
                       histories=[(bob, ago(days=3, minutes=n), [("status", "To Do", "In Progress")]),
                                  (alice, ago(days=3, minutes=n), [("labels", "", "area:billing")])])
    fake.add_issue(BIG, created=ago(days=15), updated=ago(days=1), creator=alice, reporter=alice,
                   issue_type="Bug", parent=fake.epic_parent("WEB-1") if mode == "cloud" else None,
                   epic_link="WEB-1" if mode == "dc" else None,
                   comments=[(bob if i % 2 else carol, ago(days=10, minutes=i), f"c{i}") for i in range(45)],
                   histories=[(alice, ago(days=9, minutes=i),
                               [("status", "A", "B")] if i % 3 == 0 else [("priority", "Low", "High")])
                              for i in range(30)])
    fake.components = {"BILL": [{"name": "Billing", "lead": carol}], "WEB": [{"name": "Web"}]}
    return fake


def expected_counts() -> Counter:
    """Records by (type, kind) a full sync of make_fake() stores."""
    big_transitions = sum(1 for i in range(30) if i % 3 == 0)
    return Counter({
        ("item", "jira_issue"): N + 1,
        ("activity", "jira_created"): N + 1,
        ("activity", "jira_commented"): N + 45,
        ("activity", "jira_transitioned"): N + big_transitions,
        ("activity", "jira_updated"): N + 30 - big_transitions,
        ("identity", None): 3,
    })


def full_sync_budget(mode: str) -> int:
    """serverInfo + field, one search per 100 issues, one request per capped list."""
    capped_lists = 2 if mode == "cloud" else 0
    return 2 + math.ceil((N + 1) / 100) + capped_lists


def config_text(fake: FakeJira, *, component_leads: bool = False, extra: str = "") -> str:
    email = 'email_env = "ZM_JIRA_EMAIL"' if fake.mode == "cloud" else ""
    return f"""
        [jira]
        url = "{fake.url}"
        {email}
        token_env = "ZM_JIRA_TOKEN"
        jql = "project in (WEB, BILL) ORDER BY created DESC"
        component_leads = {'true' if component_leads else 'false'}
        {extra}
    """


def env(token: str = TOKEN) -> dict:
    return {"ZM_JIRA_EMAIL": EMAIL, "ZM_JIRA_TOKEN": token}


def stored(db: Path) -> Counter:
    """Records in the store by (type, kind)."""
    store = Store(db)
    try:
        return Counter((r["type"], r.get("kind")) for r in store.iter_records())
    finally:
        store.close()


def records(db: Path) -> list[dict]:
    store = Store(db)
    try:
        return list(store.iter_records())
    finally:
        store.close()


# -- fixtures shared by the Jira test modules (import them by name) --------------------------

@pytest.fixture(params=["cloud", "dc"])
def fake(request):
    """A fake Jira in each mode, Cloud and Data Center."""
    f = make_fake(request.param)
    yield f
    f.stop()


def sync_runner(cli, write_config, db: Path, base_extra: str = ""):
    """run(fake, *args, component_leads=False, token=TOKEN, extra="") -> CliRunner result of
    `zonemap sync --source jira` with a config for `fake`; `run.db` is the store."""

    def run(fake, *args, component_leads=False, token=TOKEN, extra=""):
        text = config_text(fake, component_leads=component_leads, extra="\n".join(filter(None, [base_extra, extra])))
        return cli("--config", write_config(text), "--db", db, "sync", "--source", "jira", *args, env=env(token))

    run.db = db
    return run
