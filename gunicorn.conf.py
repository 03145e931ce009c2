"""gunicorn settings for `make serve` and production.

Every value can be overridden on the command line or by GUNICORN_* variables
(documented in README.md).
"""

import multiprocessing
import os

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
# Every answer carries "Server: gunicorn": gunicorn 27 writes it itself (http/wsgi.py, Response.default_headers)
# and has no setting to drop or change it, and nothing the app does can remove it. It names no
# version. Where it matters, the proxy in front replaces or hides it (nginx sends its own Server
# header; `server_tokens off` drops nginx's version); tests/coalition/test_serve.py pins it.


def on_starting(server) -> None:
    """With the embedded PostgreSQL (EMBEDDED_DB=true, no DATABASE_URL), the master owns it.

    Workers connect to its socket (settings know where) without joining it themselves, so a
    worker killed on a timeout cannot keep it alive; the master's exit stops it.
    """
    from django.conf import ENVIRONMENT_VARIABLE, settings

    os.environ.setdefault(ENVIRONMENT_VARIABLE, "coalition.settings")
    if settings.EMBEDDED_DB_DIR:
        from devtools import embedded_db

        embedded_db.start(settings.EMBEDDED_DB_DIR)
        server.log.info("Embedded PostgreSQL in %s; stopped when gunicorn exits.", settings.EMBEDDED_DB_DIR)
