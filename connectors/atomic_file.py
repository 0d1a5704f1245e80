"""Writing a file so that a failed or interrupted write never leaves half of it.

`replacing(path)` hands out a binary file beside `path`; only once the block ends
without an error is it synced and moved over `path` (keeping the permissions of the
file it replaces, and writing through a symbolic link as `open` would). A path that
is not a regular file, such as ``/dev/stdout`` or a named pipe, is written directly.
Used by `write_records` (`zonemap export`) and by `zonemap report --out`.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[IO[bytes]]:
    path = Path(path)
    if path.exists() and not path.is_file():
        with open(path, "wb") as raw:
            yield raw
        return
    target = path.resolve() if path.is_symlink() else path
    tmp = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
    try:
        with open(tmp, "xb") as raw:
            yield raw
            raw.flush()
            os.fsync(raw.fileno())
        if target.exists():  # the replacement keeps the permissions of what it replaces
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
