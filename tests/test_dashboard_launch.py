"""zonemap.launch: the demo store is built when missing or stale, and the dashboard script
is found without importing the dashboard."""

import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path

import pytest

from connectors.records import parse_record, write_records
from dashboard_testkit import tiny_records
from zonemap import launch
from zonemap.store import Store


@pytest.fixture()
def sample(tmp_path):
    folder = tmp_path / "sample"
    folder.mkdir()
    (folder / "zones.toml").write_text("[settings]\n", encoding="utf-8")
    write_records(folder / "records.jsonl.gz", [parse_record(r) for r in tiny_records()])
    return folder


def test_demo_store_is_built_once_and_rebuilt_when_the_sample_changes(sample, tmp_path):
    db = tmp_path / "out" / "demo.db"
    lines = []
    assert launch.demo_store_stale(db, sample)
    assert launch.ensure_demo_store(db, sample, echo=lines.append) == db
    counts = Store(db).counts()
    assert counts["items"] == 4 and counts["activities"] == len([r for r in tiny_records() if r["type"] == "activity"])
    assert any("demo store ready" in line for line in lines)
    assert not (db.parent / "demo.db.building").exists()

    lines.clear()
    launch.ensure_demo_store(db, sample, echo=lines.append)
    assert lines == []  # up to date: nothing to do

    later = db.stat().st_mtime + 5
    write_records(sample / "records.jsonl.gz", [parse_record(r) for r in tiny_records()[:5]])
    os.utime(sample / "records.jsonl.gz", (later, later))
    assert launch.demo_store_stale(db, sample)
    launch.ensure_demo_store(db, sample, echo=lines.append)
    assert Store(db).counts()["items"] == 4 and Store(db).counts()["activities"] == 1  # rebuilt, not merged


def test_demo_store_in_an_old_layout_is_rebuilt(sample, tmp_path):
    db = launch.ensure_demo_store(tmp_path / "demo.db", sample, echo=lambda line: None)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    os.utime(db, (db.stat().st_mtime + 60,) * 2)  # newer than the sample: only the layout is stale
    assert launch.demo_store_stale(db, sample)
    lines = []
    launch.ensure_demo_store(db, sample, echo=lines.append)
    assert any("demo store ready" in line for line in lines)
    assert Store(db).counts()["items"] == 4


def test_missing_sample_is_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="zonemap sample"):
        launch.ensure_demo_store(tmp_path / "demo.db", tmp_path)
    with pytest.raises(FileNotFoundError, match="zonemap sample"):
        launch.demo_paths(None, tmp_path)


def test_demo_paths_default_and_override(sample, tmp_path):
    config, db = launch.demo_paths(None, sample)
    assert config == sample / "zones.toml" and db == sample / "demo.db"
    _, db = launch.demo_paths(f"sqlite:///{tmp_path}/x.db", sample)
    assert db == tmp_path / "x.db"
    with pytest.raises(ValueError, match="SQLite"):
        launch.demo_paths("postgresql://h/db", sample)


def test_dashboard_script_and_command():
    script = launch.dashboard_script()
    assert script.name == "app.py" and script.parent.name == "dashboard"
    assert "dashboard.app" not in sys.modules  # located, not imported
    cmd = launch.streamlit_command(8765, open_browser=False, extra_args=["--theme.base", "light"])
    assert cmd[:5] == [sys.executable, "-m", "streamlit", "run", str(script)]
    assert cmd[cmd.index("--server.port") + 1] == "8765"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[-2:] == ["--theme.base", "light"]


def test_free_port_skips_a_taken_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert launch.free_port(port) != port


def test_zonemap_demo_serves_without_a_terminal(tmp_path):
    """`zonemap demo` as `make demo` runs it: no terminal on stdin, browser opening on.
    Streamlit must not stop at its first-run e-mail prompt; the page must answer."""
    import subprocess
    import time
    import urllib.request

    port = launch.free_port(8700)
    env = {**os.environ, "BROWSER": "true", "HOME": str(tmp_path)}  # `true URL`: a browser that does nothing
    exe = os.path.join(os.path.dirname(sys.executable), "zonemap")
    log = tmp_path / "demo.log"  # a file, not a pipe nobody reads: output can never block the command
    with open(log, "wb") as out:
        proc = subprocess.Popen([exe, "--db", str(tmp_path / "demo.db"), "demo", "--port", str(port)],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    status = resp.status
            except OSError:
                time.sleep(0.5)
        assert proc.poll() is None, log.read_text(errors="replace")
        assert status == 200
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            stuck = _thread_states(proc.pid)
            proc.kill()
            proc.wait()
            pytest.fail(f"`zonemap demo` ignored SIGTERM for 20 s; its threads: {stuck}; "
                        f"its output: {log.read_text(errors='replace')[-2000:]}")
    # stopping `zonemap demo` (SIGTERM, as a supervisor or `kill` does) stops the server too
    deadline, answering = time.monotonic() + 10, True
    while answering and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                time.sleep(0.3)
        except OSError:
            answering = False
    assert not answering, "the streamlit server outlived `zonemap demo`"


STOPPED_FROM_ANOTHER_THREAD = """
import os, signal, sys, threading, time
from zonemap import launch

child = [sys.executable, "-c", "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)",
         sys.argv[1]]
launch.streamlit_command = lambda port, open_browser, extra_args: child  # a server that never stops by itself

def stop_on_this_thread():
    while not os.path.exists(sys.argv[1]):
        time.sleep(0.05)
    signal.pthread_kill(threading.get_ident(), signal.SIGTERM)  # as when the kernel hands it to a helper thread

threading.Thread(target=stop_on_this_thread, daemon=True).start()
sys.exit(launch.run_dashboard("zones.toml", "demo.db", port=1, open_browser=False, echo=lambda line: None))
"""


def test_a_stop_signal_landing_on_a_helper_thread_still_stops_the_dashboard(tmp_path):
    """The kernel may hand a process's SIGTERM to any of its threads (the browser opener's,
    say); Python then runs the handler only when the main thread next runs bytecode. The
    main thread must not sit in an endless wait for the server meanwhile."""
    import subprocess

    pid_file = tmp_path / "server.pid"
    proc = subprocess.Popen([sys.executable, "-c", STOPPED_FROM_ANOTHER_THREAD, str(pid_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        pytest.fail("run_dashboard kept waiting for the server after SIGTERM reached a helper thread")
    assert proc.returncode == 0, out
    server = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # stopped and reaped with its parent
        os.kill(server, 0)


def _thread_states(pid: int) -> list[str]:
    """Each thread of ``pid``: name, state and the kernel function it waits in (Linux)."""
    states = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        try:
            stat = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            states.append(f"{(task / 'comm').read_text().strip()}:{stat}:{(task / 'wchan').read_text().strip()}")
        except OSError:
            continue
    return states
