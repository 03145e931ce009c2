"""POSTing to a URL someone typed into the admin, without letting it reach our own network (SSRF).

The host is resolved once; every address it resolves to must be public (global: not private,
loopback, link-local, shared, multicast, reserved or unspecified), and the connection goes to the address that was
checked, so a DNS answer that changes between the check and the request (rebinding) cannot
slip through. Redirects are not followed. Timeouts are short: a slow receiver holds a worker.
Loopback may be allowed by a setting (WEBHOOKS_ALLOW_LOOPBACK) for tests and local development.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

USER_AGENT = "Coalition-Webhooks/1"


class Refused(Exception):
    """The URL may not be called at all (bad scheme, or an address inside our network)."""


class SendError(Exception):
    """The receiver could not be reached, or did not answer in time."""


@dataclass
class Answer:
    status: int
    ms: int


def allowed_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if ip.is_loopback:
        return settings.WEBHOOKS_ALLOW_LOOPBACK
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return allowed_address(ip.ipv4_mapped)
    # is_global: not private, link-local, shared (100.64/10), reserved, documentation or unspecified.
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, path) of a URL we may POST to, with the host's checked address; else Refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise Refused("The URL must start with https://.")
    if not parts.hostname:
        raise Refused("The URL has no host.")
    if parts.username or parts.password:
        raise Refused("The URL may not hold a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("The URL's port is not a number.") from None
    address = resolve(parts.hostname, port)
    if parts.scheme == "http" and not ipaddress.ip_address(address).is_loopback:
        raise Refused("The URL must start with https:// (events hold personal data).")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path, address


def resolve(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"The host {host!r} does not resolve.") from None
    addresses = {info[4][0] for info in infos}
    for address in addresses:
        if not allowed_address(ipaddress.ip_address(address.split("%")[0])):
            raise Refused(
                f"The host {host!r} is inside a private network ({address}); webhooks go only to public addresses."
            )
    return sorted(addresses)[0]


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while naming the host in the request."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(PinnedHTTPConnection):
    default_port = 443

    def connect(self) -> None:
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    scheme, host, port, path, address = check_url(url)
    connection_class = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    connection = connection_class(host, port, address, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body, headers={
            **headers, "Content-Type": "application/json", "User-Agent": USER_AGENT,
        })  # fmt: skip
        response = connection.getresponse()
        response.read(1024)  # what the receiver says is not ours to keep; its status is
        return Answer(status=response.status, ms=round((time.monotonic() - started) * 1000))
    except (OSError, http.client.HTTPException) as error:
        raise SendError(f"{type(error).__name__}: {error}"[:300] or "no answer") from None
    finally:
        connection.close()
