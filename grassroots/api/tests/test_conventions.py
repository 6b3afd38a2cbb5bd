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
# An area comes IN as ``area_code`` (docs/api.md "One name for one thing"): never a level's name (``village``,
# ``grid``), a level's code (``village_code``, ``grid_code``) or an area's id (``area_id``); an id reference is
# ``<thing>_id`` of a thing that is not an area. Plurals alike (``area_codes`` for a list of areas).
AREA_WORDS = ("region", "prefecture", "county", "township", "village", "grid", "area")
# In a path an area is named by ``{code}`` when the path is the area's own collection (``/areas/{code}/``,
# ``/villages/{code}/annual/``, ``/grids/{code}/statement/``): there the code is the thing's own name, as
# ``{<thing>_id}`` is a record's (docs/api.md "Paths and methods"), so it is not a reference and not
# ``area_code``. Anywhere else a path names an area ``{area_code}`` (``/demands/public/{area_code}/tracking/…``).
AREA_COLLECTIONS = {"areas", "regions", "prefectures", "counties", "townships", "villages", "grids"}
# (METHOD, path, name) → why this route may take an area under another name. Empty: no route needs one.
AREA_NAMES_ALLOWED: dict[tuple[str, str, str], str] = {}
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


def _area_misnamed(name: str) -> str | None:
    """What ``name`` should be, when it names an area (or an area's code or id) otherwise than ``area_code``."""
    if name in ("area_code", "area_codes"):
        return None
    stem, plural = name, True
    if name.endswith("ies"):
        stem = name[:-3] + "y"
    elif name.endswith("s"):
        stem = name[:-1]
    else:
        plural = False
    if any(stem in (word, f"{word}_code", f"{word}_id") for word in AREA_WORDS):
        return "area_codes" if plural else "area_code"
    return None


def _request_names(openapi, operation):
    """Every (where, name) a client sends: parameters by location, then the body's properties at any depth."""
    for param in operation.get("parameters", ()):
        yield param["in"], param["name"]
    for content in operation.get("requestBody", {}).get("content", {}).values():
        for name, _sub in _walk_properties(openapi, content.get("schema", {}), set()):
            yield "body", name


def test_an_area_comes_in_as_area_code(openapi):
    """The points routers took ``village``, ``village_code``, the shop and households ``grid_code``: one name now,
    ``area_code``, in every query, path and body (issue #18). Fails listing each operation and name."""
    wrong = set()
    for path, method, operation in _operations(openapi):
        for where, name in _request_names(openapi, operation):
            if (method.upper(), path, name) in AREA_NAMES_ALLOWED:
                continue
            if where == "path" and name == "code":
                before = path.split("{code}")[0].rstrip("/").rsplit("/", 1)[-1]
                if before not in AREA_COLLECTIONS:
                    wrong.add(f"{method.upper()} {path}: path {{code}} outside an area collection → {{area_code}}")
                continue
            better = _area_misnamed(name)
            if better:
                wrong.add(f"{method.upper()} {path}: {where} {name} → {better}")
    assert sorted(wrong) == []


def test_the_area_name_rule_catches_every_old_name():
    """The rule above is only as good as its list: the names the API used to take are caught, the right ones and
    the codes that are no area (a rule's, a category's, a tracking code) are not."""
    for old in ("village", "grid", "township", "county", "area", "region", "prefecture", "village_code",
                "grid_code", "township_code", "county_code", "area_id", "village_id", "grid_id", "villages",
                "grids", "areas", "grid_codes", "counties"):
        assert _area_misnamed(old), old
    for fine in ("area_code", "area_codes", "code", "category_code", "tracking_code", "credit_code", "household_id",
                 "organisation_id", "unit_id", "rule_code", "grid_worker", "areas_seen"):
        assert _area_misnamed(fine) is None, fine


def test_a_refused_area_is_named_area_code(openapi, county_admin, region):
    """A route that refuses the area it was given names the field the client sent (``area_code``), never the
    old ``village``/``grid_code``: every list that takes ``?area_code=`` is asked, by a county administrator
    (who sees every area), for a township, a grid, a village and a code no area has."""
    client = bearer(county_admin)
    codes = [region["乌丹镇"].code, region["赛沁塔拉嘎查1"].code, region["赛沁塔拉嘎查"].code, "999999999999"]
    wrong, refused = [], set()
    for path, method, operation in _operations(openapi):
        params = operation.get("parameters", ())
        if method != "get" or any(p["in"] == "path" for p in params) \
                or "area_code" not in {p["name"] for p in params if p["in"] == "query"}:
            continue
        names = {p["name"] for p in params} | {"__all__"}
        for code in codes:
            response = client.get(path, {"area_code": code})
            if response.status_code not in (200, 404, 422):
                wrong.append(f"GET {path}?area_code={code}: {response.status_code}")
            elif response.status_code == 422:
                refused.add(path)
                if not set(response.json()["errors"]) <= names or not response.json()["detail"]:
                    wrong.append(f"GET {path}?area_code={code}: 422 {response.json()}")
    assert wrong == []
    # The points lists refuse a township (they need a village or a grid): the test reaches the renamed routes.
    assert {"/api/points/rules/", "/api/points/claims/", "/api/points/notices/", "/api/points/entries/",
            "/api/points/results/settlements/"} <= refused


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
