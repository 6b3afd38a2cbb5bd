"""Intake from staff and from the public page: validation, photos, idempotency, tracking codes, abuse."""

import re
import sys
import types
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import grassroots.demands
from grassroots.core.models import IdempotencyKey
from grassroots.core.photos import MAX_PHOTO_BYTES
from grassroots.demands import services
from grassroots.demands.models import Demand, DemandPhoto
from grassroots.demands.testing import jpeg_bytes, png_bytes
from grassroots.rules import tracking
from grassroots.rules.idnumber import make_id_number

NEW = "/demands/new/"


def staff_post(region, **extra):
    data = {"kind": "demand", "text": "牧民反映春播缺玉米种子", "category": "", "area": region["赛沁塔拉嘎查1"].pk,
            "channel": "grid_worker", "address": "赛沁塔拉嘎查一组", "contact_name": "乌云毕力格",
            "contact_phone": "13904761234", "idempotency_key": "k-1"}
    data.update(extra)
    return data


def public_url(region, name="赛沁塔拉嘎查"):
    return f"/d/{region[name].code}/"


def public_post(**extra):
    data = {"kind": "demand", "text": "村东头的路灯坏了三盏，晚上放牧回来看不清路", "address": "村东头",
            "contact_name": "张秀兰", "contact_phone": "13904761234", "idempotency_key": "pub-1", "website": ""}
    data.update(extra)
    return data


def test_staff_records_a_demand_and_gets_a_tracking_code(as_insider, region, categories, responsibilities):
    response = as_insider.post(NEW, staff_post(region, category=categories["seeds"].pk, urgent="on"))
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert response["Location"] == reverse("demands-detail", args=[demand.pk])
    assert demand.urgent and demand.priority == 0 and demand.channel == "grid_worker"
    assert demand.lead_unit.code == "wnt-nmj"
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", demand.tracking_code)
    assert demand.contact_phone == "13904761234" and demand.recorded_by.username == "insider"


def test_the_same_idempotency_key_files_once(as_insider, region, categories):
    first = as_insider.post(NEW, staff_post(region, idempotency_key="retry-1"))
    second = as_insider.post(NEW, staff_post(region, idempotency_key="retry-1"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Demand.objects.count() == 1
    as_insider.post(NEW, staff_post(region, idempotency_key="retry-2"))
    assert Demand.objects.count() == 2


def test_public_double_submit_files_once(region, categories):
    client = Client()
    first = client.post(public_url(region), public_post())
    second = client.post(public_url(region), public_post())
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Demand.objects.count() == 1
    # Through the one mechanism (core/idempotency.py): the public page's keys are held by the owner "public".
    held = IdempotencyKey.objects.get(key="pub-1")
    assert (held.user_id, held.owner, held.action) == (None, "public", "demands.create")


@pytest.mark.parametrize("text, message", [
    ("", "请填写诉求内容"),
    ("   \n ", "请填写诉求内容"),
    ("长" * 100_000, "诉求内容不能超过2000字（现有100000字）"),
])
def test_bad_text_is_refused_naming_the_field(as_insider, region, categories, text, message):
    response = as_insider.post(NEW, staff_post(region, text=text))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Demand.objects.exists()


def test_public_bad_text_is_refused(region, categories):
    response = Client().post(public_url(region), public_post(text="长" * 100_000))
    assert response.status_code == 400
    assert "诉求内容不能超过2000字" in response.content.decode()
    response = Client().post(public_url(region), public_post(text="", idempotency_key="pub-2"))
    assert response.status_code == 400 and "请填写诉求内容" in response.content.decode()
    assert not Demand.objects.exists()


@pytest.mark.parametrize("value", ["999999", "seeds", "-1"])
def test_an_unknown_category_is_refused(as_insider, region, categories, value):
    response = as_insider.post(NEW, staff_post(region, category=value))
    assert response.status_code == 400
    assert "分类：所选分类不存在" in response.content.decode()
    assert not Demand.objects.exists()


def test_a_retired_category_is_refused(as_insider, region, categories):
    categories["jobs"].is_active = False
    categories["jobs"].save()
    response = as_insider.post(NEW, staff_post(region, category=categories["jobs"].pk))
    assert response.status_code == 400 and "分类：所选分类不存在" in response.content.decode()


def test_photos_are_checked_and_re_encoded(as_insider, region, categories):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = as_insider.post(NEW, {**staff_post(region), "photos": [photo]})
    assert response.status_code == 302
    stored = DemandPhoto.objects.get()
    assert stored.content_type == "image/jpeg" and (stored.width, stored.height) == (64, 48)
    page = as_insider.get(f"/demands/{stored.demand_id}/photos/{stored.pk}/")
    assert page.status_code == 200 and page["Content-Type"] == "image/jpeg"


def test_a_photo_that_is_not_an_image_is_refused(as_insider, region, categories):
    fake = SimpleUploadedFile("p.jpg", b"<?php system($_GET['c']); ?>" * 20, content_type="image/jpeg")
    response = as_insider.post(NEW, {**staff_post(region), "photos": [fake]})
    assert response.status_code == 400
    assert "照片不是有效的图片文件" in response.content.decode()
    truncated = SimpleUploadedFile("p.png", png_bytes()[:40], content_type="image/png")
    response = as_insider.post(NEW, {**staff_post(region, idempotency_key="k-2"), "photos": [truncated]})
    assert response.status_code == 400 and "照片不是有效的图片文件" in response.content.decode()
    assert not Demand.objects.exists()


def test_a_photo_too_large_is_refused(as_insider, region, categories):
    big = SimpleUploadedFile("big.jpg", jpeg_bytes() + b"\0" * MAX_PHOTO_BYTES, content_type="image/jpeg")
    response = as_insider.post(NEW, {**staff_post(region), "photos": [big]})
    assert response.status_code == 400
    assert "照片过大：每张不能超过4MB" in response.content.decode()
    many = [SimpleUploadedFile(f"{i}.png", png_bytes(), content_type="image/png") for i in range(4)]
    response = as_insider.post(NEW, {**staff_post(region, idempotency_key="k-3"), "photos": many})
    assert response.status_code == 400 and "照片最多上传3张" in response.content.decode()
    assert not Demand.objects.exists()


def test_a_bad_phone_is_refused(as_insider, region, categories):
    response = as_insider.post(NEW, staff_post(region, contact_phone="12345"))
    assert response.status_code == 400 and "联系电话" in response.content.decode()


def test_a_resident_files_from_the_public_page_and_follows_it(region, categories, responsibilities):
    client = Client()
    page = client.get(public_url(region))
    assert page.status_code == 200 and "有事您说" in page.content.decode()
    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    response = client.post(public_url(region), {**public_post(category=categories["seeds"].pk), "photos": [photo]})
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert demand.channel == "public" and demand.recorded_by is None and demand.photos.count() == 1
    track = client.get(response["Location"])
    body = track.content.decode()
    assert track.status_code == 200
    assert f"{demand.tracking_code[:5]}-{demand.tracking_code[5:]}" in body
    assert "张*兰" in body and "张秀兰" not in body
    assert "13904761234" not in body and "139" not in body
    assert "旗农牧局" in body and "已受理" in body


def test_the_tracking_code_can_be_typed_loosely(region, make_demand):
    demand = make_demand()
    client = Client()
    typed = f" {demand.tracking_code[:5].lower()}-{demand.tracking_code[5:]} "
    response = client.get(f"/d/{region['赛沁塔拉嘎查'].code}/t/", {"code": typed})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_missing_malformed_and_other_areas_codes_get_the_same_answer(region, make_demand):
    elsewhere = make_demand(area="官井子村1", category="jobs")
    board = f"/d/{region['赛沁塔拉嘎查'].code}/t/"
    client = Client()
    missing = tracking.generate()
    answers = [client.get(f"{board}{code}/") for code in (missing, elsewhere.tracking_code, "NOT-A-CODE", "0" * 10)]
    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1
    # …and at its own board the other area's code is found.
    assert client.get(f"/d/{region['官井子村'].code}/t/{elsewhere.tracking_code}/").status_code == 200
    # Rating through another area's board: the same answer again.
    rated = client.post(f"{board}{elsewhere.tracking_code}/rate/", {"rating": 1})
    assert rated.status_code == 404 and rated.content == answers[0].content


def test_a_code_issued_with_the_old_check_is_still_found_and_a_mistyped_new_one_is_not(region, make_demand):
    """Codes printed before December 2026 end in a Luhn mod 32 character; residents still hold them."""

    old_code = "ABCD2ZEFG" + tracking._luhn_char("ABCD2ZEFG")
    assert tracking.scheme(old_code) == tracking.LUHN
    demand = make_demand()
    Demand.objects.filter(pk=demand.pk).update(tracking_code=old_code)
    board = f"/d/{region['赛沁塔拉嘎查'].code}/t/"
    client = Client()
    assert client.get(f"{board}{tracking.display(old_code).lower()}/").status_code == 200
    new = make_demand(text="村里的自来水停了两天")
    assert tracking.scheme(new.tracking_code) == tracking.DAMM
    swapped = new.tracking_code[1] + new.tracking_code[0] + new.tracking_code[2:]
    if swapped != new.tracking_code:
        assert client.get(f"{board}{swapped}/").status_code == 404
    assert client.get(f"{board}{new.tracking_code}/").status_code == 200


def test_a_resident_rates_with_the_tracking_code_and_1_reopens(region, make_demand, system_actor):
    demand = make_demand()
    board = f"/d/{region['赛沁塔拉嘎查'].code}/t/{demand.tracking_code}/"
    client = Client()
    assert client.post(board + "rate/", {"rating": 5}).status_code == 400  # not resolved yet
    services.handle(actor=system_actor, demand=demand, action="resolve", note="已送达")
    assert "请您评价" in client.get(board).content.decode()
    assert client.post(board + "rate/", {"rating": 9}).status_code == 400
    response = client.post(board + "rate/", {"rating": 1, "comment": "没收到"})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == "in_progress" and demand.reopen_count == 1
    assert "不满意，重新办理" in client.get(board).content.decode()


def test_public_pages_exist_only_for_villages_and_grids(region):
    client = Client()
    assert client.get(f"/d/{region['乌丹镇'].code}/").status_code == 404
    assert client.get("/d/000000000000/").status_code == 404
    assert client.get(f"/d/{region['赛沁塔拉嘎查1'].code}/").status_code == 200


def test_the_honeypot_and_the_rate_limit(region, categories, settings):
    client = Client()
    trapped = client.post(public_url(region), public_post(website="http://spam.example"))
    assert trapped.status_code == 400 and not Demand.objects.exists()
    settings.RATE_LIMITS = {"demands:intake": (2, 600)}
    for i in range(1):
        assert client.post(public_url(region), public_post(idempotency_key=f"n{i}")).status_code == 302
    limited = client.post(public_url(region), public_post(idempotency_key="n9"))
    assert limited.status_code == 429 and "操作太频繁" in limited.content.decode()
    assert Demand.objects.count() == 1


def test_public_wish_board_masks_names(region, make_demand):
    make_demand("想要一台收音机听评书", kind="wish", category="wish-life", contact_name="单国强")
    body = Client().get(f"/d/{region['赛沁塔拉嘎查'].code}/wishes/").content.decode()
    assert "想要一台收音机" in body and "单*强" in body and "单国强" not in body


def test_suggestions_show_nothing_without_a_classifier(as_insider, region, monkeypatch):
    monkeypatch.setitem(sys.modules, "grassroots.demands.classifier", None)  # import fails
    monkeypatch.delattr(grassroots.demands, "classifier", raising=False)
    response = as_insider.post("/demands/suggest/", {"text": "缺化肥种子"})
    assert response.status_code == 200 and response.content.strip() == b""


def test_suggestions_from_the_classifier(as_insider, region, categories, units, responsibilities, monkeypatch):
    @dataclass
    class Suggestion:
        category_code: str
        unit_code: str
        confidence: float

    fake = types.ModuleType("grassroots.demands.classifier")
    fake.suggest = lambda text, k=3: [Suggestion("seeds", "wnt-nmj", 0.82), Suggestion("nope", "x", 0.1),
                                      Suggestion("jobs", "wnt-jyzx", 0.05)]

    monkeypatch.setitem(sys.modules, "grassroots.demands.classifier", fake)
    monkeypatch.setattr(grassroots.demands, "classifier", fake, raising=False)
    body = as_insider.post("/demands/suggest/", {"text": "缺化肥种子"}).content.decode()
    assert "种子化肥 → 旗农牧局 82%" in body and "就业创业" in body and "nope" not in body
    # A unit code the app does not have goes to the unit the responsibility list names in the area.
    fake.suggest = lambda text, k=3: [Suggestion("jobs", "employment_center", 0.7)]
    body = as_insider.post("/demands/suggest/", {"text": "想找工作", "area": region["赛沁塔拉嘎查1"].pk}).content.decode()
    assert "就业创业 → 旗就业服务中心 70%" in body


def test_public_pages_mask_numbers_typed_into_the_text(region, make_demand):
    id_number = make_id_number("150426", date(1968, 3, 5), 11)
    demand = make_demand(f"我的电话13904761234，身份证{id_number}，低保卡丢了", category="jobs")
    body = Client().get(f"/d/{region['赛沁塔拉嘎查'].code}/t/{demand.tracking_code}/").content.decode()
    assert "13904761234" not in body and "139****1234" in body
    assert id_number not in body and id_number[:4] + "**********" + id_number[-4:] in body
