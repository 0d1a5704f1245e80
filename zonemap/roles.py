"""Step 4: role shares of an activity, by the first matching role rule.

The user's `[[role_rules]]` come first, then `DEFAULT_RULES` (DESIGN.md's defaults,
kept here as data).  Within a rule every given criterion must match (AND) and the
values of one criterion are alternatives (OR); a rule without criteria matches all.
Rules are evaluated once per distinct (item, kind) pair, vectorised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .areas import ItemView, glob_mask

_WORD_SPLIT = re.compile(r"[\W_]+")

PR_KINDS = ("pr_opened", "pr_reviewed", "pr_commented", "pr_merged")


@dataclass(frozen=True)
class Rule:
    """One role rule: criteria (empty = any) and the role split it gives."""

    shares: dict
    kinds: tuple = ()
    labels: tuple = ()
    components: tuple = ()
    issue_types: tuple = ()
    paths: tuple = ()
    words: tuple = ()  # a word of a label, component or issue type (split on non-alphanumerics)


DEFAULT_RULES = (
    Rule({"design": 1.0}, words=("design", "ux")),
    Rule({"engineering": 1.0}, kinds=("commit",) + PR_KINDS),
    Rule({"product": 1.0}, kinds=("issue_opened", "issue_labeled", "issue_commented",
                                  "jira_created", "jira_updated", "jira_commented")),
    Rule({"engineering": 1.0}),
)


def rules_for(cfg) -> list[Rule]:
    """The user's rules, then the defaults.

    A default rule naming a role that is not in `settings.roles` is skipped; the
    final catch-all gives ``engineering``, or the first configured role without it.
    """
    roles = list(cfg.settings.roles)
    rules = [Rule(dict(r.shares), tuple(r.kinds), tuple(r.labels), tuple(r.components),
                  tuple(r.issue_types), tuple(r.paths)) for r in cfg.role_rules]
    rules += [r for r in DEFAULT_RULES[:-1] if set(r.shares) <= set(roles)]
    rules.append(Rule({"engineering" if "engineering" in roles else roles[0]: 1.0}))
    return rules


def _item_mask(view: ItemView, column: str, values: tuple) -> np.ndarray:
    """Items with a value of `column` among `values` (exact, case-insensitive)."""
    wanted = {str(v).strip().lower() for v in values}
    return view.mask(column, wanted.__contains__)


def _word_mask(view: ItemView, words: tuple) -> np.ndarray:
    """Items with a label, component or issue type one of whose words is in `words`."""
    wanted = {w.lower() for w in words}
    mask = np.zeros(len(view), dtype=bool)
    for column in ("labels", "components", "issue_type"):
        mask |= view.mask(column, lambda v: not wanted.isdisjoint(_WORD_SPLIT.split(v)))
    return mask


def _path_mask(view: ItemView, patterns: tuple) -> np.ndarray:
    """Items with at least one path matching one of the glob `patterns`."""
    pos, codes, uniq = view.paths()
    hit = np.zeros(len(uniq), dtype=bool)
    for pattern in patterns:
        hit |= glob_mask(uniq, pattern)
    mask = np.zeros(len(view), dtype=bool)
    mask[pos[hit[codes]]] = True
    return mask


def choose_rules(cfg, view: ItemView, rows: np.ndarray, kind_codes: np.ndarray, kinds) -> np.ndarray:
    """For each (item, kind) pair — `rows` its item's row in `view` (-1: not stored),
    `kind_codes` its kind's position in `kinds` — the index of the first matching rule
    of `rules_for(cfg)`."""
    stored = rows >= 0
    at = np.where(stored, rows, 0)
    kinds = np.asarray(kinds, dtype=object)
    chosen = np.full(len(rows), -1)
    for i, rule in enumerate(rules_for(cfg)):
        match = np.isin(kinds, list(rule.kinds))[kind_codes] if rule.kinds else np.ones(len(rows), dtype=bool)
        item_masks = [_item_mask(view, column, values)
                      for column, values in (("labels", rule.labels), ("components", rule.components),
                                             ("issue_type", rule.issue_types)) if values]
        if rule.paths:
            item_masks.append(_path_mask(view, rule.paths))
        if rule.words:
            item_masks.append(_word_mask(view, rule.words))
        for m in item_masks:
            match &= stored & m[at] if len(view) else np.zeros(len(rows), bool)
        chosen[(chosen < 0) & match] = i
    return chosen


def rule_table(cfg) -> pd.DataFrame:
    """The role split of each rule of `rules_for(cfg)`: columns rule, role, share (> 0)."""
    return pd.DataFrame([(i, role, float(share)) for i, r in enumerate(rules_for(cfg))
                         for role, share in r.shares.items() if share > 0],
                        columns=["rule", "role", "share"])


def role_shares(cfg, pairs: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Step 4 — role shares for each distinct (item, kind) pair: columns item, kind, role, share.

    The first matching rule gives the split; an item that is not stored has no
    labels, components, issue type or paths.
    """
    pairs = pairs[["item", "kind"]].drop_duplicates().reset_index(drop=True)
    view, rows = ItemView.of(items, pairs["item"])
    kind_codes, kinds = pd.factorize(pairs["kind"])
    chosen = choose_rules(cfg, view, rows, kind_codes, kinds)
    return pairs.assign(rule=chosen).merge(rule_table(cfg), on="rule")[["item", "kind", "role", "share"]]
