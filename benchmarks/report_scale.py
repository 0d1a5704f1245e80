"""Scale benchmark of import and report (issue: core engine, "Speed").

Generates (or reuses) an organisation of 1,000,000 activities, 3,000 people, 300 areas
over 52 weeks, imports it into a fresh SQLite store, then times `zonemap report` with
a 12-week window in a separate process and prints its wall time and peak memory.

    .venv/bin/python benchmarks/report_scale.py [--activities N] [--out DIR] [--repeat K] [--reuse]
    .venv/bin/python benchmarks/report_scale.py --reuse --compare 7b270dd   # this build against another

`--compare REV` times the report of this checkout and of git revision REV (checked out
into a temporary worktree, run with this environment) in alternation, so that both see
the same minutes of a machine whose speed drifts, and checks that both write the same
JSON. Targets (docs/benchmarks.md): report <= 2 s and <= 1.5 GiB on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _time_reports(builds: dict[str, Path], env: dict, out: Path, repeat: int) -> dict[str, tuple[list, list]]:
    """Wall and CPU seconds of `zonemap report` for each build, the builds in alternation."""
    import compileall

    commands = {}
    for name, tree in builds.items():
        # the project's bytecode, as any install has it after its first run (a machine with
        # PYTHONDONTWRITEBYTECODE set would otherwise compile zonemap on every run: ~0.07 s)
        for package in ("zonemap", "connectors"):
            compileall.compile_dir(tree / package, quiet=1)
        # the console script where the build has `python -m zonemap`, else its CLI module
        module = "zonemap" if (tree / "zonemap" / "__main__.py").exists() else "zonemap.cli"
        target = out / ("report.json" if tree == ROOT else f"report-{name}.json")
        # run from the build's own folder: `python -m` puts the working directory first on
        # sys.path, ahead of PYTHONPATH, so from the repository's root every build would
        # import this checkout's zonemap
        command_env = dict(env, PYTHONPATH=str(tree))
        _check_imports_from(tree, command_env)
        commands[name] = ([sys.executable, "-m", module, "report", "--window", "12", "--format", "json",
                           "--out", str(target)], command_env, tree)
    runs: dict[str, tuple[list, list]] = {name: ([], []) for name in builds}
    for _ in range(repeat):
        for name, (command, command_env, tree) in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(command, env=command_env, cwd=tree, check=True, stderr=subprocess.DEVNULL)
            runs[name][0].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            runs[name][1].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return runs


def _check_imports_from(tree: Path, env: dict) -> None:
    """Fail unless a command run in `tree` with `env` imports zonemap and connectors from `tree`."""
    probe = "import connectors, zonemap; print(zonemap.__file__); print(connectors.__file__)"
    found = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tree, capture_output=True, text=True,
                           check=True).stdout.split()
    for path in found:
        if not Path(path).resolve().is_relative_to(tree.resolve()):
            raise SystemExit(f"the build in {tree} imports {path}, not its own code")


def _import_pandas_seconds() -> float:
    """How long a fresh interpreter takes to import pandas: the machines of this project
    differ by half from session to session, and this one figure shows which kind of
    minute a measurement was taken on."""
    times = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas"], check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--activities", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=3000)
    ap.add_argument("--areas", type=int, default=300)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "scale")
    ap.add_argument("--repeat", type=int, default=10, help="report runs (best, median and worst are printed)")
    ap.add_argument("--reuse", action="store_true", help="time the store already imported into --out, if any")
    ap.add_argument("--compare", metavar="REV", help="also time git revision REV, in alternation with this build")
    args = ap.parse_args()

    from connectors.records import read_records
    from zonemap import sample
    from zonemap.store import Store

    out = args.out
    records = out / "records.jsonl.gz"
    if not records.exists():
        out.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        sample.generate(out, people=args.people, areas=args.areas, activities=args.activities,
                        weeks=args.weeks, seed=args.seed)
        print(f"generate: {time.perf_counter() - t:.1f} s ({args.activities:,} activities)")
    db = out / "scale.db"
    if args.reuse and db.exists() and db.stat().st_mtime > records.stat().st_mtime:
        store = Store(db)
        print(f"import: skipped (--reuse: {db} is newer than the records)")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        t = time.perf_counter()
        store = Store(db)
        counts = store.upsert(read_records(records))
        print(f"import: {time.perf_counter() - t:.1f} s ({dict(counts)})")
        time.sleep(10)  # let the kernel write the fresh store back before the timed runs

    env = dict(os.environ, ZONEMAP_CONFIG=str(out / "zones.toml"), ZONEMAP_DB=str(db))
    builds = {"this build": ROOT}
    worktree = None
    if args.compare:
        worktree = Path(tempfile.mkdtemp(prefix="zonemap-compare-")) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(worktree), args.compare],
                       check=True)
        builds[args.compare] = worktree
    try:
        runs = _time_reports(builds, env, out, args.repeat)
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)
            shutil.rmtree(worktree.parent, ignore_errors=True)
    for name, (times, cpus) in runs.items():
        print(f"report (12-week window, process incl. start-up), {name}: best {min(times):.2f} s, "
              f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s over {len(times)} runs; "
              f"CPU median {statistics.median(cpus):.2f} s")
    if args.compare:
        same = (out / "report.json").read_bytes() == (out / f"report-{args.compare}.json").read_bytes()
        print(f"report JSON of {args.compare}: {'the same bytes' if same else 'DIFFERENT'}")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"this machine's pace: `import pandas` takes {_import_pandas_seconds():.2f} s (median of 5; "
          f"0.46-0.76 s on 2026-12-02, 0.68-0.86 s on 2026-12-03)")
    # in-process, without interpreter start-up and imports: the analysis itself
    from datetime import date

    from zonemap.config import load_config
    from zonemap.reporting import compute_report

    cfg = load_config(out / "zones.toml")
    as_of = cfg.settings.as_of or date.today()
    t = time.perf_counter()
    compute_report(cfg, store, as_of, 12)
    inproc = time.perf_counter() - t
    print(f"report (in-process: load window + analysis + changes): {inproc:.2f} s")
    print(f"report peak memory: {peak_mib:.0f} MiB")
    t = time.perf_counter()  # `zonemap check` on the same organisation (docs/benchmarks.md)
    checked = subprocess.run([sys.executable, "-m", "zonemap", "check"], env=env, capture_output=True, text=True)
    print(f"check (the config and the stored identities): {time.perf_counter() - t:.2f} s, exit "
          f"{checked.returncode}, {(checked.stdout + checked.stderr).count(chr(10))} line(s) printed")


if __name__ == "__main__":
    main()
