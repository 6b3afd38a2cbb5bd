"""Ids are bounded in the schema (one type, ``api.ids.ObjectId``), and what the server can answer is
declared in the OpenAPI document (issue #11, items 7 and 10)."""

import pytest

from grassroots.api.ids import MAX_ID

TOO_BIG = 9223372036854775808  # 2**63: past what SQLite can bind (it answered 500 with an OverflowError)
WRITES = {"post", "put", "patch", "delete"}


def _post(client, url, body):
    return client.post(url, body, content_type="application/json", headers={"Idempotency-Key": f"k-{url}"})


@pytest.mark.parametrize(("url", "body", "field"), [
    ("/api/points/reviews/", {"claim_ids": [TOO_BIG], "approve": True}, "claim_ids"),
    ("/api/points/claims/", {"person_ids": [TOO_BIG], "rule_id": 1, "deed_date": "2026-12-01"}, "person_ids"),
    ("/api/points/claims/", {"person_ids": [1], "rule_id": MAX_ID + 1, "deed_date": "2026-12-01"}, "rule_id"),
])
def test_an_oversized_id_in_a_body_is_refused_naming_the_field(as_insider, url, body, field):
    response = _post(as_insider, url, body)
    assert response.status_code == 422 and response["Content-Type"] == "application/json"
    assert field in response.json()["errors"] and field in response.json()["detail"]


def test_an_id_in_a_json_body_must_be_a_number_not_text(as_insider):
    response = _post(as_insider, "/api/points/reviews/", {"claim_ids": ["1"], "approve": True})
    assert response.status_code == 422 and "claim_ids" in response.json()["errors"]


@pytest.mark.parametrize("url", [f"/api/points/claims/{TOO_BIG}/", f"/api/shop/redemptions/{TOO_BIG}/",
                                 "/api/households/0/", f"/api/points/entries/?household_id={TOO_BIG}"])
def test_an_oversized_or_zero_id_in_a_path_or_query_is_refused_naming_it(as_insider, url):
    response = as_insider.get(url)
    assert response.status_code == 422 and response["Content-Type"] == "application/json"
    assert set(response.json()["errors"]) & {"claim_id", "redemption_id", "household_id"}


@pytest.mark.parametrize("url", ["/api/points/claims/abc/", "/api/shop/redemptions/1x/", "/api/households/%E4%B8%80/"])
def test_a_non_numeric_path_id_answers_the_apis_json_404(as_insider, url):
    response = as_insider.get(url)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert set(response.json()) == {"code", "detail", "errors"} and response.json()["detail"]


def test_an_unknown_api_path_is_json_too(as_insider):
    response = as_insider.get("/api/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


@pytest.fixture
def openapi(as_insider):
    return as_insider.get("/api/openapi.json").json()


def test_every_id_parameter_is_bounded(openapi):
    unbounded = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for param in operation.get("parameters", []):
                name, schema = param["name"], param["schema"]
                if name.endswith("_id") or name in {"product", "household"}:
                    options = schema.get("anyOf", [schema])
                    if not any(o.get("maximum") == MAX_ID and o.get("minimum") == 1 for o in options):
                        unbounded.append(f"{method.upper()} {path} {name}")
    assert unbounded == []


def _body_id_fields(openapi) -> list[str]:
    unbounded = []
    for name, schema in openapi["components"]["schemas"].items():
        if not (name.endswith("In") or name.endswith("Patch")):
            continue
        for field, prop in schema.get("properties", {}).items():
            if field.endswith("_id") or field.endswith("_ids") or field in {"product", "household", "institution"}:
                target = prop.get("items", prop)
                if target.get("type") == "integer" and target.get("maximum") != MAX_ID:
                    unbounded.append(f"{name}.{field}")
    return unbounded


def test_every_id_in_a_request_body_is_bounded(openapi):
    assert _body_id_fields(openapi) == []


def test_every_write_route_declares_what_the_server_can_answer(openapi):
    """400 (a body that cannot be parsed), 422 (a field refused), 401 and 403 where a login is
    needed (anonymous; CSRF or a read-only member), 404 where the path names something."""
    missing = []
    writes = 0
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if method not in WRITES:
                continue
            writes += 1
            needed = {"400", "422"}
            if operation.get("security"):
                needed |= {"401", "403"}
            if "{" in path:
                needed.add("404")
            declared = {str(code) for code in operation["responses"]}
            if needed - declared:
                missing.append(f"{method.upper()} {path}: {sorted(needed - declared)}")
            for code in needed:
                content = operation["responses"][code]["content"]["application/json"]["schema"]
                assert content["$ref"].endswith("/ErrorOut"), (path, code)  # the one error body
    assert writes >= 20 and missing == []


def test_the_audit_search_declares_its_403(openapi, as_cashier):
    assert "403" in {str(c) for c in openapi["paths"]["/api/audit/"]["get"]["responses"]}
    response = as_cashier.get("/api/audit/")
    assert response.status_code == 403 and response.json()["detail"]


def test_a_body_that_is_not_json_answers_the_declared_400(as_insider, openapi):
    response = as_insider.post("/api/points/reviews/", "{not json", content_type="application/json",
                               headers={"Idempotency-Key": "k-bad"})
    assert response.status_code == 400 and response.json()["detail"]
    assert "400" in {str(c) for c in openapi["paths"]["/api/points/reviews/"]["post"]["responses"]}
