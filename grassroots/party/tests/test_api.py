"""/api/party: the organisation list (paged, as of ?day, ?q) and one organisation, scoped like the pages; the
create is idempotent (same key twice → one organisation, the replay marked); PATCH edits or moves; a
rectification is opened once (409 when one is already open)."""

import json

import pytest

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
    assert codes(as_secretary.get(f"{BASE}/organisations")) == ["T-SQ", "T-SQ1"]
    assert codes(as_unit_secretary.get(f"{BASE}/organisations")) == ["T-JY"]
    assert "T-SQ" not in codes(as_outsider.get(f"{BASE}/organisations"))
    assert as_insider.get(f"{BASE}/organisations").status_code == 404
    assert as_cashier.get(f"{BASE}/organisations").status_code == 404
    assert anonymous.get(f"{BASE}/organisations").status_code == 401
    first = as_org_staff.get(f"{BASE}/organisations", {"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_offset"] == 3
    rest = as_org_staff.get(f"{BASE}/organisations", {"limit": 3, "offset": 6}).json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    feb = {o["code"]: o for o in as_org_staff.get(f"{BASE}/organisations", {"day": "2026-02-01"}).json()["items"]}
    assert feb["T-SQ"]["member_count"] == 1 and feb["T-SQ"]["status"] == "normal"
    assert codes(as_org_staff.get(f"{BASE}/organisations", {"q": "官井子"})) == ["T-GJ"]


def test_one_organisation_is_scoped(party_world, as_secretary, as_reader, as_outsider, as_insider):
    url = f"{BASE}/organisations/{party_world.saiqin.pk}"
    body = as_secretary.get(url).json()
    assert body["name"] == "中共赛沁塔拉嘎查支部委员会" and body["parent"]["code"] == "T-WD"
    assert as_reader.get(url).status_code == 200
    assert as_outsider.get(url).json() == {"detail": "未找到"}
    assert as_insider.get(url).status_code == 404


def test_the_create_is_idempotent(party_world, as_org_staff):
    body = {"name": "赛沁塔拉嘎查第2网格党小组", "kind": "group", "area": "150426100223", "parent": party_world.saiqin.pk,
            "founded_on": "2026-07-01", "code": "T-SQ2"}
    first = post(as_org_staff, "/organisations", body, key="create-sq2")
    again = post(as_org_staff, "/organisations", body, key="create-sq2")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert first.json() == again.json() and first.json()["parent"]["id"] == party_world.saiqin.pk
    assert Organisation.objects.filter(code="T-SQ2").count() == 1
    missing = post(as_org_staff, "/organisations", {**body, "code": "T-SQ3"})
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]


def test_creates_and_edits_are_refused_to_lookers_and_strangers(party_world, as_secretary, as_outsider, as_reader):
    body = {"name": "x", "kind": "group", "area": "150426100223", "parent": party_world.saiqin.pk,
            "founded_on": "2026-07-01"}
    assert post(as_secretary, "/organisations", body, key="k1").status_code == 403
    assert post(as_outsider, "/organisations", body, key="k2").status_code == 404
    assert patch(as_reader, f"/organisations/{party_world.saiqin.pk}", {"name": "改名"}).status_code == 403
    assert patch(as_outsider, f"/organisations/{party_world.saiqin.pk}", {"name": "改名"}).status_code == 404
    bad = post(as_secretary, "/organisations", {**body, "founded_on": 20260701}, key="k3")
    assert bad.status_code == 422
    assert not Organisation.objects.filter(name="x").exists()
    assert Organisation.objects.get(pk=party_world.saiqin.pk).name == "中共赛沁塔拉嘎查支部委员会"


def test_patch_edits_and_moves(party_world, as_org_staff):
    w = party_world
    response = patch(as_org_staff, f"/organisations/{w.saiqin.pk}", {"name": "中共赛沁塔拉嘎查支部", "parent": w.guangde.pk})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "中共赛沁塔拉嘎查支部" and response.json()["parent"]["code"] == "T-GD"
    assert Organisation.objects.get(code="T-SQ1").path.startswith(w.guangde.path)
    refused = patch(as_org_staff, f"/organisations/{w.county.pk}", {"name": "改名", "parent": w.wudan.pk})
    assert refused.status_code == 422 and "parent" in refused.json()["errors"]
    assert Organisation.objects.get(pk=w.county.pk).name == "中共翁牛特旗委员会"  # the edit went with the move


def test_a_rectification_opens_once(party_world, as_org_staff, as_secretary):
    url = f"/organisations/{party_world.guanjing.pk}/rectifications"
    body = {"identified_on": "2026-03-01", "reasons": "组织生活不正常"}
    assert post(as_secretary, f"/organisations/{party_world.saiqin.pk}/rectifications", body).status_code == 403
    first = post(as_org_staff, url, body, key="r1")
    again = post(as_org_staff, url, body, key="r1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert post(as_org_staff, url, body, key="r2").status_code == 409
    assert Rectification.objects.count() == 1
    assert as_org_staff.get(f"{BASE}/organisations/{party_world.guanjing.pk}").json()["status"] == "weak"
