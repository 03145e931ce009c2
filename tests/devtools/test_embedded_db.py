"""The embedded PostgreSQL starts on demand and stops when its last user exits."""

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
        return f"runserver output:\n{(tmp_path / 'runserver.log').read_text()[-3000:]}"

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


USER = """
import sys
from pathlib import Path

import psycopg

from devtools import embedded_db

settings = embedded_db.start(Path(sys.argv[1]))
with psycopg.connect(host=settings["HOST"], user="postgres", dbname="postgres") as conn:
    conn.execute("SELECT 1")
    print("connected", flush=True)
    sys.stdin.readline()  # hold on until told to exit
    conn.execute("SELECT 1")
"""


def test_the_server_runs_until_its_last_user_exits(tmp_path):
    """Users come and go at once, in any order; none loses the server while it runs, and the
    last one to exit stops it, whichever that is."""
    users = [
        subprocess.Popen(
            [sys.executable, "-c", USER, str(tmp_path)],
            cwd=BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(4)
    ]
    for user in users:
        assert user.stdout.readline() == "connected\n", user.stderr.read()
    for user in users[:3]:  # three leave together; the fourth still uses the server
        user.stdin.close()
    for user in users[:3]:
        assert user.wait(timeout=120) == 0, user.stderr.read()
    assert postgres_processes_for(tmp_path / "postgres")
    users[3].stdin.close()
    assert users[3].wait(timeout=120) == 0, users[3].stderr.read()
    assert postgres_processes_for(tmp_path / "postgres") == []


def test_a_data_directory_of_another_major_version_gets_a_clear_message(tmp_path):
    from devtools import embedded_db

    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / "PG_VERSION").write_text("16\n")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="true", DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="coalition.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate"], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "was made by PostgreSQL 16" in result.stderr
    assert "make clean-data" in result.stderr
    assert embedded_db.server_major_version() == "18"


def test_importing_settings_starts_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="true", DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="coalition.settings")
    code = "from django.conf import settings; print(settings.DATABASES['default']['HOST'])"
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path.resolve() / "postgres")
    assert not (tmp_path / "postgres").exists()
