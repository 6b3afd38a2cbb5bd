"""The demands' JSON API (/api/demands/): every route with the caller who may (unit staff, area staff), a member
who may only look (403 on writes, 200 on reads), an outsider (404) and nobody (401); the error bodies on 409
and 422; a replay answering exactly the first reply."""

import uuid

import pytest
from django.test import Client

from grassroots.api.api import api
from grassroots.api.testing import bearer
from grassroots.demands.models import Demand, DemandEvent, WishClaim
from grassroots.demands.testing import at

BASE = "/api/demands/"


def post(client, url, body=None, *, key: str | None = "new"):
    headers = {}
    if key is not None:
        headers["Idempotency-Key"] = uuid.uuid4().hex if key == "new" else key
    return client.post(url, body if body is not None else {}, content_type="application/json", headers=headers)


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}
    assert body["code"] == code and body["detail"]
    if field is not None:
        assert field in body["errors"], body


@pytest.fixture
def api_as(region):
    """A token client for an account (``Authorization: Bearer``), made on demand."""
    return bearer


@pytest.fixture
def demand(make_demand):
    """种子化肥 in 赛沁塔拉嘎查 grid 1: routed to 旗农牧局 (lead) and 旗供销社 (supporting)."""
    return make_demand(contact_name="张建国", contact_phone="13912345678")


@pytest.fixture
def wish(make_demand):
    return make_demand("想要一台收音机", category="wish-life", kind="wish")


def url(demand, action=""):
    return f"{BASE}{demand.pk}/" + (f"{action}/" if action else "")


# ---------------------------------------------------------------------------------------------- anonymous


def test_every_demands_route_answers_nobody_401_with_the_error_body(db):
    client = Client()
    schema = api.get_openapi_schema()
    seen = 0
    for path, operations in schema["paths"].items():
        if not path.startswith(BASE) or path.startswith(f"{BASE}public/"):
            continue
        concrete = path.replace("{demand_id}", "1").replace("{claim_id}", "1")
        for method in operations:
            response = (client.get(concrete) if method == "get"
                        else getattr(client, method)(concrete, {}, content_type="application/json"))
            assert_error(response, 401, "unauthenticated")
            seen += 1
    assert seen >= 16


# ---------------------------------------------------------------------------------------------- reads


def test_units_units_staff_sees_their_own_county_staff_all(api_as, handler, county_staff, outsider, units):
    mine = api_as(handler).get(f"{BASE}units/").json()
    assert [(u["code"], u["is_member"]) for u in mine["items"]] == [("wnt-nmj", True)]
    assert mine["next_cursor"] is None
    everything = api_as(county_staff).get(f"{BASE}units/", {"limit": 4}).json()
    assert len(everything["items"]) == 4 and everything["next_cursor"]
    rest = api_as(county_staff).get(f"{BASE}units/", {"limit": 4, "cursor": everything["next_cursor"]}).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert {"code", "name"} == set(everything["items"][0]["area"])
    assert api_as(outsider).get(f"{BASE}units/").json() == {"items": [], "next_cursor": None}


def test_units_refuse_an_account_with_no_part_in_demands(api_as, cashier, units):
    assert_error(api_as(cashier).get(f"{BASE}units/"), 403, "forbidden")


def test_categories_tree_parents_first(api_as, insider, reader, handler, categories):
    body = api_as(insider).get(f"{BASE}categories/").json()
    codes = [c["code"] for c in body["items"]]
    assert codes.index("agri") < codes.index("seeds") and codes.index("infra") < codes.index("roads")
    seeds = next(c for c in body["items"] if c["code"] == "seeds")
    assert seeds["parent_id"] == categories["agri"].pk and seeds["depth"] == 1 and seeds["resolve_working_days"] == 5
    assert api_as(reader).get(f"{BASE}categories/").status_code == 200
    assert api_as(handler).get(f"{BASE}categories/").status_code == 200  # unit staff hold no role: still theirs
    assert_error(api_as(insider).get(f"{BASE}categories/", {"cursor": "nonsense!"}), 422, "invalid", "cursor")


def test_responsibilities_of_an_area(api_as, secretary, reader, outsider, responsibilities, region, units):
    code = region["赛沁塔拉嘎查"].code
    body = api_as(secretary).get(f"{BASE}responsibilities/", {"area_code": code}).json()
    assert sorted(r["item_number"] for r in body["items"]) == ["001", "002", "003", "004"]
    seeds = next(r for r in body["items"] if r["item_number"] == "001")
    assert seeds["lead_unit_id"] == units["nmj"].pk and seeds["supporting_unit_ids"] == [units["gxs"].pk]
    assert seeds["area"] == {"code": region["翁牛特旗"].code, "name": "翁牛特旗"}
    assert api_as(reader).get(f"{BASE}responsibilities/", {"area_code": code}).status_code == 200
    assert_error(api_as(outsider).get(f"{BASE}responsibilities/", {"area_code": code}), 404, "not_found")


def test_the_area_list_with_filters(api_as, secretary, reader, outsider, make_demand, wish, region):
    first = make_demand()
    second = make_demand("村道坑洼需要修补", category="roads", urgent=True)
    code = region["赛沁塔拉嘎查"].code
    body = api_as(secretary).get(BASE, {"area_code": code}).json()
    assert [d["id"] for d in body["items"]] == [second.pk, first.pk, wish.pk]  # newest first
    assert body["next_cursor"] is None
    assert [d["id"] for d in api_as(secretary).get(BASE, {"area_code": code, "kind": "wish"}).json()["items"]] == [wish.pk]
    assert [d["id"] for d in api_as(secretary).get(BASE, {"area_code": code, "urgent": "true"}).json()["items"]] == [second.pk]
    assert len(api_as(secretary).get(BASE, {"area_code": code, "status": "open"}).json()["items"]) == 3
    assert api_as(secretary).get(BASE, {"area_code": code, "status": "closed"}).json()["items"] == []
    paged = api_as(secretary).get(BASE, {"area_code": code, "limit": 2}).json()
    assert len(paged["items"]) == 2 and paged["next_cursor"]
    last = api_as(secretary).get(BASE, {"area_code": code, "limit": 2, "cursor": paged["next_cursor"]}).json()
    assert [d["id"] for d in last["items"]] == [wish.pk] and last["next_cursor"] is None
    item = body["items"][1]
    assert item["lead_unit_name"] == "旗农牧局" and item["status"] == "received" and item["status_label"] == "已受理"
    assert item["area"]["name"] == "第1网格" and item["created_at"].endswith("+08:00")
    assert api_as(reader).get(BASE, {"area_code": code}).status_code == 200
    assert_error(api_as(outsider).get(BASE, {"area_code": code}), 404, "not_found")
    assert api_as(outsider).get(BASE).json()["items"] == []  # nothing of 赛沁塔拉嘎查's in "everything I see"
    assert_error(api_as(secretary).get(BASE, {"status": "lost"}), 422, "invalid", "status")


def test_a_units_queue_urgent_first(api_as, handler, stranger_handler, county_staff, make_demand, units):
    normal = make_demand(now=at(2026, 3, 2))
    urgent = make_demand("化肥急需", urgent=True, now=at(2026, 3, 3))
    make_demand("找工作", category="jobs")  # another unit's
    body = api_as(handler).get(BASE, {"unit_id": units["nmj"].pk}).json()
    assert [d["id"] for d in body["items"]] == [urgent.pk, normal.pk]
    assert body["items"][0]["overdue"] is True  # its clock ran out long ago
    assert len(api_as(county_staff).get(BASE, {"unit_id": units["nmj"].pk}).json()["items"]) == 2
    assert_error(api_as(stranger_handler).get(BASE, {"unit_id": units["nmj"].pk}), 404, "not_found")
    # Unit staff with no role: "everything I see" is their unit's demands.
    assert {d["id"] for d in api_as(handler).get(BASE).json()["items"]} == {urgent.pk, normal.pk}


def test_detail_with_events_contact_and_actions(api_as, insider, reader, secretary, handler, other_handler,
                                                 outsider, stranger_handler, demand):
    body = api_as(handler).get(url(demand)).json()
    assert [e["kind"] for e in body["events"]] == ["received", "routed"]
    assert body["events"][1]["unit_name"] == "旗农牧局" and body["events"][0]["at"].endswith("+08:00")
    assert body["contact_name"] == "张建国" and body["contact_phone"] == "13912345678"
    assert body["allowed_actions"] == ["accept", "consult", "progress", "resolve"]
    assert body["tracking_code"] == demand.tracking_code and body["claims"] == [] and body["feedbacks"] == []
    assert api_as(other_handler).get(url(demand)).json()["allowed_actions"] == ["progress"]
    assert api_as(secretary).get(url(demand)).json()["allowed_actions"] == ["route"]
    assert api_as(insider).get(url(demand)).json()["allowed_actions"] == []
    looking = api_as(reader).get(url(demand)).json()
    assert looking["contact_name"] == "张*国" and looking["contact_phone"] == "" and looking["allowed_actions"] == []
    assert_error(api_as(outsider).get(url(demand)), 404, "not_found")
    assert_error(api_as(stranger_handler).get(url(demand)), 404, "not_found")
    assert_error(api_as(insider).get(f"{BASE}999999/"), 404, "not_found")


def test_numbers_of_an_area(api_as, secretary, reader, outsider, make_demand, region):
    make_demand(now=at(2026, 3, 2))
    make_demand("村道坑洼", category="roads", urgent=True, now=at(2026, 3, 3))
    make_demand("去年的", now=at(2025, 6, 1))
    code = region["赛沁塔拉嘎查"].code
    period = {"area_code": code, "since": "2026-01-01", "until": "2026-12-31"}
    body = api_as(secretary).get(f"{BASE}numbers/", period).json()
    assert body["area"] == {"code": code, "name": "赛沁塔拉嘎查"}
    assert body["since"] == "2026-01-01" and body["until"] == "2026-12-31"
    total = body["total"]
    assert (total["name"], total["received"], total["resolved"], total["urgent"], total["open"], total["overdue"]) == \
        ("赛沁塔拉嘎查", 2, 0, 1, 2, 2)
    assert {r["name"]: r["received"] for r in body["by_unit"]} == {"旗农牧局": 1, "旗交通运输局": 1}
    assert {r["name"] for r in body["by_area"]} == {"第1网格"}
    assert api_as(reader).get(f"{BASE}numbers/", period).status_code == 200
    assert_error(api_as(outsider).get(f"{BASE}numbers/", period), 404, "not_found")
    assert_error(api_as(secretary).get(f"{BASE}numbers/", {**period, "since": "2027-01-01"}), 422, "invalid", "since")
    assert_error(api_as(secretary).get(f"{BASE}numbers/", {**period, "until": "2026-13-01"}), 422, "invalid", "until")
    assert_error(api_as(secretary).get(f"{BASE}numbers/", {**period, "until": "9999-12-31"}), 422, "invalid", "until")


# ---------------------------------------------------------------------------------------------- intake


def intake_body(region, **over):
    return {"text": "牧民需要玉米种子和化肥", "area_code": region["赛沁塔拉嘎查1"].code, "category_id": None,
            "contact_name": "张建国", "contact_phone": "13912345678", **over}


def test_intake_by_staff_is_routed_and_replays(api_as, insider, region, categories, units, responsibilities):
    client = api_as(insider)
    body = intake_body(region, category_id=categories["seeds"].pk, urgent=True)
    first = post(client, BASE, body, key="intake-1")
    assert first.status_code == 201, first.content
    made = first.json()
    assert made["lead_unit_id"] == units["nmj"].pk and made["status"] == "received" and made["urgent"] is True
    assert made["channel"] == "grid_worker" and [e["kind"] for e in made["events"]] == ["received", "routed"]
    assert made["contact_phone"] == "13912345678"
    again = post(client, BASE, body, key="intake-1")
    assert again.status_code == 201 and again.json() == made and again["Idempotent-Replayed"] == "true"
    assert Demand.objects.count() == 1
    assert_error(post(client, BASE, {**body, "text": "另一件事"}, key="intake-1"), 422, "invalid", "Idempotency-Key")
    assert_error(post(client, BASE, body, key=None), 422, "invalid", "Idempotency-Key")


def test_intake_refuses_the_reader_and_the_outsider(api_as, reader, outsider, region, categories):
    assert_error(post(api_as(reader), BASE, intake_body(region)), 403, "forbidden")
    assert_error(post(api_as(outsider), BASE, intake_body(region)), 404, "not_found")
    assert Demand.objects.count() == 0


def test_intake_above_ones_own_village_is_not_found(api_as, secretary, region):
    town = region["乌丹镇"].code  # the secretary's village is below it: not theirs to record in (404)
    assert_error(post(api_as(secretary), BASE, intake_body(region, area_code=town)), 404, "not_found")


def test_intake_is_at_a_village_or_a_grid(api_as, county_staff, region):
    body = intake_body(region, area_code=region["乌丹镇"].code)
    assert_error(post(api_as(county_staff), BASE, body), 422, "invalid", "area_code")
    assert post(api_as(county_staff), BASE, intake_body(region, area_code=region["赛沁塔拉嘎查"].code)).status_code == 201


@pytest.mark.parametrize(("over", "field"), [
    ({"text": "   "}, "text"),
    ({"area_code": "000000000000"}, "area_code"),
    ({"category_id": 999999}, "category_id"),
    ({"kind": "gift"}, "kind"),
    ({"channel": "public"}, "channel"),
    ({"urgent": "yes"}, "urgent"),
    ({"person_id": 999999}, "person_id"),
    ({"surprise": 1}, "surprise"),
    ({"contact_phone": "12345"}, "contact_phone"),
])
def test_intake_names_the_field_at_fault(api_as, insider, region, categories, over, field):
    assert_error(post(api_as(insider), BASE, intake_body(region, **over)), 422, "invalid", field)


# ---------------------------------------------------------------------------------------------- route


def test_route_reroute_with_a_reason(api_as, secretary, demand, units, categories):
    client = api_as(secretary)
    body = {"lead_unit_id": units["jyzx"].pk, "supporting_unit_ids": [units["nmj"].pk],
            "category_id": categories["jobs"].pk, "reason": "实为就业咨询"}
    first = post(client, url(demand, "route"), body, key="route-1")
    assert first.status_code == 201, first.content
    step = first.json()
    assert step["kind"] == "rerouted" and step["unit_id"] == units["jyzx"].pk
    assert step["demand"]["lead_unit_id"] == units["jyzx"].pk and step["demand"]["category_name"] == "就业创业"
    again = post(client, url(demand, "route"), body, key="route-1")
    assert again.json() == step and again["Idempotent-Replayed"] == "true"
    assert demand.route_changes.count() == 1


def test_route_refusals(api_as, secretary, insider, reader, outsider, demand, units):
    body = {"lead_unit_id": units["jyzx"].pk, "reason": "转就业"}
    assert_error(post(api_as(insider), url(demand, "route"), body), 403, "forbidden")  # a grid worker records only
    assert_error(post(api_as(reader), url(demand, "route"), body), 403, "forbidden")
    assert_error(post(api_as(outsider), url(demand, "route"), body), 404, "not_found")
    assert_error(post(api_as(secretary), url(demand, "route"), {"lead_unit_id": units["jyzx"].pk}), 422, "invalid")
    assert_error(post(api_as(secretary), url(demand, "route"), {"lead_unit_id": units["gdg-nyzx"].pk, "reason": "x"}),
                 422, "invalid", "lead_unit_id")
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.CLOSED)
    assert_error(post(api_as(secretary), url(demand, "route"), body), 409, "conflict")


# ---------------------------------------------------------------------------------------------- handling


def test_accept_then_again_is_a_conflict(api_as, handler, demand):
    client = api_as(handler)
    first = post(client, url(demand, "accept"), {"note": "已联系供销社"}, key="acc-1")
    assert first.status_code == 201, first.content
    assert first.json()["kind"] == "accepted" and first.json()["demand"]["status"] == "in_progress"
    replay = post(client, url(demand, "accept"), {"note": "已联系供销社"}, key="acc-1")
    assert replay.status_code == 201 and replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    refused = post(client, url(demand, "accept"), {})
    assert_error(refused, 409, "conflict")
    assert "办理中" in refused.json()["detail"]


def test_handling_is_the_lead_units(api_as, handler, other_handler, reader, secretary, outsider, stranger_handler, demand):
    for client in (api_as(other_handler), api_as(reader), api_as(secretary)):
        assert_error(post(client, url(demand, "accept"), {}), 403, "forbidden")
        assert_error(post(client, url(demand, "resolve"), {"note": "已办"}), 403, "forbidden")
    for client in (api_as(outsider), api_as(stranger_handler)):
        assert_error(post(client, url(demand, "accept"), {}), 404, "not_found")
    assert demand.events.count() == 2


def test_consult_progress_and_resolve(api_as, handler, other_handler, demand):
    lead, supporting = api_as(handler), api_as(other_handler)
    assert post(lead, url(demand, "consult"), {"note": "约村民商量"}).json()["demand"]["status"] == "consulting"
    progress = post(supporting, url(demand, "progress"), {"note": "化肥已到供销社"})
    assert progress.status_code == 201 and progress.json()["kind"] == "note"
    assert_error(post(supporting, url(demand, "progress"), {"note": ""}), 422, "invalid")
    assert_error(post(lead, url(demand, "resolve"), {"note": "x" * 1001}), 422, "invalid", "note")
    assert_error(post(lead, url(demand, "resolve"), {"note": 5}), 422, "invalid", "note")
    resolved = post(lead, url(demand, "resolve"), {"note": "种子化肥已送到"})
    assert resolved.status_code == 201 and resolved.json()["demand"]["status"] == "resolved"
    assert_error(post(lead, url(demand, "resolve"), {"note": "再办一次"}), 409, "conflict")
    assert_error(post(lead, url(demand, "accept"), {}, key=None), 422, "invalid", "Idempotency-Key")


# ---------------------------------------------------------------------------------------------- callback


@pytest.fixture
def resolved(demand, handler, api_as):
    post(api_as(handler), url(demand, "resolve"), {"note": "种子化肥已送到"})
    return demand


def test_callback_closes_or_reopens(api_as, insider, resolved, make_demand, handler):
    client = api_as(insider)
    first = post(client, url(resolved, "callback"), {"rating": 5, "comment": "很满意"}, key="cb-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["rating"] == 5 and body["source"] == "callback" and body["demand"]["status"] == "closed"
    replay = post(client, url(resolved, "callback"), {"rating": 5, "comment": "很满意"}, key="cb-1")
    assert replay.json() == body and replay["Idempotent-Replayed"] == "true"
    assert_error(post(client, url(resolved, "callback"), {"rating": 4}), 409, "conflict")
    other = make_demand("第二件")
    post(api_as(handler), url(other, "resolve"), {"note": "办了"})
    reopened = post(client, url(other, "callback"), {"rating": 2}).json()
    assert reopened["demand"]["status"] == "in_progress" and reopened["demand"]["reopen_count"] == 1


def test_callback_refusals(api_as, insider, reader, outsider, resolved, demand):
    assert_error(post(api_as(reader), url(resolved, "callback"), {"rating": 5}), 403, "forbidden")
    assert_error(post(api_as(outsider), url(resolved, "callback"), {"rating": 5}), 404, "not_found")
    assert_error(post(api_as(insider), url(resolved, "callback"), {"rating": 6}), 422, "invalid", "rating")
    assert_error(post(api_as(insider), url(resolved, "callback"), {"rating": "5"}), 422, "invalid", "rating")


# ---------------------------------------------------------------------------------------------- wishes


def test_claim_fulfil_a_wish(api_as, insider, secretary, wish):
    client = api_as(insider)
    first = post(client, url(wish, "claim"), {}, key="claim-1")
    assert first.status_code == 201, first.content
    claim = first.json()
    assert claim["status"] == "held" and claim["demand"]["status"] == "in_progress" and claim["unit_id"] is None
    replay = post(client, url(wish, "claim"), {}, key="claim-1")
    assert replay.json() == claim and replay["Idempotent-Replayed"] == "true"
    assert_error(post(api_as(secretary), url(wish, "claim"), {}), 409, "conflict")
    mine = api_as(insider).get(f"{BASE}claims/", {"status": "held"}).json()
    assert [c["id"] for c in mine["items"]] == [claim["id"]] and mine["items"][0]["demand"]["id"] == wish.pk
    assert "fulfil" in api_as(insider).get(url(wish)).json()["allowed_actions"]
    fulfil_url = f"{BASE}claims/{claim['id']}/fulfil/"
    assert_error(post(api_as(secretary), fulfil_url, {"note": "送到了"}), 403, "forbidden")  # not theirs
    assert_error(post(client, fulfil_url, {"note": " "}), 422, "invalid")
    done = post(client, fulfil_url, {"note": "收音机已送到"}, key="ful-1")
    assert done.status_code == 201 and done.json()["kind"] == "fulfilled" and done.json()["demand"]["status"] == "resolved"
    assert post(client, fulfil_url, {"note": "收音机已送到"}, key="ful-1").json() == done.json()
    assert_error(post(client, fulfil_url, {"note": "再一次"}), 409, "conflict")


def test_claim_refusals_and_a_units_claim(api_as, county_admin, outsider, handler, stranger_handler, wish, demand,
                                           insider, units):
    assert_error(post(api_as(county_admin), url(wish, "claim"), {}), 403, "forbidden")  # sees, may not claim
    assert_error(post(api_as(outsider), url(wish, "claim"), {}), 404, "not_found")
    assert_error(post(api_as(stranger_handler), url(wish, "claim"), {"unit_id": units["gdg-nyzx"].pk}), 404, "not_found")
    assert_error(post(api_as(insider), url(demand, "claim"), {}), 409, "conflict")  # not a wish
    claimed = post(api_as(handler), url(wish, "claim"), {"unit_id": units["nmj"].pk})
    assert claimed.status_code == 201 and claimed.json()["unit_id"] == units["nmj"].pk
    assert claimed.json()["claimant_name"] == "旗农牧局"


def test_release_a_claim(api_as, insider, outsider, wish):
    client = api_as(insider)
    claim_id = post(client, url(wish, "claim"), {}).json()["id"]
    release_url = f"{BASE}claims/{claim_id}/release/"
    assert_error(post(api_as(outsider), release_url, {}), 404, "not_found")
    released = post(client, release_url, {})
    assert released.status_code == 201 and released.json()["kind"] == "claim_released"
    assert released.json()["demand"]["status"] == "received"
    assert WishClaim.objects.get(pk=claim_id).status == "released"
    assert_error(post(client, release_url, {}), 409, "conflict")
    assert DemandEvent.objects.filter(demand=wish, kind="claim_released").count() == 1


@pytest.mark.parametrize(("action", "note", "kind"), [
    ("consult", "", "consulting"), ("progress", "化肥已到", "note"), ("resolve", "已送到", "resolved"),
])
def test_each_handling_step_replays_its_first_reply(api_as, handler, demand, action, note, kind):
    client = api_as(handler)
    first = post(client, url(demand, action), {"note": note}, key=f"{action}-1")
    assert first.status_code == 201 and first.json()["kind"] == kind
    again = post(client, url(demand, action), {"note": note}, key=f"{action}-1")
    assert (again.status_code, again.json()) == (201, first.json()) and again["Idempotent-Replayed"] == "true"
    assert demand.events.filter(kind=kind).count() == 1


def test_a_release_replays_its_first_reply(api_as, insider, wish):
    client = api_as(insider)
    claim_id = post(client, url(wish, "claim"), {}).json()["id"]
    first = post(client, f"{BASE}claims/{claim_id}/release/", {}, key="rel-1")
    again = post(client, f"{BASE}claims/{claim_id}/release/", {}, key="rel-1")
    assert first.status_code == 201 and (again.status_code, again.json()) == (201, first.json())
    assert again["Idempotent-Replayed"] == "true"


# ---------------------------------------------------------------------------------------------- public


def public_url(region, demand, village="赛沁塔拉嘎查", rating=False):
    return f"{BASE}public/{region[village].code}/tracking/{demand.tracking_code}/" + ("rating/" if rating else "")


def test_a_resident_tracks_a_demand_masked(db, region, demand, handler, api_as):
    post(api_as(handler), url(demand, "progress"), {"note": "已联系13912345678的张建国"})
    anonymous = Client()
    body = anonymous.get(public_url(region, demand)).json()
    assert body["status"] == "received" and body["resident"] == "张*国" and body["lead_unit_name"] == "旗农牧局"
    assert "contact_phone" not in body and "text" not in body and body["can_rate"] is False
    assert [e["kind"] for e in body["events"]] == ["received", "routed", "note"]
    assert "13912345678" not in str(body)
    assert_error(anonymous.get(public_url(region, demand, village="官井子村")), 404, "not_found")
    assert_error(anonymous.get(f"{BASE}public/{region['赛沁塔拉嘎查'].code}/tracking/NOPE/"), 404, "not_found")


def test_a_resident_rates_once_and_a_replay_answers_the_same(db, region, resolved, settings):
    anonymous = Client()
    rating_url = public_url(region, resolved, rating=True)
    assert_error(post(anonymous, rating_url, {"rating": 6}), 422, "invalid", "rating")
    assert_error(post(anonymous, rating_url, {"rating": 5}, key=None), 422, "invalid", "Idempotency-Key")
    first = post(anonymous, rating_url, {"rating": 4, "comment": "还行"}, key="pub-1")
    assert first.status_code == 201, first.content
    assert first.json()["demand"]["status"] == "closed" and first.json()["rating"] == 4
    again = post(anonymous, rating_url, {"rating": 4, "comment": "还行"}, key="pub-1")
    assert (again.status_code, again.json()) == (201, first.json()) and again["Idempotent-Replayed"] == "true"
    assert_error(post(anonymous, rating_url, {"rating": 5}), 409, "conflict")
    settings.RATE_LIMITS = {"demands:rate": (0, 600)}
    limited = post(anonymous, rating_url, {"rating": 5})
    assert_error(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) > 0
