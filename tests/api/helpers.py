"""Keys and requests for the API tests."""

import json

from api.models import ApiKey
from chapters.models import Chapter
from members.models import User


def make_key(creator: User, chapter: Chapter | None, scope: str = ApiKey.Scope.READ, **fields) -> tuple[ApiKey, str]:
    """A key as the admin makes one; returns it and the token shown once."""
    key = ApiKey(name=fields.pop("name", "Sync"), chapter=chapter, scope=scope, created_by=creator, **fields)
    token = key.issue()
    key.save()
    return key, token


def headers(token: str) -> dict:
    return {"HTTP_OSDI_API_TOKEN": token}


def body(response) -> dict:
    return json.loads(response.content)


def signup(person: dict, **extra) -> dict:
    return {"person": person, **extra}


def person(email: str, zip_code: str = "29201", **fields) -> dict:
    data = {"given_name": "Ann", "family_name": "Lee", "email_addresses": [{"address": email}],
            "postal_addresses": [{"postal_code": zip_code}]}  # fmt: skip
    data.update(fields)
    return data
