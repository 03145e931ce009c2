"""The OpenAPI schema is valid, served, and documents every operation the URLs route to."""

import json

from openapi_spec_validator import validate

from tests.api.test_authorization import MATRIX


def schema_of(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_served_schema_validates_against_the_openapi_specification(client, db):
    schema = schema_of(client)
    assert schema["openapi"].startswith("3.")
    validate(schema)  # raises OpenAPIValidationError with the offending part


def test_every_operation_is_documented_with_its_answers_and_its_key(client, db):
    schema = schema_of(client)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            assert operation.get("summary"), f"{label} has no summary"
            ok = operation["responses"]["200"]["content"]
            assert "schema" in next(iter(ok.values())), f"{label} documents no answer"
            keyed = MATRIX[(method, path)].kind != "public"
            security = {name for requirement in operation.get("security", []) for name in requirement}
            assert security == ({"OsdiToken", "Bearer"} if keyed else set()), f"{label}: security {security}"
            if keyed:
                assert {"401", "403", "429"} <= set(operation["responses"]), f"{label} documents no refusals"
    schemes = schema["components"]["securitySchemes"]
    assert schemes["OsdiToken"] == {"type": "apiKey", "in": "header", "name": "OSDI-API-Token"}
    assert schemes["Bearer"] == {"type": "http", "scheme": "bearer"}


def test_every_routed_api_url_is_in_the_schema(client, db):
    """No operation hides from the documentation: the URL resolver's api paths are the schema's, plus its own two."""
    from django.urls import get_resolver

    from tests.test_authorization import walk

    routed = {"/" + route for name, route in walk(get_resolver().url_patterns) if route.startswith("api/")}
    documented = {path.replace("{person_id}", "<int:person_id>").replace("{slug}", "<slug:slug>")
                  for path in schema_of(client)["paths"]}  # fmt: skip
    assert routed - documented == {"/api/openapi.json", "/api/docs/"}
