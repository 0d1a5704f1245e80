"""Shared set-up of the GitHub sync tests: a fake GitHub, its config, its expected records."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

from fake_github import FakeGitHub
from fake_github_data import Org

from zonemap.store import Store

TOKEN = "ghp_s3cr3tTOKENvalue0123456789abcdef"
TOKEN_ENV = "ZM_TEST_GITHUB_TOKEN"
REPOS = ["acme/web", "acme/api"]
FAST = {"seconds_between_requests": 0, "backoff_factor": 0.01, "secondary_rate_wait": 0.2,
        "max_rate_limit_wait": 5, "retries": 4}


def make_fake(**kw) -> FakeGitHub:
    return FakeGitHub(Org(), token=TOKEN, **kw).start()


def config_text(fake: FakeGitHub, repos: list[str] | None = REPOS, org: str | None = None, **github) -> str:
    """A zones.toml for the fake org: its areas (by label and path) and two declared people."""
    settings = {**FAST, **github}
    lines = ["[settings]", "window_weeks = 12", "", "[github]", f'base_url = "{fake.base_url}"',
             f'token_env = "{TOKEN_ENV}"']
    if repos is not None:
        lines.append("repos = [" + ", ".join(f'"{r}"' for r in repos) + "]")
    if org:
        lines.append(f'org = "{org}"')
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    lines += ["", "[[people]]", 'id = "alice"', 'name = "Alice Smith"', 'role = "product"',
              'identities = ["github:alice-s"]', "", "[[people]]", 'id = "carol"', 'role = "design"',
              'identities = ["github:carol-d"]']
    for area in ("billing", "search", "onboarding"):
        lines += ["", "[[areas]]", f'id = "{area}"', f'name = "{area.title()}"', 'taste_makers = ["alice"]',
                  f'labels = ["area:{area}"]', f'paths = ["src/{area}/**"]']
    return "\n".join(lines) + "\n"


def write_setup(tmp_path: Path, fake: FakeGitHub, name: str = "zones.toml", **kw) -> tuple[Path, Path]:
    cfg = tmp_path / name
    cfg.write_text(config_text(fake, **kw), encoding="utf-8")
    return cfg, tmp_path / (Path(name).stem + ".db")


def env() -> dict[str, str]:
    return {TOKEN_ENV: TOKEN, "COLUMNS": "200"}


def snapshot(db: Path) -> dict[str, str]:
    """Every stored record as canonical JSON, by (type, id)."""
    s = Store(db)
    try:
        return {f"{r['type']}:{r['id']}": json.dumps(r, sort_keys=True) for r in s.iter_records()}
    finally:
        s.close()


def counts_by_kind(db: Path) -> Counter:
    out: Counter = Counter()
    for key, raw in snapshot(db).items():
        r = json.loads(raw)
        out[(r["type"], r.get("kind"))] += 1
    return out


def expected_counts(org: Org, repos: list[str] = REPOS) -> Counter:
    """Records by (type, kind) that a full sync of ``repos`` stores."""
    c: Counter = Counter()
    identities = set()
    for name in repos:
        r = org.repos[name]
        for e in r.entries.values():
            c[("item", "pull_request" if e.pr else "issue")] += 1
            c[("activity", "pr_opened" if e.pr else "issue_opened")] += 1
            c[("activity", "pr_merged")] += bool(e.pr and e.merged)
            c[("activity", "issue_closed")] += bool(not e.pr and e.closed)
            c[("activity", "pr_reviewed")] += sum(1 for rv in e.reviews if rv["submitted"] is not None)
        for cm in r.comments:
            on_pr = r.entries[cm.number].pr
            c[("activity", "pr_commented" if on_pr else "issue_commented")] += 1
        for commit in r.commits:
            c[("item", "commit")] += 1
            c[("activity", "commit")] += 1
            identities.add(f"github:{commit.login}" if commit.login else f"email:{commit.email}")
    c[("identity", None)] = len(identities)
    return +c


def pages(n: int) -> int:
    return max(1, math.ceil(n / 100))


def expected_full_requests(org: Org, repos: list[str] = REPOS) -> int:
    """Requests of a first sync: each list's pages, plus one GraphQL query per 50 detailed entries."""
    total = 0
    for name in repos:
        r = org.repos[name]
        detailed = sum(1 for e in r.entries.values() if e.pr or e.closed)
        total += pages(len(r.entries)) + pages(sum(1 for c in r.comments if not c.review))
        total += pages(sum(1 for c in r.comments if c.review)) + math.ceil(detailed / 50) + pages(len(r.commits))
    return total
