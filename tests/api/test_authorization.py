"""The API's authorization matrix, read from its own OpenAPI schema.

Every operation the schema documents must have a row in MATRIX (and every row an operation):
an endpoint added without deciding who may call it fails `test_every_operation_is_in_the_matrix`.
Each row is then called with every kind of credential (no key; read and read+write keys of
chapters A and B and of every chapter; a revoked key, an expired key, and keys whose creators
lost their role) against chapter A's and chapter B's objects.
"""

import datetime
import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from api.endpoints import api
from api.models import ApiKey
from chapters.models import Officer
from lib.roles import NATIONAL_COORDINATORS
from tests.api.helpers import headers, make_key
from tests.factories import make_coordinator, make_endorsement, make_member, make_staff_mfa, make_user

READ, WRITE = ApiKey.Scope.READ, ApiKey.Scope.WRITE


@dataclass
class Row:
    kind: str  # "public": anyone; "read": any valid key, scoped to its chapter; "write": a read+write key
    path: object  # function of (world, side) giving the path for chapter "a" or "b"


MATRIX: dict[tuple[str, str], Row] = {
    ("get", "/api/"): Row("public", lambda w, side: "/api/"),
    ("get", "/api/chapters/"): Row("public", lambda w, side: "/api/chapters/"),
    ("get", "/api/chapters/{slug}/"): Row("public", lambda w, side: f"/api/chapters/{w.chapter[side].slug}/"),
    ("get", "/api/map/"): Row("public", lambda w, side: "/api/map/"),
    ("get", "/api/endorsements/"): Row("public", lambda w, side: "/api/endorsements/"),
    ("get", "/api/endorsements/{slug}/"): Row(
        "public", lambda w, side: f"/api/endorsements/{w.endorsement[side].slug}/"
    ),
    ("get", "/api/people/"): Row("read", lambda w, side: "/api/people/?per_page=100"),
    ("get", "/api/people/{person_id}/"): Row("read", lambda w, side: f"/api/people/{w.person[side].pk}/"),
    ("post", "/api/people/"): Row("write", lambda w, side: "/api/people/"),
}
ZIPS = {"a": "29201", "b": "82001"}

# Credentials: (creator, chapter side or None for every chapter, scope, how it is spoilt)
CREDENTIALS = {
    "no key": None,
    "read key A": ("coordinator_a", "a", READ, None),
    "write key A": ("coordinator_a", "a", WRITE, None),
    "read key B": ("coordinator_b", "b", READ, None),
    "write key B": ("coordinator_b", "b", WRITE, None),
    "national read key": ("national", None, READ, None),
    "national write key": ("national", None, WRITE, None),
    "revoked write key A": ("coordinator_a", "a", WRITE, "revoked"),
    "expired write key A": ("coordinator_a", "a", WRITE, "expired"),
    "write key A, creator's term ended": ("former_a", "a", WRITE, None),
    "national write key, creator no longer national": ("former_national", None, WRITE, None),
}


def documented_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema(path_params={})
    return {(method, path) for path, item in schema["paths"].items() for method in item}


def test_every_operation_is_in_the_matrix():
    assert documented_operations() == set(MATRIX)


@pytest.fixture
def world(chapter_a, chapter_b, coordinator_a, coordinator_b, national):
    former_a = make_coordinator("former-a@example.org", chapter_a)
    Officer.objects.filter(user=former_a).update(term_end=timezone.localdate() - datetime.timedelta(days=1))
    former_national = make_user("former-nat@example.org", is_staff=True)
    make_staff_mfa(former_national)
    former_national.groups.add(Group.objects.get(name=NATIONAL_COORDINATORS))
    w = SimpleNamespace(
        chapter={"a": chapter_a, "b": chapter_b},
        person={side: make_member(f"private-{side}@example.org", ZIPS[side]) for side in "ab"},
        endorsement={
            side: make_endorsement(state=ZIPS[side] == "29201" and "SC" or "WY", name=f"E {side}") for side in "ab"
        },  # fmt: skip
        users={
            "coordinator_a": coordinator_a,
            "coordinator_b": coordinator_b,
            "national": national,
            "former_a": former_a,
            "former_national": former_national,
        },  # fmt: skip
    )
    return w


def token_for(world, credential: str) -> str | None:
    spec = CREDENTIALS[credential]
    if spec is None:
        return None
    creator, side, scope, spoilt = spec
    chapter = world.chapter[side] if side else None
    extra = {"expires_at": timezone.now() - datetime.timedelta(minutes=1)} if spoilt == "expired" else {}
    key, token = make_key(world.users[creator], chapter, scope, **extra)
    if spoilt == "revoked":
        key.revoke(world.users[creator])
    if creator == "former_national":
        world.users[creator].groups.clear()  # after the key was made: it was national then, not today
    return token


def expected(row: Row, credential: str, side: str) -> set[int]:
    spec = CREDENTIALS[credential]
    if row.kind == "public":
        return {200}
    if spec is None or spec[3] in ("revoked", "expired"):
        return {401}
    creator, key_side, scope, _ = spec
    if creator.startswith("former"):
        return {403}
    reaches = key_side is None or key_side == side
    if row.kind == "write":
        return {200} if scope == WRITE and reaches else {403}
    if "{person_id}" in next(p for (m, p), r in MATRIX.items() if r is row):
        return {200} if reaches else {404}
    return {200}


def call(client, method: str, path: str, token: str | None, side: str):
    extra = headers(token) if token else {}
    if method == "post":
        data = {"person": {"email_addresses": [{"address": f"new-{side}@example.org"}],
                           "postal_addresses": [{"postal_code": ZIPS[side]}]}}  # fmt: skip
        return client.post(path, json.dumps(data), content_type="application/json", **extra)
    return client.get(path, **extra)


@pytest.mark.parametrize("credential", CREDENTIALS)
def test_every_operation_answers_every_credential_as_the_matrix_says(client, world, credential):
    token = token_for(world, credential)
    for (method, template), row in MATRIX.items():
        for side in "ab":
            path = row.path(world, side)
            response = call(client, method, path, token, side)
            allowed = expected(row, credential, side)
            label = f"{method.upper()} {path} (chapter {side.upper()}) with {credential}"
            assert response.status_code in allowed, f"{label}: {response.status_code}, allowed {allowed}"
            text = response.content.decode()
            if response.status_code != 200 or row.kind == "public":
                assert "private-a@" not in text, label
                assert "private-b@" not in text, label
                continue
            key_side = CREDENTIALS[credential][1]
            if key_side is not None:  # a chapter's key never shows the other chapter's people
                other = "b" if key_side == "a" else "a"
                assert f"private-{other}@" not in text, label
                if method == "get" and template == "/api/people/":
                    assert f"private-{key_side}@" in text, label
