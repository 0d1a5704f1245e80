"""Where a command writes its output: never over the files it works from, never half a file.

`zonemap report --out FILE` and `zonemap export FILE` write where the user says. A slip
of the keyboard (`--out zonemap.db`, `export zones.toml`) would otherwise replace the
store or the config with a report, and exit 0. So both refuse a target that is the
config in use or the store's SQLite file (with its `-wal`, `-shm` and `-journal`
companions), and a target in a folder that does not exist; a report file is written
next to its target and moved into place, so that a failed write leaves the old file.
Standard output that goes away (`zonemap report | head`) ends the command quietly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

STORE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def protected_files(config: Path | None, sqlite_path: Path | None) -> dict[Path, str]:
    """The files a command must not write over, each with what it is."""
    found: dict[Path, str] = {}
    if sqlite_path is not None:
        for suffix in STORE_COMPANIONS:
            found[Path(f"{sqlite_path}{suffix}")] = "the store in use"
    if config is not None:
        found[Path(config)] = "the config in use"
    return found


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def target_problem(target: Path, protected: dict[Path, str], option: str) -> str | None:
    """Why `target` must not be written (one line: what, where, what to do), or None."""
    for path, what in protected.items():
        if _same(target, path):
            return f"{option} {target}: that is {what} ({path}); choose another file"
    if target.is_dir():
        return f"{option} {target}: is a folder; give a file name"
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        return f"{option} {target}: the folder {parent} does not exist; create it or choose another place"
    return None


def write_text(target: Path, text: str) -> None:
    """Write `text` to `target` so that a failed write (a full disk, an interrupt) leaves
    whatever was there before (`connectors.atomic_file.replacing`). OSError on failure."""
    from connectors.atomic_file import replacing

    with replacing(target) as raw:
        raw.write(text.encode("utf-8"))


class OutputGone(Exception):
    """Standard output was closed by its reader (`zonemap report | head`)."""


def emit(text: str) -> None:
    """Write `text` (with a final newline) to standard output and flush it. A reader that
    went away raises OutputGone, any other failure (a full disk) OSError; either way
    standard output then points at /dev/null, so that the flushes still to come (the
    interpreter's at exit) cannot fail again with a traceback."""
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    except OSError as exc:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        if isinstance(exc, BrokenPipeError):
            raise OutputGone() from None
        raise
