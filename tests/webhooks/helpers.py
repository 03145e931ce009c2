"""A real HTTP receiver on loopback, an independent Standard Webhooks check, subscriptions as the admin makes them."""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webhooks.models import Subscription


class BadSignature(Exception):
    pass


def verify(secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300) -> dict:
    """The receiver's side of standardwebhooks.com, written from its specification (not webhooks.signing).

    The key is the base64 after `whsec_`; the signed content is "{webhook-id}.{webhook-timestamp}.{body}";
    `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>`; a timestamp more than
    five minutes away is refused. Returns the parsed body, or raises BadSignature.
    """
    headers = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, signatures = headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"]
    if abs(time.time() - int(stamp)) > tolerance:
        raise BadSignature("timestamp outside the tolerance")
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.{body.decode()}".encode(), hashlib.sha256).digest())
    for signature in signatures.split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return json.loads(body)
    raise BadSignature("no valid signature")


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 in a thread; answers with `statuses` in turn (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Request(self.path, dict(self.headers), body))
                time.sleep(receiver.delay)
                index = min(len(receiver.requests) - 1, len(receiver.statuses) - 1)
                self.send_response(receiver.statuses[index])
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/coalition"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def subscribe(creator, chapter, url: str, name: str = "Sheet sync", **events) -> Subscription:
    """A subscription as the admin saves one (to person.created unless `events` say otherwise)."""
    fields = {"on_person_created": True} | {f"on_{event}": value for event, value in events.items()}
    return Subscription.objects.create(name=name, chapter=chapter, url=url, created_by=creator, **fields)
