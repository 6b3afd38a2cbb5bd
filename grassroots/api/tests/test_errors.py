from grassroots.areas.models import Household
from grassroots.core.testing import client_for


def test_a_body_that_is_not_json_gets_a_chinese_400_and_writes_nothing(insider, households):
    before = Household.objects.count()
    response = client_for(insider).post("/api/points/claims/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求内容不是合法的 JSON"
    assert Household.objects.count() == before
