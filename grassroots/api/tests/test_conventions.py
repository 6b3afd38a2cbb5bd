"""docs/api.md's conventions, checked over every route of the OpenAPI document (issue #18, item 2).

Each test walks the whole document and fails listing every operation that breaks its rule, so a new route
that forgets one is named here before a client meets it."""

import pytest
from ninja import Schema

from grassroots.api.api import api
from grassroots.api.ids import MAX_ID
from grassroots.api.testing import bearer

WRITES = {"post", "put", "patch", "delete"}
# Names docs/api.md "One name for one thing" rules out, anywhere in a request or a reply.
FORBIDDEN_NAMES = {
    "credit": "balance", "credit_yuan": "<name>_fen", "fen_text": "<name>_text",
    "next_offset": "next_cursor", "offset": "cursor", "pk": "id", "count": "next_cursor (a list has no count)",
}
# Routes a resident opens without an account (docs/api.md "Public routes") and the sign-in itself.
PUBLIC_PREFIXES = ("/api/points/public/", "/api/demands/public/")
SIGN_IN = ("/api/auth/tokens/", "post")


@pytest.fixture(scope="module")
def openapi():
    return api.get_openapi_schema()


def _operations(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _resolve(openapi, schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _success(openapi, operation) -> tuple[str, dict] | tuple[None, None]:
    for code, response in sorted(operation["responses"].items()):
        if str(code).startswith("2"):
            content = response.get("content", {}).get("application/json")
            return str(code), _resolve(openapi, content["schema"]) if content else {}
    return None, None


def _walk_properties(openapi, schema: dict, seen: set):
    """Every (name, schema) of an object schema and of the schemas it holds."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        schema = _resolve(openapi, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, ()):
            yield from _walk_properties(openapi, sub, seen)
    if "items" in schema:
        yield from _walk_properties(openapi, schema["items"], seen)
    for name, sub in schema.get("properties", {}).items():
        yield name, sub
        yield from _walk_properties(openapi, sub, seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _walk_properties(openapi, schema["additionalProperties"], seen)


def _schemas_of(operation) -> list[dict]:
    schemas = [p.get("schema", {}) for p in operation.get("parameters", ())]
    for content in operation.get("requestBody", {}).get("content", {}).values():
        schemas.append(content.get("schema", {}))
    for response in operation["responses"].values():
        for content in response.get("content", {}).values():
            schemas.append(content.get("schema", {}))
    return schemas


def test_every_path_is_lower_case_hyphenated_and_ends_in_a_slash(openapi):
    wrong = [path for path in openapi["paths"]
             if not path.endswith("/") or "_" in path.replace("_id}", "}").split("{")[0] or path != path.lower()]
    assert wrong == []


def test_every_error_answer_has_the_one_error_body(openapi):
    wrong = []
    for path, method, operation in _operations(openapi):
        for code, response in operation["responses"].items():
            if int(code) < 400:
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref", "").rsplit("/", 1)[-1] != "ErrorOut":
                wrong.append(f"{method.upper()} {path} {code}")
    assert wrong == []


def test_every_list_answers_the_one_envelope_with_a_cursor(openapi):
    """A list is ``{"items": [...], "next_cursor": ...}``, paged by ``limit`` and ``cursor``; never a bare array."""
    wrong = []
    for path, method, operation in _operations(openapi):
        if method != "get":
            continue
        code, schema = _success(openapi, operation)
        if not schema:
            continue
        params = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
        if schema.get("type") == "array":
            wrong.append(f"GET {path}: a bare array")
        elif "items" in schema.get("properties", {}):
            if set(schema["properties"]) - {"items", "next_cursor"} or "next_cursor" not in schema["properties"]:
                wrong.append(f"GET {path}: envelope {sorted(schema['properties'])}")
            elif not {"limit", "cursor"} <= params:
                wrong.append(f"GET {path}: no limit/cursor parameters")
        if "offset" in params:
            wrong.append(f"GET {path}: offset (use cursor)")
    assert wrong == []


def test_one_name_for_one_thing(openapi):
    wrong = set()
    for path, method, operation in _operations(openapi):
        for schema in _schemas_of(operation):
            for name, sub in _walk_properties(openapi, schema, set()):
                if name in FORBIDDEN_NAMES:
                    wrong.add(f"{method.upper()} {path}: {name} → {FORBIDDEN_NAMES[name]}")
                if name.endswith("_yuan"):
                    wrong.add(f"{method.upper()} {path}: {name} → money as <name>_fen")
                if name.endswith("_fen") and _resolve(openapi, sub).get("type") != "integer":
                    wrong.add(f"{method.upper()} {path}: {name} is not an integer")
        for param in operation.get("parameters", ()):
            if param["name"] in FORBIDDEN_NAMES:
                wrong.add(f"{method.upper()} {path}: parameter {param['name']} → {FORBIDDEN_NAMES[param['name']]}")
    assert sorted(wrong) == []


def test_every_create_requires_an_idempotency_key(openapi):
    """A POST answering 201 creates something: a retry on a weak signal must not create it twice."""
    wrong = []
    for path, method, operation in _operations(openapi):
        if method != "post" or "201" not in {str(c) for c in operation["responses"]}:
            continue
        keys = [p for p in operation.get("parameters", ()) if p["name"] == "Idempotency-Key" and p["in"] == "header"]
        if path.startswith("/api/auth/tokens/"):
            continue  # a sign-in that is retried makes a second token, each shown once; nothing is doubled
        if not keys or not keys[0].get("required"):
            wrong.append(f"POST {path}")
    assert wrong == []


def test_every_route_but_the_public_ones_needs_a_token_or_a_session(openapi):
    schemes = openapi["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    wrong = []
    for path, method, operation in _operations(openapi):
        public = path.startswith(PUBLIC_PREFIXES) or (path, method) == SIGN_IN
        if bool(operation.get("security")) == public:
            wrong.append(f"{method.upper()} {path}")
    assert wrong == []


def test_every_authenticated_route_refuses_an_anonymous_caller_with_the_error_body(openapi, client, db):
    wrong = []
    for path, method, operation in _operations(openapi):
        if not operation.get("security"):
            continue
        url = path
        for param in operation.get("parameters", ()):
            if param["in"] == "path":
                url = url.replace("{" + param["name"] + "}", "1" if "id" in param["name"] else "x")
        response = getattr(client, method)(url, content_type="application/json") if method in WRITES \
            else client.get(url)
        body = response.json() if response["Content-Type"] == "application/json" else {}
        if response.status_code != 401 or body.get("code") != "unauthenticated" or not body.get("detail"):
            wrong.append(f"{method.upper()} {path}: {response.status_code} {body}")
    assert wrong == []


def _schema_classes():
    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)
    return [cls for cls in below(Schema) if cls.__module__.startswith("grassroots.")]


def test_no_two_schemas_share_a_name(openapi):
    """The document keeps one schema per name: a second class of the same name makes it describe one route with
    the other's shape (the fuzzer found a public notice's lines validated against the settlement's)."""
    modules: dict[str, set[str]] = {}
    for cls in _schema_classes():
        modules.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: sorted(found) for name, found in modules.items() if len(found) > 1} == {}


def test_every_read_of_a_missing_thing_answers_404_with_the_error_body(openapi, secretary):
    """Missing and not-yours are one answer: every GET whose path names a thing answers 404 (an id no row has;
    a code no area has) with the one error body — never a 500, a 200 of nothing or an English page."""
    client = bearer(secretary)
    wrong = []
    for path, method, operation in _operations(openapi):
        params = [p for p in operation.get("parameters", ()) if p["in"] == "path"]
        if method != "get" or not params:
            continue
        url = path
        for param in params:
            numeric = _resolve(openapi, param.get("schema", {})).get("type") == "integer"
            url = url.replace("{" + param["name"] + "}", str(MAX_ID) if numeric else "000000000000")
        response = client.get(url)
        body = response.json() if response["Content-Type"] == "application/json" else {}
        required_query = any(p["in"] == "query" and p.get("required") for p in operation.get("parameters", ()))
        numeric_only = all(_resolve(openapi, p.get("schema", {})).get("type") == "integer" for p in params)
        allowed = {404} if numeric_only and not required_query else {404, 422}
        if response.status_code not in allowed or body.get("code") not in ("not_found", "invalid") \
                or not body.get("detail"):
            wrong.append(f"GET {path}: {response.status_code} {body}")
    assert wrong == []
