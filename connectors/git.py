"""Local git history as a source: one streaming ``git log`` process, no API, no token.

:func:`fetch_git` reads a clone's history on one branch (the default branch unless
told otherwise) since a stored cursor and yields :class:`~connectors.base.Batch`es of
``commit`` items (with their paths), ``commit`` activities by author and ``email:``
identities.  It knows nothing of zonemap's config or store.

- Item ids follow the GitHub connector's scheme when the repository is named
  (``github:<owner/name>@<sha>``), so a commit seen by both sources is one item;
  otherwise ``git:<folder name>@<sha>``.  Activity ids are ``<item id>/commit``.
- The actor is ``email:<address>`` (lower case) or, for a GitHub noreply address
  (``NNN+login@users.noreply.github.com``), ``github:<login>``.  Names and addresses
  go through the repository's ``.mailmap``.
- Merge commits are skipped unless ``include_merges``; a rename records the new path.
- Commits come oldest first (``--reverse --topo-order``), so every batch's cursor
  (``{"sha", "at", "branch"}``, the last commit written) is safe to resume from:
  ``<sha>..<branch>`` holds everything not yet written.  The last batch's cursor is the
  branch tip itself, so the next run reads only what is new.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .base import Batch, SourceError
from .records import Activity, Identity, Item, format_time

BATCH_SIZE = 2000
PIPE_SIZE = 1 << 20
_NOREPLY = re.compile(r"^(?:\d+\+)?([^@+\s]+)@users\.noreply\.github\.com$", re.IGNORECASE)
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_FORMAT = "format:%x1e%H%x1f%at%x1f%ct%x1f%aN%x1f%aE%x1f%s"
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_PAGER": "cat", "GIT_CONFIG_NOSYSTEM": "1"}


def actor_for_email(email: str) -> str | None:
    """``github:<login>`` for a GitHub noreply address, else ``email:<address>``; None if empty."""
    address = email.strip()
    if not address:
        return None
    m = _NOREPLY.match(address)
    if m:
        return "github:" + m.group(1)
    return "email:" + address.lower()


def _git(path: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True,
                              env={**os.environ, **_GIT_ENV})
    except FileNotFoundError:
        raise SourceError("git: the git command was not found (install git, or put it on PATH)") from None


def _first_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    text = lines[0] if lines else "unknown error"
    return text.removeprefix("fatal: ").removeprefix("error: ")


def default_branch(path: Path) -> str:
    """The branch the remote calls default (``origin/HEAD``), else the checked-out one."""
    res = _git(path, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD")
    if res.returncode == 0 and res.stdout.strip():
        return res.stdout.strip()
    res = _git(path, "symbolic-ref", "-q", "--short", "HEAD")
    if res.returncode == 0 and res.stdout.strip():
        return res.stdout.strip()
    return "HEAD"


def _check_repo(path: Path) -> None:
    if not path.is_dir():
        raise SourceError(f"git: {path}: no such directory (set [[git]] path to a local clone)")
    res = _git(path, "rev-parse", "--git-dir")
    if res.returncode != 0:
        raise SourceError(f"git: {path}: {_first_line(res.stderr)}")


def _resolve(path: Path, ref: str) -> tuple[str, int] | None:
    """(sha, commit time) of a ref, or None when it does not name a commit."""
    res = _git(path, "log", "-1", "--format=%H %ct", f"{ref}^{{commit}}", "--")
    if res.returncode != 0 or not res.stdout.strip():
        return None
    sha, ct = res.stdout.split()
    return sha, int(ct)


def _usable_cursor(path: Path, cursor: dict | None, branch: str, tip: str) -> str | None:
    """The cursor's sha when it is an ancestor of the tip on the same branch, else None."""
    if not cursor or cursor.get("branch") != branch or not cursor.get("sha"):
        return None
    sha = str(cursor["sha"])
    if not _SHA.fullmatch(sha):
        return None
    res = _git(path, "merge-base", "--is-ancestor", sha, tip)
    return sha if res.returncode == 0 else None  # rewritten history: read it all again


def _tokens(stream) -> Iterator[bytes]:
    """The NUL-separated tokens of a byte stream, read in large chunks."""
    rest = b""
    while chunk := stream.read1(1 << 20):
        tokens = (rest + chunk).split(b"\0")
        rest = tokens.pop()
        yield from tokens
    if rest:
        yield rest


def _widen_pipe(stream) -> None:
    """A 1 MiB pipe (Linux): git keeps walking, several thousand commits ahead, while
    the consumer writes a batch to the store, instead of stalling on a full 64 KiB pipe."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError):  # not Linux, or a lower pipe-max-size: only slower
        pass


def _stream_commits(path: Path, rev: str, since: str | None,
                    include_merges: bool) -> Iterator[tuple[list[str], list[str]]]:
    """(header fields, paths) per commit, from one ``git log -z`` process, oldest first.

    Each commit is ``\\x1e`` + header fields joined by ``\\x1f`` + a newline, then its
    paths, each ended by a NUL (file names need no quoting that way).
    """
    args = ["git", "-C", str(path), "-c", "log.showSignature=false", "log", "-z", "--name-only",
            "-M", "--reverse", "--topo-order", "--no-color", "--no-ext-diff", "--no-textconv",
            "--use-mailmap", f"--format={_FORMAT}"]
    if not include_merges:
        args.append("--no-merges")
    if since:
        args.append(f"--since={since}")
    args += [rev, "--"]
    with tempfile.TemporaryFile() as errors:  # a file, so chatty stderr can never block the pipe
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors,
                                env={**os.environ, **_GIT_ENV})
        _widen_pipe(proc.stdout)
        header: list[str] | None = None
        paths: list[str] = []
        try:
            for token in _tokens(proc.stdout):
                if token.startswith(b"\x1e"):
                    if header is not None:
                        yield header, paths
                    head, _, first = token[1:].partition(b"\n")
                    header = head.decode("utf-8", "replace").split("\x1f", 5)
                    paths = [first.decode("utf-8", "replace")] if first else []
                elif token:
                    paths.append(token.decode("utf-8", "replace"))
            if header is not None:
                yield header, paths
        except BaseException:  # the consumer stopped or failed: do not leave git running
            proc.kill()
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        code = proc.wait()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if code != 0:
        raise SourceError(f"git: {path}: git log failed ({_first_line(stderr)})")


def fetch_git(path: str | Path, *, repo: str | None = None, branch: str | None = None,
              since: str | None = None, cursor: dict | None = None, full: bool = False,
              include_merges: bool = False, batch_size: int = BATCH_SIZE,
              scope: str | None = None, web_url: str = "https://github.com") -> Iterator[Batch]:
    """Yield batches of the history of ``branch`` (default: the default branch) since ``cursor``.

    ``repo`` ("owner/name") lines the ids up with the GitHub connector; ``since`` is
    anything ``git log --since`` accepts; ``full`` ignores the cursor and names every
    item still on the branch in the last batch (``present_item_ids``).  ``scope`` (the
    cursor key) defaults to the resolved path.  Raises :class:`SourceError` (one line).
    """
    path = Path(path).expanduser().resolve()
    scope = scope or str(path)
    _check_repo(path)
    branch = branch or default_branch(path)
    if branch.startswith("-"):  # never let a config value become a git option
        raise SourceError(f"git: {path}: {branch!r} is not a branch name (set [[git]] branch to a branch)")
    resolved = _resolve(path, branch)
    if resolved is None:
        raise SourceError(f"git: {path}: branch {branch!r} not found (set [[git]] branch to an existing branch)")
    tip, tip_time = resolved
    start = None if full else _usable_cursor(path, cursor, branch, tip)
    prefix = f"github:{repo}@" if repo else f"git:{path.name}@"
    tip_cursor = {"sha": tip, "at": format_time(datetime.fromtimestamp(tip_time, timezone.utc)),
                  "branch": branch}
    if start == tip:
        yield Batch(scope=scope, records=[], cursor=tip_cursor, item_prefix=prefix)
        return

    seen: set[str] | None = set() if full else None
    names: dict[str, str] = {}  # actor -> the name last written in this run
    records: list = []
    count = 0
    link = f"{web_url.rstrip('/')}/{repo}/commit/" if repo else None
    rev = f"{start}..{tip}" if start else tip
    for (sha, at, ct, name, email, subject), paths in _stream_commits(path, rev, since, include_merges):
        item_id = prefix + sha
        authored = datetime.fromtimestamp(int(at), timezone.utc)
        committed = datetime.fromtimestamp(int(ct), timezone.utc)
        records.append(Item(id=item_id, source="git", kind="commit", title=subject,
                            url=link + sha if link else None, repo=repo, paths=paths,
                            created_at=authored, updated_at=committed))
        actor = actor_for_email(email)
        if actor is not None:
            records.append(Activity(id=item_id + "/commit", item=item_id, kind="commit", actor=actor, at=authored))
            if names.get(actor) != name:
                names[actor] = name
                records.append(Identity(id=actor, name=name or None, email=email.strip().lower()))
        if seen is not None:
            seen.add(item_id)
        count += 1
        if count % batch_size == 0:
            cursor_now = {"sha": sha, "at": format_time(committed), "branch": branch}
            yield Batch(scope=scope, records=records, cursor=cursor_now, item_prefix=prefix)
            records = []
    yield Batch(scope=scope, records=records, cursor=tip_cursor, present_item_ids=seen, item_prefix=prefix)
