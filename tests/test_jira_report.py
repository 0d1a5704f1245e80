"""`zonemap sync` from the fake Jira plus GitHub records, then `zonemap report`: one person per human."""

from __future__ import annotations

import json

import github_helpers
import pytest
from fake_jira import ago
from jira_helpers import config_text, env, make_fake

from connectors.records import Activity, Identity, Item, write_records

PEOPLE_AND_AREAS = """
    [[people]]
    id = "alice"
    name = "Alice Smith"
    role = "product"
    identities = ["jira:alice-acct", "github:alice-s"]

    [[people]]
    id = "bob"
    name = "Bob Jones"
    identities = ["email:bob@acme.test"]

    [[areas]]
    id = "billing"
    components = ["Billing"]
    labels = ["area:billing"]

    [[areas]]
    id = "web"
    components = ["Web"]
    repos = ["acme/web"]
"""


def github_records(path):
    """A pull request by alice-s reviewed by bob-gh (whose email Jira also shows for bob)."""
    pr = "github:acme/web#7"
    write_records(path, [
        Item(id=pr, source="github", kind="pull_request", title="Plan picker", repo="acme/web",
             labels=["area:billing"], state="open", created_at=ago(days=3), updated_at=ago(days=1)),
        Activity(id=f"{pr}/opened", item=pr, kind="pr_opened", actor="github:alice-s", at=ago(days=3)),
        Activity(id=f"{pr}/review/1", item=pr, kind="pr_reviewed", actor="github:bob-gh", at=ago(days=1)),
        Identity(id="github:alice-s", name="Alice Smith"),
        Identity(id="github:bob-gh", name="Bob J", email="Bob@Acme.test"),
    ])


@pytest.mark.parametrize("mode", ["cloud", "dc"])
def test_report_joins_jira_and_github_identities(mode, cli, write_config, tmp_path):
    fake = make_fake(mode)
    try:
        cfg = write_config(config_text(fake, component_leads=True) + PEOPLE_AND_AREAS)
        db = tmp_path / "z.db"
        github_records(tmp_path / "gh.jsonl")
        assert cli("--config", cfg, "--db", db, "import", tmp_path / "gh.jsonl").exit_code == 0
        result = cli("--config", cfg, "--db", db, "sync", "--source", "jira", env=env())
        assert result.exit_code == 0, result.output
        result = cli("--config", cfg, "--db", db, "report", "--format", "json")
        assert result.exit_code == 0, result.output
    finally:
        fake.stop()
    report = json.loads(result.stdout)
    people = {p["id"]: p for p in report["people"]}
    # declared in [[people]] (alice) or joined by email (bob): one person each, not per identity
    assert {"jira:alice-acct", "github:alice-s", "jira:bob-acct", "github:bob-gh"}.isdisjoint(people)
    assert people["alice"]["fte"] > 0 and {"billing", "web"} <= set(people["alice"]["areas"])
    assert people["bob"]["fte"] > 0
    # an undeclared Jira user is a person of their own, named from the identity record
    assert people["jira:carol-acct"]["name"] == "Carol King"
    # the Billing component's lead steers the billing area, marked as coming from Jira
    areas = {a["id"]: a for a in report["areas"]}
    leads = [t for t in areas["billing"]["taste_makers"] if t["id"] == "jira:carol-acct"]
    assert leads and leads[0].get("source") == "jira"
    assert not [t for t in areas["web"]["taste_makers"] if t.get("source") == "jira"]


def test_report_over_both_fakes_makes_one_person(cli, tmp_path):
    """The GitHub fake and the Jira fake synced into one store: alice is one person."""
    gh, fake = github_helpers.make_fake(), make_fake("cloud")
    try:
        text = github_helpers.config_text(gh).replace(
            'identities = ["github:alice-s"]', 'identities = ["github:alice-s", "jira:alice-acct"]')
        cfg = tmp_path / "zones.toml"
        cfg.write_text(text + config_text(fake).replace("\n        ", "\n"), encoding="utf-8")
        db = tmp_path / "z.db"
        result = cli("--config", cfg, "--db", db, "sync", env={**github_helpers.env(), **env()})
        assert result.exit_code == 0, result.output
        assert "github: " in result.stdout and "jira: " in result.stdout
        result = cli("--config", cfg, "--db", db, "report", "--format", "json")
        assert result.exit_code == 0, result.output
    finally:
        gh.stop()
        fake.stop()
    people = {p["id"]: p for p in json.loads(result.stdout)["people"]}
    assert "jira:alice-acct" not in people and "github:alice-s" not in people
    assert people["alice"]["fte"] > 0 and "billing" in people["alice"]["areas"]
