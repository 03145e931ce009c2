"""pg_dump / pg_restore of the app's database, in PostgreSQL's custom format.

The embedded server's own client programs are used when the database is the embedded
one (their version always matches the server); otherwise the ones on PATH.
"""

import datetime
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections

from devtools import embedded_db


def _program(name: str, db: dict) -> str:
    bundled = embedded_db.bin_dir() / name
    if db["HOST"].startswith("/") and bundled.exists():  # a Unix socket: the embedded server
        return str(bundled)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not on PATH; install the PostgreSQL client programs.")
    return found


def _connection_args(db: dict, name: str | None = None) -> tuple[list[str], dict]:
    args = ["--host", db["HOST"] or "localhost", "--username", db["USER"], "--dbname", name or db["NAME"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def backup(*, alias: str = "default", directory: Path | None = None) -> Path:
    """Dump the database to a new file under .data/backups/ and return its path."""
    db = connections[alias].settings_dict
    directory = directory or settings.DATA_DIR / "backups"
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{db['NAME']}-{stamp}.dump"
    args, env = _connection_args(db)
    subprocess.run(
        [_program("pg_dump", db), "--format=custom", "--no-owner", "--file", str(path), *args],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return path


def restore(path: Path, *, alias: str = "default", database: str | None = None) -> None:
    """Restore a dump into `database` (default: the app's own), replacing what is there.

    The target database must exist; `--clean --if-exists` drops the objects the dump holds
    before recreating them, in one transaction so a failed restore changes nothing.
    """
    db = connections[alias].settings_dict
    args, env = _connection_args(db, database)
    subprocess.run(
        [_program("pg_restore", db), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--exit-on-error", *args, str(path)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
