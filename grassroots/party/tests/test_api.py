"""/api/party: the organisation list (paged, as of ?day, ?q) and one organisation, scoped like the pages; the
create is idempotent (same key twice → one organisation, the replay marked); PATCH edits or moves; a
rectification is opened once (409 when one is already open)."""

import json
from datetime import date

import pytest

from grassroots.members.testing import actor_for
from grassroots.party import services
from grassroots.party.models import Organisation, Rectification

pytestmark = pytest.mark.django_db
BASE = "/api/party"


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(BASE + url, json.dumps(body), content_type="application/json", headers=headers)


def patch(client, url, body):
    return client.patch(BASE + url, json.dumps(body), content_type="application/json")


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [o["code"] for o in response.json()["items"]]


def test_the_list_is_scoped_paged_and_as_of_a_day(party_world, as_secretary, as_org_staff, as_outsider, as_insider,
                                                  as_cashier, as_unit_secretary, anonymous):
    assert codes(as_secretary.get(f"{BASE}/organisations/")) == ["T-SQ", "T-SQ1"]
    assert codes(as_unit_secretary.get(f"{BASE}/organisations/")) == ["T-JY"]
    assert "T-SQ" not in codes(as_outsider.get(f"{BASE}/organisations/"))
    assert as_insider.get(f"{BASE}/organisations/").status_code == 404
    assert as_cashier.get(f"{BASE}/organisations/").status_code == 404
    assert anonymous.get(f"{BASE}/organisations/").status_code == 401
    first = as_org_staff.get(f"{BASE}/organisations/", {"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = as_org_staff.get(f"{BASE}/organisations/", {"limit": 3, "cursor": first["next_cursor"]}).json()
    rest = as_org_staff.get(f"{BASE}/organisations/", {"limit": 3, "cursor": second["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert len({o["id"] for o in first["items"] + second["items"] + rest["items"]}) == 7
    feb = {o["code"]: o for o in as_org_staff.get(f"{BASE}/organisations/", {"day": "2026-02-01"}).json()["items"]}
    assert feb["T-SQ"]["member_count"] == 1 and feb["T-SQ"]["status"] == "normal"
    assert codes(as_org_staff.get(f"{BASE}/organisations/", {"q": "官井子"})) == ["T-GJ"]


def test_one_organisation_is_scoped(party_world, as_secretary, as_reader, as_outsider, as_insider):
    url = f"{BASE}/organisations/{party_world.saiqin.pk}/"
    body = as_secretary.get(url).json()
    assert body["name"] == "中共赛沁塔拉嘎查支部委员会" and body["parent"]["code"] == "T-WD"
    assert as_reader.get(url).status_code == 200
    assert as_outsider.get(url).json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    assert as_insider.get(url).status_code == 404


def test_the_create_is_idempotent(party_world, as_org_staff):
    body = {"name": "赛沁塔拉嘎查第2网格党小组", "kind": "group", "area_code": "150426100223", "parent_id": party_world.saiqin.pk,
            "founded_on": "2026-07-01", "code": "T-SQ2"}
    first = post(as_org_staff, "/organisations/", body, key="create-sq2")
    again = post(as_org_staff, "/organisations/", body, key="create-sq2")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert first.json() == again.json() and first.json()["parent"]["id"] == party_world.saiqin.pk
    assert Organisation.objects.filter(code="T-SQ2").count() == 1
    missing = post(as_org_staff, "/organisations/", {**body, "code": "T-SQ3"})
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]


def test_creates_and_edits_are_refused_to_lookers_and_strangers(party_world, as_secretary, as_outsider, as_reader):
    body = {"name": "x", "kind": "group", "area_code": "150426100223", "parent_id": party_world.saiqin.pk,
            "founded_on": "2026-07-01"}
    assert post(as_secretary, "/organisations/", body, key="k1").status_code == 403
    assert post(as_outsider, "/organisations/", body, key="k2").status_code == 404
    assert patch(as_reader, f"/organisations/{party_world.saiqin.pk}/", {"name": "改名"}).status_code == 403
    assert patch(as_outsider, f"/organisations/{party_world.saiqin.pk}/", {"name": "改名"}).status_code == 404
    bad = post(as_secretary, "/organisations/", {**body, "founded_on": 20260701}, key="k3")
    assert bad.status_code == 422
    assert not Organisation.objects.filter(name="x").exists()
    assert Organisation.objects.get(pk=party_world.saiqin.pk).name == "中共赛沁塔拉嘎查支部委员会"


def test_patch_edits_and_moves(party_world, as_org_staff):
    w = party_world
    response = patch(as_org_staff, f"/organisations/{w.saiqin.pk}/", {"name": "中共赛沁塔拉嘎查支部",
                                                                    "parent_id": w.guangde.pk})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "中共赛沁塔拉嘎查支部" and response.json()["parent"]["code"] == "T-GD"
    assert Organisation.objects.get(code="T-SQ1").path.startswith(w.guangde.path)
    refused = patch(as_org_staff, f"/organisations/{w.county.pk}/", {"name": "改名", "parent_id": w.wudan.pk})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["parent_id"]
    assert Organisation.objects.get(pk=w.county.pk).name == "中共翁牛特旗委员会"  # the edit went with the move


def test_a_rectification_opens_once(party_world, as_org_staff, as_secretary):
    url = f"/organisations/{party_world.guanjing.pk}/rectifications/"
    body = {"identified_on": "2026-03-01", "reasons": "组织生活不正常"}
    assert post(as_secretary, f"/organisations/{party_world.saiqin.pk}/rectifications/", body, key="r0").status_code == 403
    first = post(as_org_staff, url, body, key="r1")
    again = post(as_org_staff, url, body, key="r1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json() and first.json()["status"] == "open"
    refused = post(as_org_staff, url, body, key="r2")
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert "已在整顿中" in refused.json()["detail"] and "identified_on" in refused.json()["errors"]
    missing = post(as_org_staff, url, body)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]
    assert Rectification.objects.count() == 1
    assert as_org_staff.get(f"{BASE}/organisations/{party_world.guanjing.pk}/").json()["status"] == "weak"


@pytest.fixture
def weak(party_world, org_staff):
    return services.open_rectification(actor=actor_for(org_staff), organisation=party_world.saiqin,
                                       identified_on=date(2026, 3, 1), reasons="组织生活不正常")


def test_the_rectification_register_is_scoped_and_filtered(party_world, weak, as_org_staff, as_reader, as_outsider,
                                                          as_insider, anonymous):
    rows = as_reader.get(f"{BASE}/rectifications/").json()
    assert [r["id"] for r in rows["items"]] == [weak.pk] and rows["next_cursor"] is None
    assert rows["items"][0]["organisation"]["code"] == "T-SQ" and rows["items"][0]["status"] == "open"
    assert as_outsider.get(f"{BASE}/rectifications/").json()["items"] == []
    assert as_insider.get(f"{BASE}/rectifications/").status_code == 404
    assert anonymous.get(f"{BASE}/rectifications/").json()["code"] == "unauthenticated"
    assert as_org_staff.get(f"{BASE}/rectifications/", {"status": "completed"}).json()["items"] == []
    assert as_org_staff.get(f"{BASE}/rectifications/", {"day": "2026-02-01"}).json()["items"] == []
    assert len(as_org_staff.get(f"{BASE}/rectifications/", {"day": "2026-03-01"}).json()["items"]) == 1
    bad = as_org_staff.get(f"{BASE}/rectifications/", {"status": "closed"})
    assert bad.status_code == 422 and "status" in bad.json()["errors"]
    one = f"{BASE}/rectifications/{weak.pk}/"
    assert as_reader.get(one).json()["reasons"] == "组织生活不正常"
    assert as_outsider.get(one).json()["code"] == "not_found"


def test_a_rectification_is_completed_once(party_world, weak, as_org_staff, as_reader, as_outsider):
    url = f"/rectifications/{weak.pk}/complete/"
    body = {"completed_on": "2026-09-01", "result": "班子配齐"}
    assert post(as_reader, url, body).json()["code"] == "forbidden"
    assert post(as_outsider, url, body).json()["code"] == "not_found"
    early = post(as_org_staff, url, {**body, "completed_on": "2026-01-01"})
    assert early.status_code == 422 and "completed_on" in early.json()["errors"]
    first = post(as_org_staff, url, body, key="c1")
    again = post(as_org_staff, url, body, key="c1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["status"] == "completed" and first.json()["completed_on"] == "2026-09-01"
    twice = post(as_org_staff, url, body, key="c2")
    assert twice.status_code == 409 and twice.json()["code"] == "conflict" and "验收" in twice.json()["detail"]
    assert Rectification.objects.get(pk=weak.pk).result == "班子配齐"
    status = as_org_staff.get(f"{BASE}/organisations/{party_world.saiqin.pk}/", {"day": "2026-09-02"}).json()
    assert status["status"] == "normal"


def test_dissolving_waits_for_the_members_and_the_children(party_world, as_org_staff, as_reader, as_outsider):
    url = f"/organisations/{party_world.saiqin_group.pk}/dissolve/"
    assert post(as_reader, url, {"dissolved_on": "2026-08-01"}).status_code == 403
    assert post(as_outsider, url, {"dissolved_on": "2026-08-01"}).status_code == 404
    assert post(as_org_staff, url, {"dissolved_on": "2026/08/01"}).status_code == 422
    done = post(as_org_staff, url, {"dissolved_on": "2026-08-01"}, key="d1")
    assert done.status_code == 200 and done.json()["dissolved_on"] == "2026-08-01"
    assert post(as_org_staff, url, {"dissolved_on": "2026-08-01"}, key="d1").json() == done.json()
    twice = post(as_org_staff, url, {"dissolved_on": "2026-08-02"})
    assert twice.status_code == 409 and "已于 2026-08-01 撤销" in twice.json()["detail"]
    busy = post(as_org_staff, f"/organisations/{party_world.saiqin.pk}/dissolve/", {"dissolved_on": "2026-08-01"})
    assert busy.status_code == 409 and "党员的组织关系未转出" in busy.json()["detail"]
    assert Organisation.objects.get(pk=party_world.saiqin.pk).dissolved_on is None
