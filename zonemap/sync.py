"""`zonemap sync`: the one place where connectors meet the store.

Each source has an adapter module (`zonemap.sync_<source>`) with
``batches(cfg, store, full, progress, options) -> Iterator[Batch | SourceError]``: it
reads credentials and cursors and yields the connector's batches. Here every batch is
committed together with its cursor (one transaction), so an interrupted sync resumes
where it stopped. A yielded :class:`SourceError` ends one scope (a repository, a
query) and the others go on; a raised one ends the source. Either way what was
committed stays, the failing batch leaves nothing, and the exit status is 1. Error lines
are scrubbed of credentials (``connectors.secrets``) once more before they are kept.
"""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from connectors.base import Batch, SourceError
from connectors.secrets import scrub

from .config import Config
from .store import Store

ADAPTERS = {"github": "zonemap.sync_github", "jira": "zonemap.sync_jira", "git": "zonemap.sync_git"}


@dataclass
class SyncOutcome:
    counts: dict[str, Counter] = field(default_factory=dict)  # source -> record counts (+ removed, batches)
    errors: list[str] = field(default_factory=list)  # one line each
    failed: set[str] = field(default_factory=set)  # sources with at least one failed scope
    resume_at: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def configured_sources(cfg: Config) -> list[str]:
    out = []
    if cfg.github is not None:
        out.append("github")
    if cfg.jira is not None:
        out.append("jira")
    if cfg.git:
        out.append("git")
    return out


def run_sync(cfg: Config, store: Store, sources: list[str] | None = None, *, full: bool = False,
             progress: Any = None, options: dict | None = None,
             echo: Callable[[str], None] = print) -> SyncOutcome:
    """Sync the given (default: all configured) sources into the store."""
    outcome = SyncOutcome()
    for source in sources or configured_sources(cfg):
        adapter = importlib.import_module(ADAPTERS[source])
        counts: Counter = Counter()
        outcome.counts[source] = counts
        try:
            for batch in adapter.batches(cfg, store, full=full, progress=progress, options=options or {}):
                if isinstance(batch, SourceError):
                    _failed(outcome, source, batch)
                    continue
                assert isinstance(batch, Batch)
                written = store.write_batch(source, batch)
                counts.update({k: v for k, v in written.items() if v})
                counts["batches"] += 1
        except SourceError as exc:
            _failed(outcome, source, exc)
    return outcome


def _failed(outcome: SyncOutcome, source: str, exc: SourceError) -> None:
    where = f"{source} {exc.scope}" if exc.scope else source
    outcome.errors.append(scrub(f"{where}: {exc}"))  # the last guard: no credential in a shown line
    outcome.failed.add(source)
    if exc.resume_at:
        outcome.resume_at = exc.resume_at


PLURAL = {"item": "items", "activity": "activities", "identity": "identities", "component": "components"}


def describe_counts(counts) -> str:
    """'3 items, 10 activities, 2 identities' (types with no records left out)."""
    return ", ".join(f"{counts[k]} {plural}" for k, plural in PLURAL.items() if counts.get(k))


def summary_lines(outcome: SyncOutcome) -> list[str]:
    lines = []
    for source, counts in outcome.counts.items():
        text = describe_counts(counts) or ("nothing stored" if source in outcome.failed else "no changes")
        if source in outcome.failed:
            text += " (failed: see below)"
        if counts.get("removed"):
            text += f", {counts['removed']} items removed upstream"
        lines.append(f"{source}: {text}")
    return lines
