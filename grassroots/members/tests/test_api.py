"""The members API (/api/party/): the register as of a day, a member with history, admitting, sending and
receiving a transfer, recording a contact; scoped (404 outside, 403 to lookers, 401 anonymous) and run once."""

from datetime import date

import pytest

from grassroots.members import services
from grassroots.members.models import Member, MobileContact, Transfer
from grassroots.members.testing import actor_for, counted_in

pytestmark = pytest.mark.django_db
API = "/api/party"


def post(client, url, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, body, content_type="application/json", **headers)


@pytest.fixture
def phoned(party_world):
    Member.objects.filter(name="巴特尔").update(mobile="13904769999")
    return party_world


def test_the_register_as_of_a_day_with_phones_only_for_keepers(phoned, as_secretary, as_reader):
    body = as_secretary.get(f"{API}/members/", {"day": "2026-06-01"}).json()
    assert body["day"] == "2026-06-01" and body["next_offset"] is None
    rows = {r["member"]["name"]: r for r in body["items"]}
    assert set(rows) == {"乌云毕力格", "巴特尔"}
    assert rows["巴特尔"]["member"]["mobile"] == "13904769999" and rows["巴特尔"]["member"]["standing"] == "probationary"
    assert rows["巴特尔"]["organisation"]["code"] == "T-SQ"
    reader_rows = {r["member"]["name"]: r for r in as_reader.get(f"{API}/members/").json()["items"]}
    assert reader_rows["巴特尔"]["member"]["mobile"] is None
    early = as_secretary.get(f"{API}/members/", {"day": "2026-02-01"}).json()["items"]
    assert [r["member"]["name"] for r in early] == ["乌云毕力格"]


def test_the_register_is_scoped_and_paged(phoned, as_outsider, as_insider, as_org_staff, as_unit_secretary, client):
    assert [r["member"]["name"] for r in as_unit_secretary.get(f"{API}/members/").json()["items"]] == ["高志远"]
    assert [r["member"]["name"] for r in as_outsider.get(f"{API}/members/").json()["items"]] == ["刘建国"]
    assert as_outsider.get(f"{API}/members/", {"organisation": phoned.saiqin.pk}).status_code == 404
    assert as_insider.get(f"{API}/members/").status_code == 404
    assert client.get(f"{API}/members/").status_code == 401
    first = as_org_staff.get(f"{API}/members/", {"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_offset"] == 3
    rest = as_org_staff.get(f"{API}/members/", {"limit": 3, "offset": 3}).json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    area = as_org_staff.get(f"{API}/members/", {"area": phoned.guangde.area.code}).json()["items"]
    assert [r["member"]["name"] for r in area] == ["刘建国"]


def test_a_member_with_history(phoned, as_secretary, as_outsider, as_reader, secretary):
    batu = phoned.members["巴特尔"]
    services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 5, 1), to_outside="赤峰市")
    body = as_secretary.get(f"{API}/members/{batu.pk}/").json()
    assert body["name"] == "巴特尔" and body["mobile"] == "13904769999"
    assert [m["organisation"]["code"] for m in body["memberships"]] == ["T-SQ"]
    assert body["transfers"][0]["to_outside"] == "赤峰市" and body["transfers"][0]["status"] == "sent"
    assert as_reader.get(f"{API}/members/{batu.pk}/").json()["mobile"] is None
    assert as_outsider.get(f"{API}/members/{batu.pk}/").status_code == 404
    assert as_secretary.get(f"{API}/members/999999/").status_code == 404


def test_admitting_is_the_departments_and_runs_once(phoned, as_org_staff, as_secretary, as_outsider):
    body = {"organisation": phoned.saiqin.pk, "name": "其其格", "gender": "F", "joined_on": "2026-07-01"}
    assert post(as_secretary, f"{API}/members/", body, "k-a").status_code == 403
    assert post(as_outsider, f"{API}/members/", body, "k-a").status_code == 404
    assert post(as_org_staff, f"{API}/members/", body).status_code == 422  # the key is required
    first = post(as_org_staff, f"{API}/members/", body, "k-a")
    again = post(as_org_staff, f"{API}/members/", body, "k-a")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json() and first.json()["memberships"][0]["organisation"]["code"] == "T-SQ"
    assert Member.objects.filter(name="其其格").count() == 1
    bad = post(as_org_staff, f"{API}/members/", {**body, "full_on": "2026-01-01"}, "k-b")
    assert bad.status_code == 422 and "其其格的转正日期" in bad.json()["detail"]


def test_a_transfer_sent_and_received_through_the_api(phoned, as_secretary, as_outsider, as_reader):
    batu = phoned.members["巴特尔"]
    body = {"member": batu.pk, "to_organisation": phoned.guanjing.pk, "sent_on": "2026-05-01"}
    assert post(as_reader, f"{API}/transfers/", body, "k-t").status_code == 403
    assert post(as_outsider, f"{API}/transfers/", body, "k-t").status_code == 404
    first = post(as_secretary, f"{API}/transfers/", body, "k-t")
    again = post(as_secretary, f"{API}/transfers/", body, "k-t")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Transfer.objects.count() == 1
    second = post(as_secretary, f"{API}/transfers/", {**body, "to_organisation": phoned.unit.pk}, "k-t2")
    assert second.status_code == 422 and "尚未接收" in second.json()["detail"]
    transfer_id = first.json()["id"]
    receive = f"{API}/transfers/{transfer_id}/receive/"
    assert post(as_secretary, receive, {"received_on": "2026-05-10"}).status_code == 404  # the sender
    done = post(as_outsider, receive, {"received_on": "2026-05-10"})
    assert done.status_code == 200 and done.json()["status"] == "received"
    assert counted_in(batu, date(2026, 5, 9)) == ["T-SQ"] and counted_in(batu, date(2026, 5, 10)) == ["T-GJ"]
    assert post(as_outsider, receive, {"received_on": "2026-05-11"}).status_code == 422


def test_recording_a_contact_runs_once(phoned, as_secretary, as_reader, as_outsider, secretary):
    spell = services.register_mobile(actor=actor_for(secretary), member=phoned.members["乌云毕力格"], place="北京",
                                     since=date(2025, 1, 1))
    url = f"{API}/mobile-members/{spell.pk}/contacts/"
    body = {"contacted_on": "2026-11-01", "method": "wechat", "note": "身体好"}
    assert post(as_reader, url, body, "k-c").status_code == 403
    assert post(as_outsider, url, body, "k-c").status_code == 404
    assert post(as_secretary, url, {**body, "method": "fax"}, "k-c").status_code == 422
    assert post(as_secretary, url, body, "k-c").status_code == 201
    assert post(as_secretary, url, body, "k-c").status_code == 201
    assert MobileContact.objects.count() == 1
