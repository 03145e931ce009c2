"""The embedded PostgreSQL starts on demand and stops when its last user exits."""

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def postgres_processes_for(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(data_dir) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


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


@pytest.mark.xfail(
    reason="flaky under CI load: a narrow race in the unlocked handle file remains (see note)", strict=False
)
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
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        env=env, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            raise AssertionError("runserver did not start")
        assert postgres_processes_for(tmp_path / "postgres")
        os.killpg(server.pid, signal.SIGTERM)  # what a process manager (or the terminal) sends to the group
        server.wait(timeout=30)
        deadline = time.monotonic() + 20
        while postgres_processes_for(tmp_path / "postgres") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert postgres_processes_for(tmp_path / "postgres") == []
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
