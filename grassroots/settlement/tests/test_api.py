"""Points II through the API (/api/points/results/): every route with an insider, a read-only member
(party group leader, cashier) and an outsider; strict input; idempotent writes; the credit look-up
under consent; the seed-004 quarter (235 points → 235 redeemable, 47.00 yuan) end to end."""

import json
import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from grassroots.audit.models import AuditEntry
from grassroots.core.models import IdempotencyKey
from grassroots.core.testing import client_for
from grassroots.ledger.models import Account, LedgerEntry
from grassroots.points.testing import actor, give, settle
from grassroots.settlement import services as settlement_services
from grassroots.settlement.models import CreditConsent, Settlement

TZ = ZoneInfo("Asia/Shanghai")
BASE = "/api/points/results"
VILLAGE = "150426100223"  # 赛沁塔拉嘎查
GRID1, GRID2 = "150426100223001", "150426100223002"
OTHER_VILLAGE = "150426104204"  # 官井子村
REFUSED = "该户未授权贵单位查询信用等级，或授权已过期、已撤回"
NOT_FOUND = {"code": "not_found", "detail": "未找到", "errors": {}}


def refused_body(detail: str = REFUSED) -> dict:
    return {"code": "forbidden", "detail": detail, "errors": {}}


def key() -> str:
    return uuid.uuid4().hex


def post(client, url, body=None, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(BASE + url, json.dumps(body if body is not None else {}), content_type="application/json",
                       headers=headers)


def get(client, url, **params):
    return client.get(BASE + url, params)


def named(response, field) -> bool:
    """A 422 whose errors name ``field`` and whose one-line detail says which field is wrong."""
    body = response.json()
    return response.status_code == 422 and field in body["errors"] and bool(body["detail"])


# --- the ledger as each test states it (the pattern of test_settlement.py) --------------------------


@pytest.fixture
def seed_004(homes):
    """Seed 004: 200 + 35 points in 2026 Q1 (and 50 in Q2, which Q1 does not count)."""
    give(homes["SQ-0001"], 200, date(2026, 2, 1))
    give(homes["SQ-0001"], 35, date(2026, 3, 31))
    give(homes["SQ-0001"], 50, date(2026, 4, 1))
    return homes


@pytest.fixture
def world(seed_004, village, secretary, rules):
    """A published Q1 with a household in each grid and a vetoed one; a draft Q2."""
    homes = seed_004
    give(homes["SQ-0004"], 90, date(2026, 1, 20))
    give(homes["SQ-0003"], 300, date(2026, 1, 5))
    give(homes["SQ-0003"], -100, date(2026, 2, 5), rule=rules["V01"])
    published = settle(village, secretary)
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=2)
    return {"homes": homes, "published": published, "draft": draft}


def consent_body(coop, **change):
    today = timezone.localdate()
    body = {"institution_id": coop.pk, "signed_by": "乌云毕力格", "signed_on": (today - timedelta(days=3)).isoformat(),
            "expires_on": (today + timedelta(days=365)).isoformat()}
    body.update(change)
    return body


def written():
    """What any write of this API leaves behind; bad input must leave it as it was."""
    return (Settlement.objects.count(), LedgerEntry.objects.count(), CreditConsent.objects.count(),
            IdempotencyKey.objects.count(), AuditEntry.objects.count())


# --- anonymous, reads: insider and read-only members see, outsider 404 --------------------------------

READS = [
    "/households/{home}/balance/",
    "/households/{home}/months/?year=2026",
    "/households/{home}/entries/?year=2026",
    "/households/{home}/consents/",
    "/grids/{grid}/statement/?year=2026&month=2",
    "/settlements/{settlement}/",
    "/settlements/?area_code={village}",
    "/villages/{village}/annual/?year=2026",
]


def _url(template, world):
    return template.format(home=world["homes"]["SQ-0001"].pk, grid=GRID1, settlement=world["published"].pk,
                           village=VILLAGE)


@pytest.mark.parametrize("url", READS)
def test_reads_insider_and_read_only_members_see_outsider_gets_404(world, as_insider, as_secretary, as_reader,
                                                                   as_cashier, as_outsider, url):
    url = BASE + _url(url, world)
    for client in (as_insider, as_secretary, as_reader, as_cashier):
        response = client.get(url)
        assert response.status_code == 200, response.content
    outside = as_outsider.get(url)
    assert outside.status_code == 404 and outside.json() == NOT_FOUND


@pytest.mark.parametrize(("method", "url"), [("get", u) for u in READS] + [
    ("post", "/settlements/"), ("post", "/settlements/{settlement}/publish/"),
    ("post", "/settlements/{settlement}/correct/"), ("post", "/households/{home}/consents/"),
    ("post", "/consents/1/revoke/"), ("post", "/credit/lookup/"), ("post", "/settlements/{settlement}/recompute/"),
    ("get", "/settlements/{settlement}/xlsx/"), ("get", "/villages/{village}/annual/xlsx/"),
    ("get", "/villages/{village}/annual/pdf/"), ("get", "/villages/{village}/annual/certificates/"),
    ("post", "/villages/{village}/year-close/"), ("get", "/villages/{village}/policy/"),
    ("patch", "/villages/{village}/policy/"), ("get", "/villages/{village}/ranking/")])
def test_anonymous_gets_401(client, world, method, url):
    kwargs = {"content_type": "application/json", "data": "{}", "headers": {"Idempotency-Key": "k"}} \
        if method in ("post", "patch") else {}
    response = getattr(client, method)(BASE + _url(url, world), **kwargs)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_missing_and_foreign_look_the_same(world, as_outsider):
    home = world["homes"]["SQ-0001"].pk
    for foreign, missing in [(f"/households/{home}/balance/", "/households/999999/balance/"),
                             (f"/settlements/{world['published'].pk}/", "/settlements/999999/"),
                             (f"/grids/{GRID1}/statement/", "/grids/150426100223009/statement/"),
                             (f"/villages/{VILLAGE}/annual/", "/villages/150426100299/annual/")]:
        assert get(as_outsider, foreign).json() == get(as_outsider, missing).json() == NOT_FOUND


def test_the_settlement_list_holds_only_what_the_caller_may_see(world, as_secretary, as_insider, as_outsider):
    ids = {s["id"] for s in get(as_secretary, "/settlements/").json()["items"]}
    assert ids == {world["published"].pk, world["draft"].pk}
    assert {s["id"] for s in get(as_insider, "/settlements/").json()["items"]} == ids  # the grid's village
    assert get(as_outsider, "/settlements/").json() == {"items": [], "next_cursor": None}
    filtered = get(as_secretary, "/settlements/", year=2026, quarter=2).json()["items"]
    assert [s["id"] for s in filtered] == [world["draft"].pk] and filtered[0]["status_label"] == "待公布"
    assert get(as_secretary, "/settlements/", status="published").json()["items"][0]["label"] == "2026年第一季度"


# --- a household ----------------------------------------------------------------------------------


def test_seed_004_through_the_api(seed_004, as_secretary, as_cashier):
    """235 points in Q1 → 235 redeemable, 47.00 yuan; the Q2 points count in the score, not in Q1's credit."""
    home = seed_004["SQ-0001"]
    computed = post(as_secretary, "/settlements/", {"area_code": VILLAGE, "year": 2026, "quarter": 1}, key=key())
    assert computed.status_code == 201, computed.content
    body = computed.json()
    assert (body["status"], body["households"], body["granted_total"], body["granted_total_fen"],
            body["granted_total_text"], body["exchange_rate"]) == ("draft", 1, 235, 4700, "47元", 5)
    assert body["lines"] == [{"household_id": home.pk, "number": "SQ-0001", "head": "乌云毕力格", "points": 235,
                              "vetoed": False, "eligible": True, "granted": 235, "granted_fen": 4700,
                              "granted_text": "47元"}]
    before = get(as_cashier, f"/households/{home.pk}/balance/").json()
    assert (before["balance"], before["may_redeem"]) == (0, False)
    assert before["reason"] == "本村尚未公布季度评议结果，暂不能兑换"

    published = post(as_secretary, f"/settlements/{body['id']}/publish/")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published" and published.json()["published_by"] == "secretary"

    balance = get(as_cashier, f"/households/{home.pk}/balance/").json()
    this_year = timezone.localdate().year
    assert balance == {"household_id": home.pk, "number": "SQ-0001", "head": "乌云毕力格", "score": 285,
                       "year": this_year, "year_score": 285 if this_year == 2026 else 0, "balance": 235,
                       "balance_fen": 4700, "balance_text": "47元", "exchange_rate": 5, "may_redeem": True,
                       "reason": ""}


def test_balance_says_why_a_household_may_not_redeem(world, as_reader):
    low = world["homes"]["SQ-0002"]
    give(low, 79, date(2026, 1, 5))
    body = get(as_reader, f"/households/{low.pk}/balance/").json()
    assert (body["balance"], body["balance_fen"], body["balance_text"], body["may_redeem"]) == (0, 0, "0元", False)
    assert body["reason"] == "2026年第一季度积分79分，未达到80分，不能兑换"
    vetoed = get(as_reader, f"/households/{world['homes']['SQ-0003'].pk}/balance/").json()
    assert not vetoed["may_redeem"] and "否决" in vetoed["reason"]


def test_months_are_twelve_numbers(seed_004, as_insider):
    body = get(as_insider, f"/households/{seed_004['SQ-0001'].pk}/months/", year=2026).json()
    assert body["months"] == [0, 200, 35, 50, 0, 0, 0, 0, 0, 0, 0, 0] and body["total"] == 285
    assert get(as_insider, f"/households/{seed_004['SQ-0001'].pk}/months/", year=2025).json()["months"] == [0] * 12


def test_entries_by_month_with_rule_reason_and_origin(world, as_insider, as_secretary, rules):
    home = world["homes"]["SQ-0003"]
    february = get(as_insider, f"/households/{home.pk}/entries/", year=2026, month=2).json()
    [veto] = february["items"]
    assert (veto["account"], veto["kind"], veto["points"], veto["occurred_on"]) == ("score", "deduction", -100,
                                                                                      "2026-02-05")
    assert veto["rule_title"] == rules["V01"].versions.get().title and veto["account_label"] == "积分"
    assert veto["origin_url"] == f"/api/points/entries/{veto['id']}/origin/"
    assert as_secretary.get(veto["origin_url"]).status_code == 200
    assert as_secretary.get(veto["page_url"]).status_code == 200

    seed = world["homes"]["SQ-0001"]
    year = get(as_insider, f"/households/{seed.pk}/entries/", year=2026).json()["items"]
    grant = next(e for e in year if e["account"] == "credit")
    assert (grant["kind"], grant["points"], grant["rule_title"], grant["settlement_id"]) == \
        ("settlement", 235, "", world["published"].pk)
    assert grant["reason"] == "2026年第一季度可兑换积分"
    only_credit = get(as_insider, f"/households/{seed.pk}/entries/", year=2026, account="credit").json()["items"]
    assert [e["id"] for e in only_credit] == [grant["id"]]
    page = get(as_insider, f"/households/{seed.pk}/entries/", year=2026, limit=2).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = get(as_insider, f"/households/{seed.pk}/entries/", year=2026, limit=2, cursor=page["next_cursor"]).json()
    assert [e["id"] for e in page["items"] + rest["items"]] == [e["id"] for e in year]


def test_grid_statement_ranks_the_grids_households(homes, as_insider, as_secretary):
    give(homes["SQ-0001"], 30, date(2026, 10, 3))
    give(homes["SQ-0001"], -10, date(2026, 10, 9))
    give(homes["SQ-0002"], 20, date(2026, 10, 12))
    give(homes["SQ-0003"], 50, date(2026, 9, 30))  # September
    body = get(as_insider, f"/grids/{GRID1}/statement/", year=2026, month=10).json()
    assert body["grid"] == {"code": GRID1, "name": "第1网格"} and body["village"]["code"] == VILLAGE
    assert [(r["number"], r["head"], r["plus"], r["minus"], r["total"], r["rank"], r["tied"]) for r in body["rows"]] \
        == [("SQ-0001", "乌云毕力格", 30, -10, 20, 1, True), ("SQ-0002", "王建国", 20, 0, 20, 1, True),
            ("SQ-0003", "李春梅", 0, 0, 0, 3, False)]
    assert get(as_insider, f"/grids/{GRID2}/statement/").status_code == 404  # another grid worker's grid
    assert get(as_secretary, f"/grids/{GRID2}/statement/").status_code == 200
    assert get(as_secretary, f"/grids/{VILLAGE}/statement/").status_code == 404  # a village is not a grid


# --- settlements ------------------------------------------------------------------------------------


def test_settlement_detail_shows_a_grid_worker_only_their_grids_lines(world, as_secretary, as_insider):
    url = f"/settlements/{world['published'].pk}/"
    everyone = {line["number"] for line in get(as_secretary, url).json()["lines"]}
    assert everyone == {"SQ-0001", "SQ-0003", "SQ-0004"}
    grid_only = get(as_insider, url).json()
    assert {line["number"] for line in grid_only["lines"]} == {"SQ-0001", "SQ-0003"}
    assert grid_only["households"] == 2 and grid_only["granted_total"] == 325  # village totals: 235 + 90


def test_compute_insider_read_only_outsider(seed_004, as_secretary, as_committee, as_reader, as_cashier,
                                            as_insider, as_outsider):
    body = {"area_code": VILLAGE, "year": 2026, "quarter": 1}
    before = written()
    for client in (as_reader, as_cashier, as_insider):
        response = post(client, "/settlements/", body, key=key())
        assert response.status_code == 403 and "权限" in response.json()["detail"]
    assert post(as_outsider, "/settlements/", body, key=key()).status_code == 404
    assert written() == before
    assert post(as_committee, "/settlements/", body, key=key()).status_code == 201


def test_computing_twice_returns_the_existing_settlement(seed_004, as_secretary):
    body = {"area_code": VILLAGE, "year": 2026, "quarter": 1}
    first = post(as_secretary, "/settlements/", body, key=key())
    again = post(as_secretary, "/settlements/", {**body, "area_code": GRID1}, key=key())  # a grid names its village
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Settlement.objects.count() == 1
    assert AuditEntry.objects.filter(action="points.settlement.compute").count() == 1


def test_a_retried_compute_with_the_same_key_answers_the_first_result(seed_004, as_secretary):
    body, k = {"area_code": VILLAGE, "year": 2026, "quarter": 1}, key()
    first, second = post(as_secretary, "/settlements/", body, key=k), post(as_secretary, "/settlements/", body, key=k)
    assert first.status_code == second.status_code == 201 and first.content == second.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Settlement.objects.count() == 1
    other = post(as_secretary, "/settlements/", {**body, "quarter": 2}, key=k)  # the key reused for another quarter
    assert named(other, "Idempotency-Key") and Settlement.objects.count() == 1


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"year": "2026"}, "year", "应为整数"),
    ({"year": True}, "year", "应为整数"),
    ({"year": 1999}, "year", "不能小于 2000"),
    ({"year": 2026.0}, "year", "应为整数"),
    ({"quarter": 5}, "quarter", "不能大于 4"),
    ({"quarter": 0}, "quarter", "不能小于 1"),
    ({"quarter": None}, "quarter", "应为整数"),
    ({"area_code": 150426100223}, "area_code", "应为字符串"),
    ({"area_code": ""}, "area_code", "内容过短"),
    ({"village": VILLAGE}, "village", "不支持此字段"),  # the old name is gone, not an alias
    ({"households": 3}, "households", "不支持此字段"),
])
def test_compute_input_is_strict_and_named(seed_004, as_secretary, change, field, text):
    before = written()
    response = post(as_secretary, "/settlements/", {"area_code": VILLAGE, "year": 2026, "quarter": 1, **change},
                    key=key())
    assert named(response, field), response.content
    assert text in response.json()["errors"][field][0] and response.json()["detail"].startswith(f"{field}：")
    assert written() == before


def test_an_unfinished_quarter_or_a_missing_field_is_refused(as_secretary, village):
    today = timezone.localdate()
    unfinished = post(as_secretary, "/settlements/", {"area_code": VILLAGE, "year": today.year,
                                                      "quarter": (today.month - 1) // 3 + 1}, key=key())
    assert unfinished.status_code == 409 and "尚未结束" in unfinished.json()["errors"]["quarter"][0]
    assert unfinished.json()["code"] == "conflict"
    without_key = post(as_secretary, "/settlements/", {"area_code": VILLAGE, "year": 2026, "quarter": 1})
    assert named(without_key, "Idempotency-Key")
    missing = post(as_secretary, "/settlements/", {"area_code": VILLAGE, "year": 2026}, key=key())
    assert named(missing, "quarter") and missing.json()["errors"]["quarter"] == ["此项必填"]
    not_json = as_secretary.post(BASE + "/settlements/", "year=2026", content_type="application/json")
    assert not_json.status_code == 400  # Ninja's own parse error, before any route runs
    assert Settlement.objects.count() == 0


def test_a_township_code_is_not_a_village(as_county_admin):
    response = post(as_county_admin, "/settlements/", {"area_code": "150426100000", "year": 2026, "quarter": 1},
                    key=key())
    assert named(response, "area_code") and Settlement.objects.count() == 0
    assert response.json()["errors"]["area_code"] == ["area_code 须是嘎查村社区（或网格）的区划代码"]


def test_publish_insider_read_only_outsider_and_twice_is_once(seed_004, village, secretary, as_secretary, as_reader,
                                                              as_cashier, as_insider, as_outsider):
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1)
    url = f"/settlements/{draft.pk}/publish/"
    before = written()
    for client in (as_reader, as_cashier, as_insider):
        assert post(client, url, key=key()).status_code == 403
    assert post(as_outsider, url, key=key()).status_code == 404
    assert written() == before
    k = key()
    first, replay = post(as_secretary, url, key=k), post(as_secretary, url, key=k)
    assert first.status_code == replay.status_code == 200 and first.content == replay.content
    again = post(as_secretary, url)
    assert again.status_code == 409 and "已公布" in again.json()["errors"]["settlement"][0]
    assert LedgerEntry.objects.filter(account=Account.CREDIT).count() == 1
    assert AuditEntry.objects.filter(action="points.settlement.publish").count() == 1


def test_correct_needs_a_key_and_a_reason_and_runs_once(world, as_secretary, as_reader, as_outsider):
    url = f"/settlements/{world['published'].pk}/correct/"
    before = written()
    assert named(post(as_secretary, url, {"reason": "复核发现重复记录"}), "Idempotency-Key")
    assert named(post(as_secretary, url, {"reason": "重复"}, key=key()), "reason")
    assert named(post(as_secretary, url, {"reason": 5}, key=key()), "reason")
    assert named(post(as_secretary, url, {"reason": "复核发现重复记录", "note": "x"}, key=key()), "note")
    assert post(as_reader, url, {"reason": "复核发现重复记录"}, key=key()).status_code == 403
    assert post(as_outsider, url, {"reason": "复核发现重复记录"}, key=key()).status_code == 404
    assert written() == before
    k = key()
    first = post(as_secretary, url, {"reason": "复核发现重复记录"}, key=k)
    replay = post(as_secretary, url, {"reason": "复核发现重复记录"}, key=k)
    assert first.status_code == replay.status_code == 201 and first.content == replay.content
    body = first.json()
    assert (body["revision"], body["status"], body["supersedes_id"], body["note"]) == \
        (2, "draft", world["published"].pk, "复核发现重复记录")
    assert Settlement.objects.filter(year=2026, quarter=1).count() == 2
    published = post(as_secretary, f"/settlements/{body['id']}/publish/")
    assert published.status_code == 200
    assert get(as_secretary, f"/settlements/{world['published'].pk}/").json()["status_label"] == "已更正"


# --- the annual summary -----------------------------------------------------------------------------


def test_annual_rows_and_recommendations(world, as_reader, as_insider):
    body = get(as_reader, f"/villages/{VILLAGE}/annual/", year=2026).json()
    rows = {r["number"]: r for r in body["rows"]}
    assert [r["number"] for r in body["rows"]] == ["SQ-0001", "SQ-0003", "SQ-0004", "SQ-0002", "SQ-0005"]
    assert {k: rows["SQ-0001"][k] for k in ("score", "vetoed", "village_rank", "township_rank", "tied", "stars",
                                             "credit_band")} == {"score": 285, "vetoed": False, "village_rank": 1,
                                                                 "township_rank": 1, "tied": False, "stars": 3,
                                                                 "credit_band": "良好"}
    assert rows["SQ-0001"]["honours"] == ["最美家庭"] and rows["SQ-0001"]["head"] == "乌云毕力格"
    assert rows["SQ-0003"]["vetoed"] and rows["SQ-0003"]["credit_band"] == "较差" and rows["SQ-0003"]["stars"] == 0
    assert (rows["SQ-0002"]["tied"], rows["SQ-0002"]["village_rank"]) == (True, 4)
    assert "SQ-0003" not in [r["number"] for r in body["recommendations"]]
    assert [r["number"] for r in body["recommendations"]][:2] == ["SQ-0001", "SQ-0004"]
    grid_only = get(as_insider, f"/villages/{VILLAGE}/annual/", year=2026).json()
    assert {r["number"] for r in grid_only["rows"]} == {"SQ-0001", "SQ-0002", "SQ-0003"}
    assert {r["number"]: r["village_rank"] for r in grid_only["rows"]}["SQ-0002"] == 4  # ranked in the village


@pytest.mark.parametrize(("url", "params", "field"), [
    ("/villages/{village}/annual/", {"year": "abc"}, "year"),
    ("/villages/{village}/annual/", {"year": 1999}, "year"),
    ("/households/{home}/months/", {"year": "2026年"}, "year"),
    ("/households/{home}/entries/", {"month": 13}, "month"),
    ("/households/{home}/entries/", {"account": "cash"}, "account"),
    ("/households/{home}/entries/", {"limit": 201}, "limit"),
    ("/grids/{grid}/statement/", {"month": 0}, "month"),
    ("/settlements/", {"quarter": 5}, "quarter"),
    ("/settlements/", {"status": "open"}, "status"),
])
def test_read_parameters_are_checked_and_named(world, as_secretary, url, params, field):
    response = get(as_secretary, _url(url, world), **params)
    assert named(response, field), response.content
    assert response.json()["detail"].startswith(f"{field}：")


# --- credit consent and look-up -------------------------------------------------------------------------


def test_record_consent_insider_read_only_outsider(homes, coop, as_secretary, as_committee, as_reader, as_cashier,
                                                   as_insider, as_outsider):
    url = f"/households/{homes['SQ-0001'].pk}/consents/"
    before = written()
    for client in (as_reader, as_cashier, as_insider):
        assert post(client, url, consent_body(coop), key=key()).status_code == 403
    assert post(as_outsider, url, consent_body(coop), key=key()).status_code == 404
    assert written() == before
    response = post(as_committee, url, consent_body(coop), key=key())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["institution"], body["signed_by"], body["current"], body["revoked_at"]) == \
        ({"id": coop.pk, "name": "翁牛特旗农村信用合作联社"}, "乌云毕力格", True, None)
    listed = get(as_reader, url).json()
    assert [c["id"] for c in listed["items"]] == [body["id"]] and listed["next_cursor"] is None
    assert body["household_id"] == homes["SQ-0001"].pk


def test_a_retried_consent_is_recorded_once(homes, coop, as_secretary):
    url, k = f"/households/{homes['SQ-0001'].pk}/consents/", key()
    first, second = post(as_secretary, url, consent_body(coop), key=k), post(as_secretary, url, consent_body(coop), key=k)
    assert first.status_code == second.status_code == 201 and first.content == second.content
    assert CreditConsent.objects.count() == 1
    assert AuditEntry.objects.filter(action="points.consent.record").count() == 1
    missing_key = post(as_secretary, url, consent_body(coop))
    assert named(missing_key, "Idempotency-Key") and CreditConsent.objects.count() == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"institution_id": "1"}, "institution_id"),
    ({"institution_id": 999999}, "institution_id"),
    ({"signed_on": 20261101}, "signed_on"),
    ({"signed_on": "2026年11月1日"}, "signed_on"),
    ({"expires_on": "2020-01-01"}, "expires_on"),
    ({"signed_by": "单国强"}, "signed_by"),  # not a member of the household
    ({"signed_by": 7}, "signed_by"),
    ({"band": "优秀"}, "band"),
])
def test_consent_input_is_strict_and_named(homes, coop, as_secretary, change, field):
    before = written()
    response = post(as_secretary, f"/households/{homes['SQ-0001'].pk}/consents/", consent_body(coop, **change),
                    key=key())
    assert named(response, field), response.content
    assert written() == before


def test_revoke_consent_read_only_outsider_and_twice(homes, coop, secretary, as_secretary, as_reader, as_outsider):
    today = timezone.localdate()
    consent = settlement_services.record_consent(actor=actor(secretary), household=homes["SQ-0001"], institution=coop,
                                      signed_by="乌云毕力格", signed_on=today, expires_on=today + timedelta(days=30))
    url = f"/consents/{consent.pk}/revoke/"
    assert post(as_reader, url).status_code == 403
    assert post(as_outsider, url).status_code == 404
    consent.refresh_from_db()
    assert consent.revoked_at is None
    first, again = post(as_secretary, url), post(as_secretary, url)
    assert first.status_code == again.status_code == 200
    assert first.json()["revoked_at"] == again.json()["revoked_at"] and not first.json()["current"]
    assert AuditEntry.objects.filter(action="points.consent.revoke").count() == 1


def test_credit_look_up_refused_without_consent_allowed_with_it(world, coop, officer, secretary, as_secretary):
    as_officer = client_for(officer)
    body = {"area_code": VILLAGE, "household_number": "SQ-0001", "year": 2026}
    refused = post(as_officer, "/credit/lookup/", body)
    assert refused.status_code == 403 and refused.json() == refused_body()
    # Unknown households and villages look exactly like households without consent.
    for unknown in ({**body, "household_number": "SQ-9999"}, {**body, "area_code": "150426100299"},
                    {**body, "area_code": OTHER_VILLAGE, "household_number": "GJ-0001"}):
        response = post(as_officer, "/credit/lookup/", unknown)
        assert response.status_code == 403 and response.json() == refused_body()
    # Staff who are no unit's members may not look up at all, consent or not.
    staff = post(as_secretary, "/credit/lookup/", body)
    assert staff.status_code == 403 and "工作人员" in staff.json()["detail"]

    today = timezone.localdate()
    consent = settlement_services.record_consent(actor=actor(secretary), household=world["homes"]["SQ-0001"], institution=coop,
                                      signed_by="乌云毕力格", signed_on=today, expires_on=today + timedelta(days=365))
    allowed = post(as_officer, "/credit/lookup/", body)
    assert allowed.status_code == 200, allowed.content
    assert allowed.json() == {"village": {"code": VILLAGE, "name": "赛沁塔拉嘎查"}, "household_number": "SQ-0001",
                              "year": 2026, "score": 285, "vetoed": False, "stars": 3, "credit_band": "良好",
                              "institution": "翁牛特旗农村信用合作联社",
                              "consent_expires_on": (today + timedelta(days=365)).isoformat()}
    settlement_services.revoke_consent(actor=actor(secretary), consent=consent)
    assert post(as_officer, "/credit/lookup/", body).json() == refused_body()
    assert AuditEntry.objects.filter(action="points.credit.look_up").count() == 1
    # Every refusal is audited alike, whether the household exists or not: SQ-0001 twice, SQ-9999, the
    # unknown village and GJ-0001 (not in the village named) once each.
    assert AuditEntry.objects.filter(action="points.credit.refused").count() == 5


@pytest.mark.parametrize(("change", "field"), [
    ({"year": "2026"}, "year"), ({"year": 1800}, "year"), ({"household_number": 1}, "household_number"),
    ({"area_code": None}, "area_code"), ({"village_code": VILLAGE}, "village_code"), ({"name": "乌云毕力格"}, "name")])
def test_look_up_input_is_strict(officer, homes, change, field):
    before = written()
    body = {"area_code": VILLAGE, "household_number": "SQ-0001", "year": 2026, **change}
    assert named(post(client_for(officer), "/credit/lookup/", body), field)
    assert written() == before

