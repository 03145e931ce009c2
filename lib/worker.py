"""How every worker runs its jobs (PROCRASTINATE_ON_APP_READY names `on_app_ready`).

Kept apart from the modules that define tasks: this one is imported while procrastinate builds
its app, before tasks may be registered on it.
"""

from django.db import close_old_connections


def on_app_ready(app) -> None:
    """Worker settings (PROCRASTINATE_ON_APP_READY): they hold functions, which settings may not import."""
    app.worker_defaults.update(
        task_middleware=[fresh_connections],
        # On SIGTERM a worker takes no new job and finishes the ones it holds, for up to a minute.
        shutdown_graceful_timeout=60,
    )


def fresh_connections(call_next, context, worker):
    """Run each sync task on a usable database connection, as Django does for each request.

    A worker lives for days: without this, a connection broken by a database restart would fail
    every later job on that thread, and one kept past CONN_MAX_AGE would never be renewed.
    """
    close_old_connections()
    try:
        return call_next()
    finally:
        close_old_connections()
