"""Households in the register's JSON API: search, detail, create — insider, read-only member, outsider."""

import json

import pytest

from grassroots.areas import services
from grassroots.areas.models import Household
from grassroots.areas.testing import GRID1, GRID2, HEAD_ID_NUMBER, OTHER_GRID, VILLAGE, field_named, post
from grassroots.audit.models import AuditEntry
from grassroots.core.models import IdempotencyKey

# --- household search -------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["SQ-0001", "乌云", "wyblg", "wuyun", "WYB", "zhangxiulan", "zxl", ""])
def test_household_search_by_number_name_and_pinyin(as_insider, households, q):
    response = as_insider.get("/api/households/", {"q": q})
    assert response.status_code == 200
    assert [h["number"] for h in response.json()["items"]] == ["SQ-0001"]
    assert response.json()["items"][0]["head_name"] == "乌云毕力格"
    assert response.json()["items"][0]["member_count"] == 2
    assert response.json()["next_cursor"] is None


def test_household_search_reader_reads(as_reader, households):
    assert [h["number"] for h in as_reader.get("/api/households/").json()["items"]] == ["SQ-0001"]


def test_household_search_never_crosses_into_another_village(as_outsider, households):
    assert [h["number"] for h in as_outsider.get("/api/households/").json()["items"]] == ["GJ-0001"]
    assert as_outsider.get("/api/households/", {"q": "wyblg"}).json() == {"items": [], "next_cursor": None}
    assert as_outsider.get("/api/households/", {"area_code": VILLAGE}).status_code == 404


def test_household_search_within_an_area(as_reader, households):
    assert len(as_reader.get("/api/households/", {"area_code": GRID1}).json()["items"]) == 1
    assert as_reader.get("/api/households/", {"area_code": GRID2}).json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("limit", [0, 201, "x"])
def test_household_search_limit_is_bounded(as_insider, households, limit):
    response = as_insider.get("/api/households/", {"limit": limit})
    assert response.status_code == 422
    assert field_named(response, "limit")


def test_household_search_limit_is_applied(as_secretary, households, region, system_actor):
    for n in range(3):
        services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number=f"SQ-1{n}", address="x")
    first = as_secretary.get("/api/households/", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = as_secretary.get("/api/households/", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    everything = as_secretary.get("/api/households/", {"limit": 200}).json()
    assert [h["number"] for h in everything["items"]] == [h["number"] for h in first["items"] + rest["items"]]
    assert len(everything["items"]) == 4 and everything["next_cursor"] is None


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
    assert outside.json() == missing.json() == {"code": "not_found", "detail": "未找到", "errors": {}}
    assert as_outsider.get(f"/api/households/{households['outside'].id}/").status_code == 200


# --- household create -------------------------------------------------------------------------------


def test_insider_creates_a_household_and_it_is_audited(as_insider, insider, households):
    response = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0002", "address": "一组2号"},
                    key="k-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "SQ-0002" and body["grid"]["code"] == GRID1 and body["members"] == []
    household = Household.objects.get(pk=body["id"])
    assert household.village.code == VILLAGE
    entry = AuditEntry.objects.get(action="household.create", object_id=str(household.pk))
    assert entry.actor_id == insider.id and entry.actor_name == "insider"


def test_same_idempotency_key_twice_creates_once_with_the_same_response(as_insider, households):
    body = {"area_code": GRID1, "number": "SQ-0002", "address": "一组2号"}
    first = post(as_insider, "/api/households/", body, key="retry-me")
    second = post(as_insider, "/api/households/", body, key="retry-me")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Household.objects.filter(number="SQ-0002").count() == 1
    assert AuditEntry.objects.filter(action="household.create", data__number="SQ-0002").count() == 1


def test_idempotency_key_reused_for_a_different_request_is_refused(as_insider, households):
    post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0002", "address": "x"}, key="k")
    response = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0003", "address": "x"}, key="k")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Household.objects.filter(number="SQ-0003").exists()


def test_idempotency_keys_belong_to_one_caller(as_insider, as_secretary, households):
    body = {"area_code": GRID1, "number": "SQ-0002", "address": "x"}
    assert post(as_insider, "/api/households/", body, key="same").status_code == 201
    # Another account with the same key is a different request: the number is now taken (a duplicate: 409).
    response = post(as_secretary, "/api/households/", body, key="same")
    assert response.status_code == 409 and "number" in response.json()["errors"]


def test_create_requires_an_idempotency_key(as_insider, households):
    response = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0002", "address": "x"})
    assert response.status_code == 422
    assert field_named(response, "Idempotency-Key")
    assert not Household.objects.filter(number="SQ-0002").exists()


def test_reader_may_not_create_households(as_reader, households):
    count = Household.objects.count()
    response = post(as_reader, "/api/households/", {"area_code": GRID1, "number": "SQ-0002", "address": "x"}, key="r")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert Household.objects.count() == count
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("grid", [OTHER_GRID, "999999999999999", GRID2])
def test_grid_outside_the_callers_area_is_unknown(as_insider, households, grid):
    """Another village's grid (or the neighbouring grid) looks exactly like a grid that does not exist."""
    count = Household.objects.count()
    response = post(as_insider, "/api/households/", {"area_code": grid, "number": "SQ-0002", "address": "x"}, key="g")
    assert response.status_code == 422
    assert response.json()["errors"] == {"area_code": ["未找到该网格：area_code 须是您所辖网格的区划代码"]}
    assert Household.objects.count() == count


def test_outsider_cannot_place_a_household_in_our_grid(as_outsider, households):
    response = post(as_outsider, "/api/households/", {"area_code": GRID1, "number": "X-1", "address": "x"}, key="o")
    assert response.status_code == 422
    assert response.json()["errors"] == {"area_code": ["未找到该网格：area_code 须是您所辖网格的区划代码"]}
    assert not Household.objects.filter(number="X-1").exists()


def test_household_must_hang_on_a_grid_not_a_village(as_secretary, households):
    response = post(as_secretary, "/api/households/", {"area_code": VILLAGE, "number": "SQ-0002", "address": "x"},
                    key="v")
    assert response.status_code == 422
    assert response.json()["errors"] == {"area_code": ["户必须属于一个网格：area_code 须是网格的区划代码"]}


def test_duplicate_household_number_is_409_naming_the_field_and_writes_nothing(as_insider, households):
    households_before, audit_before = Household.objects.count(), AuditEntry.objects.count()
    response = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "SQ-0001", "address": "x"}, key="d")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert list(response.json()["errors"]) == ["number"]
    assert "已存在" in response.json()["detail"]
    assert Household.objects.count() == households_before
    assert AuditEntry.objects.count() == audit_before
    assert not IdempotencyKey.objects.exists()  # a failed create leaves no key: the retry may succeed


@pytest.mark.parametrize("body, field", [
    ({"area_code": GRID1, "number": 123, "address": "x"}, "number"),
    ({"area_code": GRID1, "number": True, "address": "x"}, "number"),
    ({"area_code": GRID1, "number": None, "address": "x"}, "number"),
    ({"area_code": 150426100223001, "number": "SQ-0002", "address": "x"}, "area_code"),
    ({"area_code": GRID1, "number": "SQ-0002", "address": ["x"]}, "address"),
    ({"area_code": GRID1, "address": "x"}, "number"),
    ({"area_code": GRID1, "number": "SQ-0002", "address": "x", "village": VILLAGE}, "village"),
    ({"grid_code": GRID1, "number": "SQ-0002", "address": "x"}, "area_code"),  # the old name is no alias
    ({"area_code": GRID1, "number": "S" * 41, "address": "x"}, "number"),
])
def test_household_create_types_are_strict(as_insider, households, body, field):
    count = Household.objects.count()
    response = post(as_insider, "/api/households/", body, key="strict")
    assert response.status_code == 422
    assert field_named(response, field)
    assert Household.objects.count() == count


def test_blank_household_number_is_refused(as_insider, households):
    response = post(as_insider, "/api/households/", {"area_code": GRID1, "number": "  ", "address": "x"}, key="b")
    assert response.status_code == 422 and "number" in response.json()["errors"]
