"""Running the dashboard: the demo store and `streamlit run` (called by `zonemap demo|dashboard`).

Nothing imports the dashboard: its script is located on disk (next to the zonemap
package, or through the installed ``dashboard`` package's spec) and run by
Streamlit in a child process, which finds the config and the store through the
environment variables ``ZONEMAP_CONFIG`` and ``ZONEMAP_DB``, the twins of the CLI's
global options.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser
from pathlib import Path
from typing import Callable, Iterable

from connectors.records import read_records

from .store import NotAStoreError, Store, StoreError

PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLE_DIR = PACKAGE_DIR.parent / "data" / "sample"
DEFAULT_PORT = 8501


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def dashboard_script() -> Path:
    """The dashboard's ``app.py``, found without importing the dashboard."""
    beside = PACKAGE_DIR.parent / "dashboard" / "app.py"
    if beside.is_file():
        return beside
    spec = importlib.util.find_spec("dashboard")
    if spec is not None and spec.origin:
        app = Path(spec.origin).parent / "app.py"
        if app.is_file():
            return app
    raise FileNotFoundError("the dashboard (dashboard/app.py) is not installed; reinstall zonemap")


def demo_paths(db: str | None = None, sample_dir: Path = SAMPLE_DIR) -> tuple[Path, Path]:
    """The demo's config and store: ``data/sample/zones.toml`` and, unless ``db`` is given,
    ``data/sample/demo.db`` (git ignores ``*.db``)."""
    config = sample_dir / "zones.toml"
    if not config.is_file():
        raise FileNotFoundError(f"{config}: the demo organisation is missing; run `zonemap sample` to make it")
    if db and "://" in db:
        if not db.startswith("sqlite:///"):
            raise ValueError(f"--db {db}: the demo store must be a SQLite file path")
        db = db[len("sqlite:///"):]
    return config, Path(db).expanduser().resolve() if db else sample_dir / "demo.db"


def _sample_files(sample_dir: Path) -> list[Path]:
    return [p for p in (sample_dir / "zones.toml", sample_dir / "records.jsonl.gz") if p.exists()]


def demo_store_stale(db_path: Path, sample_dir: Path = SAMPLE_DIR) -> bool:
    """True when the demo store is missing, older than the sample it is built from, or
    written in a layout this zonemap cannot open."""
    db_path = Path(db_path)
    if not db_path.exists():
        return True
    try:
        Store(db_path).close()
    except NotAStoreError:  # another application's file (or no database): never replaced by the demo
        raise
    except StoreError:  # a zonemap store this build cannot open: rebuilt from the sample
        return True
    built = db_path.stat().st_mtime
    return any(p.stat().st_mtime > built for p in _sample_files(sample_dir))


def ensure_demo_store(db_path: str | Path, sample_dir: Path = SAMPLE_DIR,
                      echo: Callable[[str], None] = _stderr) -> Path:
    """Build the demo store from ``sample_dir/records.jsonl.gz`` when it is missing or stale.

    The store is written to a temporary file and moved into place, so a dashboard
    already running on the old store never sees a half-built one.
    """
    db_path = Path(db_path)
    records = sample_dir / "records.jsonl.gz"
    if not records.is_file():
        raise FileNotFoundError(f"{records}: the demo records are missing; run `zonemap sample` to make them")
    if not demo_store_stale(db_path, sample_dir):
        return db_path
    echo(f"building the demo store {db_path} from {records} ...")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(db_path.name + ".building")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    store = Store(tmp)
    try:
        counts = store.upsert(read_records(records))
        with store.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    for suffix in ("-wal", "-shm"):
        tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    os.replace(tmp, db_path)
    plural = {"activity": "activities", "identity": "identities"}
    echo("demo store ready: " + ", ".join(f"{n} {plural.get(kind, kind + 's')}" for kind, n in sorted(counts.items())))
    return db_path


def free_port(preferred: int = DEFAULT_PORT, tries: int = 50) -> int:
    """``preferred`` if it is free on localhost, else the next free one after it."""
    for port in range(preferred, preferred + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port in {preferred}-{preferred + tries - 1}; pass --port")


def streamlit_command(port: int, open_browser: bool = False, extra_args: Iterable[str] = ()) -> list[str]:
    """The ``streamlit run`` command line for the dashboard on ``port``.

    Always headless: a non-headless first run asks for an e-mail address on the terminal
    (and fails without one); zonemap opens the browser itself once the server answers.
    """
    return [sys.executable, "-m", "streamlit", "run", str(dashboard_script()),
            "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--client.toolbarMode", "viewer",
            *extra_args]


def run_dashboard(config_path: str | Path, db: str | Path, port: int | None = None,
                  open_browser: bool = True, extra_args: Iterable[str] = (),
                  echo: Callable[[str], None] = _stderr) -> int:
    """Run the dashboard on ``db`` with ``config_path`` until interrupted; the exit status."""
    port = port or free_port()
    env = {**os.environ, "ZONEMAP_CONFIG": str(Path(config_path).resolve()), "ZONEMAP_DB": str(db)}
    url = f"http://localhost:{port}"
    echo(f"zonemap dashboard: {url}  (Ctrl-C stops it)")
    proc = None
    # a SIGTERM (a supervisor, `kill`) stops the server as Ctrl-C does, instead of orphaning it
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if on_main else None
    try:
        proc = subprocess.Popen(streamlit_command(port, open_browser, extra_args), env=env)
        if open_browser:
            threading.Thread(target=_open_when_up, args=(url, proc), daemon=True).start()
        return _wait_interruptibly(proc)
    except KeyboardInterrupt:
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if on_main:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _wait_interruptibly(proc: subprocess.Popen, tick: float = 0.2) -> int:
    """``proc.wait()`` in short slices, so that Ctrl-C or SIGTERM stops the wait within ``tick``.

    The kernel may hand a signal meant for the process to any of its threads that does
    not block it; Python's handler then runs only when the main thread next executes
    bytecode, which a plain blocking ``waitpid`` would postpone until the server exits.
    """
    while True:
        try:
            return proc.wait(tick)
        except subprocess.TimeoutExpired:
            continue


def _open_when_up(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Open the default browser on ``url`` once the server's health check answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    webbrowser.open(url)
                    return
        except OSError:
            time.sleep(0.5)
