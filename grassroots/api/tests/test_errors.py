from grassroots.api.api import api
from grassroots.api.testing import bearer
from grassroots.areas.models import Household
from grassroots.core.testing import client_for


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
