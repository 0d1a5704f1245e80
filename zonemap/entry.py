"""The `zonemap` console script (and `python -m zonemap`).

Before the CLI's imports (typer, rich, pydantic, and for a report pandas: most of a
second), a `zonemap report` command line gets its window read from the store on other
threads (`read_ahead`), so SQLite works on the second core meanwhile; then, if it is a
plain one, it is run without the CLI framework (`report_command`), which hands it back
to the CLI whenever something is not right. Every other command line goes straight to
`zonemap.cli`.
"""

from __future__ import annotations

import os
import sys

# pyarrow's default allocator (jemalloc/mimalloc) pays dearly for first use of fresh
# memory on small VMs; the system allocator makes a report ~0.4 s faster and leaner.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def main() -> None:
    started = False
    if "report" in sys.argv[1:]:
        import gc

        # A report is one pass that ends in os._exit and makes no reference cycles worth
        # collecting; the collector's passes over the objects its imports make (pandas,
        # pydantic) would cost ~0.1 s of the main thread. The analysis pauses it anyway
        # (`analysis.paused_gc`); here it is off from the start, and back on for the CLI.
        gc.disable()
        from . import read_ahead

        try:
            request = read_ahead.parse_report_request(sys.argv[1:], os.environ)
        except Exception:  # the CLI finds and reports what is wrong
            request = None
        started = read_ahead.start_request(request)
        if request is not None:
            from .report_command import run

            status = run(request)
            if status is not None:  # done: nothing to tear down (see `cli.main`)
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        gc.enable()
    from .cli import main as cli_main

    try:
        cli_main()
    except SystemExit as exc:
        if started and isinstance(exc.code, (int, type(None))):
            from .store_read import reads_ahead_left

            if reads_ahead_left():  # never taken (the command failed first): do not wait for it to finish
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(exc.code or 0)
        raise
