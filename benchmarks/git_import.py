"""Speed of the git source (issue #6, "Speed"): a 100,000-commit history into the store.

Generates a repository with `git fast-import` in a temporary folder (40 authors, 1,000
folders three deep, 1-3 files per commit, some renames, one commit an hour), then times
`zonemap sync --source git` into a fresh SQLite store, in this process, the way the
CLI runs it, and prints the figure.  The history itself is not timed.

    .venv/bin/python benchmarks/git_import.py [--commits N] [--keep DIR]

Target (docs/benchmarks.md): <= 20 s for 100,000 commits on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
START = 1_700_000_000  # 2023-11-14, one commit an hour from here


def fast_import_stream(commits: int, seed: int = 7):
    """The `git fast-import` input for a history of `commits` commits on main."""
    rng = random.Random(seed)
    authors = [(f"Dev {i}", f"{i}+dev{i}@users.noreply.github.com" if i % 4 == 0 else f"dev{i}@acme.com")
               for i in range(40)]
    folders = [f"src/m{i // 100}/p{i // 10 % 10}/s{i % 10}" for i in range(1000)]  # ~60 files per folder
    files: list[str] = []
    for n in range(commits):
        name, email = rng.choice(authors)
        when = START + 3600 * n
        ops = []
        for _ in range(rng.randint(1, 3)):
            if files and rng.random() < 0.02:  # a rename now and then
                old = files.pop(rng.randrange(len(files)))
                new = f"{rng.choice(folders)}/moved{n}.py"
                files.append(new)
                ops.append(f"R {old} {new}\n")
                continue
            if not files or rng.random() < 0.3:
                files.append(f"{rng.choice(folders)}/f{n}.py")
                path = files[-1]
            else:
                path = rng.choice(files)
            body = f"{n}\n"
            ops.append(f"M 100644 inline {path}\ndata {len(body)}\n{body}")
        message = f"change {n}\n"
        yield (f"commit refs/heads/main\nmark :{n + 1}\n"
               f"author {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n"
               f"data {len(message)}\n{message}" + (f"from :{n}\n" if n else "") + "".join(ops) + "\n")


def build_repo(path: Path, commits: int) -> float:
    """The history in `path` (no checkout: `git log` needs none); returns the seconds it took."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in fast_import_stream(commits):
        proc.stdin.write(chunk.encode())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--commits", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="build the repository and store here and keep them")
    args = ap.parse_args()

    from zonemap.config import load_config
    from zonemap.store import Store
    from zonemap.sync import describe_counts, run_sync

    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        repo, db, config = work / "repo", work / "zonemap.db", work / "zones.toml"
        built = build_repo(repo, args.commits)
        print(f"history: {args.commits:,} commits generated with git fast-import in {built:.1f} s")
        config.write_text('[[git]]\npath = "repo"\nrepo = "acme/big"\n', encoding="utf-8")
        cfg = load_config(config)
        store = Store(db)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started, cpu = time.perf_counter(), time.process_time()
        outcome = run_sync(cfg, store, ["git"])
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        git_cpu = sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) - getattr(children, f)
                      for f in ("ru_utime", "ru_stime"))
        store.close()
        if not outcome.ok:
            raise SystemExit("; ".join(outcome.errors))
        counts = outcome.counts["git"]
        print(f"sync --source git: {describe_counts(counts)} in {elapsed:.1f} s "
              f"({args.commits / elapsed:,.0f} commits/s, {counts['batches']} batches; target <= 20 s)")
        print(f"cpu: zonemap {cpu:.1f} s, git {git_cpu:.1f} s (they overlap); "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        if os.environ.get("CI") and elapsed > 20:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
