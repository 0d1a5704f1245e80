"""The areas and people of the synthetic organisation (`zonemap.sample`).

Everything here is drawn from one seeded ``numpy.random.Generator`` in a fixed order,
so the same seed gives the same organisation.  The first areas are the hand-named
ones of the demo (`NAMED_AREAS`); more areas get generated names.  People get a
declared role (their title) and an *actual* role mix, which is what their activity
will show; a few are deliberately mismatched (a designer who mostly writes code).
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass, field

import numpy as np

ROLES = ("engineering", "design", "product")
ENG, DES, PRO = 0, 1, 2
STAGE_WEIGHT = {"ship": 1.0, "validate": 0.8, "prototype": 0.6, "explore": 0.5}
STAGE_EXPLORE = {"ship": 0.05, "validate": 0.1, "prototype": 0.25, "explore": 0.35}


@dataclass
class AreaSpec:
    """One area: its config selectors and how much background work it draws."""

    id: str
    name: str
    stage: str
    team: str
    repo: str                      # where its code lives ...
    root: str                      # ... and under which folder
    project: str                   # its Jira project
    component: str | None          # its Jira component (level-1 selector) or None
    weight: float                  # share of the background items
    roles: tuple[float, float, float] = (0.6, 0.2, 0.2)   # item role mix (eng, design, product)
    explore: float = 0.05          # chance that an item is an exploration
    curation: float = 0.95         # chance that an exploration gets a taste-maker's look
    weeks: tuple[int, int] | None = None  # (newest, oldest) week with background work; None: all
    path_rule: bool = True         # a level-2 `paths` selector for `repo:root/**`
    repos: list[str] = field(default_factory=list)      # level-3 selectors
    projects: list[str] = field(default_factory=list)
    epics: list[str] = field(default_factory=list)
    requires: list[str] | None = None
    taste_makers: list[str] = field(default_factory=list)
    tm_wanted: int = 1             # taste-makers to pick among the background people

    @property
    def label(self) -> str:
        return f"area:{self.id}"


def _area(id, name, stage, team, repo, root, project, weight, **kw) -> AreaSpec:
    return AreaSpec(id=id, name=name, stage=stage, team=team, repo=repo, root=root, project=project,
                    component=kw.pop("component", name), weight=weight,
                    explore=kw.pop("explore", STAGE_EXPLORE[stage]), **kw)


# The demo's areas; `sample_story` gives some of them their planted situation.
NAMED_AREAS = [
    _area("billing", "Billing", "ship", "Payments", "acme/web", "src/billing", "BILL", 1.2, epics=["BILL-1"]),
    _area("search", "Search", "ship", "Discovery", "acme/api", "services/search", "WEB", 1.0),
    _area("onboarding", "Onboarding", "validate", "Growth", "acme/web", "src/onboarding", "GROW", 0.8),
    _area("checkout", "Checkout", "ship", "Payments", "acme/web", "src/checkout", "BILL", 1.0),
    _area("notifications", "Notifications", "ship", "Growth", "acme/api", "services/notifications", "GROW", 0.7),
    _area("identity", "Accounts & Identity", "ship", "Platform", "acme/api", "services/auth", "PLAT", 0.8,
          component="Identity"),
    _area("analytics", "Analytics", "validate", "Insights", "acme/data", "pipelines", "DATA", 0.8,
          component=None, path_rule=False, repos=["acme/data"], projects=["DATA"]),
    _area("mobile", "Mobile App", "validate", "Mobile", "acme/mobile", "app", "MOB", 1.0,
          component=None, path_rule=False, repos=["acme/mobile"], projects=["MOB"]),
    _area("integrations", "Integrations", "prototype", "Platform", "acme/api", "services/integrations", "PLAT", 0.7),
    _area("ai-assistant", "AI Assistant", "explore", "Discovery", "acme/web", "src/assistant", "LAB", 0.7),
    _area("admin", "Admin Console", "ship", "Platform", "acme/web", "src/admin", "PLAT", 0.6),
    _area("pricing", "Pricing Experiments", "prototype", "Payments", "acme/web", "src/pricing", "BILL", 0.5),
    _area("reports-legacy", "Legacy Reports", "ship", "Insights", "acme/web", "src/reports", "DATA", 0.6),
    _area("marketplace", "Marketplace", "explore", "Discovery", "acme/web", "src/marketplace", "LAB", 0.0),
]

_AREA_WORDS = ["Partner", "Fleet", "Ledger", "Invoice", "Catalog", "Loyalty", "Referral", "Tax", "Payout",
               "Inventory", "Shipping", "Returns", "Support", "Calendar", "Messaging", "Media", "Locale",
               "Compliance", "Audit", "Warehouse", "Booking", "Review", "Coupon", "Wallet", "Survey"]
_AREA_NOUNS = ["Portal", "Engine", "Sync", "Hub", "Insights", "Flows", "Console", "Service", "Widgets",
               "Rules", "Alerts", "Exports", "Imports", "Scheduler", "Gateway", "Center"]
_TEAMS = ["Atlas", "Beacon", "Comet", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper"]
_REPOS = [("acme/web", "src"), ("acme/api", "services")]
_PROJECTS = ["CORE", "OPS2", "EXT", "SHOP", "FIN"]


def build_areas(n: int, rng: np.random.Generator) -> list[AreaSpec]:
    """The first ``n`` named areas, then generated ones ("Partner Portal", ...)."""
    areas = copy.deepcopy(NAMED_AREAS[:n])   # callers shape and fill them in
    extra = n - len(areas)
    if extra <= 0:
        return areas
    combos = [(w, s) for w in _AREA_WORDS for s in _AREA_NOUNS]
    picks = rng.permutation(len(combos))
    stages = rng.choice(list(STAGE_WEIGHT), size=extra, p=[0.45, 0.25, 0.15, 0.15])
    weights = rng.lognormal(0.0, 0.5, size=extra)
    for i in range(extra):
        word, noun = combos[picks[i % len(combos)]]
        suffix = "" if i < len(combos) else f" {i // len(combos) + 1}"
        name = f"{word} {noun}{suffix}"
        slug = name.lower().replace(" ", "-")
        repo, top = _REPOS[i % len(_REPOS)]
        stage = str(stages[i])
        areas.append(_area(slug, name, stage, _TEAMS[i % len(_TEAMS)], repo, f"{top}/{slug}",
                           _PROJECTS[i % len(_PROJECTS)], float(weights[i]) * STAGE_WEIGHT[stage],
                           tm_wanted=0 if i % 10 == 9 else 1))
    return areas


# Background people whose title is not their work: index -> (actual role, declared role).
MISMATCHED = {3: (ENG, DES), 8: (PRO, ENG), 13: (DES, PRO)}
_FIRST = ["Alice", "Bob", "Carol", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam",
          "Maya", "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Ximena",
          "Yara", "Zane", "Amir", "Bianca", "Chen", "Dara", "Emil", "Fatima", "Gus", "Hana", "Ivan", "Jade",
          "Kofi", "Lucía", "Mateo", "Nora", "Oscar", "Paula", "Rafael", "Sara", "Tomás", "Ulla", "Vikram",
          "Willa", "Yusuf", "Zoë", "Anya", "Ben", "Clara", "Dmitri", "Eva", "Felix", "Gita", "Hugo", "Isla",
          "Jamal", "Kira", "Leo", "Mina", "Nils", "Ola", "Pia", "Ravi", "Selin", "Timo", "Una", "Arjun",
          "Beatriz", "Cyrus", "Daniela", "Erik", "Freya", "Gabriel", "Helga", "Ibrahim", "Jana", "Kai",
          "Lars", "Mei", "Nadia", "Omar", "Petra", "Rui", "Sofia", "Tobias", "Valentina"]
_LAST = ["Smith", "Okafor", "Nguyen", "García", "Müller", "Kowalski", "Haddad", "Sato", "Silva", "Johansson",
         "Patel", "Rossi", "Dubois", "Kim", "Novak", "Andersen", "Mensah", "Costa", "Ivanova", "Fernández",
         "Larsen", "Chowdhury", "Becker", "Moreau", "Yilmaz", "Nakamura", "O'Brien", "Schmidt", "Lindqvist",
         "Achebe", "Park", "Romero", "Wójcik", "Hughes", "Tanaka", "Bauer", "Jensen", "Alvarez", "Singh",
         "Petrov", "Walsh", "Mbeki", "Herrera", "Virtanen", "Horvat", "Lopez", "Ahmed", "Baker", "Cohen",
         "Diaz", "Eriksson", "Fischer", "Greco", "Hansen", "Ito", "Jovanovic", "Khan", "Lee", "Meyer",
         "Nielsen", "Olsen", "Pereira", "Quispe", "Reyes", "Santos", "Torres", "Ueda", "Vargas", "Weber",
         "Zhang", "Abara", "Brennan", "Castillo", "Dalton", "Ekström", "Ferreira", "Gallagher", "Hoffmann"]


@dataclass
class PersonSpec:
    """One human: config entry, identities, and how they spend their time."""

    id: str
    name: str
    team: str | None
    declared_role: str | None      # title in the config
    mix: np.ndarray                # actual role mix (eng, design, product), sums to 1
    homes: dict[int, float]        # area index (len(areas) = unmapped work) -> weight
    level: float                   # activity level
    github: str | None
    jira: str | None
    email: str
    config_identities: list[str]   # what the config lists (empty: undeclared)
    jira_shows_email: bool = True  # Jira Cloud privacy hides some addresses
    scripted: bool = False         # all their activity is scripted by `sample_story`

    @property
    def declared(self) -> bool:
        return bool(self.config_identities)

    @property
    def primary(self) -> int:
        """The role their activity will mostly show."""
        return int(np.argmax(self.mix))


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c in "-.")


def _mix(role: int, rng: np.random.Generator, strength: float) -> np.ndarray:
    """A role mix that leans ``strength`` towards ``role`` and splits the rest randomly."""
    rest = rng.dirichlet([1.0, 1.0])
    out = np.empty(3)
    others = [r for r in range(3) if r != role]
    out[role] = strength
    out[others] = (1 - strength) * rest
    return out


class Identities:
    """Hands out unique logins, Jira account ids and emails."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, base: str) -> str:
        name, n = base, 2
        while name in self.used:
            name, n = f"{base}{n}", n + 1
        self.used.add(name)
        return name

    def person(self, first: str, last: str) -> tuple[str, str, str, str]:
        """(person id, github login, jira account id, email) for a new person."""
        f, l = ascii_slug(first).replace(".", ""), ascii_slug(last).replace(".", "")
        style = int(self.rng.integers(4))
        login = [f"{f}{l[:1]}", f"{f[:1]}{l}", f"{f}-{l}", f"{f}{l[:3]}"][style]
        account = "5" + self.rng.bytes(12).hex()[:23]
        pid = self._unique(f"{f}-{l}")
        github = self._unique("github:" + login).removeprefix("github:")
        return pid, github, account, f"{pid.replace('-', '.')}@acme.com"


def build_people(n: int, areas: list[AreaSpec], scripted: list[PersonSpec],
                 rng: np.random.Generator, ids: Identities) -> list[PersonSpec]:
    """``n`` declared people (the scripted ones first), then two undeclared contributors.

    Background people get a primary area round-robin per role so every area with work
    has engineers, designers and product people; taste-makers are picked afterwards
    by `assign_taste_makers`.
    """
    unmapped = len(areas)
    count = max(0, n - len(scripted))
    roles = rng.choice(3, size=count, p=[0.62, 0.18, 0.20])
    names = rng.choice(len(_FIRST) * len(_LAST), size=count, replace=count > len(_FIRST) * len(_LAST))
    levels = rng.lognormal(0.0, 0.35, size=count)
    # Areas that can be someone's primary: with background work up to now.
    live = [i for i, a in enumerate(areas) if a.weight > 0 and a.weeks is None]
    side = [i for i, a in enumerate(areas) if a.weight > 0]
    cursor = {r: 0 for r in range(3)}
    order = {r: [i for i in rng.permutation(live) if areas[i].roles[r] > 0] for r in range(3)}
    people = list(scripted)
    for k in range(count):
        role = int(roles[k])
        first, last = _FIRST[names[k] // len(_LAST) % len(_FIRST)], _LAST[names[k] % len(_LAST)]
        pid, login, account, email = ids.person(first, last)
        strength = float(rng.uniform(0.7, 0.9))
        actual, declared = MISMATCHED[k] if k in MISMATCHED and count > 20 else (role, role)
        if actual != declared:
            strength = 0.72
        homes: dict[int, float] = {}
        pool = order[actual] or live
        if pool:
            primary = pool[cursor[actual] % len(pool)]
            cursor[actual] += 1
            homes[primary] = float(rng.uniform(0.6, 0.85))
            extra = [i for i in side if i != primary and areas[i].roles[actual] > 0]
            n_extra = min(len(extra), int(rng.integers(0, 3)))
            for j in rng.choice(extra, size=n_extra, replace=False) if n_extra else ():
                homes[int(j)] = float(rng.uniform(0.1, 0.3))
        if actual == ENG and rng.random() < 0.35 or not homes:
            homes[unmapped] = float(rng.uniform(0.1, 0.3))
        style = rng.random()
        config = [f"github:{login}", f"jira:{account}", f"email:{email}"] if style < 0.65 else \
            [f"github:{login}", f"email:{email}"]
        main = max(homes, key=homes.get)
        team = areas[main].team if main < unmapped else "Platform"
        people.append(PersonSpec(
            id=pid, name=f"{first} {last}", team=team, declared_role=ROLES[declared],
            mix=_mix(actual, rng, strength), homes=homes, level=float(levels[k]), github=login,
            jira=account, email=email, config_identities=config,
            jira_shows_email=style >= 0.65 or rng.random() < 0.5))
    return people + _undeclared(areas, rng, ids)


def _undeclared(areas: list[AreaSpec], rng: np.random.Generator, ids: Identities) -> list[PersonSpec]:
    """A contractor (GitHub and Jira, merged only by email) and a former employee."""
    by_id = {a.id: i for i, a in enumerate(areas)}
    unmapped = len(areas)
    ids.used.update({"github:jdoe-ext", "github:old-timer"})
    contractor_home = {by_id["integrations"]: 0.6, unmapped: 0.4} if "integrations" in by_id else {unmapped: 1.0}
    former_home = {by_id["reports-legacy"]: 1.0} if "reports-legacy" in by_id else {unmapped: 1.0}
    eng = np.array([0.9, 0.0, 0.1])
    return [
        PersonSpec(id="github:jdoe-ext", name="Jordan Doe", team=None, declared_role=None, mix=eng,
                   homes=contractor_home, level=1.0, github="jdoe-ext", jira="5" + rng.bytes(12).hex()[:23],
                   email="jordan@doe-consulting.dev", config_identities=[]),
        PersonSpec(id="github:old-timer", name="Pat Old", team=None, declared_role=None, mix=eng,
                   homes=former_home, level=0.8, github="old-timer", jira="5" + rng.bytes(12).hex()[:23],
                   email="pat.old@acme.com", config_identities=[]),
    ]


def assign_taste_makers(areas: list[AreaSpec], people: list[PersonSpec]) -> None:
    """Give each area its ``tm_wanted`` taste-makers from the background product and
    design people: the least busy, preferring those whose main area it is and whose
    role the area needs.  A chosen person's main area becomes this one, so they are
    present there (and joins its team)."""
    cands = [p for p in people if p.declared and not p.scripted and p.primary in (DES, PRO)
             and p.declared_role in ("design", "product")]
    if not cands:
        return
    steering = np.zeros(len(cands), dtype=np.int64)
    home = np.array([max(p.homes, key=p.homes.get) for p in cands])
    role = np.array([p.primary for p in cands])
    position = np.arange(len(cands))
    for i, area in enumerate(areas):
        needed = np.array(area.roles)[role] == 0
        for _ in range(area.tm_wanted):
            taken = np.array([p.id in area.taste_makers for p in cands])
            best = int(np.lexsort((position, taken, needed, home != i, steering))[0])
            if taken[best]:
                break
            p = cands[best]
            if steering[best] == 0 and area.weight > 0 and area.weeks is None:
                p.homes = {k: v * 0.3 for k, v in p.homes.items() if k != i}
                p.homes[i] = 0.8
                p.team = area.team
                home[best] = i
            steering[best] += 1
            area.taste_makers.append(p.id)
