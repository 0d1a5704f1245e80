"""The synthetic organisation's work as column arrays: items and the activities on them.

`background` draws the bulk of the work with numpy in a handful of vectorised steps
(item area -> role -> author -> kind -> time; follow-ups -> actor -> kind -> time), so a
million activities take seconds.  `WorkBuilder` collects hand-written work (the
planted situations, the dependency bot) in the same form, and `Work.concat` joins them.
Nothing here knows about record ids or JSON: `zonemap.sample` turns the arrays into records.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .sample_org import ENG, AreaSpec, PersonSpec

DAY = 86_400
WEEK = 7 * DAY
ISSUE, PR, COMMIT, JIRA = 0, 1, 2, 3                       # item kinds
OPEN, CLOSED, MERGED = 0, 1, 2                            # item states
BOT = -1                                                  # author/actor: the dependency bot
# Activity kinds, as indices into connectors.records.ACTIVITY_KINDS.
(ISSUE_OPENED, ISSUE_COMMENTED, ISSUE_CLOSED, ISSUE_LABELED, PR_OPENED, PR_REVIEWED, PR_COMMENTED,
 PR_MERGED, COMMIT_, JIRA_CREATED, JIRA_COMMENTED, JIRA_TRANSITIONED, JIRA_UPDATED) = range(13)
OPENING = np.array([ISSUE_OPENED, PR_OPENED, COMMIT_, JIRA_CREATED])
# Item tags (bit flags) that decide labels, components and paths.
AREA_LABEL, COMPONENT, SHARED_PATH, DEPENDENCY = 1, 2, 4, 8

FOLLOWUPS = np.array([1.8, 3.2, 0.0, 2.2])                # mean follow-ups per item kind
KIND_BY_ROLE = np.array([[0.00, 0.45, 0.45, 0.10],        # engineering: PRs, commits, a few tickets
                         [0.50, 0.15, 0.00, 0.35],        # design: design issues, PRs, tickets
                         [0.40, 0.00, 0.00, 0.60]])       # product: issues and tickets
UNMAPPED_SHARE = 0.08                                     # of the area weight, for unmapped work
UNMAPPED_ROLES = (0.85, 0.0, 0.15)


@dataclass
class Work:
    # items
    area: np.ndarray       # area index; len(areas) = unmapped
    kind: np.ndarray       # ISSUE, PR, COMMIT, JIRA
    role: np.ndarray       # ENG, DES, PRO: design items carry a design label
    author: np.ndarray     # person index, BOT
    created: np.ndarray    # seconds since the epoch
    explore: np.ndarray    # bool: a draft PR or a prototype/spike-labelled item
    state: np.ndarray      # OPEN, CLOSED, MERGED
    tag: np.ndarray        # AREA_LABEL | COMPONENT | SHARED_PATH | DEPENDENCY
    pick: np.ndarray       # a random int per item for titles and paths
    # activities
    act_item: np.ndarray   # item index
    act_kind: np.ndarray   # activity kind code
    act_actor: np.ndarray  # person index, BOT
    act_at: np.ndarray     # seconds since the epoch

    @classmethod
    def concat(cls, parts: list["Work"]) -> "Work":
        offsets = np.cumsum([0] + [len(p.area) for p in parts[:-1]])
        cols = {f.name: np.concatenate([getattr(p, f.name) + (off if f.name == "act_item" else 0)
                                        for p, off in zip(parts, offsets)]) for f in fields(cls)}
        return cls(**cols)

    @property
    def n_activities(self) -> int:
        return len(self.act_item)


class WorkBuilder:
    """Collects hand-written items and activities one by one."""

    def __init__(self):
        self.items: list[tuple] = []
        self.acts: list[tuple] = []

    def item(self, area: int, kind: int, role: int, author: int, created: int, *, tag: int,
             state: int = OPEN, pick: int = 0) -> int:
        self.items.append((area, kind, role, author, created, False, state, tag, pick))
        self.act(len(self.items) - 1, int(OPENING[kind]), author, created)
        return len(self.items) - 1

    def act(self, item: int, kind: int, actor: int, at: int) -> None:
        self.acts.append((item, kind, actor, at))

    def build(self) -> Work:
        it = np.array(self.items, dtype=np.int64).reshape(-1, 9)
        ac = np.array(self.acts, dtype=np.int64).reshape(-1, 4)
        return Work(area=it[:, 0], kind=it[:, 1], role=it[:, 2], author=it[:, 3], created=it[:, 4],
                    explore=it[:, 5].astype(bool), state=it[:, 6], tag=it[:, 7], pick=it[:, 8],
                    act_item=ac[:, 0], act_kind=ac[:, 1], act_actor=ac[:, 2], act_at=ac[:, 3])


def work_time(week: np.ndarray, end: int, rng: np.random.Generator) -> np.ndarray:
    """A working-hours moment (mostly Monday to Friday) in each given week (0 = the latest)."""
    day = rng.choice(7, size=len(week), p=[0.19, 0.19, 0.19, 0.19, 0.18, 0.03, 0.03])
    sec = rng.integers(7 * 3600, 19 * 3600, size=len(week))
    return end - (np.asarray(week) + 1) * WEEK + day * DAY + sec


def memberships(areas: list[AreaSpec], people: list[PersonSpec]) -> np.ndarray:
    """Who may act where: weights of shape (5, areas + 1, people) for the pools
    engineering, design, product (by role mix), curators (product/design people and
    the area's taste-makers), and engineering-first people (for explorations' reviews)."""
    n_areas, n_people = len(areas) + 1, len(people)
    home = np.zeros((n_areas, n_people))
    for j, p in enumerate(people):
        if not p.scripted:
            for a, w in p.homes.items():
                home[a, j] = w * p.level
    mix = np.array([p.mix for p in people])                         # (people, 3)
    roles = np.array([a.roles for a in areas] + [UNMAPPED_ROLES])    # (areas + 1, 3)
    pools = np.zeros((5, n_areas, n_people))
    pools[:3] = home[None] * mix.T[:, None, :] * (roles.T[:, :, None] > 0)
    primary = np.array([p.primary for p in people])
    declared = np.array([p.declared for p in people])
    pools[3] = home * ((primary != ENG) & declared)[None]
    pools[4] = home * (primary == ENG)[None]
    index = {p.id: j for j, p in enumerate(people)}
    for a, area in enumerate(areas):
        for tm in area.taste_makers:
            if tm in index and not people[index[tm]].scripted:
                pools[3, a, index[tm]] += people[index[tm]].level
    return pools


def _pick(pool: np.ndarray, area: np.ndarray, weights: np.ndarray, fallback: np.ndarray,
          rng: np.random.Generator) -> np.ndarray:
    """One person per row, drawn from ``weights[pool, area]`` (grouped, so it stays vectorised)."""
    out = np.zeros(len(area), dtype=np.int64)
    u = rng.random(len(area))
    key = pool * weights.shape[1] + area
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    for chunk in np.split(order, bounds) if len(order) else ():
        p, a = divmod(int(key[chunk[0]]), weights.shape[1])
        row = weights[p, a]
        if row.sum() <= 0:
            row = weights[:3, a].sum(0)
        if row.sum() <= 0:
            row = fallback
        cdf = np.cumsum(row) / row.sum()
        out[chunk] = np.minimum(np.searchsorted(cdf, u[chunk], side="right"), len(row) - 1)
    return out


def _choose_rows(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A categorical draw per row of ``probs`` (rows sum to 1)."""
    return np.minimum((rng.random(len(probs))[:, None] > np.cumsum(probs, axis=1)).sum(1), probs.shape[1] - 1)


def background(areas: list[AreaSpec], people: list[PersonSpec], n_activities: int, weeks: int,
               end: int, rng: np.random.Generator) -> Work:
    """Exactly ``n_activities`` activities of the non-scripted people, on new items."""
    if n_activities <= 0:
        return WorkBuilder().build()
    n_areas = len(areas)
    newest = np.array([a.weeks[0] if a.weeks else 0 for a in areas] + [0])
    oldest = np.array([min(a.weeks[1], weeks - 1) if a.weeks else weeks - 1 for a in areas] + [weeks - 1])
    weight = np.array([a.weight for a in areas] + [0.0]) * (newest <= oldest)
    weight[-1] = max(weight.sum(), 1.0) * UNMAPPED_SHARE
    pools = memberships(areas, people)
    fallback = np.array([0.0 if p.scripted else p.level for p in people])

    n = max(1, n_activities // 3)
    area = rng.choice(n_areas + 1, size=n, p=weight / weight.sum())
    area_roles = np.array([a.roles for a in areas] + [UNMAPPED_ROLES])
    role = _choose_rows(area_roles[area], rng)
    author = _pick(role, area, pools, fallback, rng)
    kind = _choose_rows(KIND_BY_ROLE[role], rng)
    if (kind == COMMIT).all() and n_activities > n:
        kind[0] = PR                # something must carry the follow-ups (tiny organisations)
    week = newest[area] + (rng.random(n) * (oldest[area] - newest[area] + 1)).astype(np.int64)
    created = work_time(week, end, rng)
    explore_p = np.array([a.explore for a in areas] + [0.0])[area]
    explore = (kind != COMMIT) & (rng.random(n) < np.where(kind == PR, explore_p, 0.6 * explore_p))
    curated = explore & (rng.random(n) < np.array([a.curation for a in areas] + [0.0])[area])

    follow = rng.poisson(FOLLOWUPS[kind])
    follow = np.where(curated, np.maximum(follow, 1), follow)
    follow = _fit_total(follow, n_activities - n, kind, curated, rng)
    curated &= follow > 0
    state = np.where(explore | (follow == 0), OPEN, np.where(
        kind == PR, rng.choice([MERGED, CLOSED, OPEN], size=n, p=[0.75, 0.05, 0.2]),
        np.where(rng.random(n) < 0.55, CLOSED, OPEN)))
    state = np.where(kind == COMMIT, MERGED, state)
    has_component = np.array([a.component is not None for a in areas] + [False])[area]
    tag = (AREA_LABEL * ((area < n_areas) & (rng.random(n) < 0.88))
           | COMPONENT * (has_component & (rng.random(n) < 0.9))
           | SHARED_PATH * ((kind == PR) & (rng.random(n) < 0.12)))
    pick = rng.integers(0, 2**31, size=n)

    fi = np.repeat(np.arange(n), follow)
    start = np.cumsum(follow) - follow
    pos = np.arange(len(fi)) - start[fi]
    delay = rng.exponential(2.0 * DAY, size=len(fi))
    csum = np.cumsum(delay)
    within = csum - (csum[start[fi]] - delay[start[fi]]) if len(fi) else csum
    limit = end - newest[area[fi]] * WEEK - created[fi]
    at = created[fi] + (within.astype(np.int64) % np.maximum(limit, 1))
    at = np.maximum(at - at % DAY + rng.integers(7 * 3600, 20 * 3600, size=len(at)), created[fi] + 60)
    order = np.lexsort((at, fi))
    at = at[order]                      # fi is sorted already, so only times move
    last = np.r_[fi[1:] != fi[:-1], True] if len(fi) else np.zeros(0, bool)

    fk = kind[fi]
    expl = explore[fi]
    base = np.where(rng.random(len(fi)) < 0.35, _choose_rows(area_roles[area[fi]], rng), role[fi])
    pool = np.where(expl, np.where((pos == 0) & curated[fi], 3, 4), base)
    actor = _pick(pool, area[fi], pools, fallback, rng)
    look = np.flatnonzero((pool == 3) & (actor == author[fi]))   # a first look by someone else
    actor[look] = _pick(pool[look], area[fi][look], pools, fallback, rng)
    r = rng.random(len(fi))
    akind = np.select(
        [fk == ISSUE, fk == PR],
        [np.where(r < 0.85, ISSUE_COMMENTED, ISSUE_LABELED), np.where(r < 0.5, PR_REVIEWED, PR_COMMENTED)],
        np.where(r < 0.55, JIRA_COMMENTED, np.where(r < 0.8, JIRA_UPDATED, JIRA_TRANSITIONED)))
    first_look = np.array([ISSUE_COMMENTED, PR_REVIEWED, COMMIT_, JIRA_COMMENTED])[fk]
    akind = np.where(expl & (pos == 0) & curated[fi], first_look, akind)
    st = state[fi]
    akind = np.where(last & (fk == PR) & (st == MERGED), PR_MERGED, akind)
    akind = np.where(last & (fk == ISSUE) & (st == CLOSED), ISSUE_CLOSED, akind)
    akind = np.where(last & (fk == JIRA) & (st == CLOSED), JIRA_TRANSITIONED, akind)

    return Work(area=area, kind=kind, role=role, author=author, created=created, explore=explore,
                state=state, tag=tag, pick=pick,
                act_item=np.concatenate([np.arange(n), fi]),
                act_kind=np.concatenate([OPENING[kind], akind]),
                act_actor=np.concatenate([author, actor]),
                act_at=np.concatenate([created, at]))


def _fit_total(follow: np.ndarray, target: int, kind: np.ndarray, curated: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Add or remove follow-ups at random so they total exactly ``target`` (commits get none;
    curated explorations keep their first look unless there is no other way)."""
    follow = follow.copy()
    diff = int(follow.sum()) - target
    if diff > 0:
        spare = follow - curated.astype(np.int64)
        if spare.sum() < diff:      # tiny organisations: first looks go too
            spare = follow
        slots = np.repeat(np.arange(len(follow)), spare)
        drop = rng.choice(len(slots), size=min(diff, len(slots)), replace=False)
        np.subtract.at(follow, slots[drop], 1)
    elif diff < 0:
        np.add.at(follow, rng.choice(np.flatnonzero(kind != COMMIT), size=-diff), 1)
    return follow
