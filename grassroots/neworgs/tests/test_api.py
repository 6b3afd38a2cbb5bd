"""The 两新 JSON API under /api/party: scoped lists and detail, idempotent creates, the registers."""

import json

import pytest

from grassroots.neworgs.models import CensusReturn, NewOrganisation

pytestmark = pytest.mark.django_db

WUDAN, COUNTY = "150426100000", "150426000000"


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_the_census_list_is_scoped_and_paged(census, as_org_staff, as_township_staff, as_outsider, as_insider):
    first = as_org_staff.get("/api/party/new-organisations", {"day": "2026-07-01", "limit": 4}).json()
    assert len(first["items"]) == 4 and first["next_offset"] == 4
    rest = as_org_staff.get("/api/party/new-organisations", {"day": "2026-07-01", "limit": 4, "offset": 4}).json()
    names = [o["name"] for o in first["items"] + rest["items"]]
    assert sorted(names) == sorted(["甲公司", "乙商贸", "丙物流", "丁餐饮", "戊协会", "庚工作室"])
    yi = next(o for o in first["items"] + rest["items"] if o["name"] == "乙商贸")
    assert yi["full_members"] == 3 and yi["qualifies"] and yi["covering_organisation"] == "中共乌丹镇非公企业联合支部委员会"
    last_year = as_org_staff.get("/api/party/new-organisations", {"day": "2025-12-31", "limit": 50}).json()["items"]
    yi = next(o for o in last_year if o["name"] == "乙商贸")
    assert yi["full_members"] == 2 and not yi["qualifies"] and yi["covering_organisation"] is None
    seen = {o["name"] for o in as_township_staff.get("/api/party/new-organisations").json()["items"]}
    assert "甲公司" in seen and "戊协会" not in seen
    assert as_outsider.get("/api/party/new-organisations", {"area": WUDAN}).status_code == 404
    assert as_insider.get("/api/party/new-organisations").status_code == 404


def test_one_organisation(census, as_org_staff, as_reader, as_outsider, as_insider):
    jia = census.orgs["甲"].pk
    body = as_org_staff.get(f"/api/party/new-organisations/{jia}", {"day": "2026-07-01"}).json()
    assert body["covering_organisation"] == "中共甲公司支部委员会" and body["instructors"] == ["王志强"]
    assert [c["organisation_code"] for c in body["coverages"]] == ["T-E1"]
    bing = census.orgs["丙"].pk
    assert as_reader.get(f"/api/party/new-organisations/{bing}").status_code == 200  # 赛沁塔拉嘎查's
    assert as_outsider.get(f"/api/party/new-organisations/{jia}").status_code == 404
    assert as_insider.get(f"/api/party/new-organisations/{bing}").status_code == 404
    assert as_org_staff.get("/api/party/new-organisations/999999").status_code == 404


def test_registering_takes_a_key_and_runs_once(census, as_org_staff, as_township_staff, as_outsider, as_insider):
    body = {"name": "辛物业", "kind": "enterprise", "area": WUDAN, "registered_on": "2026-08-01", "industry": "物业"}
    missing = post(as_org_staff, "/api/party/new-organisations", body)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]
    assert post(as_township_staff, "/api/party/new-organisations", body, "k").status_code == 403
    assert post(as_outsider, "/api/party/new-organisations", body, "k").status_code == 404
    assert post(as_insider, "/api/party/new-organisations", body, "k").status_code == 404
    first = post(as_org_staff, "/api/party/new-organisations", body, "k-1")
    again = post(as_org_staff, "/api/party/new-organisations", body, "k-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json() and NewOrganisation.objects.filter(name="辛物业").count() == 1


def test_a_census_return_through_the_api(census, as_org_staff, as_township_staff, as_outsider, as_insider):
    url = f"/api/party/new-organisations/{census.orgs['丁'].pk}/census-returns"
    body = {"counted_on": "2026-09-30", "employees": 22, "full_members": 5, "probationary_members": 1}
    assert post(as_outsider, url, body, "k").status_code == 404
    assert post(as_insider, url, body, "k").status_code == 404
    assert post(as_township_staff, url, body, "k").status_code == 403
    assert post(as_org_staff, url, body, "r-1").status_code == 201
    assert post(as_org_staff, url, body, "r-1").status_code == 201
    assert CensusReturn.objects.filter(new_organisation=census.orgs["丁"], counted_on="2026-09-30").count() == 1
    clash = post(as_org_staff, url, body, "r-2")
    assert clash.status_code == 422 and "“丁餐饮”2026-09-30 的普查数据已录入" in clash.json()["detail"]
    bad = post(as_org_staff, url, {**body, "counted_on": "2026-10-31", "employees": 3}, "r-3")
    assert bad.status_code == 422 and "多于从业人员" in bad.json()["detail"]


def test_the_registers(census, as_org_staff, as_township_staff, as_outsider, as_insider):
    body = as_org_staff.get("/api/party/registers", {"area": COUNTY, "day": "2026-07-01"}).json()
    assert body["figures"] == {"in_census": 6, "qualifying": 4, "covered": 4, "covering_organisations": 3,
                               "uncovered_qualifying": 1}
    assert [(b["name"], b["joint"]) for b in body["built"]["items"]] == [
        ("甲公司", False), ("乙商贸", True), ("丙物流", True), ("戊协会", False)]
    assert body["reserve"]["count"] == 2 and body["dispatched"]["items"][0]["instructor"] == "王志强"
    assert [n["code"] for n in body["newly_built"]["items"]] == ["T-EJ", "T-ES"]
    assert [g["name"] for g in body["gap"]["items"]] == ["丁餐饮"]
    township = as_township_staff.get("/api/party/registers", {"day": "2026-07-01"}).json()
    assert township["area"]["code"] == WUDAN and township["figures"]["in_census"] == 5
    assert as_outsider.get("/api/party/registers", {"area": WUDAN}).status_code == 404
    assert as_insider.get("/api/party/registers").status_code == 404


def test_the_instructor_pool(census, as_org_staff, as_insider):
    items = as_org_staff.get("/api/party/instructors", {"day": "2026-07-01"}).json()["items"]
    assert [(i["name"], i["dispatched_to"]) for i in items] == [("王志强", ["甲公司"])]
    assert as_insider.get("/api/party/instructors").status_code == 404
