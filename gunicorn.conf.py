"""gunicorn settings for `make serve` and production.

Every value can be overridden on the command line or by GUNICORN_* variables
(documented in README.md).
"""

import multiprocessing
import os
from pathlib import Path

wsgi_app = "coalition.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The usual 2 × cores + 1 for a database-bound app, capped so a big machine does not
# open more PostgreSQL connections than the server allows.
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 12)))
# For one request only: the admin's CSV export of every member at a million (5-7 s of work
# in-process, several times that on a loaded machine). Every other page answers in
# milliseconds; lower this if exports move to a background job. A stuck worker is still replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 20
# Recycle workers now and then so slow leaks cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# The control socket's default path is per user, not per checkout; two servers would fight over it.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", Path(__file__).resolve().parent / ".data"))


def on_starting(server) -> None:
    """With EMBEDDED_DB=true and no DATABASE_URL, the master owns the embedded PostgreSQL."""
    from django.conf import ENVIRONMENT_VARIABLE

    os.environ.setdefault(ENVIRONMENT_VARIABLE, "coalition.settings")
    embedded = os.environ.get("EMBEDDED_DB", "").lower() in ("true", "1", "yes", "on")
    if embedded and not os.environ.get("DATABASE_URL"):
        from devtools import embedded_db

        # Workers read this and connect without registering themselves with the server.
        os.environ["EMBEDDED_DB_HOST"] = embedded_db.start_for_gunicorn(data_dir())
        server.log.info("Embedded PostgreSQL at %s; stopped when gunicorn exits.", os.environ["EMBEDDED_DB_HOST"])


def on_exit(server) -> None:
    """The embedded server is stopped by the master's exit handler; aim it at the live postmaster."""
    if os.environ.get("EMBEDDED_DB_HOST"):
        from devtools import embedded_db

        embedded_db.follow_restart(data_dir())
