"""`zonemap sync --source git`: `[[git]]` entries of the config -> :func:`connectors.git.fetch_git`.

One scope per `[[git]]` entry, keyed by the clone's resolved path; the cursor is
the last commit written on the branch.  A clone that fails (missing, not a
repository, unknown branch) is reported as a :class:`SourceError` for its scope and
the other clones go on.  No credentials are involved.
"""

from __future__ import annotations

from typing import Any, Iterator

from connectors.base import Batch, SourceError
from connectors.git import fetch_git

from .config import Config
from .store import Store


def web_url(cfg: Config) -> str:
    """The web root commit links point to: github.com, or the Enterprise host of ``[github]``."""
    base = cfg.github.base_url.rstrip("/") if cfg.github is not None else "https://api.github.com"
    if base == "https://api.github.com":
        return "https://github.com"
    return base.removesuffix("/api/v3")


def batches(cfg: Config, store: Store, full: bool = False, progress: Any = None,
            options: dict | None = None) -> Iterator[Batch | SourceError]:
    """The batches of every configured clone, each with its advanced cursor.

    ``options["include_merges"]`` (default False) keeps merge commits.
    """
    options = options or {}
    for entry in cfg.git:
        path = (cfg.base_dir / entry.path).expanduser().resolve()
        scope = str(path)
        task = progress.add_task(f"git {entry.repo or path.name}", total=None, info="") if progress else None
        commits = 0
        try:
            for batch in fetch_git(path, repo=entry.repo, branch=entry.branch, since=entry.since,
                                   cursor=store.get_cursor("git", scope), full=full, scope=scope,
                                   include_merges=bool(options.get("include_merges", False)),
                                   web_url=web_url(cfg)):
                commits += sum(1 for r in batch.records if r.type == "item")
                if task is not None:
                    progress.update(task, completed=commits, info=f"{commits:,} commits")
                yield batch
        except SourceError as exc:
            exc.scope = exc.scope or (entry.repo or str(entry.path))
            yield exc
