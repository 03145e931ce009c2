"""Links mailed to people: signed, expiring, and dead once the thing they were for has happened.

One scheme for every such link. A token carries the id of the object it is for and a
digest of that object's state as the caller describes it (for an invitation: the
password and the last login), signed by `django.core.signing` with SECRET_KEY under a
salt of its own purpose, so a token made for one purpose is refused for every other.
When the state changes (a password is set), the digest stops matching: the link has
been used. A link whose action may safely be repeated (an endorser's second click on
"withdraw") passes no state and stays valid until it expires.

How long each kind of link works is written once, here; the mails that quote it read it
from `LIFETIMES` too.
"""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

LIFETIMES: dict[str, datetime.timedelta] = {
    # A new coordinator may not read mail every day; a national coordinator can send another.
    "coordinator-invitation": datetime.timedelta(days=7),
    # An imported member claims the account the roster import made for them.
    "member-invitation": datetime.timedelta(days=7),
    # An endorser confirms their contact address; after a week they submit again.
    "endorsement-confirm": datetime.timedelta(days=7),
    # Mailed at publication: an endorser may change their mind months later.
    "endorsement-withdraw": datetime.timedelta(days=90),
    # A visitor confirms their RSVP; a week is longer than most events are announced ahead.
    "rsvp-confirm": datetime.timedelta(days=7),
    # In every RSVP mail and reminder: a weekly call's RSVP may be made months ahead.
    "rsvp-cancel": datetime.timedelta(days=365),
    # The unsubscribe link of a broadcast: honoured however old the mail is read.
    "broadcast-unsubscribe": datetime.timedelta(days=3650),
}


class InvalidToken(Exception):
    """Tampered with, truncated, or made for another purpose."""


class ExpiredToken(InvalidToken):
    """Genuine, but older than its purpose's lifetime."""


@dataclass(frozen=True)
class SignedLink:
    purpose: str
    pk: int | str
    digest: str

    def matches(self, state: str) -> bool:
        """Whether the object is still in the state the link was made for (False: the link was used)."""
        return constant_time_compare(self.digest, _digest(self.purpose, state))


def lifetime_days(purpose: str) -> int:
    return LIFETIMES[purpose].days


def make_token(purpose: str, pk: int | str, state: str = "") -> str:
    """A URL-safe token for the object `pk`, valid for LIFETIMES[purpose] while its state stays `state`."""
    return signing.dumps([pk, _digest(purpose, state)], salt=_salt(purpose), compress=True)


def read_token(purpose: str, token: str) -> SignedLink:
    """The link a token stands for; raises ExpiredToken or InvalidToken. The caller then checks `matches()`."""
    try:
        data = signing.loads(token, salt=_salt(purpose), max_age=LIFETIMES[purpose])
    except signing.SignatureExpired as error:
        raise ExpiredToken(purpose) from error
    except signing.BadSignature as error:
        raise InvalidToken(purpose) from error
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[1], str)):
        raise InvalidToken(purpose)
    return SignedLink(purpose=purpose, pk=data[0], digest=data[1])


def _salt(purpose: str) -> str:
    if purpose not in LIFETIMES:
        raise KeyError(f"No lifetime is set for links of purpose {purpose!r}: add it to lib.tokens.LIFETIMES.")
    return f"coalition.links.{purpose}"


def _digest(purpose: str, state: str) -> str:
    # A keyed hash, so that the signed (readable) token does not show the state it covers.
    return salted_hmac(_salt(purpose), state, algorithm="sha256").hexdigest()[:32]
