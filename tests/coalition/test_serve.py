"""`make serve`'s gunicorn owns the embedded PostgreSQL and leaves no orphan behind.

Only the master registers with the server; workers connect without registering, so a
worker killed mid-flight cannot keep the server alive, and stopping the master stops it.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.factories import postgres_processes_for

BASE_DIR = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, server: subprocess.Popen) -> tuple[int, str]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not answer /health/")


def restart_postgres(pgdata: Path) -> None:
    from devtools import embedded_db

    before = postgres_processes_for(pgdata)
    embedded_db.restart(pgdata.parent)
    assert {p.pid for p in postgres_processes_for(pgdata)}.isdisjoint({p.pid for p in before})


@pytest.fixture(scope="module")
def data_dir():
    # Shared by both signals, so the second start reuses the cluster the first one initialised.
    (BASE_DIR / ".data").mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="serve-", dir=BASE_DIR / ".data"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_gunicorn_stops_the_embedded_server_it_started(data_dir, stop_signal):
    tmp_path = data_dir
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COALITION_TESTING", "DEBUG")}
    env.update(
        DEBUG="false", EMBEDDED_DB="true", DATA_DIR=str(tmp_path), SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="127.0.0.1", GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2",
        SECURE_SSL_REDIRECT="false",
    )  # fmt: skip
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        status, body = wait_for_health(f"http://127.0.0.1:{port}/health/", server)
        assert (status, body) == (200, "ok")
        assert len(postgres_processes_for(tmp_path / "postgres")) >= 1
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as response:
            headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "camera=()" in headers["Permissions-Policy"]
        # gunicorn writes its own Server header and has no setting to drop it (see gunicorn.conf.py):
        # it names no version, and the app adds no second one.
        assert headers.get_all("Server") == ["gunicorn"]
        # A worker killed outright (as on a timeout) is replaced and must not pin the server.
        workers = psutil.Process(server.pid).children()
        assert len(workers) == 2
        workers[0].kill()
        workers[0].wait(10)
        assert wait_for_health(f"http://127.0.0.1:{port}/health/", server)[0] == 200

        if stop_signal == signal.SIGTERM:
            # An outage drill: PostgreSQL restarted under the running app. Requests still
            # succeed afterwards, and stopping gunicorn stops the *new* postmaster.
            restart_postgres(tmp_path / "postgres")
            assert wait_for_health(f"http://127.0.0.1:{port}/health/", server)[0] == 200

        server.send_signal(stop_signal)
        server.wait(60)
    finally:
        if server.poll() is None:
            server.kill()
    # pg_ctl's fast shutdown may still be finishing on a loaded machine: give it a little time.
    deadline = time.monotonic() + 30
    while postgres_processes_for(tmp_path / "postgres") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert postgres_processes_for(tmp_path / "postgres") == []
