"""`zonemap report` on its hot path, without the CLI framework.

A report is the command people run every week, and the one with a speed target
(docs/benchmarks.md). Importing typer (with click and rich) costs 0.1-0.15 s of its
~2 s, only to parse a command line the console script has already parsed to read the
window ahead (`read_ahead.parse_report_request`). So the console script (`entry`)
hands a plain report command line (known options only; no ``--help``, no
``--debug``) to `run`, which calls what the CLI's `report` command calls: the same
config loading, store, analysis, rendering and output.

Only the path where everything goes right is taken here. A value the CLI would
refuse, a config or store problem, any exception: `run` returns None before anything
is written, and the console script hands the command line to the CLI, which does it
again and reports the problem exactly as it always has (one line, exit status 2 or 1,
a traceback with ``--debug``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .locate import DEFAULT_CONFIG
from .read_ahead import ReportRequest

FORMATS = ("json", "md", "csv")  # cli.ReportFormat's values
MAX_WINDOW = 520  # the CLI's --window and the config's window_weeks allow 1-520


def _options(request: ReportRequest) -> tuple[int | None, str] | None:
    """(--window, --format) as the CLI's options take them (an int >= 1 or None for the
    config's; json when not given); None when the CLI would refuse either."""
    window = None
    if request.window is not None:
        try:
            window = int(request.window)
        except ValueError:
            return None
        if not 1 <= window <= MAX_WINDOW:
            return None
    fmt = request.fmt or "json"
    return (window, fmt) if fmt in FORMATS else None


def run(request: ReportRequest) -> int | None:
    """Write the report `request` asks for and return the exit status; None when the
    CLI should run the command instead (nothing has been written then)."""
    options = None if request.debug else _options(request)
    if options is None:
        return None
    window, fmt = options
    try:
        from .config import load_config, resolve_store_url
        from .locate import sqlite_file
        from .outputs import protected_files, target_problem
        from .reporting import as_of_date, compute_report, render_report
        from .store import Store

        cfg = load_config(request.config or Path(DEFAULT_CONFIG))
        url = resolve_store_url(cfg, request.db)
        file = sqlite_file(url)
        if file is not None and not file.exists():
            return None  # a mistyped store: the CLI says so
        if request.out is not None and target_problem(Path(request.out), protected_files(cfg.path, file), "--out"):
            return None  # --out over the store or the config, or into no folder: the CLI refuses it
        as_of = as_of_date(cfg, request.as_of)
        text = render_report(compute_report(cfg, Store(url), as_of, window), fmt)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # the CLI says what is wrong, its way
        return None
    from .outputs import OutputGone, emit, write_text

    if request.out is None:
        try:
            emit(text)
        except OutputGone:  # `zonemap report | head`: the reader has what it wanted
            return 1
        except OSError as exc:
            print(f"error: standard output: cannot write: {exc.strerror}", file=sys.stderr)
            return 1
        return 0
    out = Path(request.out)
    try:
        write_text(out, text)
    except OSError:
        return None  # the CLI tries again and says why it cannot write
    print(f"wrote {out}", file=sys.stderr)
    return 0
