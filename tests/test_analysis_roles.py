"""Step 4: role rules — first match, AND across criteria, OR within one, the defaults."""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_helpers import config, frames, item

from zonemap.roles import DEFAULT_RULES, role_shares, rules_for


def roles_of(cfg, items, pairs) -> dict[tuple[str, str], dict[str, float]]:
    f = frames(items)
    out = role_shares(cfg, pd.DataFrame(pairs, columns=["item", "kind"]), f.items)
    return {k: dict(zip(g["role"], g["share"])) for k, g in out.groupby(["item", "kind"])}


@pytest.mark.parametrize("field, value, design", [
    ("labels", ["ux-research"], True),
    ("labels", ["Design"], True),
    ("labels", ["UX"], True),
    ("labels", ["design_system"], True),
    ("labels", ["linux"], False),
    ("labels", ["designer"], False),
    ("components", ["Web UX"], True),
    ("issue_type", "Design Task", True),
    ("issue_type", "Bug", False),
])
def test_default_design_rule_matches_whole_words(field, value, design):
    got = roles_of(config(), [item("i", **{field: value})], [("i", "commit")])
    assert got[("i", "commit")] == ({"design": 1.0} if design else {"engineering": 1.0})


def test_default_rules_by_kind():
    kinds = {"commit": "engineering", "pr_opened": "engineering", "pr_reviewed": "engineering",
             "pr_commented": "engineering", "pr_merged": "engineering",
             "issue_opened": "product", "issue_labeled": "product", "issue_commented": "product",
             "jira_created": "product", "jira_updated": "product", "jira_commented": "product",
             "issue_closed": "engineering", "jira_transitioned": "engineering", "whatever": "engineering"}
    got = roles_of(config(), [item("i")], [("i", k) for k in kinds])
    assert {k: next(iter(v)) for (_, k), v in got.items()} == kinds


def test_design_rule_applies_to_every_activity_on_the_item():
    got = roles_of(config(), [item("i", labels=["design"])], [("i", "pr_reviewed"), ("i", "issue_opened")])
    assert all(v == {"design": 1.0} for v in got.values())


def test_user_rules_come_first_and_first_match_wins():
    cfg = config(role_rules=[{"role": "product", "labels": ["spec"]},
                             {"role": "design", "labels": ["spec"]}])
    got = roles_of(cfg, [item("i", labels=["SPEC"]), item("j", labels=["design"])], [("i", "commit"), ("j", "commit")])
    assert got[("i", "commit")] == {"product": 1.0}
    assert got[("j", "commit")] == {"design": 1.0}


def test_criteria_are_anded_and_values_ored():
    cfg = config(role_rules=[{"role": "product", "kinds": ["pr_commented", "pr_reviewed"], "components": ["Docs"]}])
    items = [item("docs", components=["docs"]), item("other", components=["Core"])]
    got = roles_of(cfg, items, [("docs", "pr_reviewed"), ("docs", "pr_commented"), ("docs", "commit"),
                                ("other", "pr_reviewed")])
    assert got[("docs", "pr_reviewed")] == {"product": 1.0}
    assert got[("docs", "pr_commented")] == {"product": 1.0}
    assert got[("docs", "commit")] == {"engineering": 1.0}
    assert got[("other", "pr_reviewed")] == {"engineering": 1.0}


def test_split_roles_and_path_and_issue_type_criteria():
    cfg = config(role_rules=[{"roles": {"engineering": 0.5, "product": 0.5}, "paths": ["docs/**"]},
                             {"role": "design", "issue_types": ["Mockup"]}])
    items = [item("d", paths=["src/a.py", "docs/x.md"]), item("m", issue_type="mockup"), item("n", paths=["src/a"])]
    got = roles_of(cfg, items, [("d", "commit"), ("m", "jira_created"), ("n", "commit")])
    assert got[("d", "commit")] == {"engineering": 0.5, "product": 0.5}
    assert got[("m", "jira_created")] == {"design": 1.0}
    assert got[("n", "commit")] == {"engineering": 1.0}


def test_a_rule_without_criteria_matches_everything():
    cfg = config(role_rules=[{"role": "design"}])
    got = roles_of(cfg, [item("i")], [("i", "commit"), ("ghost", "issue_opened")])
    assert all(v == {"design": 1.0} for v in got.values())


def test_unstored_item_only_matches_kind_rules():
    got = roles_of(config(role_rules=[{"role": "design", "labels": ["x"]}]), [], [("ghost", "issue_opened")])
    assert got[("ghost", "issue_opened")] == {"product": 1.0}


def test_default_rules_skip_roles_that_are_not_configured():
    cfg = config(settings={"roles": ["engineering", "research"], "taste_maker_roles": ["research"]})
    rules = rules_for(cfg)
    assert [r.shares for r in rules] == [{"engineering": 1.0}, {"engineering": 1.0}]
    assert len(DEFAULT_RULES) == 4
