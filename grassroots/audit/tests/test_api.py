"""Audit search over the API: only holders of audit.view, only within their areas, bounded pages."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from grassroots.access import services
from grassroots.api.testing import bearer
from grassroots.audit.services import record
from grassroots.core.testing import PASSWORD, client_for


@pytest.fixture
def other_admin(region, system_actor):
    """System admin of 官井子村 only: holds audit.view, but elsewhere."""

    return services.create_account(actor=system_actor, username="otheradmin", password=PASSWORD,
                                   display_name="otheradmin", roles=[("system_admin", region["官井子村"])])


def test_anonymous_gets_401(client, households):
    response = client.get("/api/audit/")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_token_reads_as_its_account(county_admin, households, insider):
    """Through a Bearer token (no session): the county admin reads, a grid worker is refused 403."""
    assert bearer(county_admin).get("/api/audit/").status_code == 200
    refused = bearer(insider).get("/api/audit/")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_times_are_china_standard_time(as_county_admin, households):
    [entry, *_] = as_county_admin.get("/api/audit/").json()["items"]
    assert entry["at"].endswith("+08:00")


@pytest.mark.parametrize("who", ["as_insider", "as_reader", "as_secretary", "as_outsider"])
def test_roles_without_audit_view_get_403(request, households, who):
    response = request.getfixturevalue(who).get("/api/audit/")
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "detail": "您没有查看审计记录的权限", "errors": {}}


def test_county_admin_sees_the_whole_county(as_county_admin, households):
    response = as_county_admin.get("/api/audit/", {"action": "household.create", "limit": 200})
    assert response.status_code == 200
    body = response.json()
    assert {e["data"]["number"] for e in body["items"]} == {"SQ-0001", "GJ-0001"}
    assert len(body["items"]) == 2 and body["next_cursor"] is None
    entry = body["items"][0]
    assert set(entry) >= {"id", "at", "actor_name", "action", "object_type", "object_id", "area_path", "ip"}


def test_admin_of_another_village_sees_none_of_ours(households, other_admin):
    client = client_for(other_admin)
    body = client.get("/api/audit/", {"limit": 200}).json()
    assert body["items"], "their own village's entries are visible"
    assert all(e["area_path"].startswith(households["outside"].village.path) for e in body["items"])
    assert not any(e["area_path"].startswith(households["inside"].village.path) for e in body["items"])
    found = client.get("/api/audit/", {"q": str(households["inside"].id), "action": "household."}).json()
    assert [e["data"]["number"] for e in found["items"]] == []

def test_search_by_text_action_and_dates(as_county_admin, households):
    inside = households["inside"]
    by_object = as_county_admin.get("/api/audit/", {"q": str(inside.id), "action": "household."}).json()
    assert [e["data"]["number"] for e in by_object["items"] if e["object_type"] == "areas.household"] == ["SQ-0001"]
    today = timezone.localdate()
    assert len(as_county_admin.get("/api/audit/", {"since": today.isoformat()}).json()["items"]) > 0
    assert as_county_admin.get("/api/audit/", {"until": (today - timedelta(days=1)).isoformat()}).json() == {
        "items": [], "next_cursor": None}
    assert as_county_admin.get("/api/audit/", {"since": (today + timedelta(days=1)).isoformat()}).json() == {
        "items": [], "next_cursor": None}


def test_pages_are_bounded(as_county_admin, households):
    first = as_county_admin.get("/api/audit/", {"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]  # more than one entry
    page = as_county_admin.get("/api/audit/", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]  # more than two entries
    assert first["items"][0]["id"] != page["items"][0]["id"]
    assert as_county_admin.get("/api/audit/", {"limit": 201}).status_code == 422
    assert as_county_admin.get("/api/audit/", {"limit": 0}).status_code == 422
    bad = as_county_admin.get("/api/audit/", {"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid" and "cursor" in bad.json()["errors"]
    wrong_day = as_county_admin.get("/api/audit/", {"since": "2026-13-01"})
    assert wrong_day.status_code == 422 and "since" in wrong_day.json()["errors"]


def test_default_page_is_at_most_fifty(as_county_admin, households, system_actor):
    area_path = households["inside"].path
    with transaction.atomic():
        for n in range(60):
            record(actor=system_actor, action="test.bulk", object_type="x", object_id=str(n), area_path=area_path)
    body = as_county_admin.get("/api/audit/", {"action": "test.bulk"}).json()
    assert len(body["items"]) == 50 and body["next_cursor"]
    rest = as_county_admin.get("/api/audit/", {"action": "test.bulk", "cursor": body["next_cursor"]}).json()
    assert len(rest["items"]) == 10 and rest["next_cursor"] is None  # 60 in all
    assert len({e["id"] for e in body["items"] + rest["items"]}) == 60
