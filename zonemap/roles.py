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

from .areas import _values, glob_mask
from .vectors import map_distinct, positions

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


def _item_mask(known: pd.DataFrame, column: str, values: tuple) -> np.ndarray:
    """Items with a value of `column` among `values` (exact, case-insensitive)."""
    wanted = {str(v).strip().lower() for v in values}
    rows = _values(known, column)
    mask = np.zeros(len(known), dtype=bool)
    mask[rows["pos"].to_numpy()[map_distinct(rows["value"], wanted.__contains__, dtype=bool)]] = True
    return mask


def _word_mask(known: pd.DataFrame, words: tuple) -> np.ndarray:
    """Items with a label, component or issue type one of whose words is in `words`."""
    rows = pd.concat([_values(known, c) for c in ("labels", "components", "issue_type")],
                     ignore_index=True)
    wanted = {w.lower() for w in words}
    hit = map_distinct(rows["value"], lambda v: not wanted.isdisjoint(_WORD_SPLIT.split(v)), dtype=bool)
    mask = np.zeros(len(known), dtype=bool)
    mask[rows["pos"].to_numpy()[hit]] = True
    return mask


def _path_mask(known: pd.DataFrame, patterns: tuple) -> np.ndarray:
    """Items with at least one path matching one of the glob `patterns`."""
    rows = known["paths"].explode().dropna()
    mask = np.zeros(len(known), dtype=bool)
    if rows.empty:
        return mask
    paths = pd.Series(rows.to_numpy(), dtype="str")
    hit = np.zeros(len(paths), dtype=bool)
    for pattern in patterns:
        hit |= glob_mask(paths, pattern)
    mask[rows.index.to_numpy()[hit]] = True
    return mask


def role_shares(cfg, pairs: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Step 4 — role shares for each distinct (item, kind) pair: columns item, kind, role, share.

    The first matching rule gives the split; an item that is not stored has no
    labels, components, issue type or paths.
    """
    pairs = pairs[["item", "kind"]].drop_duplicates().reset_index(drop=True)
    found = positions(items["id"], pd.unique(pairs["item"]))
    known = items.iloc[found[found >= 0]].reset_index(drop=True)
    pos = positions(known["id"], pairs["item"])
    stored = pos >= 0
    rules = rules_for(cfg)
    chosen = np.full(len(pairs), -1)
    for i, rule in enumerate(rules):
        match = np.ones(len(pairs), dtype=bool)
        if rule.kinds:
            match &= pairs["kind"].isin(set(rule.kinds)).to_numpy()
        item_masks = []
        for column, values in (("labels", rule.labels), ("components", rule.components),
                               ("issue_type", rule.issue_types)):
            if values:
                item_masks.append(_item_mask(known, column, values))
        if rule.paths:
            item_masks.append(_path_mask(known, rule.paths))
        if rule.words:
            item_masks.append(_word_mask(known, rule.words))
        for m in item_masks:
            match &= stored & m[np.where(stored, pos, 0)] if len(known) else np.zeros(len(pairs), bool)
        chosen[(chosen < 0) & match] = i
    table = pd.DataFrame([(i, role, float(share)) for i, r in enumerate(rules)
                          for role, share in r.shares.items() if share > 0],
                         columns=["rule", "role", "share"])
    return pairs.assign(rule=chosen).merge(table, on="rule")[["item", "kind", "role", "share"]]
