"""Hostile input for the property-based tests (`tests/*/test_*_fuzz.py`), and what they assert.

Every fuzz test drives a real view through the test client against the real PostgreSQL.
The client re-raises any exception a view lets through, so "never a 500" needs no
assertion of its own. Each example runs in `rolled_back()`, a savepoint undone at the
end, so examples neither see each other's rows nor each other's rate-limit counters
(the cache is the database cache).

How many examples each test runs is the Hypothesis profile's business (tests/conftest.py):
`HYPOTHESIS_PROFILE=thorough` for a long run, the quick default otherwise.
"""

import re
from contextlib import contextmanager
from html import unescape
from urllib.parse import quote

from django.core.cache import caches
from django.db import transaction
from hypothesis import strategies as st

# What people (and scripts) actually paste into forms.
NASTY = [
    "",
    " ",
    "\t \n",
    "\x00",
    "a\x00b",
    "\x00" * 5,
    "2920\x00",
    "\x01\x02\x1b[31m",
    "\x7f\x85\x9f",
    "line\nbreak",
    "\r\n",
    "' OR 1=1 --",
    "'; DROP TABLE members_user; --",
    '" onmouseover="alert(1)',
    "<script>alert(1)</script>",
    "</textarea><img src=x onerror=alert(1)>",
    "{{ 7*7 }}{% debug %}",
    "=cmd|' /C calc'!A0",
    "+1-2",
    "@SUM(A1)",
    "\u202eevil\u202c",
    "\u200b\u200d\ufeff",
    "مرحبا بالعالم",
    "שלום",
    "日本語のテキスト",
    "Zoë Ñuñez-O'Brien",
    "👩🏽‍🚀🏳️‍🌈",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\ud800",
    "x\udfffy",
    "\ufffd\uffff",
    "29201",
    "29201-1234",
    "00000",
    "SC",
    "sc",
    "a" * 151,
    "é" * 300,
    "9" * 5000,
]

# All of Unicode, surrogates included: the client sends those as the invalid UTF-8 they become.
any_character = st.characters(exclude_categories=())


# Any script, emoji, marks, right-to-left and format characters: odd, but what a person may type.
storable_character = st.characters(exclude_categories=("Cc", "Cs"))


def hostile_text(max_size: int = 300) -> st.SearchStrategy[str]:
    """Known-nasty strings, random Unicode (with and without control characters), and them glued together."""
    known = st.sampled_from(NASTY)
    random = st.text(any_character, max_size=max_size)
    storable = st.text(storable_character, min_size=1, max_size=max_size)
    return st.one_of(known, random, storable, st.builds(lambda a, b: a + b, known, random))


def encode_form(data: dict[str, str]) -> bytes:
    """x-www-form-urlencoded, with lone surrogates passed through as the invalid bytes a broken client sends."""
    return "&".join(
        f"{quote(key.encode('utf-8', 'surrogatepass'))}={quote(value.encode('utf-8', 'surrogatepass'))}"
        for key, value in data.items()
    ).encode()


def post_form(client, path: str, data: dict[str, str], **extra):
    return client.post(path, encode_form(data), content_type="application/x-www-form-urlencoded", **extra)


def get_query(client, path: str, data: dict[str, str], **extra):
    return client.get(f"{path}?{encode_form(data).decode()}", **extra)


def as_received(value: str) -> str:
    """What Django reads from a field the client sent: invalid UTF-8 (lone surrogates) becomes U+FFFD."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@contextmanager
def rolled_back():
    """One example's database work, undone afterwards whatever happened; no page copies from earlier examples."""
    caches["pages"].clear()
    caches["process"].clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def page_text(response) -> str:
    """The visible text of a page, entities decoded, to find the messages a person would read."""
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def assert_errors_shown(response, form) -> None:
    """Refused input: the form has errors and each one is on the page the person sees."""
    assert form.errors, "the input was refused without saying why"
    text = page_text(response)
    for messages in form.errors.values():
        for message in messages:
            assert unescape(message) in text, f"error not shown: {message!r}"
