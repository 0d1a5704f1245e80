"""Warm-rerun time of every dashboard view (AppTest), on the demo or a given store.

    .venv/bin/python benchmarks/dashboard_rerun.py                       # the demo store
    .venv/bin/python benchmarks/dashboard_rerun.py --config C --db D     # e.g. the 1M store

Prints the first run (which computes the analysis) and the median of 5 warm reruns per
view. Target (docs/benchmarks.md): a warm rerun under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWS = ["coverage", "area", "people", "graph", "planning", "data"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, default=ROOT / "data" / "sample" / "zones.toml")
    ap.add_argument("--db", type=Path, default=None, help="[default: the demo store, built in a temp folder]")
    ap.add_argument("--reruns", type=int, default=5)
    args = ap.parse_args()

    from streamlit.testing.v1 import AppTest

    from zonemap import launch

    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp()) / "demo.db"
        launch.ensure_demo_store(db, echo=lambda line: print(line, file=sys.stderr))
    os.environ["ZONEMAP_CONFIG"] = str(args.config)
    os.environ["ZONEMAP_DB"] = str(db)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
    t = time.perf_counter()
    at.run()
    print(f"first run (analysis computed): {time.perf_counter() - t:.2f} s")
    for view in VIEWS:
        if view != "coverage":
            at.switch_page(f"views/{view}.py")
        at.run()
        runs = []
        for _ in range(args.reruns):
            t = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - t)
        if at.exception:
            print(f"{view}: exception {at.exception[0].value}")
        print(f"{view:9s} warm rerun: median {statistics.median(runs):.2f} s (max {max(runs):.2f} s)")


if __name__ == "__main__":
    main()
