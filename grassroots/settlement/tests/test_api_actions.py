"""What the settlement pages did alone until issue #18, now through the API: recomputing a draft, the downloads
(workbooks, the annual PDF, certificates), closing the year, the village's points policy, the ranking board and
the public settlement (no account, masked names). Each route with an insider, a read-only member and an outsider."""

import json
import uuid
from datetime import date

import pytest

from grassroots.audit.models import AuditEntry
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.points.testing import actor, give, settle
from grassroots.settlement import services as settlement_services
from grassroots.settlement.models import PointsPolicy, Settlement, YearClose

BASE = "/api/points/results"
PUBLIC = "/api/points/public"
VILLAGE = "150426100223"  # 赛沁塔拉嘎查
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def key() -> str:
    return uuid.uuid4().hex


def send(client, method, url, body=None, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    if method == "get":
        return client.get(BASE + url, body or {})
    return getattr(client, method)(BASE + url, json.dumps(body if body is not None else {}),
                                   content_type="application/json", headers=headers)


def named(response, field) -> bool:
    return response.status_code == 422 and field in response.json()["errors"]


@pytest.fixture
def world(homes, village, secretary, rules):
    """A published 2026 Q1 (SQ-0001 235 points, SQ-0004 90, SQ-0003 vetoed) and a draft Q2."""
    give(homes["SQ-0001"], 200, date(2026, 2, 1))
    give(homes["SQ-0001"], 35, date(2026, 3, 31))
    give(homes["SQ-0001"], 50, date(2026, 4, 1))
    give(homes["SQ-0004"], 90, date(2026, 1, 20))
    give(homes["SQ-0003"], 300, date(2026, 1, 5))
    give(homes["SQ-0003"], -100, date(2026, 2, 5), rule=rules["V01"])
    published = settle(village, secretary)
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=2)
    return {"homes": homes, "published": published, "draft": draft}


# --- recompute --------------------------------------------------------------------------------------


def test_recompute_reads_the_ledger_again_and_refuses_a_published_result(world, as_secretary, as_reader,
                                                                         as_insider, as_outsider):
    draft = world["draft"]
    url = f"/settlements/{draft.pk}/recompute/"
    assert send(as_secretary, "get", f"/settlements/{draft.pk}/").json()["granted_total"] == 0
    give(world["homes"]["SQ-0002"], 85, date(2026, 5, 2))  # posted after the draft was computed
    for client in (as_reader, as_insider):
        assert send(client, "post", url, key=key()).status_code == 403
    assert send(as_outsider, "post", url, key=key()).status_code == 404
    assert Settlement.objects.get(pk=draft.pk).credit_total == 0
    k = key()
    first, replay = send(as_secretary, "post", url, key=k), send(as_secretary, "post", url, key=k)
    assert first.status_code == replay.status_code == 200 and first.content == replay.content
    assert replay.headers["Idempotent-Replayed"] == "true"
    body = first.json()
    assert (body["id"], body["status"], body["households"], body["granted_total"]) == (draft.pk, "draft", 1, 85)
    assert [line["number"] for line in body["lines"] if line["eligible"]] == ["SQ-0002"]
    assert AuditEntry.objects.filter(action="points.settlement.recompute").count() == 1
    refused = send(as_secretary, "post", f"/settlements/{world['published'].pk}/recompute/", key=key())
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert "不能重新计算" in refused.json()["errors"]["settlement"][0]


# --- downloads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "content_type", "start"), [
    ("/settlements/{published}/xlsx/", XLSX, b"PK"),
    ("/villages/{village}/annual/xlsx/?year=2026", XLSX, b"PK"),
    ("/villages/{village}/annual/pdf/?year=2026", "application/pdf", b"%PDF"),
    ("/villages/{village}/annual/certificates/?year=2026", "application/pdf", b"%PDF"),
])
def test_downloads_insider_read_only_outsider(world, as_secretary, as_reader, as_cashier, as_outsider, url,
                                              content_type, start):
    url = BASE + url.format(published=world["published"].pk, village=VILLAGE)
    for client in (as_secretary, as_reader, as_cashier):
        response = client.get(url)
        assert response.status_code == 200, response.content[:200]
        assert response["Content-Type"] == content_type
        assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(start)
        assert "filename*=UTF-8''" in response["Content-Disposition"]
    outside = as_outsider.get(url)
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"


def test_certificates_of_a_year_without_honours_are_refused(world, as_secretary):
    response = as_secretary.get(f"{BASE}/villages/{VILLAGE}/annual/certificates/", {"year": 2025})
    assert response.status_code == 409 and "没有获得荣誉或星级的户" in response.json()["detail"]


def test_downloads_are_documented_as_files(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "application/pdf" in paths[f"{BASE}/villages/{{code}}/annual/certificates/"]["get"]["responses"]["200"][
        "content"]
    assert XLSX in paths[f"{BASE}/settlements/{{settlement_id}}/xlsx/"]["get"]["responses"]["200"]["content"]
    assert XLSX in paths[f"{BASE}/villages/{{code}}/annual/xlsx/"]["get"]["responses"]["200"]["content"]


# --- year close -----------------------------------------------------------------------------------------


def test_year_close_lapses_unspent_credit_once(world, as_secretary, as_committee, as_reader, as_outsider):
    url = f"/villages/{VILLAGE}/year-close/"
    assert named(send(as_secretary, "post", url, {"year": 2025}), "Idempotency-Key")
    assert send(as_reader, "post", url, {"year": 2025}, key=key()).status_code == 403
    assert send(as_outsider, "post", url, {"year": 2025}, key=key()).status_code == 404
    assert named(send(as_secretary, "post", url, {"year": "2025"}, key=key()), "year")
    assert YearClose.objects.count() == 0
    k = key()
    first, replay = send(as_committee, "post", url, {"year": 2025}, key=k), send(as_committee, "post", url,
                                                                                 {"year": 2025}, key=k)
    assert first.status_code == replay.status_code == 201, first.content
    assert first.content == replay.content and replay.headers["Idempotent-Replayed"] == "true"
    body = first.json()
    # The published Q1 granted 235 (SQ-0001) and 90 (SQ-0004); none of it was spent.
    assert (body["year"], body["year_end"], body["households"], body["points"], body["closed_by"]) == \
        (2025, "lapse", 2, 325, "committee")
    assert LedgerEntry.objects.filter(kind=EntryKind.LAPSE, account=Account.CREDIT).count() == 2
    again = send(as_secretary, "post", url, {"year": 2025}, key=key())
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert LedgerEntry.objects.filter(kind=EntryKind.LAPSE).count() == 2


def test_year_close_with_an_unpublished_settlement_is_refused(world, as_secretary):
    # 2026 still has the Q2 draft (and, before the new year, is not over): either way a refusal of state.
    response = send(as_secretary, "post", f"/villages/{VILLAGE}/year-close/", {"year": 2026}, key=key())
    assert response.status_code == 409 and response.json()["errors"]["year"]
    assert YearClose.objects.count() == 0


# --- the points policy ------------------------------------------------------------------------------------


def test_policy_reads_for_every_member_and_changes_for_the_secretary(village, as_secretary, as_committee,
                                                                     as_reader, as_outsider):
    url = f"/villages/{VILLAGE}/policy/"
    read = send(as_reader, "get", url).json()
    assert (read["threshold"], read["exchange_rate"], read["year_end"], read["may_change"]) == (80, 5, "lapse", False)
    assert read["village"] == {"code": VILLAGE, "name": "赛沁塔拉嘎查"}
    assert send(as_secretary, "get", url).json()["may_change"] is True
    assert send(as_outsider, "get", url).status_code == 404
    assert not PointsPolicy.objects.exists()  # a read writes nothing
    for client in (as_reader, as_committee):
        assert send(client, "patch", url, {"threshold": 100}).status_code == 403
    assert send(as_outsider, "patch", url, {"threshold": 100}).status_code == 404
    changed = send(as_secretary, "patch", url, {"threshold": 100, "exchange_rate": 10, "year_end": "carry_over",
                                                "honours": [{"name": "最美家庭", "top": 3, "min": 100}]})
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["threshold"], body["exchange_rate"], body["year_end"], body["honours"]) == \
        (100, 10, "carry_over", [{"name": "最美家庭", "top": 3, "min": 100}])
    policy = PointsPolicy.objects.get(village=village)
    assert (policy.threshold, policy.points_per_yuan, policy.year_end) == (100, 10, "carry_over")
    assert AuditEntry.objects.filter(action="points.policy.update").count() == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"exchange_rate": 0}, "exchange_rate"),
    ({"exchange_rate": "5"}, "exchange_rate"),
    ({"threshold": 0}, "threshold"),
    ({"year_end": "never"}, "year_end"),
    ({"star_bands": [{"stars": 6, "min": 100}]}, "star_bands"),
    ({"credit_bands": [{"band": "优秀", "min": 100}, {"band": "良好", "min": 200}]}, "credit_bands"),
    ({"credit": 5}, "credit"),
    ({}, "__all__"),
])
def test_policy_input_is_checked_and_named(village, as_secretary, body, field):
    response = send(as_secretary, "patch", f"/villages/{VILLAGE}/policy/", body)
    assert named(response, field), response.content
    assert not PointsPolicy.objects.exists()


# --- the ranking board ---------------------------------------------------------------------------------------


def test_ranking_insider_read_only_outsider_and_pages(world, as_insider, as_reader, as_outsider):
    url = f"{BASE}/villages/{VILLAGE}/ranking/"
    everyone = as_reader.get(url, {"year": 2026}).json()
    assert [r["number"] for r in everyone["items"]] == ["SQ-0001", "SQ-0003", "SQ-0004", "SQ-0002", "SQ-0005"]
    first = everyone["items"][0]
    assert (first["village_rank"], first["score"], first["stars"], first["head"], first["household_id"]) == \
        (1, 285, 3, "乌云毕力格", world["homes"]["SQ-0001"].pk)
    grid = as_insider.get(url, {"year": 2026}).json()
    assert {r["number"] for r in grid["items"]} == {"SQ-0001", "SQ-0002", "SQ-0003"}
    page = as_reader.get(url, {"year": 2026, "limit": 2}).json()
    rest = as_reader.get(url, {"year": 2026, "limit": 2, "cursor": page["next_cursor"]}).json()
    assert [r["number"] for r in page["items"] + rest["items"]] == ["SQ-0001", "SQ-0003", "SQ-0004", "SQ-0002"]
    assert as_outsider.get(url).status_code == 404
    assert named(as_reader.get(url, {"year": 1999}), "year")


# --- the public settlement -----------------------------------------------------------------------------------


def test_public_settlement_masks_names_and_hides_drafts(world, secretary, anonymous):
    published = world["published"]
    response = anonymous.get(f"{PUBLIC}/settlements/{published.token}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["label"], body["status"], body["granted_total"], body["granted_total_text"]) == \
        ("2026年第一季度", "published", 325, "65元")
    assert body["lines"][0] == {"name": "乌***格", "number": "SQ-0001", "granted": 235, "granted_fen": 4700,
                                "granted_text": "47元"}
    assert "乌云毕力格" not in response.content.decode() and "household_id" not in body["lines"][0]
    assert anonymous.get(f"{PUBLIC}/settlements/{world['draft'].token}/").status_code == 404
    assert anonymous.get(f"{PUBLIC}/settlements/nosuchtoken/").json()["code"] == "not_found"
    correction = settlement_services.correct_settlement(actor=actor(secretary), settlement=published,
                                                        reason="复核发现重复记录")
    settlement_services.publish_settlement(actor=actor(secretary), settlement=correction)
    old = anonymous.get(f"{PUBLIC}/settlements/{published.token}/").json()
    assert (old["status"], old["newer_token"]) == ("superseded", Settlement.objects.get(pk=correction.pk).token)
