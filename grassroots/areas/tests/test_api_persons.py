"""People in the register's JSON API: adding a member, search, update — insider, read-only member, outsider."""

from datetime import date

import pytest

from grassroots.areas import services
from grassroots.areas.models import Person
from grassroots.areas.testing import GRID1, HEAD_ID_NUMBER, field_named, patch, post
from grassroots.audit.models import AuditEntry
from grassroots.core.models import IdempotencyKey
from grassroots.rules.idnumber import make_id_number

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
    ({"mobile": "12345"}, "mobile"),
    ({"name": "  "}, "name"),
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
    ({"id_number": HEAD_ID_NUMBER}, "id_number"),  # already registered
    ({"relation": "head"}, "relation"),  # the household already has a head
])
def test_a_duplicate_member_is_409_naming_the_field_and_writes_nothing(as_insider, households, overrides, field):
    """Well formed, but the register already holds it: a refusal (docs/api.md), not bad input."""
    people, audit = Person.objects.count(), AuditEntry.objects.count()
    response = post(as_insider, f"/api/households/{households['inside'].id}/members/", member(**overrides), key="dup")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "conflict" and field in response.json()["errors"]
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
    assert as_outsider.get("/api/persons/", {"q": "wyblg"}).json() == {"items": [], "next_cursor": None}
    assert as_outsider.get("/api/persons/", {"area_code": GRID1}).status_code == 404


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
