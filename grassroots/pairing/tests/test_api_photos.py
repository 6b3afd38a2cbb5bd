"""Visit photos through the API: a visit logged with photos (multipart, the page's form in JSON + files) through
the same service, stripped of EXIF, kept privately; each photo read back as the image, scoped as the page's photo
view (the pair's visitor and the village's leaders; an outsider 404, also by guessing ids)."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from grassroots.core.idempotency import IdempotencyKey
from grassroots.core.photos import MAX_PHOTO_BYTES
from grassroots.core.testing import client_for
from grassroots.pairing.models import Visit, VisitPhoto
from grassroots.points.testing import GPS_IFD, MAKE, phone_jpeg

URL = "/api/pairing/visits/with-photos/"


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def data(pair, **extra) -> str:
    return json.dumps({"pair_id": pair.pk, "kind": "home",
                       "visited_at": (timezone.localtime() - timedelta(hours=1)).isoformat(),
                       "notes": "老两口身体还好", "helps": [{"kind": "policy", "detail": "讲解医保缴费政策"}], **extra})


def jpeg(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, phone_jpeg(), content_type="image/jpeg")


def send(client, pair, photos, key="visit-photos-1", sent: str = "", **extra):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(URL, {"data": sent or data(pair, **extra), "photos": photos}, headers=headers)


def test_a_visit_with_photos_is_logged_once_and_its_photos_are_stored_clean(pairing_world, as_cadre):
    sent = data(pairing_world.pair)
    first = send(as_cadre, pairing_world.pair, [jpeg(), jpeg("IMG_0002.jpg")], sent=sent)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["photo_count"] == 2 and len(answer["photo_ids"]) == 2
    assert answer["helps"][0]["detail"] == "讲解医保缴费政策"
    again = send(as_cadre, pairing_world.pair, [jpeg(), jpeg("IMG_0002.jpg")], sent=sent)  # the phone retried
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert Visit.objects.count() == 1 and VisitPhoto.objects.count() == 2
    for photo in VisitPhoto.objects.all():
        with photo.image.open("rb") as f:
            stored = f.read()
        assert b"Xiaomi" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            image.load()
            assert not image.getexif().get_ifd(GPS_IFD) and MAKE not in image.getexif()
    # The same visit and key with another photo is another request: 422 naming the key.
    other = send(as_cadre, pairing_world.pair, [SimpleUploadedFile("b.png", _png(), content_type="image/png")],
                 sent=sent)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["errors"]
    missing = send(as_cadre, pairing_world.pair, [jpeg()], key="")
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]
    # The JSON visit (no photos) lists the photo ids too.
    one = as_cadre.get(f"/api/pairing/visits/{answer['id']}/").json()
    assert one["photo_ids"] == answer["photo_ids"]
    assert as_cadre.get("/api/pairing/visits/").json()["items"][0]["photo_ids"] == answer["photo_ids"]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(("upload", "text"), [
    (SimpleUploadedFile("a.jpg", b"not an image at all", content_type="image/jpeg"), "不是有效的图片"),
    (SimpleUploadedFile("big.jpg", b"\xff" * (MAX_PHOTO_BYTES + 1), content_type="image/jpeg"), "过大"),
    (SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"), "照片"),
])
def test_a_file_that_is_not_a_photo_is_422_naming_photos(pairing_world, as_cadre, upload, text):
    response = send(as_cadre, pairing_world.pair, [upload])
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and "photos" in body["errors"] and text in body["detail"]
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists() and not IdempotencyKey.objects.exists()


def test_too_many_photos_and_bad_data_are_422(pairing_world, as_cadre):
    four = send(as_cadre, pairing_world.pair, [jpeg(f"{n}.jpg") for n in range(4)])
    assert four.status_code == 422 and "photos" in four.json()["errors"] and "最多" in four.json()["detail"]
    bad = as_cadre.post(URL, {"data": "{", "photos": [jpeg()]}, headers={"Idempotency-Key": "k2"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    wrong = send(as_cadre, pairing_world.pair, [jpeg()], key="k3", visited_at="昨天")
    assert wrong.status_code == 422 and "visited_at" in wrong.json()["errors"]
    none = as_cadre.post(URL, {"data": data(pairing_world.pair)}, headers={"Idempotency-Key": "k4"})
    assert none.status_code == 422 and none.json()["code"] == "invalid"
    assert not Visit.objects.exists()


def test_who_may_log_a_visit_with_photos(pairing_world, secretary, reader, outsider, insider):
    pair = pairing_world.pair
    for n, (user, status) in enumerate([(secretary, 201), (reader, 403), (outsider, 404), (insider, 404)]):
        response = send(client_for(user), pair, [jpeg()], key=f"who-{n}")
        assert response.status_code == status, (user.username, response.content)
        body = response.json()
        assert ("id" in body) if status == 201 else (set(body) == {"code", "detail", "errors"})
    anonymous = Client().post(URL, {"data": data(pair), "photos": [jpeg()]}, headers={"Idempotency-Key": "anon"})
    assert anonymous.status_code == 401 and set(anonymous.json()) == {"code", "detail", "errors"}
    assert Visit.objects.count() == 1 and VisitPhoto.objects.count() == 1


def test_a_visit_photo_is_read_as_the_page_serves_it(pairing_world, as_cadre, as_reader, as_outsider, as_insider):
    made = send(as_cadre, pairing_world.pair, [jpeg()]).json()
    photo = VisitPhoto.objects.get()
    with photo.image.open("rb") as f:
        stored = f.read()
    url = f"/api/pairing/visits/{made['id']}/photos/{photo.pk}/"
    served = as_cadre.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"].startswith("private")
    assert b"".join(served.streaming_content) == stored
    assert as_reader.get(url).status_code == 200  # the village's leaders oversee the visits, as on the page
    for stranger in (as_outsider, as_insider):  # not theirs: 404 in the one error body, by id too
        refused = stranger.get(url)
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert as_cadre.get(f"/api/pairing/visits/{made['id']}/photos/{photo.pk + 1}/").status_code == 404
    other = send(client_for(pairing_world.other_cadre), pairing_world.other_pair, [jpeg()], key="theirs").json()
    theirs = VisitPhoto.objects.get(visit_id=other["id"])
    # Another pair's photo, by its own id or under one's own visit: 404.
    assert as_cadre.get(f"/api/pairing/visits/{other['id']}/photos/{theirs.pk}/").status_code == 404
    assert as_cadre.get(f"/api/pairing/visits/{made['id']}/photos/{theirs.pk}/").status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    assert "/media/" not in json.dumps(made)  # no public URL is ever handed out
