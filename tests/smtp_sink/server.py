"""aiosmtpd on loopback as its own process: `python -I tests/smtp_sink/server.py PORT FOLDER`.

A process of its own because aiosmtpd needs the `atpublic` package, whose module is named `public`
like the project's app of public pages: in the tests' process one hides the other. Run with -I,
this script's folder is the only project folder on its path.

Each accepted message is written to FOLDER as NNNNNN.eml (with the envelope in a .rcpt file
beside it). Addresses listed in FOLDER/refuse are answered 550 (no such user), in
FOLDER/refuse-temporarily 451 (try later); both files are read at each recipient. While
FOLDER/hold exists, a recipient listed in it gets no answer (a slow server, to kill a worker
mid-delivery). Prints "ready" once it listens.
"""

import asyncio
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.count = len(list(folder.glob("*.eml")))

    def listed(self, name: str, address: str) -> bool:
        path = self.folder / name
        return path.exists() and address.lower() in path.read_text().lower().split()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        while self.listed("hold", address):
            await asyncio.sleep(0.05)
        if self.listed("refuse", address):
            return "550 5.1.1 No such user here"
        if self.listed("refuse-temporarily", address):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            stem = self.folder / f"{self.count:06d}"
        stem.with_suffix(".rcpt").write_text("\n".join(envelope.rcpt_tos))
        stem.with_suffix(".eml").write_bytes(envelope.original_content)
        return "250 Message accepted for delivery"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
