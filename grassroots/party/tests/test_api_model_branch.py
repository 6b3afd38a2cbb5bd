"""最强党支部 through /api/party (the pages' selectors and services): the year's checklist and the branches' board
(list envelope, scoped), a branch's evidence by item, submitting evidence (201, key required, with a photo by
multipart), the department's decision (200; 409 once decided), publishing the checklist (201; 409 once a branch
has submitted), and the photo (bytes, scoped). Each route: the one who may do it 2xx, a read-only member 403 on
writes, the outsider (官井子村's secretary) 404, anonymous 401, the error body, a replay equal to the first."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from grassroots.api.testing import bearer
from grassroots.demands.testing import jpeg_bytes
from grassroots.party.models import ModelBranchEvidence, ModelBranchItem
from grassroots.party.services import publish_model_items

pytestmark = pytest.mark.django_db
BASE = "/api/party"
YEAR = 2026


@pytest.fixture
def items(party_world, system_actor):
    return publish_model_items(actor=system_actor, year=YEAR, texts=["三会一课规范", "阵地建设达标"])


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(BASE + url, json.dumps(body), content_type="application/json", headers=headers)


def with_photo(client, url, body, photo, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(BASE + url, {"data": json.dumps(body),
                                    "photo": SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")},
                       headers=headers)


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "detail", "errors"} and body["code"] == code and body["detail"]
    return body


def submit_url(w, item) -> str:
    return f"/organisations/{w.saiqin.pk}/model-branch/items/{item.pk}/evidence/"


# ---------------------------------------------------------------- reads


def test_the_checklist_and_the_board_are_lists_scoped_like_the_page(party_world, items, secretary, reader, outsider,
                                                                    insider, county_staff):
    w = party_world
    body = bearer(secretary).get(f"{BASE}/model-branch/items/", {"year": YEAR}).json()
    assert [(i["number"], i["text"]) for i in body["items"]] == [(1, "三会一课规范"), (2, "阵地建设达标")]
    assert body["next_cursor"] is None
    first = bearer(secretary).get(f"{BASE}/model-branch/items/", {"year": YEAR, "limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    assert bearer(secretary).get(f"{BASE}/model-branch/items/", {"year": 2025}).json()["items"] == []

    board = bearer(secretary).get(f"{BASE}/model-branch/branches/", {"year": YEAR}).json()
    assert [(b["organisation"]["id"], b["items"], b["accepted"], b["is_model_branch"]) for b in board["items"]] \
        == [(w.saiqin.pk, 2, 0, False)]
    assert [b["organisation"]["id"] for b in bearer(reader).get(f"{BASE}/model-branch/branches/").json()["items"]] \
        == [w.saiqin.pk]
    seen = {b["organisation"]["id"] for b in bearer(outsider).get(f"{BASE}/model-branch/branches/").json()["items"]}
    assert w.guanjing.pk in seen and w.saiqin.pk not in seen
    county = {b["organisation"]["id"] for b in bearer(county_staff).get(f"{BASE}/model-branch/branches/").json()["items"]}
    assert {w.saiqin.pk, w.guanjing.pk, w.unit.pk} <= county
    error(bearer(insider).get(f"{BASE}/model-branch/branches/"), 404, "not_found")  # no party register for them
    error(bearer(insider).get(f"{BASE}/model-branch/items/"), 404, "not_found")
    error(Client().get(f"{BASE}/model-branch/items/"), 401, "unauthenticated")
    bad = error(bearer(secretary).get(f"{BASE}/model-branch/branches/", {"year": 1900}), 422, "invalid")
    assert "year" in bad["errors"]


def test_a_branchs_evidence_by_item(party_world, items, secretary, reader, outsider, system_actor):
    w = party_world
    url = f"{BASE}/organisations/{w.saiqin.pk}/model-branch/items/"
    assert [r["evidence"] for r in bearer(reader).get(url, {"year": YEAR}).json()["items"]] == [None, None]
    made = post(bearer(secretary), submit_url(w, items[1]), {"note": "活动室已挂牌"}, key="k-1").json()
    rows = bearer(reader).get(url, {"year": YEAR}).json()["items"]
    assert [r["item"]["number"] for r in rows] == [1, 2]
    assert rows[0]["evidence"] is None and rows[1]["evidence"] == made
    assert made["status"] == "pending" and made["status_label"] == "待审核" and made["note"] == "活动室已挂牌"
    assert made["organisation"]["id"] == w.saiqin.pk and made["has_photo"] is False
    assert made["submitted_at"].endswith("+08:00") and made["decided_at"] is None
    assert bearer(reader).get(f"{BASE}/evidence/{made['id']}/").json() == made
    error(bearer(outsider).get(url), 404, "not_found")
    error(bearer(outsider).get(f"{BASE}/evidence/{made['id']}/"), 404, "not_found")
    error(bearer(secretary).get(f"{BASE}/organisations/{w.saiqin_group.pk}/model-branch/items/"), 404, "not_found")
    error(Client().get(url), 401, "unauthenticated")


# ---------------------------------------------------------------- submitting


def test_submitting_evidence_is_the_branchs_and_replays(party_world, items, secretary, reader, outsider, insider):
    w = party_world
    url = submit_url(w, items[0])
    error(post(bearer(reader), url, {"note": "x"}, key="r"), 403, "forbidden")
    error(post(bearer(outsider), url, {"note": "x"}, key="o"), 404, "not_found")
    error(post(bearer(insider), url, {"note": "x"}, key="i"), 404, "not_found")
    error(post(Client(), url, {"note": "x"}, key="a"), 401, "unauthenticated")
    missing = error(post(bearer(secretary), url, {"note": "x"}), 422, "invalid")
    assert "Idempotency-Key" in missing["errors"]
    assert not ModelBranchEvidence.objects.exists()

    client = bearer(secretary)
    first = post(client, url, {"note": "每月5日召开支部党员大会"}, key="sub-1")
    assert first.status_code == 201 and first.json()["item"]["id"] == items[0].pk
    again = post(client, url, {"note": "每月5日召开支部党员大会"}, key="sub-1")
    assert again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert ModelBranchEvidence.objects.count() == 1
    error(post(client, url, {"note": "另一件事"}, key="sub-1"), 422, "invalid")  # the key reused for another body

    blank = error(post(client, submit_url(w, items[1]), {"note": "   "}, key="sub-2"), 422, "invalid")
    assert list(blank["errors"]) == ["note"]  # the service's message, naming the request's field
    assert "note" in error(post(client, submit_url(w, items[1]), {}, key="sub-3"), 422, "invalid")["errors"]
    error(post(client, f"/organisations/{w.saiqin.pk}/model-branch/items/999999/evidence/", {"note": "x"}, key="s4"),
          404, "not_found")


def test_evidence_for_a_group_is_refused_naming_the_item(party_world, items, org_staff):
    """Only a branch takes part: the service refuses the item (409), and ``errors`` names the request's
    ``item_id``, not the service's ``item``."""
    w = party_world
    url = f"/organisations/{w.saiqin_group.pk}/model-branch/items/{items[0].pk}/evidence/"
    body = error(post(bearer(org_staff), url, {"note": "x"}, key="g"), 409, "conflict")
    assert list(body["errors"]) == ["item_id"]


def test_evidence_with_a_photo_is_stored_reencoded_and_served_scoped(party_world, items, secretary, reader, outsider,
                                                                     township_staff):
    w = party_world
    url = submit_url(w, items[0]) + "with-photo/"
    error(with_photo(bearer(reader), url, {"note": "x"}, jpeg_bytes(), key="r"), 403, "forbidden")
    error(with_photo(bearer(outsider), url, {"note": "x"}, jpeg_bytes(), key="o"), 404, "not_found")
    bad = error(with_photo(bearer(secretary), url, {"note": "x"}, b"not an image", key="b"), 422, "invalid")
    assert list(bad["errors"]) == ["photo"]
    no_note = error(with_photo(bearer(secretary), url, {}, jpeg_bytes(), key="n"), 422, "invalid")
    assert list(no_note["errors"]) == ["note"]
    assert not ModelBranchEvidence.objects.exists()

    client = bearer(secretary)
    first = with_photo(client, url, {"note": "党员活动日照片"}, jpeg_bytes(), key="p-1")
    assert first.status_code == 201 and first.json()["has_photo"] is True
    again = with_photo(client, url, {"note": "党员活动日照片"}, jpeg_bytes(), key="p-1")
    assert again.status_code == 201 and again.content == first.content and again["Idempotent-Replayed"] == "true"

    photo = f"{BASE}/evidence/{first.json()['id']}/photo/"
    served = bearer(reader).get(photo)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store" and b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    assert bearer(township_staff).get(photo).status_code == 200
    error(bearer(outsider).get(photo), 404, "not_found")
    error(Client().get(photo), 401, "unauthenticated")
    plain = post(client, submit_url(w, items[1]), {"note": "无照片"}, key="p-2").json()
    error(bearer(reader).get(f"{BASE}/evidence/{plain['id']}/photo/"), 404, "not_found")


# ---------------------------------------------------------------- deciding


def test_the_department_decides_once(party_world, items, secretary, org_staff, reader, outsider, township_staff):
    w = party_world
    made = post(bearer(secretary), submit_url(w, items[0]), {"note": "做法"}, key="d-0").json()
    url = f"/evidence/{made['id']}/decide/"
    error(post(bearer(secretary), url, {"verdict": "accepted"}), 403, "forbidden")
    error(post(bearer(township_staff), url, {"verdict": "accepted"}), 403, "forbidden")
    error(post(bearer(reader), url, {"verdict": "accepted"}), 403, "forbidden")
    error(post(bearer(outsider), url, {"verdict": "accepted"}), 404, "not_found")
    error(post(Client(), url, {"verdict": "accepted"}), 401, "unauthenticated")
    no_note = error(post(bearer(org_staff), url, {"verdict": "returned", "note": ""}), 422, "invalid")
    assert list(no_note["errors"]) == ["note"]
    assert "verdict" in error(post(bearer(org_staff), url, {"verdict": "maybe"}), 422, "invalid")["errors"]
    assert ModelBranchEvidence.objects.get().verdict == "pending"

    client = bearer(org_staff)
    first = post(client, url, {"verdict": "returned", "note": "请补充会议记录照片"}, key="dec-1")
    assert first.status_code == 200
    assert first.json()["status"] == "returned" and first.json()["decision_note"] == "请补充会议记录照片"
    assert first.json()["decided_at"].endswith("+08:00")
    again = post(client, url, {"verdict": "returned", "note": "请补充会议记录照片"}, key="dec-1")
    assert again.status_code == 200 and again.content == first.content and again["Idempotent-Replayed"] == "true"
    twice = error(post(client, url, {"verdict": "accepted"}), 409, "conflict")
    assert list(twice["errors"]) == ["verdict"]

    # A returned item is submitted again, accepted; every item accepted is the year's 最强党支部.
    post(bearer(secretary), submit_url(w, items[0]), {"note": "补充了照片"}, key="d-1")
    post(bearer(secretary), submit_url(w, items[1]), {"note": "挂牌"}, key="d-2")
    for e in ModelBranchEvidence.objects.all():
        assert post(client, f"/evidence/{e.pk}/decide/", {"verdict": "accepted"}).status_code == 200
    board = bearer(secretary).get(f"{BASE}/model-branch/branches/", {"year": YEAR}).json()["items"]
    assert board[0]["accepted"] == 2 and board[0]["is_model_branch"] is True
    again = error(post(bearer(secretary), submit_url(w, items[0]), {"note": "再交"}, key="d-3"), 409, "conflict")
    assert list(again["errors"]) == ["item_id"]


# ---------------------------------------------------------------- publishing


def test_publishing_the_checklist(party_world, org_staff, secretary, reader, insider):
    body = {"year": YEAR, "texts": ["三会一课", " 阵地建设 ", ""]}
    error(post(bearer(secretary), "/model-branch/items/", body, key="s"), 403, "forbidden")
    error(post(bearer(reader), "/model-branch/items/", body, key="r"), 403, "forbidden")
    error(post(bearer(insider), "/model-branch/items/", body, key="i"), 404, "not_found")
    error(post(Client(), "/model-branch/items/", body, key="a"), 401, "unauthenticated")
    assert "Idempotency-Key" in error(post(bearer(org_staff), "/model-branch/items/", body), 422, "invalid")["errors"]
    assert not ModelBranchItem.objects.exists()

    client = bearer(org_staff)
    first = post(client, "/model-branch/items/", body, key="pub-1")
    assert first.status_code == 201
    assert [(i["number"], i["text"]) for i in first.json()["items"]] == [(1, "三会一课"), (2, "阵地建设")]
    again = post(client, "/model-branch/items/", body, key="pub-1")
    assert again.status_code == 201 and again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert ModelBranchItem.objects.count() == 2

    blank = error(post(client, "/model-branch/items/", {"year": YEAR, "texts": [" "]}, key="pub-2"), 422, "invalid")
    assert list(blank["errors"]) == ["texts"]
    assert "year" in error(post(client, "/model-branch/items/", {"year": 1999, "texts": ["x"]}, key="pub-3"),
                           422, "invalid")["errors"]

    # Published again (replacing) until a branch submits; then 409.
    replaced = post(client, "/model-branch/items/", {"year": YEAR, "texts": ["三会一课规范"]}, key="pub-4")
    assert replaced.status_code == 201 and ModelBranchItem.objects.count() == 1
    item = ModelBranchItem.objects.get()
    assert post(bearer(secretary), submit_url(party_world, item), {"note": "做法"}, key="s-1").status_code == 201
    late = error(post(client, "/model-branch/items/", {"year": YEAR, "texts": ["新"]}, key="pub-5"), 409, "conflict")
    assert list(late["errors"]) == ["texts"]
