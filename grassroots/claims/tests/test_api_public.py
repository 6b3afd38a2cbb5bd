"""The public points routes for residents (no account): a village's open notices, objections keyed per address
with a reference, and the look-up of an objection by its reference; masked, rate-limited, one error body."""

import re

from grassroots.claims import services as claims_services
from grassroots.claims.models import Objection, ObjectionStatus
from grassroots.core.models import IdempotencyKey
from grassroots.points.api_testing import (
    BASE,
    GRID1,
    MOBILE,
    OTHER_VILLAGE,
    VILLAGE,
    approve_all,
    key,
    post,
    record_today,
)
from grassroots.points.testing import actor

REFERENCE = re.compile(r"^\d{2}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$")
# What no public answer may hold: full names, phones, ID numbers, sensitive tags, party membership, the
# objection's own reason and its contact.
SECRETS = ("乌云毕力格", "张秀兰", MOBILE, "13900000000", "王某", "那天他不在村里", "低保", "党员")


def _not_secret(response) -> None:
    text = response.content.decode()
    for secret in SECRETS:
        assert secret not in text, secret


# --- a village's open notices ----------------------------------------------------------------------


def test_a_village_s_open_notices_for_anyone_masked(client, points_world, people):
    response = client.get(f"{BASE}/public/villages/{VILLAGE}/notices/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    # The open notice only: the posted one is over.
    assert [n["token"] for n in body["items"]] == [points_world["open_notice"].token]
    [notice] = body["items"]
    assert notice["village"] == {"code": VILLAGE, "name": "赛沁塔拉嘎查"} and notice["open_for_objections"] is True
    lines = {line["id"]: line for line in notice["lines"]}
    assert set(lines) == set(points_world["open_notice"].lines.values_list("pk", flat=True))
    first = lines[points_world["objection"].line_id]
    # Each line says which it is: its id (the line_id to object to), masked name, household, rule, day, points.
    assert (first["name"], first["household_number"], first["rule_title"], first["points"], first["under_review"]) == (
        "乌***格", people["乌云毕力格"].household.number, "人居环境整治义务劳动", 10, True)
    assert first["deed_date"] == points_world["claim"].deed_date.isoformat()
    _not_secret(response)


def test_village_notices_page_with_a_cursor(client, insider, reader, committee, secretary, rules, people, points_world):
    approve_all(record_today(insider, rules, people), reader, committee, secretary)
    first = client.get(f"{BASE}/public/villages/{VILLAGE}/notices/", {"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = client.get(f"{BASE}/public/villages/{VILLAGE}/notices/", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert rest["items"][0]["token"] == points_world["open_notice"].token != first["items"][0]["token"]


def test_village_notices_of_an_unknown_or_non_village_code_are_404(client, points_world):
    for code in ("999999999999", GRID1):
        response = client.get(f"{BASE}/public/villages/{code}/notices/")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    empty = client.get(f"{BASE}/public/villages/{OTHER_VILLAGE}/notices/")
    assert empty.status_code == 200 and empty.json() == {"items": [], "next_cursor": None}


def test_public_reads_answer_alike_signed_in_or_not(client, as_insider, as_outsider, points_world):
    url = f"{BASE}/public/villages/{VILLAGE}/notices/"
    assert as_insider.get(url).json() == as_outsider.get(url).json() == client.get(url).json()


def test_public_reads_are_rate_limited_per_address(client, points_world, settings):
    settings.RATE_LIMITS = {"points:api:notices": (2, 600)}
    url = f"{BASE}/public/villages/{VILLAGE}/notices/"
    assert client.get(url).status_code == 200
    assert client.get(f"{BASE}/public/notices/{points_world['open_notice'].token}/").status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert refused.json()["errors"] == {} and int(refused["Retry-After"]) > 0
    assert client.get(url, REMOTE_ADDR="10.0.0.7").status_code == 200


# --- objections: keyed per address, a reference ----------------------------------------------------


def _objection_url(notice) -> str:
    return f"{BASE}/public/notices/{notice.token}/objections/"


def test_a_retried_objection_files_one_objection_with_one_reference(client, points_world):
    notice = points_world["open_notice"]
    line = notice.lines.order_by("id").last()
    body = {"line_id": line.pk, "reason": "她那天在外地，没有参加劳动", "contact_phone": "13900000001"}
    before = Objection.objects.count()
    first = post(client, _objection_url(notice), body, key="obj-1")
    assert first.status_code == 201, first.content
    receipt = first.json()
    assert REFERENCE.match(receipt["reference"]) and receipt["reference"] in receipt["message"]
    assert (receipt["line_id"], receipt["status"], receipt["status_label"]) == (line.pk, "open", "待复议")
    assert "13900000001" not in first.content.decode()
    again = post(client, _objection_url(notice), body, key="obj-1")
    assert (again.status_code, again.content, again["Idempotent-Replayed"]) == (201, first.content, "true")
    assert "Idempotent-Replayed" not in first.headers
    assert Objection.objects.count() == before + 1
    stored = Objection.objects.get(pk=receipt["id"])
    assert stored.reference == receipt["reference"] and stored.contact_phone == "13900000001"
    # The key is held per address: the resident's own retry replays, nobody else's key is theirs.
    assert IdempotencyKey.objects.get(key="obj-1").owner == "points:objection:127.0.0.1"
    other = post(client, _objection_url(notice), body, key="obj-1", environ={"REMOTE_ADDR": "10.0.0.8"})
    assert other.status_code == 201 and other.json()["reference"] != receipt["reference"]
    changed = post(client, _objection_url(notice), {**body, "reason": "换了一个理由再提"}, key="obj-1")
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json()["errors"]
    assert Objection.objects.count() == before + 2


def test_a_refused_objection_stores_no_key(client, points_world, committee):
    notice = points_world["open_notice"]
    line = notice.lines.order_by("id").first()
    claims_services.decide_objection(actor=actor(committee), objection=points_world["objection"], uphold=True,
                                     reason="属实")
    refused = post(client, _objection_url(notice), {"line_id": line.pk, "reason": "这一条也不对"}, key="obj-2")
    assert refused.status_code == 409 and refused.json() == {
        "code": "conflict", "detail": "该条目已撤销", "errors": {"line": ["该条目已撤销"]}}
    assert not IdempotencyKey.objects.filter(key="obj-2").exists()


def test_objection_to_an_unknown_notice_is_404_with_the_error_body(client, points_world):
    response = post(client, f"{BASE}/public/notices/nosuchtoken/objections/",
                    {"line_id": points_world["objection"].line_id, "reason": "没有这张公示"}, key=key())
    assert response.status_code == 404 and response.json() == {"code": "not_found", "detail": "未找到", "errors": {}}


# --- the look-up by reference ---------------------------------------------------------------------


def test_look_up_an_objection_by_its_reference_before_and_after_the_decision(client, as_committee, points_world):
    notice = points_world["open_notice"]
    line = notice.lines.order_by("id").last()
    filed = post(client, _objection_url(notice), {"line_id": line.pk, "reason": "她那天在外地，没有参加劳动",
                                                  "contact_name": "王某", "contact_phone": "13900000000"}, key=key())
    reference = filed.json()["reference"]
    url = f"{BASE}/public/objections/{reference}/"
    waiting = client.get(url)
    assert waiting.status_code == 200, waiting.content
    body = waiting.json()
    assert (body["reference"], body["status"], body["status_label"]) == (reference, "open", "待复议")
    assert body["decision_reason"] is None and body["decided_at"] is None
    assert body["notice_token"] == notice.token and body["village"]["code"] == VILLAGE
    assert body["line"]["id"] == line.pk and body["line"]["name"] == "张*兰" and body["line"]["points"] == 10
    assert "她那天在外地" not in waiting.content.decode()  # the objection's own reason stays with the committee
    _not_secret(waiting)
    objection_id = filed.json()["id"]
    decided = post(as_committee, f"{BASE}/objections/{objection_id}/decision/",
                   {"uphold": False, "reason": "有签到表，确实参加了"}, key=key())
    assert decided.status_code == 201 and decided.json()["reference"] == reference
    after = client.get(url).json()
    assert (after["status"], after["status_label"], after["decision_reason"]) == (
        "dismissed", "异议不成立", "有签到表，确实参加了")
    assert after["decided_at"].endswith("+08:00")
    # Typed by hand: lower case, no dash.
    assert client.get(f"{BASE}/public/objections/{reference.lower().replace('-', '')}/").json() == after


def test_an_unknown_reference_is_404_with_the_error_body(client, db):
    response = client.get(f"{BASE}/public/objections/26-ZZZZZZ/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到该受理编号，请核对后再查询（如 26-7KQ3PX）",
                               "errors": {}}


def test_reference_look_ups_are_rate_limited_found_or_not(client, points_world, settings):
    settings.RATE_LIMITS = {"points:api:objection-lookup": (2, 600)}
    reference = points_world["objection"].reference
    assert client.get(f"{BASE}/public/objections/26-ZZZZZZ/").status_code == 404
    assert client.get(f"{BASE}/public/objections/{reference}/").status_code == 200
    refused = client.get(f"{BASE}/public/objections/{reference}/")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited" and refused["Retry-After"]


def test_staff_see_each_objection_s_reference(points_world, as_committee):
    [listed] = as_committee.get(f"{BASE}/objections/", {"status": "open"}).json()["items"]
    assert listed["reference"] == points_world["objection"].reference
    assert REFERENCE.match(listed["reference"])


def test_references_are_unique_and_read_aloud(points_world, system_actor):
    count = 3
    line = points_world["open_notice"].lines.order_by("id").last()
    made = [claims_services.raise_objection(actor=system_actor, line=line, reason=f"第{i}条异议理由").reference
            for i in range(count)]
    assert len(set(made + [points_world["objection"].reference])) == count + 1
    assert all(REFERENCE.match(r) for r in made)
    assert Objection.objects.filter(status=ObjectionStatus.OPEN).count() == count + 1


# --- the public web page shows the same reference ----------------------------------------------------


def test_the_public_page_shows_the_reference_after_filing(anonymous, points_world):
    notice = points_world["open_notice"]
    line = notice.lines.order_by("id").last()
    response = anonymous.post(f"/board/notices/{notice.token}/", {"line": line.pk, "reason": "他那天在外地放牧"},
                              follow=True)
    assert response.status_code == 200
    objection = Objection.objects.filter(line=line).get()
    page = response.content.decode()
    assert f"受理编号 {objection.reference}" in page
    looked_up = anonymous.get(f"{BASE}/public/objections/{objection.reference}/").json()
    assert looked_up["line"]["id"] == line.pk
