"""The embedded PostgreSQL starts on demand and stops when its last user exits."""

import os
import subprocess
import sys
from pathlib import Path

import psutil

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
