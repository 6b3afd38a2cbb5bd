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
    first = as_org_staff.get("/api/party/new-organisations/", {"day": "2026-07-01", "limit": 4}).json()
    assert len(first["items"]) == 4 and first["next_cursor"]
    rest = as_org_staff.get("/api/party/new-organisations/", {"day": "2026-07-01", "limit": 4,
                                                              "cursor": first["next_cursor"]}).json()
    assert rest["next_cursor"] is None
    names = [o["name"] for o in first["items"] + rest["items"]]
    assert sorted(names) == sorted(["甲公司", "乙商贸", "丙物流", "丁餐饮", "戊协会", "庚工作室"])
    yi = next(o for o in first["items"] + rest["items"] if o["name"] == "乙商贸")
    assert yi["full_members"] == 3 and yi["qualifies"] and yi["covering_organisation"] == "中共乌丹镇非公企业联合支部委员会"
    last_year = as_org_staff.get("/api/party/new-organisations/", {"day": "2025-12-31", "limit": 50}).json()["items"]
    yi = next(o for o in last_year if o["name"] == "乙商贸")
    assert yi["full_members"] == 2 and not yi["qualifies"] and yi["covering_organisation"] is None
    seen = {o["name"] for o in as_township_staff.get("/api/party/new-organisations/").json()["items"]}
    assert "甲公司" in seen and "戊协会" not in seen
    assert as_outsider.get("/api/party/new-organisations/", {"area_code": WUDAN}).status_code == 404
    assert as_insider.get("/api/party/new-organisations/").status_code == 404


def test_one_organisation(census, as_org_staff, as_reader, as_outsider, as_insider):
    jia = census.orgs["甲"].pk
    body = as_org_staff.get(f"/api/party/new-organisations/{jia}/", {"day": "2026-07-01"}).json()
    assert body["covering_organisation"] == "中共甲公司支部委员会" and body["instructors"] == ["王志强"]
    assert [c["organisation_code"] for c in body["coverages"]] == ["T-E1"]
    bing = census.orgs["丙"].pk
    assert as_reader.get(f"/api/party/new-organisations/{bing}/").status_code == 200  # 赛沁塔拉嘎查's
    assert as_outsider.get(f"/api/party/new-organisations/{jia}/").status_code == 404
    assert as_insider.get(f"/api/party/new-organisations/{bing}/").status_code == 404
    assert as_org_staff.get("/api/party/new-organisations/999999/").status_code == 404


def test_registering_takes_a_key_and_runs_once(census, as_org_staff, as_township_staff, as_outsider, as_insider):
    body = {"name": "辛物业", "kind": "enterprise", "area_code": WUDAN, "registered_on": "2026-08-01", "industry": "物业"}
    missing = post(as_org_staff, "/api/party/new-organisations/", body)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]
    assert post(as_township_staff, "/api/party/new-organisations/", body, "k").status_code == 403
    assert post(as_outsider, "/api/party/new-organisations/", body, "k").status_code == 404
    assert post(as_insider, "/api/party/new-organisations/", body, "k").status_code == 404
    first = post(as_org_staff, "/api/party/new-organisations/", body, "k-1")
    again = post(as_org_staff, "/api/party/new-organisations/", body, "k-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json() and NewOrganisation.objects.filter(name="辛物业").count() == 1


def test_a_census_return_through_the_api(census, as_org_staff, as_township_staff, as_outsider, as_insider):
    url = f"/api/party/new-organisations/{census.orgs['丁'].pk}/census-returns/"
    body = {"counted_on": "2026-09-30", "employees": 22, "full_members": 5, "probationary_members": 1}
    assert post(as_outsider, url, body, "k").status_code == 404
    assert post(as_insider, url, body, "k").status_code == 404
    assert post(as_township_staff, url, body, "k").status_code == 403
    assert post(as_org_staff, url, body, "r-1").status_code == 201
    assert post(as_org_staff, url, body, "r-1").status_code == 201
    assert CensusReturn.objects.filter(new_organisation=census.orgs["丁"], counted_on="2026-09-30").count() == 1
    clash = post(as_org_staff, url, body, "r-2")
    assert clash.status_code == 409 and "“丁餐饮”2026-09-30 的普查数据已录入" in clash.json()["detail"]
    bad = post(as_org_staff, url, {**body, "counted_on": "2026-10-31", "employees": 3}, "r-3")
    assert bad.status_code == 422 and "多于从业人员" in bad.json()["detail"]


def test_the_registers(census, as_org_staff, as_township_staff, as_outsider, as_insider):
    asked = {"area_code": COUNTY, "day": "2026-07-01"}
    body = as_org_staff.get("/api/party/registers/", asked).json()
    assert body["figures"] == {"in_census": 6, "qualifying": 4, "covered": 4, "covering_organisations": 3,
                               "uncovered_qualifying": 1}
    assert body["area"]["code"] == COUNTY and body["day"] == "2026-07-01"
    built = as_org_staff.get("/api/party/registers/built/", asked).json()
    assert [(b["name"], b["joint"]) for b in built["items"]] == [
        ("甲公司", False), ("乙商贸", True), ("丙物流", True), ("戊协会", False)]
    first = as_org_staff.get("/api/party/registers/built/", {**asked, "limit": 3}).json()
    rest = as_org_staff.get("/api/party/registers/built/", {**asked, "limit": 3, "cursor": first["next_cursor"]}).json()
    assert [b["name"] for b in first["items"] + rest["items"]] == [b["name"] for b in built["items"]]
    assert rest["next_cursor"] is None
    assert len(as_org_staff.get("/api/party/registers/reserve/", asked).json()["items"]) == 2
    dispatched = as_org_staff.get("/api/party/registers/dispatched/", asked).json()["items"]
    assert dispatched[0]["instructor"] == "王志强" and dispatched[0]["instructor_id"] == census.instructor.pk
    newly = as_org_staff.get("/api/party/registers/newly-built/", asked).json()["items"]
    assert [n["code"] for n in newly] == ["T-EJ", "T-ES"]
    gap = as_org_staff.get("/api/party/registers/gap/", asked).json()["items"]
    assert [(g["name"], g["new_organisation_id"]) for g in gap] == [("丁餐饮", census.orgs["丁"].pk)]
    township = as_township_staff.get("/api/party/registers/", {"day": "2026-07-01"}).json()
    assert township["area"]["code"] == WUDAN and township["figures"]["in_census"] == 5
    for path in ("", "built/", "reserve/", "dispatched/", "newly-built/", "gap/"):
        assert as_outsider.get(f"/api/party/registers/{path}", {"area_code": WUDAN}).status_code == 404, path
        assert as_insider.get(f"/api/party/registers/{path}").json()["code"] == "not_found", path


def test_the_instructor_pool(census, as_org_staff, as_insider):
    items = as_org_staff.get("/api/party/instructors/", {"day": "2026-07-01"}).json()["items"]
    assert [(i["name"], i["dispatched_to"]) for i in items] == [("王志强", ["甲公司"])]
    assert as_insider.get("/api/party/instructors/").status_code == 404


def test_closing_an_organisation_ends_its_coverage_and_dispatches(census, as_org_staff, as_township_staff,
                                                                 as_outsider):
    jia = census.orgs["甲"].pk
    url = f"/api/party/new-organisations/{jia}/close/"
    assert post(as_township_staff, url, {"closed_on": "2026-10-01"}).json()["code"] == "forbidden"
    bing = census.orgs["丙"].pk
    assert post(as_outsider, f"/api/party/new-organisations/{bing}/close/", {"closed_on": "2026-10-01"}
                ).json()["code"] == "not_found"
    assert post(as_org_staff, url, {"closed_on": "2000-01-01"}).status_code == 422
    first = post(as_org_staff, url, {"closed_on": "2026-10-01"}, "c-1")
    again = post(as_org_staff, url, {"closed_on": "2026-10-01"}, "c-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["closed_on"] == "2026-10-01"
    assert {c["ended_on"] for c in first.json()["coverages"]} == {"2026-10-01"}
    twice = post(as_org_staff, url, {"closed_on": "2026-10-02"})
    assert twice.status_code == 409 and "已于 2026-10-01 注销" in twice.json()["detail"]


def test_coverage_started_and_ended(census, as_org_staff, as_township_staff, as_outsider):
    ding = census.orgs["丁"].pk
    url = f"/api/party/new-organisations/{ding}/coverages/"
    body = {"organisation_id": census.joint.pk, "started_on": "2026-09-01"}
    assert post(as_township_staff, url, body, "k").status_code == 403
    assert post(as_outsider, url, body, "k").status_code == 404
    assert post(as_org_staff, url, body).status_code == 422  # the key is required
    unknown = post(as_org_staff, url, {**body, "organisation_id": 999999}, "k0")
    assert unknown.status_code == 422 and "organisation_id" in unknown.json()["errors"]
    first = post(as_org_staff, url, body, "k1")
    again = post(as_org_staff, url, body, "k1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["organisation_id"] == census.joint.pk and first.json()["ended_on"] is None
    twice = post(as_org_staff, url, {**body, "started_on": "2026-09-02"}, "k2")
    assert twice.status_code == 409 and twice.json()["code"] == "conflict"
    end = f"{url}{first.json()['id']}/end/"
    assert post(as_township_staff, end, {"ended_on": "2026-11-01"}).status_code == 403
    assert post(as_org_staff, f"{url}999999/end/", {"ended_on": "2026-11-01"}).status_code == 404
    ended = post(as_org_staff, end, {"ended_on": "2026-11-01"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-11-01"
    assert post(as_org_staff, end, {"ended_on": "2026-11-02"}).status_code == 409


def test_an_instructor_dispatched_and_withdrawn(census, as_org_staff, as_township_staff, as_outsider):
    ding = census.orgs["丁"].pk
    url = f"/api/party/new-organisations/{ding}/dispatches/"
    body = {"instructor_id": census.instructor.pk, "started_on": "2026-09-01"}
    assert post(as_township_staff, url, body, "k").status_code == 403
    assert post(as_outsider, url, body, "k").status_code == 404
    first = post(as_org_staff, url, body, "d1")
    again = post(as_org_staff, url, body, "d1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["instructor"] == "王志强"
    twice = post(as_org_staff, url, {**body, "started_on": "2026-09-02"}, "d2")
    assert twice.status_code == 409 and "已选派到" in twice.json()["detail"]
    end = f"{url}{first.json()['id']}/end/"
    ended = post(as_org_staff, end, {"ended_on": "2026-10-01"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-10-01"
    assert post(as_org_staff, end, {"ended_on": "2026-10-02"}).status_code == 409


def test_the_pool_grows_and_shrinks(census, as_org_staff, as_township_staff, as_county_staff, as_outsider,
                                    as_insider):
    body = {"name": "李娜", "employer": "翁牛特旗工商联", "joined_on": "2026-05-01"}
    assert post(as_township_staff, "/api/party/instructors/", body, "k").status_code == 403
    assert post(as_insider, "/api/party/instructors/", body, "k").status_code == 404
    assert post(as_org_staff, "/api/party/instructors/", {**body, "employer": ""}, "k0").status_code == 422
    first = post(as_org_staff, "/api/party/instructors/", body, "i1")
    again = post(as_org_staff, "/api/party/instructors/", body, "i1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    names = [i["name"] for i in as_org_staff.get("/api/party/instructors/", {"day": "2026-07-01"}).json()["items"]]
    assert sorted(names) == ["李娜", "王志强"]
    leave = f"/api/party/instructors/{first.json()['id']}/leave/"
    assert post(as_county_staff, leave, {"left_on": "2026-08-01"}).status_code == 403  # sees the pool, only looks
    assert post(as_township_staff, leave, {"left_on": "2026-08-01"}).status_code == 404  # the county pool: not seen
    assert post(as_outsider, leave, {"left_on": "2026-08-01"}).status_code == 404
    gone = post(as_org_staff, leave, {"left_on": "2026-08-01"})
    assert gone.status_code == 200 and gone.json()["left_on"] == "2026-08-01"
    assert post(as_org_staff, leave, {"left_on": "2026-08-02"}).status_code == 409


def test_a_422_names_the_requests_field_not_the_services(census, as_org_staff):
    """dispatch refuses an instructor not yet in the pool on the day naming its argument ``instructor``; the answer
    names the request's ``instructor_id`` (api_errors' ``fields``)."""
    url = f"/api/party/new-organisations/{census.orgs['乙'].pk}/dispatches/"
    refused = post(as_org_staff, url, {"instructor_id": census.instructor.pk, "started_on": "2025-12-01"}, "k")
    assert refused.status_code == 422, refused.content
    assert list(refused.json()["errors"]) == ["instructor_id"]
