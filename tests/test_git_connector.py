"""connectors.git against real repositories built with git in the test."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from connectors.base import SourceError
from connectors.git import actor_for_email, fetch_git
from connectors.records import Activity, Identity, Item

from gitrepo import Repo

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)
ALICE = ("Alice Smith", "Alice@Acme.com")
BOB = ("Bob Dev", "12345+bob-dev@users.noreply.github.com")
CAROL = ("Carol King", "carol@acme.com")


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


@pytest.fixture
def history(tmp_path):
    """main: alice adds billing, bob adds search, alice renames, feature branch by carol merged."""
    repo = Repo(tmp_path / "web")
    shas = {}
    shas["a1"] = repo.commit(ALICE, day(0), {"src/billing/old.py": "x\n", "README.md": "hi\n"}, "billing")
    shas["b1"] = repo.commit(BOB, day(1), {"src/search/index.py": "x\n"}, "search")
    shas["a2"] = repo.commit(ALICE, day(2), move=("src/billing/old.py", "src/billing/new.py"), message="rename")
    repo.git("checkout", "-q", "-b", "feature")
    shas["c1"] = repo.commit(CAROL, day(3), {"docs/guide é.md": "doc\n"}, "docs with a space")
    repo.git("checkout", "-q", "main")
    shas["b2"] = repo.commit(BOB, day(4), {"src/search/index.py": "y\n"}, "tune")
    shas["merge"] = repo.merge("feature", ALICE, day(5))
    return repo, shas


def records(batches):
    out = []
    for b in batches:
        out += b.records
    return out


def of(recs, cls):
    return [r for r in recs if isinstance(r, cls)]


def test_records_items_activities_identities(history):
    repo, shas = history
    batches = list(fetch_git(repo.path, repo="acme/web"))
    recs = records(batches)
    items = {i.id: i for i in of(recs, Item)}
    assert set(items) == {f"github:acme/web@{shas[k]}" for k in ("a1", "b1", "a2", "c1", "b2")}  # merge skipped
    rename = items[f"github:acme/web@{shas['a2']}"]
    assert rename.paths == ["src/billing/new.py"]  # the new path only
    assert rename.kind == "commit" and rename.source == "git" and rename.title == "rename"
    assert rename.url == f"https://github.com/acme/web/commit/{shas['a2']}"
    assert rename.repo == "acme/web" and rename.created_at == day(2)
    assert items[f"github:acme/web@{shas['a1']}"].paths == ["README.md", "src/billing/old.py"]
    assert items[f"github:acme/web@{shas['c1']}"].paths == ["docs/guide é.md"]

    acts = {a.item: a for a in of(recs, Activity)}
    assert len(acts) == 5 and all(a.kind == "commit" and a.id == a.item + "/commit" for a in acts.values())
    assert acts[f"github:acme/web@{shas['a1']}"].actor == "email:alice@acme.com"
    assert acts[f"github:acme/web@{shas['b1']}"].actor == "github:bob-dev"  # noreply address
    assert acts[f"github:acme/web@{shas['c1']}"].at == day(3)

    idents = {i.id: i for i in of(recs, Identity)}
    assert idents["email:alice@acme.com"].name == "Alice Smith"
    assert idents["email:alice@acme.com"].email == "alice@acme.com"
    assert idents["github:bob-dev"].name == "Bob Dev"
    assert set(idents) == {"email:alice@acme.com", "github:bob-dev", "email:carol@acme.com"}
    # every record survives the JSONL contract
    for r in recs:
        assert type(r).model_validate(r.to_json()) == r


def test_merges_on_request_and_ids_without_repo(history):
    repo, shas = history
    recs = records(fetch_git(repo.path, include_merges=True))
    ids = {i.id for i in of(recs, Item)}
    assert f"git:web@{shas['merge']}" in ids and len(ids) == 6
    assert all(i.url is None and i.repo is None for i in of(recs, Item))


def test_batches_are_oldest_first_and_resumable(history):
    repo, shas = history
    batches = list(fetch_git(repo.path, repo="acme/web", batch_size=2))
    assert [len(of(b.records, Item)) for b in batches] == [2, 2, 1]
    assert batches[0].cursor["sha"] == shas["b1"]  # the last commit written, oldest first
    assert batches[-1].cursor == {"sha": shas["merge"], "at": "2026-10-06T09:00:00Z", "branch": "main"}
    assert all(b.item_prefix == "github:acme/web@" and b.present_item_ids is None for b in batches)
    # a sync that stopped after the first batch resumes and misses nothing
    resumed = records(fetch_git(repo.path, repo="acme/web", cursor=batches[0].cursor))
    assert {i.id.split("@")[1] for i in of(resumed, Item)} == {shas[k] for k in ("a2", "c1", "b2")}


def test_incremental_resync_reads_only_new_commits(history):
    repo, shas = history
    first = list(fetch_git(repo.path, repo="acme/web"))
    cursor = first[-1].cursor
    again = list(fetch_git(repo.path, repo="acme/web", cursor=cursor))
    assert len(again) == 1 and again[0].records == [] and again[0].cursor == cursor
    new = repo.commit(CAROL, day(6), {"docs/more.md": "x\n"}, "more docs")
    later = list(fetch_git(repo.path, repo="acme/web", cursor=cursor))
    assert [i.id for i in of(records(later), Item)] == [f"github:acme/web@{new}"]
    assert later[-1].cursor["sha"] == new


def test_rewritten_history_or_other_branch_reads_everything(history):
    repo, shas = history
    cursor = list(fetch_git(repo.path, repo="acme/web"))[-1].cursor
    repo.git("reset", "-q", "--hard", shas["b2"])  # the cursor's commit left the branch
    recs = records(fetch_git(repo.path, repo="acme/web", cursor=cursor))
    assert len(of(recs, Item)) == 4  # a1, b1, a2, b2
    other = dict(cursor, branch="feature")  # a cursor of another branch does not apply
    assert len(of(records(fetch_git(repo.path, repo="acme/web", cursor=other)), Item)) == 4
    junk = dict(cursor, sha="--all")  # a damaged cursor reads everything, never becomes an option
    assert len(of(records(fetch_git(repo.path, repo="acme/web", cursor=junk)), Item)) == 4


def test_full_names_every_item_still_on_the_branch(history):
    repo, shas = history
    cursor = list(fetch_git(repo.path, repo="acme/web"))[-1].cursor
    batches = list(fetch_git(repo.path, repo="acme/web", cursor=cursor, full=True, batch_size=2))
    assert batches[-1].present_item_ids == {f"github:acme/web@{shas[k]}" for k in ("a1", "b1", "a2", "c1", "b2")}
    assert all(b.present_item_ids is None for b in batches[:-1])


def test_branch_and_since(history):
    repo, shas = history
    feature = records(fetch_git(repo.path, repo="acme/web", branch="feature"))
    assert {i.id.split("@")[1] for i in of(feature, Item)} == {shas[k] for k in ("a1", "b1", "a2", "c1")}
    recent = records(fetch_git(repo.path, repo="acme/web", since="2026-10-04T12:00:00Z"))
    assert {i.id.split("@")[1] for i in of(recent, Item)} == {shas["b2"]}


def test_default_branch_of_a_clone_is_origin_head(history, tmp_path):
    repo, shas = history
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(clone)], check=True, env=repo.env)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "-b", "mine", shas["a1"]], check=True, env=repo.env)
    batches = list(fetch_git(clone, repo="acme/web"))
    assert batches[-1].cursor["branch"] == "origin/main"
    assert len(of(records(batches), Item)) == 5


def test_one_git_log_process_whatever_the_history_length(history, monkeypatch):
    repo, _ = history
    for n in range(30):
        repo.commit(ALICE, day(10 + n), {f"src/f{n}.py": "x\n"}, f"c{n}")
    calls = []
    real_popen = subprocess.Popen  # subprocess.run goes through Popen too
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(a[0]) or real_popen(*a, **k))
    assert len(of(records(fetch_git(repo.path)), Item)) == 35
    assert sum("--name-only" in c for c in calls) == 1 and len(calls) <= 6


def test_errors_are_one_line(tmp_path, history):
    repo, _ = history
    with pytest.raises(SourceError, match=r"^git: .*missing: no such directory") as e1:
        list(fetch_git(tmp_path / "missing"))
    (tmp_path / "plain").mkdir()
    with pytest.raises(SourceError, match="not a git repository") as e2:
        list(fetch_git(tmp_path / "plain"))
    with pytest.raises(SourceError, match="branch 'nope' not found") as e3:
        list(fetch_git(repo.path, branch="nope"))
    with pytest.raises(SourceError, match="is not a branch name") as e4:
        list(fetch_git(repo.path, branch="--output=/tmp/x"))
    for e in (e1, e2, e3, e4):
        assert "\n" not in str(e.value)


def test_empty_repository_is_a_clear_error(tmp_path):
    repo = Repo(tmp_path / "empty")
    with pytest.raises(SourceError, match="not found"):
        list(fetch_git(repo.path))


@pytest.mark.parametrize("email, actor", [
    ("12345+Octo-Cat@users.noreply.github.com", "github:Octo-Cat"),
    ("octocat@users.noreply.github.com", "github:octocat"),
    (" Bob@Example.COM ", "email:bob@example.com"),
    ("", None),
])
def test_actor_for_email(email, actor):
    assert actor_for_email(email) == actor


def test_missing_git_command_is_one_line(history, monkeypatch, tmp_path):
    repo, _ = history
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(SourceError, match="^git: the git command was not found"):
        list(fetch_git(repo.path))
