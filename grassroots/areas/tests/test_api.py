"""The register's JSON API: every route with its insider, read-only member, outsider and anonymous caller."""

import json
from datetime import date

import pytest
from ninja.errors import ValidationError as NinjaValidationError

from grassroots.areas import services
from grassroots.areas.api import schema_error_handler, schema_errors, unauthenticated_handler
from grassroots.areas.models import Household, Person
from grassroots.audit.models import AuditEntry
from grassroots.core.models import IdempotencyKey
from grassroots.rules.idnumber import make_id_number

GRID1 = "150426100223001"  # 赛沁塔拉嘎查 grid 1: the insider's grid
GRID2 = "150426100223002"  # same village, another grid
VILLAGE = "150426100223"  # 赛沁塔拉嘎查
OTHER_VILLAGE = "150426104204"  # 官井子村
OTHER_GRID = "150426104204001"
HEAD_ID_NUMBER = make_id_number("150426", date(1968, 3, 5), 11)


def post(client, url, body, key=None, **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def field_named(response, field) -> bool:
    """The 422 names ``field``, whether in our {"errors": {...}} shape or Ninja's list of errors."""
    body = response.json()
    if "errors" in body:
        return field in body["errors"]
    return any(field in [str(p) for p in e.get("loc", ())] for e in body["detail"])


@pytest.fixture
def head(households):
    return Person.objects.get(name="乌云毕力格")


@pytest.fixture
def outside_head(households):
    return Person.objects.get(name="单国强")


# --- anonymous ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("get", "/api/areas/"),
    ("get", f"/api/areas/{VILLAGE}/"),
    ("get", "/api/households/"),
    ("get", "/api/households/{inside}/"),
    ("post", "/api/households/"),
    ("post", "/api/households/{inside}/members/"),
    ("get", "/api/persons/"),
    ("patch", "/api/persons/{head}/"),
])
def test_anonymous_gets_401_everywhere(client, households, head, method, url):
    url = url.format(inside=households["inside"].id, head=head.id)
    kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 401
    assert "detail" in response.json()


# --- areas ------------------------------------------------------------------------------------


def test_root_areas_are_the_callers_own(as_insider, as_reader, as_outsider, as_county_admin):
    assert [a["code"] for a in as_insider.get("/api/areas/").json()["items"]] == [GRID1]
    assert [a["code"] for a in as_reader.get("/api/areas/").json()["items"]] == [VILLAGE]
    assert [a["code"] for a in as_outsider.get("/api/areas/").json()["items"]] == [OTHER_VILLAGE]
    assert [a["code"] for a in as_county_admin.get("/api/areas/").json()["items"]] == ["150426000000"]


def test_area_detail_lists_children_with_household_counts(as_reader, households):
    response = as_reader.get(f"/api/areas/{VILLAGE}/")
    assert response.status_code == 200
    body = response.json()
    assert body["area"]["name"] == "赛沁塔拉嘎查"
    assert body["area"]["level_label"] == "嘎查村社区"
    assert [(c["code"], c["household_count"]) for c in body["children"]] == [(GRID1, 1), (GRID2, 0)]
    assert body["children_total"] == 2


def test_area_detail_inside_the_grid_only(as_insider):
    assert as_insider.get(f"/api/areas/{GRID1}/").status_code == 200
    # The grid worker's role does not reach up to the village or across to the next grid.
    assert as_insider.get(f"/api/areas/{VILLAGE}/").status_code == 404
    assert as_insider.get(f"/api/areas/{GRID2}/").status_code == 404


def test_outsider_gets_404_for_our_area_same_as_missing(as_outsider):
    outside = as_outsider.get(f"/api/areas/{VILLAGE}/")
    missing = as_outsider.get("/api/areas/999999999999/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json() == {"detail": "未找到"}


# --- household search -------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["SQ-0001", "乌云", "wyblg", "wuyun", "WYB", "zhangxiulan", "zxl", ""])
def test_household_search_by_number_name_and_pinyin(as_insider, households, q):
    response = as_insider.get("/api/households/", {"q": q})
    assert response.status_code == 200
    assert [h["number"] for h in response.json()["items"]] == ["SQ-0001"]
    assert response.json()["items"][0]["head_name"] == "乌云毕力格"
    assert response.json()["items"][0]["member_count"] == 2
    assert response.json()["next_offset"] is None


def test_household_search_reader_reads(as_reader, households):
    assert [h["number"] for h in as_reader.get("/api/households/").json()["items"]] == ["SQ-0001"]


def test_household_search_never_crosses_into_another_village(as_outsider, households):
    assert [h["number"] for h in as_outsider.get("/api/households/").json()["items"]] == ["GJ-0001"]
    assert as_outsider.get("/api/households/", {"q": "wyblg"}).json() == {"items": [], "next_offset": None}
    assert as_outsider.get("/api/households/", {"area": VILLAGE}).status_code == 404


def test_household_search_within_an_area(as_reader, households):
    assert len(as_reader.get("/api/households/", {"area": GRID1}).json()["items"]) == 1
    assert as_reader.get("/api/households/", {"area": GRID2}).json() == {"items": [], "next_offset": None}


@pytest.mark.parametrize("limit", [0, 201, "x"])
def test_household_search_limit_is_bounded(as_insider, households, limit):
    response = as_insider.get("/api/households/", {"limit": limit})
    assert response.status_code == 422
    assert field_named(response, "limit")


def test_household_search_limit_is_applied(as_secretary, households, region, system_actor):
    for n in range(3):
        services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number=f"SQ-1{n}", address="x")
    first = as_secretary.get("/api/households/", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = as_secretary.get("/api/households/", {"limit": 2, "offset": 2}).json()
    assert len(rest["items"]) == 2 and rest["next_offset"] is None
    everything = as_secretary.get("/api/households/", {"limit": 200}).json()
    assert [h["number"] for h in everything["items"]] == [h["number"] for h in first["items"] + rest["items"]]
    assert len(everything["items"]) == 4 and everything["next_offset"] is None


# --- household detail -------------------------------------------------------------------------------


def test_household_detail_for_the_insider_shows_full_mobile_and_sensitive_tags(as_insider, households):
    response = as_insider.get(f"/api/households/{households['inside'].id}/")
    assert response.status_code == 200
    body = response.json()
    head = body["members"][0]
    assert head["name"] == "乌云毕力格" and head["relation_label"] == "户主"
    assert head["mobile"] == "13904761234"
    assert {t["code"] for t in head["tags"]} == {"herder", "subsistence"}
    assert head["id_number_masked"] == HEAD_ID_NUMBER[:4] + "*" * 10 + HEAD_ID_NUMBER[-4:]
    assert [m["name"] for m in body["members"]] == ["乌云毕力格", "张秀兰"]


def test_household_detail_for_a_reader_hides_sensitive_tags_and_masks_mobile(as_reader, households):
    response = as_reader.get(f"/api/households/{households['inside'].id}/")
    assert response.status_code == 200
    head = response.json()["members"][0]
    assert [t["code"] for t in head["tags"]] == ["herder"]  # 低保 is sensitive; the party group leader lacks it
    assert head["mobile"] == "139****1234"
    assert "低保" not in response.content.decode()


def test_id_numbers_are_never_sent_in_full(as_insider, as_secretary, as_county_admin, households, head):
    masked = HEAD_ID_NUMBER[:4] + "*" * 10 + HEAD_ID_NUMBER[-4:]
    for client in (as_insider, as_secretary, as_county_admin):
        for url in (f"/api/households/{households['inside'].id}/", "/api/persons/?q=wyblg",
                    "/api/households/?q=wyblg"):
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            # What must be there: the head, found, and (where people are listed) the masked ID number.
            shown = json.dumps(response.json(), ensure_ascii=False)
            assert "乌云毕力格" in shown, url
            if "/households/?" not in url:
                assert masked in shown, url
            assert HEAD_ID_NUMBER not in text
            assert head.id_number_sealed not in text
            assert "sealed" not in text and "digest" not in text


def test_household_detail_outsider_and_missing_are_both_404(as_outsider, households):
    outside = as_outsider.get(f"/api/households/{households['inside'].id}/")
    missing = as_outsider.get("/api/households/999999/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert as_outsider.get(f"/api/households/{households['outside'].id}/").status_code == 200


# --- household create -------------------------------------------------------------------------------


def test_insider_creates_a_household_and_it_is_audited(as_insider, insider, households):
    response = post(as_insider, "/api/households/", {"grid": GRID1, "number": "SQ-0002", "address": "一组2号"},
                    key="k-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "SQ-0002" and body["grid"]["code"] == GRID1 and body["members"] == []
    household = Household.objects.get(pk=body["id"])
    assert household.village.code == VILLAGE
    entry = AuditEntry.objects.get(action="household.create", object_id=str(household.pk))
    assert entry.actor_id == insider.id and entry.actor_name == "insider"


def test_same_idempotency_key_twice_creates_once_with_the_same_response(as_insider, households):
    body = {"grid": GRID1, "number": "SQ-0002", "address": "一组2号"}
    first = post(as_insider, "/api/households/", body, key="retry-me")
    second = post(as_insider, "/api/households/", body, key="retry-me")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Household.objects.filter(number="SQ-0002").count() == 1
    assert AuditEntry.objects.filter(action="household.create", data__number="SQ-0002").count() == 1


def test_idempotency_key_reused_for_a_different_request_is_refused(as_insider, households):
    post(as_insider, "/api/households/", {"grid": GRID1, "number": "SQ-0002", "address": "x"}, key="k")
    response = post(as_insider, "/api/households/", {"grid": GRID1, "number": "SQ-0003", "address": "x"}, key="k")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Household.objects.filter(number="SQ-0003").exists()


def test_idempotency_keys_belong_to_one_caller(as_insider, as_secretary, households):
    body = {"grid": GRID1, "number": "SQ-0002", "address": "x"}
    assert post(as_insider, "/api/households/", body, key="same").status_code == 201
    # Another account with the same key is a different request: the number is now taken.
    response = post(as_secretary, "/api/households/", body, key="same")
    assert response.status_code == 422 and "number" in response.json()["errors"]


def test_create_requires_an_idempotency_key(as_insider, households):
    response = post(as_insider, "/api/households/", {"grid": GRID1, "number": "SQ-0002", "address": "x"})
    assert response.status_code == 422
    assert field_named(response, "Idempotency-Key")
    assert not Household.objects.filter(number="SQ-0002").exists()


def test_reader_may_not_create_households(as_reader, households):
    count = Household.objects.count()
    response = post(as_reader, "/api/households/", {"grid": GRID1, "number": "SQ-0002", "address": "x"}, key="r")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert Household.objects.count() == count
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("grid", [OTHER_GRID, "999999999999999", GRID2])
def test_grid_outside_the_callers_area_is_unknown(as_insider, households, grid):
    """Another village's grid (or the neighbouring grid) looks exactly like a grid that does not exist."""
    count = Household.objects.count()
    response = post(as_insider, "/api/households/", {"grid": grid, "number": "SQ-0002", "address": "x"}, key="g")
    assert response.status_code == 422
    assert response.json()["errors"] == {"grid": ["未找到该网格"]}
    assert Household.objects.count() == count


def test_outsider_cannot_place_a_household_in_our_grid(as_outsider, households):
    response = post(as_outsider, "/api/households/", {"grid": GRID1, "number": "X-1", "address": "x"}, key="o")
    assert response.status_code == 422 and response.json()["errors"] == {"grid": ["未找到该网格"]}
    assert not Household.objects.filter(number="X-1").exists()


def test_household_must_hang_on_a_grid_not_a_village(as_secretary, households):
    response = post(as_secretary, "/api/households/", {"grid": VILLAGE, "number": "SQ-0002", "address": "x"},
                    key="v")
    assert response.status_code == 422 and "grid" in response.json()["errors"]


def test_duplicate_household_number_is_422_naming_the_field_and_writes_nothing(as_insider, households):
    households_before, audit_before = Household.objects.count(), AuditEntry.objects.count()
    response = post(as_insider, "/api/households/", {"grid": GRID1, "number": "SQ-0001", "address": "x"}, key="d")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["number"]
    assert "已存在" in response.json()["detail"]
    assert Household.objects.count() == households_before
    assert AuditEntry.objects.count() == audit_before
    assert not IdempotencyKey.objects.exists()  # a failed create leaves no key: the retry may succeed


@pytest.mark.parametrize("body, field", [
    ({"grid": GRID1, "number": 123, "address": "x"}, "number"),
    ({"grid": GRID1, "number": True, "address": "x"}, "number"),
    ({"grid": GRID1, "number": None, "address": "x"}, "number"),
    ({"grid": 150426100223001, "number": "SQ-0002", "address": "x"}, "grid"),
    ({"grid": GRID1, "number": "SQ-0002", "address": ["x"]}, "address"),
    ({"grid": GRID1, "address": "x"}, "number"),
    ({"grid": GRID1, "number": "SQ-0002", "address": "x", "village": VILLAGE}, "village"),
    ({"grid": GRID1, "number": "S" * 41, "address": "x"}, "number"),
])
def test_household_create_types_are_strict(as_insider, households, body, field):
    count = Household.objects.count()
    response = post(as_insider, "/api/households/", body, key="strict")
    assert response.status_code == 422
    assert field_named(response, field)
    assert Household.objects.count() == count


def test_blank_household_number_is_refused(as_insider, households):
    response = post(as_insider, "/api/households/", {"grid": GRID1, "number": "  ", "address": "x"}, key="b")
    assert response.status_code == 422 and "number" in response.json()["errors"]


# --- add a member -------------------------------------------------------------------------------


def member(**overrides):
    body = {"name": "乌云其其格", "relation": "child", "id_number": make_id_number("150426", date(1995, 6, 1), 22),
            "mobile": "13904760000", "ethnicity": "蒙古族", "tags": ["herder"], "mongolian_name": True}
    body.update(overrides)
    return body


def test_insider_adds_a_member(as_insider, households):
    url = f"/api/households/{households['inside'].id}/members/"
    response = post(as_insider, url, member(), key="m-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "乌云其其格" and body["relation_label"] == "子女"
    assert body["gender"] == "F" and body["birth_date"] == "1995-06-01"  # from the ID number
    assert body["id_number_masked"].startswith("1504") and "*" in body["id_number_masked"]
    assert body["mobile"] == "13904760000"
    person = Person.objects.get(pk=body["id"])
    assert person.household_id == households["inside"].id and person.path == households["inside"].path
    assert AuditEntry.objects.filter(action="person.create", object_id=str(person.pk)).count() == 1


def test_adding_a_member_twice_with_one_key_adds_once(as_insider, households):
    url = f"/api/households/{households['inside'].id}/members/"
    first = post(as_insider, url, member(), key="m-2")
    second = post(as_insider, url, member(), key="m-2")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Person.objects.filter(name="乌云其其格").count() == 1


def test_same_key_on_another_household_is_refused(as_secretary, households, region, system_actor):
    other = services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-5", address="x")
    body = member(id_number="")
    body["gender"] = "F"
    assert post(as_secretary, f"/api/households/{households['inside'].id}/members/", body, key="k").status_code == 201
    response = post(as_secretary, f"/api/households/{other.id}/members/", body, key="k")
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["errors"]
    assert not other.members.exists()


def test_reader_may_not_add_members(as_reader, households):
    count = Person.objects.count()
    response = post(as_reader, f"/api/households/{households['inside'].id}/members/", member(), key="r")
    assert response.status_code == 403
    assert Person.objects.count() == count


def test_outsider_adding_to_our_household_gets_404(as_outsider, households):
    count = Person.objects.count()
    response = post(as_outsider, f"/api/households/{households['inside'].id}/members/", member(), key="o")
    assert response.status_code == 404
    assert post(as_outsider, "/api/households/999999/members/", member(), key="o2").json() == response.json()
    assert Person.objects.count() == count


@pytest.mark.parametrize("overrides, field", [
    ({"id_number": "150426196803051234"}, "id_number"),  # wrong check digit
    ({"id_number": HEAD_ID_NUMBER}, "id_number"),  # already registered
    ({"mobile": "12345"}, "mobile"),
    ({"name": "  "}, "name"),
    ({"relation": "head"}, "relation"),  # the household already has a head
    ({"tags": ["no_such_tag"]}, "tags"),
    ({"id_number": "", "gender": ""}, "gender"),
    ({"birth_date": "1990-01-01"}, "birth_date"),  # contradicts the ID number
])
def test_bad_member_input_is_422_naming_the_field_and_writes_nothing(as_insider, households, overrides, field):
    people, audit = Person.objects.count(), AuditEntry.objects.count()
    response = post(as_insider, f"/api/households/{households['inside'].id}/members/", member(**overrides), key="bad")
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert Person.objects.count() == people
    assert AuditEntry.objects.count() == audit
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("overrides, field", [
    ({"name": 1}, "name"),
    ({"is_mobile_member": "yes"}, "is_mobile_member"),
    ({"is_mobile_member": 1}, "is_mobile_member"),
    ({"mongolian_name": "true"}, "mongolian_name"),
    ({"birth_date": 19950601}, "birth_date"),
    ({"relation": "cousin"}, "relation"),
    ({"gender": "X"}, "gender"),
    ({"tags": "herder"}, "tags"),
    ({"tags": [1]}, "tags"),
    ({"mobile": 13904760000}, "mobile"),
    ({"party_status": "", "is_mobile_member": True}, "is_mobile_member"),
])
def test_member_types_are_strict(as_insider, households, overrides, field):
    count = Person.objects.count()
    response = post(as_insider, f"/api/households/{households['inside'].id}/members/", member(**overrides), key="s")
    assert response.status_code == 422
    assert field_named(response, field)
    assert Person.objects.count() == count


# --- person search -------------------------------------------------------------------------------


def test_person_search_for_insider_and_reader(as_insider, as_reader, households):
    insider = as_insider.get("/api/persons/", {"q": "wyblg"})
    assert insider.status_code == 200
    assert [(p["name"], p["mobile"]) for p in insider.json()["items"]] == [("乌云毕力格", "13904761234")]
    reader = as_reader.get("/api/persons/", {"q": "乌云"})
    assert [(p["name"], p["mobile"], p["household_number"]) for p in reader.json()["items"]] == [
        ("乌云毕力格", "139****1234", "SQ-0001")]


def test_person_search_stays_inside_the_callers_area(as_outsider, households):
    assert [p["name"] for p in as_outsider.get("/api/persons/").json()["items"]] == ["单国强"]
    assert as_outsider.get("/api/persons/", {"q": "wyblg"}).json() == {"items": [], "next_offset": None}
    assert as_outsider.get("/api/persons/", {"area": GRID1}).status_code == 404


def test_person_search_limit_is_bounded(as_insider, households):
    assert as_insider.get("/api/persons/", {"limit": 500}).status_code == 422
    assert len(as_insider.get("/api/persons/", {"limit": 1}).json()["items"]) == 1


# --- person update -------------------------------------------------------------------------------


def test_insider_updates_mobile_tags_and_party_status(as_insider, head):
    response = patch(as_insider, f"/api/persons/{head.id}/",
                     {"mobile": "+86 139-0476-5678", "tags": ["herder", "disabled"], "party_status": "full",
                      "is_mobile_member": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mobile"] == "13904765678"
    assert {t["code"] for t in body["tags"]} == {"herder", "disabled"}
    assert body["is_mobile_member"] is True
    head.refresh_from_db()
    assert head.mobile == "13904765678" and head.is_mobile_member
    entry = AuditEntry.objects.filter(action="person.update", object_id=str(head.pk)).get()
    assert entry.data["tags"] == ["disabled", "herder"]


def test_partial_update_leaves_other_fields(as_insider, head):
    assert patch(as_insider, f"/api/persons/{head.id}/", {"mobile": "13904760001"}).status_code == 200
    head.refresh_from_db()
    assert set(head.tags.values_list("code", flat=True)) == {"herder", "subsistence"}
    assert head.party_status == "full"


def test_reader_may_not_update_persons(as_reader, head):
    response = patch(as_reader, f"/api/persons/{head.id}/", {"mobile": "13904760001"})
    assert response.status_code == 403
    head.refresh_from_db()
    assert head.mobile == "13904761234"


def test_outsider_updating_our_person_gets_404(as_outsider, head, outside_head):
    response = patch(as_outsider, f"/api/persons/{head.id}/", {"mobile": "13904760001"})
    assert response.status_code == 404
    assert patch(as_outsider, "/api/persons/999999/", {"mobile": "13904760001"}).json() == response.json()
    head.refresh_from_db()
    assert head.mobile == "13904761234"
    assert patch(as_outsider, f"/api/persons/{outside_head.id}/", {"mobile": "13904760001"}).status_code == 200


def test_bad_mobile_is_422_and_writes_nothing(as_insider, head):
    audit = AuditEntry.objects.count()
    response = patch(as_insider, f"/api/persons/{head.id}/", {"mobile": "12345"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["mobile"]
    head.refresh_from_db()
    assert head.mobile == "13904761234"
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize("body, field", [
    ({"mobile": 13904760001}, "mobile"),
    ({"mobile": True}, "mobile"),
    ({"is_mobile_member": "false"}, "is_mobile_member"),
    ({"is_mobile_member": 0}, "is_mobile_member"),
    ({"tags": "herder"}, "tags"),
    ({"party_status": "member"}, "party_status"),
    ({"name": "改名"}, "name"),  # not editable here
])
def test_person_update_types_are_strict(as_insider, head, body, field):
    response = patch(as_insider, f"/api/persons/{head.id}/", body)
    assert response.status_code == 422
    assert field_named(response, field)


def test_empty_update_is_refused(as_insider, head):
    audit = AuditEntry.objects.count()
    response = patch(as_insider, f"/api/persons/{head.id}/", {})
    assert response.status_code == 422
    assert AuditEntry.objects.count() == audit


# --- error shaping -------------------------------------------------------------------------------


def test_schema_errors_are_rendered_per_field_in_chinese():
    errors = schema_errors([
        {"type": "string_type", "loc": ("body", "payload", "number"), "msg": "Input should be a valid string"},
        {"type": "missing", "loc": ("header", "Idempotency-Key"), "msg": "Field required"},
        {"type": "less_than_equal", "loc": ("query", "filters", "limit"), "msg": "...", "ctx": {"le": 200}},
        {"type": "value_error", "loc": ("body", "payload", "is_mobile_member"), "msg": "Value error, 流动党员须为党员"},
        {"type": "model_attributes_type", "loc": ("body", "payload"), "msg": "..."},
    ])
    assert errors == {
        "number": ["应为字符串"],
        "Idempotency-Key": ["此项必填"],
        "limit": ["不能大于 200"],
        "is_mobile_member": ["流动党员须为党员"],
        "__all__": ["请求体应为 JSON 对象"],
    }


def test_lists_do_not_query_per_row(as_secretary, households, region, system_actor, django_assert_max_num_queries):
    for n in range(10):
        household = services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number=f"SQ-2{n:02d}",
                                              address="x")
        services.add_person(actor=system_actor, household=household, name=f"王{n}", gender="M", relation="head")
    as_secretary.get("/api/households/")  # warm the session
    with django_assert_max_num_queries(8):
        assert len(as_secretary.get("/api/households/").json()["items"]) == 11
    with django_assert_max_num_queries(7):
        assert len(as_secretary.get("/api/persons/").json()["items"]) == 12
    with django_assert_max_num_queries(9):
        assert len(as_secretary.get(f"/api/households/{households['inside'].id}/").json()["members"]) == 2


def test_schema_error_and_401_handlers_answer_in_chinese():
    """These are for registration on the api object (see the module's note); here they are called directly."""


    response = schema_error_handler(None, NinjaValidationError([
        {"type": "string_type", "loc": ("body", "payload", "number"), "msg": "Input should be a valid string"},
        {"type": "extra_forbidden", "loc": ("body", "payload", "village"), "msg": "Extra inputs are not permitted"},
    ]))
    assert response.status_code == 422
    assert json.loads(response.content) == {
        "detail": "number：应为字符串；village：不支持此字段",
        "errors": {"number": ["应为字符串"], "village": ["不支持此字段"]},
    }
    response = unauthenticated_handler(None, None)
    assert response.status_code == 401 and json.loads(response.content) == {"detail": "请先登录"}
