"""End to end, no token: a clone with a CODEOWNERS file -> `zonemap sync --source git` -> report."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta, timezone

import pytest

from zonemap.store import Store

from gitrepo import Repo

AS_OF = "2026-11-20"
END = datetime(2026, 11, 21, tzinfo=timezone.utc)
ALICE = ("Alice Smith", "alice@acme.com")
BOB = ("Bob Dev", "12345+bob-dev@users.noreply.github.com")
CAROL = ("Carol King", "carol@acme.com")
DAVE = ("Dave Doe", "dave@acme.com")
CODEOWNERS = textwrap.dedent("""\
    *             @acme/everyone
    /src/billing/ @alice-s
    /src/search/  @bob-dev
    /docs/        @carol
    """)


@pytest.fixture
def project(tmp_path):
    """A clone with a year-old CODEOWNERS and 12 weeks of work; carol, who owns docs/, left it a year ago."""
    repo = Repo(tmp_path / "web")
    old = END - timedelta(days=400)
    repo.commit(CAROL, old, {".github/CODEOWNERS": CODEOWNERS, "docs/index.md": "v1\n"}, "owners")
    for week in reversed(range(12)):
        at = END - timedelta(days=7 * week + 2)
        repo.commit(ALICE, at, {"src/billing/plan.py": f"{week}\n"}, f"billing {week}")
        repo.commit(BOB, at + timedelta(hours=1), {"src/search/rank.py": f"{week}\n"}, f"search {week}")
        repo.commit(DAVE, at + timedelta(hours=2), {f"docs/page{week}.md": "x\n"}, f"docs {week}")
    config = tmp_path / "zones.toml"
    config.write_text(textwrap.dedent("""\
        [[git]]
        path = "web"
        repo = "acme/web"

        [[codeowners]]
        file = "web/.github/CODEOWNERS"
        repo = "acme/web"

        [[people]]
        id = "alice"
        name = "Alice Smith"
        role = "product"
        identities = ["github:alice-s", "email:alice@acme.com"]
        """), encoding="utf-8")
    return repo, config


def test_sync_then_incremental_resync(project, cli, tmp_path):
    repo, config = project
    first = cli("--config", config, "sync", "--source", "git")
    assert first.exit_code == 0, first.output
    assert "git: 37 items, 37 activities, 4 identities" in first.stdout
    store = Store(tmp_path / "zonemap.db")
    scope = str((tmp_path / "web").resolve())
    assert store.get_cursor("git", scope) == {"sha": repo.head(), "at": "2026-11-19T02:00:00Z", "branch": "main"}
    assert store.counts()["items"] == 37

    again = cli("--config", config, "sync", "--source", "git")
    assert again.exit_code == 0 and "git: no changes" in again.stdout

    new = repo.commit(DAVE, END - timedelta(hours=1), {"docs/late.md": "x\n"}, "late")
    third = cli("--config", config, "sync", "--source", "git")
    assert "git: 1 items, 1 activities" in third.stdout
    assert store.get_cursor("git", scope)["sha"] == new and store.counts()["items"] == 38
    store.close()


def test_missing_clone_fails_with_one_line(project, cli, tmp_path):
    _, config = project
    config.write_text(config.read_text().replace('path = "web"', 'path = "gone"'), encoding="utf-8")
    result = cli("--config", config, "sync", "--source", "git")
    assert result.exit_code == 1
    assert "no such directory" in result.output and "Traceback" not in result.output


def test_report_shows_the_absent_owner(project, cli):
    pytest.importorskip("zonemap.report")
    _, config = project
    assert cli("--config", config, "sync", "--source", "git").exit_code == 0
    result = cli("--config", config, "report", "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    areas = {a["id"]: a for a in report["areas"]}
    docs, billing, search = areas["co-web-docs"], areas["co-web-src-billing"], areas["co-web-src-search"]
    assert docs["active"] and {"type": "absent_taste_maker"} in docs["gaps"]
    assert docs["taste_makers"] == [{"id": "github:carol", "fte": 0.0, "present": False}]
    for area, owner in ((billing, "alice"), (search, "github:bob-dev")):  # noreply -> github:login
        assert area["active"] and not {g["type"] for g in area["gaps"]} & {"absent_taste_maker", "no_taste_maker"}
        assert area["taste_makers"][0]["id"] == owner and area["taste_makers"][0]["present"]
    assert not areas["co-web-all"]["active"]  # nothing outside the owned folders changed lately
