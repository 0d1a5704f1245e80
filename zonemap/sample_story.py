"""The planted situations of the demo organisation (see data/sample/README.md).

Each situation is made by shaping an area (who may work there, which roles its
items need, how often its explorations get a look) or by scripting every activity
of a few people week by week, so the FTE the analysis computes for them is exact
and the situation holds at `DEMO_AS_OF` whatever the background draws.

A scripted person-week is a list of ``(area, role, share)``; each week is 20 weight
units, so a share of 0.1 is 2 units: one opened item (weight 2), a share of 0.15
is 3 units: an opened item and a comment (weight 1).
"""

from __future__ import annotations

import numpy as np

from .sample_org import DES, ENG, PRO, AreaSpec, Identities, PersonSpec
from .sample_work import (COMMIT, DEPENDENCY, ISSUE, ISSUE_COMMENTED, JIRA, JIRA_COMMENTED, MERGED, OPEN, PR,
                          PR_MERGED, AREA_LABEL, BOT, COMPONENT, WEEK, Work, WorkBuilder, work_time)

UNITS = 20          # weight units in one scripted person-week
MIN_AREAS, MIN_PEOPLE, MIN_WEEKS = 14, 30, 20


def applies(n_areas: int, n_people: int, n_weeks: int) -> bool:
    """The planted situations need the named areas, enough background people and the
    weeks their scripts refer to."""
    return n_areas >= MIN_AREAS and n_people >= MIN_PEOPLE and n_weeks >= MIN_WEEKS


def shape_areas(areas: list[AreaSpec], weeks: int, window: int = 12) -> None:
    """Give the named areas their situations (numbers refer to data/sample/README.md)."""
    by = {a.id: a for a in areas}
    by["integrations"].tm_wanted = 0                                  # 1. no taste-maker
    by["analytics"].tm_wanted = 0                                     # 2. absent taste-maker
    by["analytics"].taste_makers = ["priya-raman"]
    by["admin"].roles = (0.7, 0.0, 0.3)                               # 3. no design work
    by["admin"].requires = ["engineering", "design", "product"]
    by["ai-assistant"].explore, by["ai-assistant"].curation = 0.45, 0.1   # 4. uncurated prototypes
    by["checkout"].tm_wanted = 3                                      # 5. three taste-makers
    by["search"].tm_wanted = 0                                        # 6a. gap opens this week
    by["search"].taste_makers = ["marco-bianchi"]
    by["onboarding"].roles = (0.7, 0.0, 0.3)                          # 6b. gap closes this week
    by["reports-legacy"].weeks = (window + 2, weeks - 1)              # 7. inactive areas
    by["reports-legacy"].requires = ["engineering"]
    by["marketplace"].weight = 0.0


# Scripted people: (first, last, declared role, team, primary role).
SCRIPTED = [("Priya", "Raman", "product", "Insights", PRO), ("Marco", "Bianchi", "design", "Discovery", DES),
            ("Yuki", "Tanaka", "design", "Growth", DES), ("Lena", "Fischer", "design", "Growth", DES),
            ("Theo", "Martin", "engineering", "Payments", ENG)]


def scripted_people(ids: Identities) -> list[PersonSpec]:
    out = []
    for first, last, declared, team, role in SCRIPTED:
        pid, login, account, email = ids.person(first, last)
        mix = np.eye(3)[role]
        out.append(PersonSpec(id=pid, name=f"{first} {last}", team=team, declared_role=declared, mix=mix,
                              homes={}, level=1.0, github=login, jira=account, email=email,
                              config_identities=[f"github:{login}", f"jira:{account}", f"email:{email}"],
                              scripted=True))
    return out


def plan(person: str, week: int) -> list[tuple[str, int, float]]:
    """What a scripted person did in ``week`` (0 = the week ending on as_of)."""
    if person == "priya-raman":      # steers Analytics, but moved to Pricing 18 weeks ago
        if week >= 18:
            return [("analytics", PRO, 0.6), ("analytics", ENG, 0.1), ("pricing", PRO, 0.3)]
        return [("analytics", PRO, 0.05), ("pricing", PRO, 0.85), ("pricing", ENG, 0.1)]
    if person == "marco-bianchi":    # steered Search until week 12, then moved to Mobile
        if week >= 12:
            return [("search", DES, 0.7), ("search", PRO, 0.3)]
        if week >= 6:
            return [("search", DES, 0.1), ("mobile", DES, 0.6), ("mobile", PRO, 0.3)]
        return [("mobile", DES, 0.7), ("mobile", PRO, 0.3)]
    if person == "yuki-tanaka":      # the only designer touching Onboarding, lightly
        return [("onboarding", DES, 0.15), ("notifications", DES, 0.55), ("notifications", PRO, 0.3)]
    if person == "lena-fischer":     # joined this week, full-time on Onboarding design
        return [("onboarding", DES, 1.0)] if week == 0 else []
    if person == "theo-martin":      # poked at Marketplace for two weeks
        if week in (2, 3):
            return [("marketplace", ENG, 0.5), ("billing", ENG, 0.5)]
        return [("billing", ENG, 1.0)]
    return []


def scripted_work(areas: list[AreaSpec], people: list[PersonSpec], weeks: int, end: int,
                  rng: np.random.Generator) -> Work:
    """Every activity of the scripted people, oldest week first."""
    area_index = {a.id: i for i, a in enumerate(areas)}
    b = WorkBuilder()
    last_item: dict[tuple, int] = {}
    for j, person in enumerate(people):
        if not person.scripted:
            continue
        for week in range(weeks - 1, -1, -1):
            for area_id, role, share in plan(person.id, week):
                units = int(round(share * UNITS))
                a = area_index[area_id]
                times = np.sort(work_time(np.full(units, week), end, rng))
                if role == ENG:
                    for t in times:
                        b.item(a, COMMIT, ENG, j, int(t), tag=0, state=MERGED, pick=int(rng.integers(2**31)))
                    continue
                kind, comment = (ISSUE, ISSUE_COMMENTED) if role == DES else (JIRA, JIRA_COMMENTED)
                key = (j, a, role)
                i = 0
                while i < units:
                    if units - i >= 2:
                        last_item[key] = b.item(a, kind, role, j, int(times[i]), tag=AREA_LABEL | COMPONENT,
                                                pick=int(rng.integers(2**31)))
                        i += 2
                        for t in times[i:min(units, i + 4)]:
                            b.act(last_item[key], comment, j, int(t))
                        i = min(units, i + 4)
                    else:   # one unit left: a comment on their latest item here
                        b.act(last_item[key], comment, j, int(times[i]))
                        i += 1
    return b.build()


def bot_work(people: list[PersonSpec], unmapped: int, weeks: int, end: int,
             rng: np.random.Generator) -> Work:
    """A dependency-update PR by github:dependabot[bot] in each of the latest ``weeks``
    weeks (exclude_actors drops the bot); an engineer merges most of them."""
    b = WorkBuilder()
    engineers = [j for j, p in enumerate(people) if p.declared and not p.scripted and p.primary == ENG]
    for week in range(weeks - 1, -1, -1):
        t = int(work_time(np.array([week]), end, rng)[0])
        merged = bool(engineers) and rng.random() < 0.7
        item = b.item(unmapped, PR, ENG, BOT, t, tag=DEPENDENCY, state=MERGED if merged else OPEN,
                      pick=int(rng.integers(2**31)))
        if merged:
            merger = engineers[int(rng.integers(len(engineers)))]
            b.act(item, PR_MERGED, merger, min(t + int(rng.integers(3600, 2 * 86400)), end - 1 - week * WEEK))
    return b.build()
