"""Notices, the public board and objections in the API; the whole path from recording to the ledger; lists
cost a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grassroots.claims import selectors as claims_selectors
from grassroots.claims import services as claims_services
from grassroots.claims.models import (
    Claim,
    ClaimStatus,
    Notice,
    NoticeStatus,
    Objection,
)
from grassroots.core.testing import client_for
from grassroots.ledger.models import LedgerEntry
from grassroots.points.api_testing import (
    BASE,
    VILLAGE,
    approve_all,
    claim_body,
    key,
    post,
    record_today,
    today,
)

# --- notices, the public board and objections ------------------------------------------------------


def test_staff_notice_shows_full_names_and_contacts_only_to_deciders(points_world, as_committee, as_cashier):
    url = f"{BASE}/notices/{points_world['open_notice'].pk}/"
    staff = as_committee.get(url).json()
    assert {line["person"]["name"] for line in staff["lines"]} == {"乌云毕力格", "张秀兰"}
    assert staff["open_objections"] == 1 and staff["open_for_objections"] is True
    objection = staff["lines"][0]["objections"][0]
    assert objection["contact_phone"] == "13900000000"
    reader_view = as_cashier.get(url).json()
    assert reader_view["lines"][0]["objections"][0]["contact_phone"] is None
    assert "13900000000" not in as_cashier.get(url).content.decode()
    listed = as_cashier.get(f"{BASE}/notices/", {"status": "posted"}).json()["items"]
    assert [n["id"] for n in listed] == [points_world["posted"].pk] and listed[0]["chain"]["short"]


def test_public_notice_masks_names_and_needs_no_login(client, points_world):
    response = client.get(f"{BASE}/public/notices/{points_world['open_notice'].token}/")
    assert response.status_code == 200
    body = response.json()
    assert {line["name"] for line in body["lines"]} == {"乌***格", "张*兰"}
    assert body["lines"][0]["rule_code"] == "A01" and body["lines"][0]["under_review"] is True
    # The household number, as the printed board and the public page show it (boards/public_notice.html).
    assert {line["household_number"] for line in body["lines"]} == {"SQ-0001"}
    assert body["village"] == {"code": VILLAGE, "name": "赛沁塔拉嘎查"} and body["grid"]["name"]
    assert body["total_points"] == 20 and body["open_for_objections"] is True and body["chain"] is None
    text = response.content.decode()
    for secret in ("乌云毕力格", "张秀兰", "13900000000", "王某", "那天他不在村里", "13904761234"):
        assert secret not in text
    posted = client.get(f"{BASE}/public/notices/{points_world['posted'].token}/").json()
    assert posted["chain"]["hash"] == Notice.objects.get(pk=points_world["posted"].pk).chain_hash
    assert client.get(f"{BASE}/public/notices/nosuchtoken/").status_code == 404


def test_public_objection_then_committee_upholds_it_and_the_line_never_reaches_the_ledger(
        client, as_committee, insider, reader, committee, secretary, rules, people, system_actor):
    notice = approve_all(record_today(insider, rules, people), reader, committee, secretary)
    line = notice.lines.order_by("id").last()
    response = post(client, f"{BASE}/public/notices/{notice.token}/objections/",
                    {"line_id": line.pk, "reason": "她那天在外地，没有参加劳动", "contact_phone": "13900000001"}, key=key())
    assert response.status_code == 201, response.content
    assert "13900000001" not in response.content.decode()
    objection = Objection.objects.get(pk=response.json()["id"])
    assert objection.contact_phone == "13900000001" and objection.ip == "127.0.0.1"
    assert claims_services.post_due_notices(actor=system_actor, now=notice.closes_at)["posted"] == 0
    decided = post(as_committee, f"{BASE}/objections/{objection.pk}/decision/",
                   {"uphold": True, "reason": "经核实情况属实"}, key=key())
    assert decided.status_code == 201 and decided.json()["status"] == "upheld"
    assert claims_services.post_due_notices(actor=system_actor, now=notice.closes_at)["posted"] == 1
    assert list(LedgerEntry.objects.values_list("person__name", flat=True)) == ["乌云毕力格"]
    public = client.get(f"{BASE}/public/notices/{notice.token}/").json()
    assert [line["status"] for line in public["lines"]] == ["standing", "withdrawn"]


def test_objection_after_the_period_is_refused_clearly(client, insider, reader, committee, secretary, rules, people):
    notice = approve_all(record_today(insider, rules, people), reader, committee, secretary,
                         now=timezone.now() - timedelta(days=6))
    assert notice.closes_at < timezone.now()
    response = post(client, f"{BASE}/public/notices/{notice.token}/objections/",
                    {"line_id": notice.lines.first().pk, "reason": "晚了也想提异议"}, key=key())
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert "公示期已于" in response.json()["detail"] and "不能再提出异议" in response.json()["detail"]
    assert response.json()["errors"]["notice"] == [response.json()["detail"]]
    assert not Objection.objects.exists()
    assert client.get(f"{BASE}/public/notices/{notice.token}/").json()["open_for_objections"] is False


def test_objection_checks_its_line_and_reason(client, points_world):
    url = f"{BASE}/public/notices/{points_world['open_notice'].token}/objections/"
    other_line = points_world["posted"].lines.first().pk
    foreign = post(client, url, {"line_id": other_line, "reason": "不是这张公示的"}, key=key())
    assert foreign.status_code == 422 and foreign.json()["errors"] == {"line_id": ["该公示中没有这一条"]}
    short = post(client, url, {"line_id": points_world["open_notice"].lines.first().pk, "reason": "不对"}, key=key())
    assert short.status_code == 422 and "至少4个字" in short.json()["detail"]
    assert post(client, url, {"line_id": "1", "reason": "类型不对的编号"}, key=key()).status_code == 422
    unkeyed = post(client, url, {"line_id": points_world["open_notice"].lines.first().pk, "reason": "没有幂等键的异议"})
    assert unkeyed.status_code == 422 and "Idempotency-Key" in unkeyed.json()["errors"]
    assert Objection.objects.count() == 1


def test_objections_are_rate_limited_per_address(client, points_world, settings):
    settings.RATE_LIMITS = {"points:api:objection": (2, 600)}
    url = f"{BASE}/public/notices/{points_world['open_notice'].token}/objections/"
    line = points_world["open_notice"].lines.order_by("id").last().pk
    first_key = key()
    first = post(client, url, {"line_id": line, "reason": "第一次提出异议"}, key=first_key)
    assert first.status_code == 201
    assert post(client, url, {"line_id": line, "reason": "第二次提出异议"}, key=key()).status_code == 201
    refused = post(client, url, {"line_id": line, "reason": "第三次提出异议"}, key=key())
    assert refused.status_code == 429 and "请求过于频繁" in refused.json()["detail"]
    assert refused.json()["code"] == "rate_limited" and int(refused["Retry-After"]) > 0
    # A retry of a filing already made is answered, not counted.
    again = post(client, url, {"line_id": line, "reason": "第一次提出异议"}, key=first_key)
    assert (again.status_code, again.content) == (201, first.content)
    other = post(client, url, {"line_id": line, "reason": "换一个地址再提"}, key=key(), environ={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201


def test_public_today_needs_no_login(client):
    body = client.get(f"{BASE}/public/today/").json()
    assert body["today"] == today().isoformat() and body["timezone"] == "Asia/Shanghai"


# --- the whole path through the API ---------------------------------------------------------------


def test_record_review_notice_post_and_check_end_to_end(client, insider, reader, committee, secretary, rules, people,
                                                       system_actor):
    as_insider, as_reader = client_for(insider), client_for(reader)
    as_committee, as_secretary = client_for(committee), client_for(secretary)
    recorded = post(as_insider, f"{BASE}/claims/", claim_body(rules, people, names=("乌云毕力格", "张秀兰"),
                                                              note="清理村道垃圾"), key=key())
    assert recorded.status_code == 201
    ids = [c["id"] for c in recorded.json()["claims"]]
    for who in (as_reader, as_committee):
        assert post(who, f"{BASE}/reviews/", {"claim_ids": ids, "approve": True}, key=key()).status_code == 201
    last = post(as_secretary, f"{BASE}/reviews/", {"claim_ids": ids, "approve": True}, key=key())
    [notice_ref] = last.json()["notices"]
    assert {c["status"] for c in last.json()["claims"]} == {"on_notice"}
    public = client.get(f"{BASE}/public/notices/{notice_ref['token']}/").json()
    assert len(public["lines"]) == 2 and public["status"] == "open"
    notice = Notice.objects.get(pk=notice_ref["id"])
    assert claims_services.post_due_notices(actor=system_actor, now=notice.closes_at)["posted"] == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.POSTED
    assert Claim.objects.filter(pk__in=ids, status=ClaimStatus.POSTED).count() == 2
    entries = as_insider.get(f"{BASE}/entries/", {"area_code": VILLAGE}).json()["items"]
    assert sorted(e["claim_id"] for e in entries) == sorted(ids)
    public = client.get(f"{BASE}/public/notices/{notice.token}/").json()
    assert public["chain"]["hash"] == entries[0]["hash"] and public["chain"]["seq"] == 2
    assert claims_selectors.verify_notice(notice)["ok"]


# --- lists cost a fixed number of queries, whatever their length -----------------------------------


@pytest.mark.parametrize("url", ["/claims/", "/notices/", "/objections/", "/entries/", "/rules/",
                                 "/claims/?to_review=true"])
def test_lists_do_not_query_per_row(points_world, insider, reader, committee, secretary, rules, people, system_actor, url):
    as_reader = client_for(reader)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_reader.get(BASE + url).status_code == 200
        return len(captured)

    few = queries()
    objected = approve_all(record_today(insider, rules, people), reader, committee, secretary)
    claims_services.raise_objection(actor=system_actor, line=objected.lines.first(), reason="再提一条异议")
    posted = approve_all(record_today(insider, rules, people), reader, committee, secretary)
    claims_services.post_notice(actor=system_actor, notice=posted, now=posted.closes_at)
    record_today(insider, rules, people, names=("乌云毕力格", "张秀兰"))
    assert queries() == few
