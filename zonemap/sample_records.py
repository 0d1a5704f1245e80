"""Turning the synthetic organisation into files: records (DESIGN.md's JSONL contract)
and ``zones.toml`` (DESIGN.md's config format).

`records` is a generator of JSON lines (and a few plain dicts) in the key order of
`connectors.records`' ``to_json``, so `write_records` streams a million of them
without building pydantic models; the tests read every line back with
``read_records(strict=True)``.
"""

from __future__ import annotations

import json
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Iterator

import numpy as np

from connectors.records import ACTIVITY_KINDS

from .sample_org import DES, ENG, AreaSpec, PersonSpec
from .sample_work import (AREA_LABEL, BOT, CLOSED, COMMIT, COMPONENT, DEPENDENCY, ISSUE, JIRA, MERGED, PR,
                          SHARED_PATH, Work)

BOT_ID = "github:dependabot[bot]"
JIRA_URL = "https://acme.atlassian.net"
ITEM_KINDS = ("issue", "pull_request", "commit", "jira_issue")
_THINGS = ["plan picker", "invoice email", "empty state", "rate limits", "retry logic", "settings page",
           "search filters", "date picker", "error toasts", "CSV export", "webhook payloads", "audit trail",
           "permissions check", "dark mode", "pagination", "caching layer", "sign-up form", "mobile layout",
           "feature flag", "onboarding checklist", "currency rounding", "timezone handling", "bulk actions",
           "keyboard shortcuts", "loading skeletons", "API client", "status badges", "usage limits"]
_TITLES = {  # (item kind, role) -> templates; explorations have their own
    (ISSUE, ENG): ["Bug: {t} breaks on Safari", "Tech debt: clean up {t}"],
    (ISSUE, DES): ["Design: rethink the {t}", "UX research: how people use the {t}"],
    (ISSUE, 2): ["Spec: {t} for enterprise plans", "Customers ask for better {t}"],
    (PR, ENG): ["Fix {t}", "Refactor {t}", "Add tests for {t}", "Speed up {t}"],
    (PR, DES): ["Polish {t} styles", "Implement new {t} design"],
    (COMMIT, ENG): ["fix: {t}", "chore: tidy {t}", "feat: {t}", "test: cover {t}"],
    (JIRA, ENG): ["Investigate {t} errors", "Upgrade {t} dependency"],
    (JIRA, DES): ["Design review: {t}", "Usability test for {t}"],
    (JIRA, 2): ["As a customer I want {t}", "Define success metrics for {t}"],
}
_EXPLORE_TITLES = ["Prototype: {t}", "Spike: could we automate {t}?", "Try a new {t}", "Experiment: {t} v2"]
_SUBDIRS = ["components", "api", "hooks", "models", "views", "utils", "tests"]
_FILES = ["index.ts", "client.ts", "store.ts", "form.tsx", "list.tsx", "handlers.py", "models.py", "service.go"]
_UNMAPPED_PATHS = ["terraform/modules/network.tf", "k8s/deploy.yaml", ".github/workflows/ci.yml",
                   "docs/runbook.md", "scripts/release.sh", "docker/Dockerfile"]
_MISC = {ISSUE: [[], ["bug"], ["enhancement"], ["tech-debt"]], PR: [[], [], ["bug"], ["refactor"]]}
_SUFFIX = [k.split("_", 1)[-1] for k in ACTIVITY_KINDS]      # activity id suffix by kind code
_ONCE = {0, 4, 8, 9}                                          # opened, opened, commit, created: one per item
_ISSUE_TYPES = {ENG: ["Task", "Bug"], DES: ["Design"], 2: ["Story", "Story", "Epic"]}


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _times(seconds: np.ndarray) -> list[str]:
    return [s + "Z" for s in np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s").tolist()]


def _item_numbers(work: Work, keys: np.ndarray) -> np.ndarray:
    """Issue/PR numbers per repo and ticket numbers per project, in creation order."""
    order = np.lexsort((np.arange(len(keys)), work.created, keys))
    ranks = np.empty(len(keys), dtype=np.int64)
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    ranks[order] = np.arange(len(keys)) - group_start + 1
    return ranks


def _places(work: Work, areas: list[AreaSpec]) -> tuple[list[str], list[str], list[str]]:
    """(repo, project, root) of every item; unmapped work lives in acme/infra, acme/web docs, OPS."""
    repo = [a.repo for a in areas] + ["acme/infra"]
    project = [a.project for a in areas] + ["OPS"]
    root = [a.root for a in areas] + [""]
    docs = (work.area == len(areas)) & (work.pick % 4 == 0)
    repos = np.where(work.tag & DEPENDENCY | docs, "acme/web", np.array(repo, dtype=object)[work.area])
    return repos.tolist(), np.array(project, dtype=object)[work.area].tolist(), \
        np.array(root, dtype=object)[work.area].tolist()


def _paths(kind: int, area: int, tag: int, pick: int, root: str, n_areas: int) -> list[str]:
    if tag & DEPENDENCY:
        return ["package.json", "package-lock.json"]
    if kind not in (PR, COMMIT):
        return []
    count = 1 + pick % 3
    if area == n_areas:
        return [_UNMAPPED_PATHS[(pick >> (3 * i)) % len(_UNMAPPED_PATHS)] for i in range(count)]
    paths = [f"{root}/{_SUBDIRS[(pick >> (4 * i)) % 7]}/{_FILES[(pick >> (4 * i + 2)) % 8]}" for i in range(count)]
    paths = list(dict.fromkeys(paths))
    return paths + ["src/shared/format.ts"] if tag & SHARED_PATH else paths


def records(work: Work, areas: list[AreaSpec], people: list[PersonSpec], rng: np.random.Generator,
            counts: dict) -> Iterator[dict | str]:
    """Identities, components, items (by creation time), then activities (by time), as
    dicts or (the bulk) as encoded JSON lines for `write_records`; ``counts`` gets the
    number of records of each type."""
    ids, urls = _item_ids(work, areas, rng)
    comps = [a for a in areas if a.component]
    counts.update(identities=2 * len(people) + 1, components=len(comps), items=len(ids),
                  activities=work.n_activities)
    return chain(_identities(people, comps), _items(work, areas, ids, urls),
                 _activities(work, people, ids))


def _identities(people: list[PersonSpec], comps: list[AreaSpec]) -> Iterator[dict]:
    for p in people:
        yield {"type": "identity", "id": f"github:{p.github}", "name": p.name, "email": p.email}
        yield {"type": "identity", "id": f"jira:{p.jira}", "name": p.name,
               "email": p.email if p.jira_shows_email else None}
    yield {"type": "identity", "id": BOT_ID, "name": "dependabot[bot]", "email": None}
    index = {p.id: p for p in people}
    for a in comps:
        lead = index.get(a.taste_makers[0]) if a.taste_makers else None
        yield {"type": "component", "id": f"jira:{a.project}/{a.component}", "project": a.project,
               "name": a.component, "lead": f"jira:{lead.jira}" if lead else None}


def _item_ids(work: Work, areas: list[AreaSpec], rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Record ids and web URLs: ``github:acme/web#12``, ``github:acme/web@<sha>``, ``jira:BILL-7``."""
    repos, projects, _ = _places(work, areas)
    github = work.kind != JIRA
    numbers = _item_numbers(work, np.where(github, np.array(repos, dtype=object),
                                           np.array(projects, dtype=object)).astype(str)).tolist()
    shas = rng.bytes(20 * len(numbers)).hex()
    ids, urls = [], []
    for i, (kind, repo, project, number) in enumerate(zip(work.kind.tolist(), repos, projects, numbers)):
        if kind == JIRA:
            ids.append(f"jira:{project}-{number}"), urls.append(f"{JIRA_URL}/browse/{project}-{number}")
        elif kind == COMMIT:
            sha = shas[40 * i:40 * i + 40]
            ids.append(f"github:{repo}@{sha}"), urls.append(f"https://github.com/{repo}/commit/{sha}")
        else:
            page = "pull" if kind == PR else "issues"
            ids.append(f"github:{repo}#{number}"), urls.append(f"https://github.com/{repo}/{page}/{number}")
    return ids, urls


def _items(work: Work, areas: list[AreaSpec], ids: list[str], urls: list[str]) -> Iterator[str]:
    n_areas = len(areas)
    repos, projects, roots = _places(work, areas)
    updated = work.created.copy()
    np.maximum.at(updated, work.act_item, work.act_at)
    created_s, updated_s = _times(work.created), _times(updated)
    cols = [c.tolist() for c in (work.area, work.kind, work.role, work.explore, work.state, work.tag, work.pick)]
    for i in np.argsort(work.created, kind="stable").tolist():
        area, kind, role, explore, state, tag, pick = (c[i] for c in cols)
        spec = areas[area] if area < n_areas else None
        yield _encode(_item(ids[i], urls[i], kind, role, explore, state, tag, pick, spec, repos[i], projects[i],
                            _paths(kind, area, tag, pick, roots[i], n_areas), created_s[i], updated_s[i]))


def _activities(work: Work, people: list[PersonSpec], ids: list[str]) -> Iterator[str]:
    """Activity lines by time.  Ids, logins and times hold no character that JSON
    escapes, so the lines are formatted directly (a million in a few seconds)."""
    handles = [(f"github:{p.github}", f"jira:{p.jira}") for p in people]
    on_jira = (work.kind == JIRA).tolist()
    order = np.argsort(work.act_at, kind="stable")
    for a, i, k, actor, at in zip(order.tolist(), work.act_item[order].tolist(), work.act_kind[order].tolist(),
                                  work.act_actor[order].tolist(), _times(work.act_at[order])):
        item = ids[i]
        suffix = _SUFFIX[k] if k in _ONCE else f"{_SUFFIX[k]}/{10_000 + a}"
        who = BOT_ID if actor == BOT else handles[actor][on_jira[i]]
        yield (f'{{"type":"activity","id":"{item}/{suffix}","item":"{item}","kind":"{ACTIVITY_KINDS[k]}",'
               f'"actor":"{who}","at":"{at}"}}')


def _item(item_id, url, kind, role, explore, state, tag, pick, spec, repo, project, paths, created, updated) -> dict:
    thing = _THINGS[pick % len(_THINGS)]
    if tag & DEPENDENCY:
        title, labels = f"Bump {thing.split()[0]}-lib from 1.{pick % 9}.0 to 1.{pick % 9 + 1}.0", ["dependencies"]
    else:
        templates = _EXPLORE_TITLES if explore else _TITLES.get((kind, role)) or _TITLES[(kind, ENG)]
        title = templates[(pick >> 8) % len(templates)].format(t=thing)
        labels = [spec.label] if spec and tag & AREA_LABEL and kind != JIRA else []
        if role == DES and kind != COMMIT:
            labels.append("ux-research" if pick % 3 == 0 else "design")
        if explore:
            labels.append("spike" if kind == JIRA else "prototype" if kind == ISSUE or pick % 2 else "exploration")
        if kind in _MISC and role != DES:
            labels += _MISC[kind][(pick >> 12) % 4] if role == ENG else (["spec"] if pick % 2 else [])
    jira = kind == JIRA
    components = [spec.component] if jira and spec and spec.component and tag & COMPONENT else []
    issue_type = None
    if jira:
        types = ["Spike"] if explore else _ISSUE_TYPES[role]
        issue_type = types[(pick >> 16) % len(types)]
    if jira:
        status = "Done" if state == CLOSED else ("In Progress" if pick % 2 else "To Do")
    else:
        status = None if kind == COMMIT else {MERGED: "merged", CLOSED: "closed"}.get(state, "open")
    return {"type": "item", "id": item_id, "source": "jira" if jira else "github", "kind": ITEM_KINDS[kind],
            "title": title, "url": url, "repo": None if jira else repo, "project": project if jira else None,
            "labels": labels, "components": components,
            "epic": spec.epics[0] if jira and spec and spec.epics and pick % 3 == 0 else None,
            "issue_type": issue_type, "paths": paths, "draft": bool(explore and kind == PR), "state": status,
            "created_at": created, "updated_at": updated}


def _toml(value) -> str:
    """A TOML value: JSON's strings, numbers and arrays are valid TOML."""
    return json.dumps(value, ensure_ascii=False)


def write_config(path: Path, areas: list[AreaSpec], people: list[PersonSpec], as_of: date, seed: int) -> None:
    """``zones.toml`` in DESIGN.md's format, with the report date pinned to ``as_of``."""
    lines = [
        f"# A synthetic product organisation made by `zonemap sample` (seed {seed}).",
        "# Its activity ends on settings.as_of; see data/sample/README.md for what it shows.",
        "",
        "[settings]",
        f"as_of = {as_of.isoformat()}        # the report date of this frozen snapshot",
        "window_weeks = 12",
        "half_life_weeks = 0",
        "full_week_weight = 0",
        "active_min_fte = 0.25",
        "taste_maker_min_fte = 0.1",
        'roles = ["engineering", "design", "product"]',
        "role_min_fte = { engineering = 0.2, design = 0.2, product = 0.2 }",
        'taste_maker_roles = ["product", "design"]',
        'exploration_labels = ["prototype", "spike", "exploration"]',
        'exclude_actors = ["*[bot]"]',
        "",
        "# Live sources are not needed for the demo; to sync a real organisation:",
        "# [github]",
        '# token_env = "GITHUB_TOKEN"',
        '# repos = ["acme/web", "acme/api", "acme/mobile", "acme/data", "acme/infra"]',
        "# [jira]",
        '# url = "https://acme.atlassian.net"',
        '# email_env = "JIRA_EMAIL"',
        '# token_env = "JIRA_TOKEN"',
        '# jql = "project in (BILL, WEB, GROW, PLAT, DATA, MOB, LAB, OPS)"',
        "",
        "[[role_rules]]          # product specs are product work, whoever touches them",
        'role = "product"',
        'labels = ["spec"]',
    ]
    for p in sorted((p for p in people if p.declared), key=lambda p: p.id):
        lines += ["", "[[people]]", f"id = {_toml(p.id)}", f"name = {_toml(p.name)}"]
        if p.declared_role:
            lines.append(f"role = {_toml(p.declared_role)}")
        if p.team:
            lines.append(f"team = {_toml(p.team)}")
        lines.append(f"identities = {_toml(p.config_identities)}")
    for a in areas:
        lines += ["", "[[areas]]", f"id = {_toml(a.id)}", f"name = {_toml(a.name)}", f"stage = {_toml(a.stage)}",
                  f"taste_makers = {_toml(a.taste_makers)}"]
        if a.requires is not None:
            lines.append(f"requires = {_toml(a.requires)}")
        lines.append(f"labels = {_toml([a.label])}")
        for key, values in (("components", [a.component] if a.component else []), ("epics", a.epics),
                            ("paths", [f"{a.repo}:{a.root}/**"] if a.path_rule else []),
                            ("repos", a.repos), ("projects", a.projects)):
            if values:
                lines.append(f"{key} = {_toml(values)}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
