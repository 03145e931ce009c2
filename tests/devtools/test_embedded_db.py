"""The embedded PostgreSQL starts on demand and stops when its last user exits."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.factories import postgres_processes_for

BASE_DIR = Path(__file__).resolve().parents[2]


def test_embedded_server_is_reused_and_leaves_no_orphan(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="true", DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="coalition.settings")
    query = "from django.db import connection; print(connection.cursor().connection.info.server_version)"
    for _ in range(2):  # the second run reuses the data directory made by the first
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", query],
            env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1].startswith("18")
        assert postgres_processes_for(tmp_path / "postgres") == []
    assert (tmp_path / "postgres" / "PG_VERSION").read_text().strip() == "18"


def test_stopping_runserver_and_its_reloader_leaves_no_orphan(tmp_path):
    """runserver's reloader kills its child with SIGKILL when it is stopped; the server must still stop."""
    import signal
    import socket
    import time

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="true", DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="coalition.settings")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "runserver.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def explain() -> str:
        handles = tmp_path / "postgres" / ".handle_pids.json"
        registered = handles.read_text() if handles.exists() else "(no handle file)"
        return f"handles: {registered}\nrunserver output:\n{(tmp_path / 'runserver.log').read_text()[-3000:]}"

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            raise AssertionError("runserver did not start\n" + explain())
        assert postgres_processes_for(tmp_path / "postgres"), explain()
        os.killpg(server.pid, signal.SIGTERM)  # what a process manager (or the terminal) sends to the group
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise AssertionError("runserver did not exit on SIGTERM\n" + explain()) from None
        deadline = time.monotonic() + 20
        while postgres_processes_for(tmp_path / "postgres") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert postgres_processes_for(tmp_path / "postgres") == [], explain()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


HANDLE_WORKER = """
import os, sys
from pathlib import Path
from devtools.embedded_db import HandleLock, _handle_list_class

folder = Path(sys.argv[1])
lock, handles = HandleLock(folder / "postgres.lock"), _handle_list_class()(folder / "handles.json")
for _ in range(150):
    with lock:
        handles.get_and_add(os.getpid())
    with lock:
        if os.getpid() not in handles._get():
            sys.exit("my registration was lost")
        handles.get_and_remove(os.getpid())
"""


def test_handle_list_changes_from_many_processes_are_never_lost(tmp_path):
    """Each process registers and unregisters itself over and over, as pgserver does on start and exit;
    under the handle lock (and with atomic writes) nobody's change is undone by another's."""
    workers = [
        subprocess.Popen([sys.executable, "-c", HANDLE_WORKER, str(tmp_path)], cwd=BASE_DIR, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stderr.read().decode()
    assert json.loads((tmp_path / "handles.json").read_text()) == []
