"""The members API (/api/party/): the register as of a day, a member with history, admitting, sending and
receiving a transfer, recording a contact; scoped (404 outside, 403 to lookers, 401 anonymous) and run once."""

from datetime import date

import pytest
from freezegun import freeze_time

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
    assert {r["day"] for r in body["items"]} == {"2026-06-01"} and body["next_cursor"] is None
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
    assert as_outsider.get(f"{API}/members/", {"organisation_id": phoned.saiqin.pk}).status_code == 404
    assert as_insider.get(f"{API}/members/").status_code == 404
    assert client.get(f"{API}/members/").status_code == 401
    first = as_org_staff.get(f"{API}/members/", {"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    rest = as_org_staff.get(f"{API}/members/", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    area = as_org_staff.get(f"{API}/members/", {"area_code": phoned.guangde.area.code}).json()["items"]
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
    body = {"organisation_id": phoned.saiqin.pk, "name": "其其格", "gender": "F", "joined_on": "2026-07-01"}
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
    body = {"member_id": batu.pk, "to_organisation_id": phoned.guanjing.pk, "sent_on": "2026-05-01"}
    assert post(as_reader, f"{API}/transfers/", body, "k-t").status_code == 403
    assert post(as_outsider, f"{API}/transfers/", body, "k-t").status_code == 404
    first = post(as_secretary, f"{API}/transfers/", body, "k-t")
    again = post(as_secretary, f"{API}/transfers/", body, "k-t")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Transfer.objects.count() == 1
    second = post(as_secretary, f"{API}/transfers/", {**body, "to_organisation_id": phoned.unit.pk}, "k-t2")
    assert second.status_code == 409 and "尚未接收" in second.json()["detail"]
    transfer_id = first.json()["id"]
    receive = f"{API}/transfers/{transfer_id}/receive/"
    assert post(as_secretary, receive, {"received_on": "2026-05-10"}).status_code == 404  # the sender
    done = post(as_outsider, receive, {"received_on": "2026-05-10"})
    assert done.status_code == 200 and done.json()["status"] == "received"
    assert counted_in(batu, date(2026, 5, 9)) == ["T-SQ"] and counted_in(batu, date(2026, 5, 10)) == ["T-GJ"]
    again = post(as_outsider, receive, {"received_on": "2026-05-11"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"


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


def test_ending_a_membership_is_the_departments(phoned, as_org_staff, as_secretary, as_reader, as_outsider):
    batu = phoned.members["巴特尔"]
    url = f"{API}/members/{batu.pk}/end/"
    body = {"ended_on": "2026-10-01", "reason": "withdrew"}
    assert post(as_secretary, url, body).json()["code"] == "forbidden"
    assert post(as_reader, url, body).status_code == 403
    assert post(as_outsider, url, body).json()["code"] == "not_found"
    bad = post(as_org_staff, url, {**body, "reason": "transferred_out"})
    assert bad.status_code == 422 and "reason" in bad.json()["errors"]
    first = post(as_org_staff, url, body, "k-end")
    again = post(as_org_staff, url, body, "k-end")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["left_on"] == "2026-10-01" and first.json()["memberships"][0]["ended_on"] == "2026-10-01"
    gone = post(as_org_staff, url, body)
    assert gone.status_code == 409 and "已不在任何党组织的名册中" in gone.json()["detail"]


def test_pending_transfers_are_listed_and_withdrawn_by_the_sender(phoned, as_secretary, as_reader, as_outsider,
                                                                 secretary):
    batu = phoned.members["巴特尔"]
    transfer = services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 5, 1),
                                      to_organisation=phoned.guanjing)
    outgoing = as_secretary.get(f"{API}/transfers/", {"direction": "outgoing"}).json()
    assert [t["id"] for t in outgoing["items"]] == [transfer.pk] and outgoing["next_cursor"] is None
    assert as_secretary.get(f"{API}/transfers/").json()["items"] == []  # incoming by default
    assert [t["id"] for t in as_outsider.get(f"{API}/transfers/").json()["items"]] == [transfer.pk]
    assert as_reader.get(f"{API}/transfers/{transfer.pk}/").json()["member_name"] == "巴特尔"
    url = f"{API}/transfers/{transfer.pk}/withdraw/"
    assert post(as_reader, url, {}).status_code == 403
    assert post(as_outsider, url, {}).status_code == 404  # the receiver: only the sender withdraws, as with receive
    first = post(as_secretary, url, {"note": "填错了"}, "k-w")
    again = post(as_secretary, url, {"note": "填错了"}, "k-w")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["status"] == "withdrawn" and again["Idempotent-Replayed"] == "true"
    late = post(as_secretary, url, {})
    assert late.status_code == 409 and "不能再办理" in late.json()["detail"]
    stranger = services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 6, 1),
                                      to_outside="赤峰市")
    assert as_outsider.get(f"{API}/transfers/{stranger.pk}/").status_code == 404


def test_a_mobile_member_registered_listed_and_returned(phoned, as_secretary, as_reader, as_outsider):
    head = phoned.members["乌云毕力格"]
    body = {"member_id": head.pk, "place": "北京市朝阳区", "since": "2026-03-01", "contact": "微信 wy1994"}
    assert post(as_reader, f"{API}/mobile-members/", body, "k-m").status_code == 403
    assert post(as_outsider, f"{API}/mobile-members/", body, "k-m").status_code == 404
    assert post(as_secretary, f"{API}/mobile-members/", body).status_code == 422  # the key is required
    first = post(as_secretary, f"{API}/mobile-members/", body, "k-m")
    again = post(as_secretary, f"{API}/mobile-members/", body, "k-m")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and first.json()["member_id"] == head.pk
    twice = post(as_secretary, f"{API}/mobile-members/", body, "k-m2")
    assert twice.status_code == 409 and "已登记为流动党员" in twice.json()["detail"]
    rows = as_reader.get(f"{API}/mobile-members/", {"day": "2026-06-01"}).json()
    assert [r["member_name"] for r in rows["items"]] == ["乌云毕力格"] and rows["items"][0]["home"]["name"]
    assert rows["items"][0]["last_contact_on"] is None and rows["next_cursor"] is None
    assert as_reader.get(f"{API}/mobile-members/", {"day": "2026-02-01"}).json()["items"] == []
    assert as_outsider.get(f"{API}/mobile-members/").json()["items"] == []
    url = f"{API}/mobile-members/{first.json()['id']}/return/"
    assert post(as_reader, url, {"returned_on": "2026-11-01"}).status_code == 403
    assert post(as_outsider, url, {"returned_on": "2026-11-01"}).status_code == 404
    assert post(as_secretary, url, {"returned_on": "2026-01-01"}).status_code == 422
    back = post(as_secretary, url, {"returned_on": "2026-11-01"})
    assert back.status_code == 200 and back.json()["returned_on"] == "2026-11-01"
    assert post(as_secretary, url, {"returned_on": "2026-11-02"}).status_code == 409


def test_posts_appointed_and_ended(phoned, as_secretary, as_reader, as_outsider):
    head = phoned.members["乌云毕力格"]
    body = {"organisation_id": phoned.saiqin.pk, "member_id": head.pk, "title": "secretary",
            "started_on": "2026-01-05"}
    assert post(as_reader, f"{API}/posts/", body, "k-p").status_code == 403
    assert post(as_outsider, f"{API}/posts/", body, "k-p").status_code == 404
    assert post(as_secretary, f"{API}/posts/", {**body, "title": "chair"}, "k-p0").status_code == 422
    first = post(as_secretary, f"{API}/posts/", body, "k-p")
    again = post(as_secretary, f"{API}/posts/", body, "k-p")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["title_label"] == "书记" and first.json()["member_name"] == "乌云毕力格"
    batu = phoned.members["巴特尔"]
    seated = post(as_secretary, f"{API}/posts/", {**body, "member_id": batu.pk}, "k-p2")
    assert seated.status_code == 409 and "现任书记是乌云毕力格" in seated.json()["detail"]
    detail = as_reader.get(f"{API}/members/{head.pk}/").json()
    assert [p["id"] for p in detail["posts"]] == [first.json()["id"]]
    url = f"{API}/posts/{first.json()['id']}/end/"
    assert post(as_reader, url, {"ended_on": "2026-10-01"}).status_code == 403
    assert post(as_outsider, url, {"ended_on": "2026-10-01"}).status_code == 404
    ended = post(as_secretary, url, {"ended_on": "2026-10-01"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-10-01"
    assert post(as_secretary, url, {"ended_on": "2026-10-02"}).json()["code"] == "conflict"


@freeze_time("2026-10-15 10:00:00+08:00")
def test_home_reports_listed_and_hours_added_once(phoned, unit_secretary, as_secretary, as_reader, as_outsider,
                                                  as_insider):
    report = services.start_home_report(actor=actor_for(unit_secretary), member=phoned.members["高志远"],
                                        organisation=phoned.saiqin, started_on=date(2026, 3, 1), service="政策宣讲")
    rows = as_reader.get(f"{API}/home-reports/").json()
    assert [(r["member_name"], r["hours"], r["service"]) for r in rows["items"]] == [("高志远", "0.0", "政策宣讲")]
    assert rows["next_cursor"] is None and rows["items"][0]["unit_name"] == "中共翁牛特旗教育局机关支部委员会"
    assert as_reader.get(f"{API}/home-reports/", {"day": "2026-02-01"}).json()["items"] == []
    assert as_outsider.get(f"{API}/home-reports/").json()["items"] == []
    assert as_insider.get(f"{API}/home-reports/").status_code == 404
    url = f"{API}/home-reports/{report.pk}/hours/"
    assert post(as_reader, url, {"hours": 2}).status_code == 403
    assert post(as_outsider, url, {"hours": 2}).status_code == 404
    bad = post(as_secretary, url, {"hours": 0.25})
    assert bad.status_code == 422 and "hours" in bad.json()["errors"]
    first = post(as_secretary, url, {"hours": 2.5}, "k-h")
    again = post(as_secretary, url, {"hours": 2.5}, "k-h")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["hours"] == "2.5" and again["Idempotent-Replayed"] == "true"
    services.end_home_report(actor=actor_for(unit_secretary), report=report, ended_on=date(2026, 12, 31))
    ended = post(as_secretary, url, {"hours": 1}, "k-h2")  # still runs today, but its end is recorded
    assert ended.status_code == 409 and "的报到已于 2026-12-31 结束" in ended.json()["detail"]


def test_a_422_names_the_requests_field_not_the_services(phoned, as_org_staff):
    """appoint_post refuses a member of another organisation naming its argument ``member``; the answer names the
    request's ``member_id`` (api_errors' ``fields``)."""
    body = {"organisation_id": phoned.saiqin.pk, "member_id": phoned.members["刘建国"].pk, "title": "committee",
            "started_on": "2026-01-05"}
    refused = post(as_org_staff, f"{API}/posts/", body, "k-field")
    assert refused.status_code == 422, refused.content
    assert list(refused.json()["errors"]) == ["member_id"] and "不是" in refused.json()["errors"]["member_id"][0]
