import pytest

from grassroots.api.api import api
from grassroots.api.testing import bearer
from grassroots.areas.models import Household
from grassroots.core.testing import client_for
from grassroots.party.models import Organisation
from grassroots.volunteers.models import Site


def test_a_body_that_is_not_json_gets_a_chinese_400_and_writes_nothing(insider, households):
    before = Household.objects.count()
    response = client_for(insider).post("/api/points/claims/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求内容不是合法的 JSON"
    assert Household.objects.count() == before


def test_a_body_too_large_is_the_declared_413_not_a_500(insider, households, settings):
    """Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or a form with too many fields) while the
    route parses its input: the one error body, 413, declared on every operation that takes a body."""

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    client = bearer(insider)
    json_body = client.post("/api/households/", {"number": "x" * 5000}, content_type="application/json",
                            headers={"Idempotency-Key": "k-big"})
    form = client.post("/api/points/claims/with-photo/", {f"f{n}": "x" for n in range(10)},
                       headers={"Idempotency-Key": "k-fields"})
    for response in (json_body, form):
        assert response.status_code == 413, response.content
        assert response.json()["code"] == "too_large" and response.json()["detail"].startswith("请求内容过大")
    assert Household.objects.count() == 2
    document = api.get_openapi_schema()
    for path, method in (("/api/households/", "post"), ("/api/points/claims/with-photo/", "post")):
        assert "413" in {str(code) for code in document["paths"][path][method]["responses"]}
    assert "413" not in {str(code) for code in document["paths"]["/api/auth/me/"]["get"]["responses"]}


# --- text the database cannot keep (rules/storable_text.py) -------------------------------------------------
# PostgreSQL refuses a NUL character in any text: before these checks a NUL in a party organisation's or a
# practice site's area_code reached a query and answered 500 on PostgreSQL (the fuzzer found both).


def _rows() -> tuple[int, int]:
    return Organisation.objects.count(), Site.objects.count()


@pytest.mark.parametrize("path,body,field", [
    ("/api/party/organisations/", {"name": "第二支部", "kind": "branch", "area_code": "15\x00",
                                   "founded_on": "2020-01-01"}, "area_code"),
    ("/api/party/organisations/", {"name": "第二\x00支部", "kind": "branch", "area_code": "150426100223",
                                   "founded_on": "2020-01-01"}, "name"),
    ("/api/volunteers/sites/", {"name": "实践点", "area_code": "\x00"}, "area_code"),
    ("/api/volunteers/sites/", {"name": "实践点", "offers": "理发\x00"}, "offers"),
])
def test_a_nul_in_a_body_field_is_a_422_naming_the_field_and_writes_nothing(secretary, party_world, volunteer_world,
                                                                          path, body, field):
    before = _rows()
    response = bearer(secretary).post(path, body, content_type="application/json",
                                      headers={"Idempotency-Key": f"k-nul-{field}-{path}"})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert "空字符" in response.json()["errors"][field][0]
    assert _rows() == before


def test_a_lone_surrogate_in_json_is_a_422_not_a_500(secretary, volunteer_world):
    response = bearer(secretary).post("/api/volunteers/sites/", data='{"name": "实践点\\ud800"}',
                                      content_type="application/json", headers={"Idempotency-Key": "k-surrogate"})
    assert response.status_code == 422, response.content
    assert "代理码点" in response.json()["errors"]["name"][0]


def test_a_nul_in_a_query_parameter_is_a_422_naming_it(secretary, party_world):
    response = bearer(secretary).get("/api/party/organisations/?q=%00")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and "q" in body["errors"] and "空字符" in body["detail"]


def test_a_nul_in_a_path_names_nothing_404(secretary, households):
    response = bearer(secretary).get("/api/areas/15%00/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_operation_declares_the_422_a_parameter_may_get():
    document = api.get_openapi_schema()
    assert all("422" in {str(code) for code in operation["responses"]}
               for operations in document["paths"].values() for operation in operations.values())
