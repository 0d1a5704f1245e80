"""Shared set-up of the dashboard tests: stores in tmp, the app under AppTest.

`tiny_org` writes a three-area organisation (config + records) whose numbers are
easy to check by hand; `demo_store` loads the bundled demo organisation
(data/sample) into a fresh SQLite file. Neither touches anything outside tmp.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from streamlit.testing.v1 import AppTest

from connectors.records import parse_record, read_records
from zonemap.store import Store

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
SAMPLE = ROOT / "data" / "sample"
XSS_TITLE = "<img src=x onerror=alert(1)>"
VIEWS = ["coverage", "area", "people", "graph", "planning", "data"]

TINY_TOML = """
[settings]
window_weeks = 4

[[people]]
id = "alice"
name = "Alice Smith"
role = "product"
team = "Growth"
identities = ["github:alice"]

[[people]]
id = "bob"
name = "Bob Okafor"
role = "engineering"
team = "Core"
identities = ["github:bob"]

[[people]]
id = "dana"
name = "Dana Lee"
role = "design"
team = "Growth"
identities = ["github:dana"]

[[areas]]
id = "billing"
name = "Billing"
stage = "ship"
taste_makers = ["alice"]
requires = ["engineering"]
labels = ["area:billing"]

[[areas]]
id = "search"
name = "Search"
stage = "explore"
taste_makers = ["dana"]
requires = ["engineering"]
labels = ["area:search"]
"""
TINY_AS_OF = datetime(2026, 11, 22, tzinfo=timezone.utc).date()


def tiny_records() -> list[dict]:
    """Bob codes in Billing every week; Alice comments there; Dana designs Search.

    Billing: taste-maker Alice present; Search: Dana present, engineering only from
    Bob's one exploration PR (whose title is an HTML payload)."""
    end = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
    recs: list[dict] = []

    def item(n, label, title, draft=False):
        recs.append({"type": "item", "id": f"github:acme/web#{n}", "source": "github", "kind": "pull_request",
                     "title": title, "url": f"https://github.com/acme/web/pull/{n}", "repo": "acme/web",
                     "labels": [label], "draft": draft, "state": "open"})

    def act(n, kind, actor, days):
        recs.append({"type": "activity", "id": f"github:acme/web#{n}/{kind}/{actor}/{days}",
                     "item": f"github:acme/web#{n}", "kind": kind, "actor": actor,
                     "at": (end - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")})

    item(1, "area:billing", "Fix plan picker")
    item(2, "area:search", "Search results page")
    item(3, "area:search", XSS_TITLE, draft=True)
    item(4, "misc", "Unmapped chore")
    for d in range(0, 28, 3):
        act(1, "pr_opened", "github:bob", d)
        act(1, "issue_commented", "github:alice", d)
        act(2, "issue_commented", "github:dana", d)
        act(4, "commit", "github:eve", d)
    act(3, "pr_opened", "github:bob", 1)
    recs.append({"type": "identity", "id": "github:eve", "name": "Eve Adams", "email": "eve@acme.com"})
    return recs


def write_org(folder: Path, toml: str = TINY_TOML, records: list[dict] | None = None) -> tuple[Path, Path]:
    """A config and a filled store in ``folder``: (config path, db path)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "zones.toml"
    config.write_text(toml, encoding="utf-8")
    db = folder / "zonemap.db"
    store = Store(db)
    store.upsert([parse_record(r) for r in (tiny_records() if records is None else records)])
    store.close()
    return config, db


def load_demo(db: Path, extra: list[dict] = ()) -> Path:
    """The demo organisation's records (plus ``extra``) in a new store at ``db``."""
    store = Store(db)
    store.upsert(read_records(SAMPLE / "records.jsonl.gz"))
    if extra:
        store.upsert([parse_record(r) for r in extra])
    store.close()
    return db


def app(monkeypatch, config: Path | str, db: Path | str | None, **params: str) -> AppTest:
    """The dashboard under AppTest on ``config``/``db`` with URL ``params``; not yet run."""
    monkeypatch.setenv("ZONEMAP_CONFIG", str(config))
    if db is None:
        monkeypatch.delenv("ZONEMAP_DB", raising=False)
    else:
        monkeypatch.setenv("ZONEMAP_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def texts(at: AppTest) -> str:
    """Everything an AppTest run shows as text (markdown, alerts, metrics, captions, titles),
    with Markdown's bold marks and backslash escapes removed, as a reader sees it."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "warning", "error",
                                  "info", "success") for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts).replace("**", ""))


def dumps(records: list[dict]) -> str:
    return "\n".join(json.dumps(r) for r in records)
