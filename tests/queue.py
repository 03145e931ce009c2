"""A real SMTP server on loopback and a real task-queue worker, for the tests that send mail.

`SMTPSink` runs aiosmtpd on 127.0.0.1 in a process of its own (tests/smtp_sink/server.py says
why): it keeps every message it accepts, can be stopped (the port then refuses connections, as a
server that is down) and started again on the same port, and refuses the addresses a test lists.
`run_worker` runs procrastinate's worker until the queue holds nothing it may take now (jobs
scheduled later, such as retries, wait), on its own database connection: the tests using it need
`transactional_db`, so that what the test wrote is committed and visible to it.
"""

import email
import email.policy
import socket
import subprocess
import sys
import threading
from pathlib import Path

from django.db import connection
from procrastinate.contrib.django import app

SERVER = Path(__file__).parent / "smtp_sink" / "server.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPSink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(SERVER), str(self.port), str(self.folder)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready", "the SMTP sink did not start"

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def refuse(self, address: str, *, temporarily: bool = False) -> None:
        path = self.folder / ("refuse-temporarily" if temporarily else "refuse")
        with path.open("a") as listed:
            listed.write(address + "\n")

    def hold(self, address: str) -> None:
        (self.folder / "hold").write_text(address + "\n")

    def release(self) -> None:
        (self.folder / "hold").unlink(missing_ok=True)

    def accept_all(self) -> None:
        for name in ("refuse", "refuse-temporarily"):
            (self.folder / name).unlink(missing_ok=True)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    @property
    def envelopes(self) -> list[list[str]]:
        return [path.read_text().split("\n") for path in sorted(self.folder.glob("*.rcpt"))]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


def empty_queue() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, procrastinate_workers"
        )


def run_worker(**options) -> None:
    """Run a real worker until the queue is empty (for now), then return.

    On a thread of its own, with its own event loop: after the browser tests, Playwright keeps one
    running on the test's thread, where the worker's asyncio.run() would refuse to start.
    """
    worker_app = app.with_connector(app.connector.get_worker_connector())
    failures = []

    def work() -> None:
        try:
            worker_app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False, **options)
        except BaseException as error:  # raised again on the test's thread
            failures.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
