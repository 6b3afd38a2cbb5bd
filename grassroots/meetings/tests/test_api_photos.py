"""Meeting photos through the API: added (multipart) through the meeting page's service (补记: at most three
photos per meeting, re-encoded, private), read back as the image, scoped as the meeting page's photo view."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grassroots.core.idempotency import IdempotencyKey
from grassroots.core.photos import MAX_PHOTO_BYTES
from grassroots.meetings.models import MeetingPhoto
from grassroots.meetings.testing import record
from grassroots.points.testing import GPS_IFD, MAKE, phone_jpeg

pytestmark = pytest.mark.django_db

BASE = "/api/party/meetings"


@pytest.fixture
def meeting(party_world, system_actor):
    return record(system_actor, party_world, held_on=date(2026, 4, 10), today=date(2026, 4, 10))


def jpeg(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, phone_jpeg(), content_type="image/jpeg")


def send(client, meeting, photos, key="meeting-photos-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{BASE}/{meeting.pk}/photos/", {"photos": photos}, headers=headers)


def test_photos_are_added_once_per_key_and_stored_clean(meeting, as_secretary):
    first = send(as_secretary, meeting, [jpeg(), jpeg("IMG_0002.jpg")])
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["id"] == meeting.pk and answer["photos"] == 2 and len(answer["photo_ids"]) == 2
    again = send(as_secretary, meeting, [jpeg(), jpeg("IMG_0002.jpg")])  # a retry on a weak signal
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.content == first.content
    assert MeetingPhoto.objects.count() == 2
    for photo in MeetingPhoto.objects.all():
        assert photo.image.name.startswith(f"meetings/{meeting.pk}/")
        with photo.image.open("rb") as f, Image.open(io.BytesIO(f.read())) as image:
            image.load()
            assert not image.getexif().get_ifd(GPS_IFD) and MAKE not in image.getexif()
    assert as_secretary.get(f"{BASE}/{meeting.pk}/").json()["photo_ids"] == answer["photo_ids"]
    other = send(as_secretary, meeting, [jpeg()])  # the same key, other files
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["errors"]
    missing = send(as_secretary, meeting, [jpeg()], key="")
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]
    # The page's rule: three photos per meeting in all. The service refuses a fourth (422 naming photos).
    fourth = send(as_secretary, meeting, [jpeg("3.jpg"), jpeg("4.jpg")], key="meeting-photos-2")
    assert fourth.status_code == 422 and "photos" in fourth.json()["errors"] and "最多" in fourth.json()["detail"]
    assert MeetingPhoto.objects.count() == 2


@pytest.mark.parametrize(("upload", "text"), [
    (SimpleUploadedFile("a.jpg", b"not an image at all", content_type="image/jpeg"), "不是有效的图片"),
    (SimpleUploadedFile("big.jpg", b"\xff" * (MAX_PHOTO_BYTES + 1), content_type="image/jpeg"), "过大"),
])
def test_a_file_that_is_not_a_photo_is_422_naming_photos(meeting, as_secretary, upload, text):
    response = send(as_secretary, meeting, [upload])
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and "photos" in body["errors"] and text in body["detail"]
    assert not MeetingPhoto.objects.exists() and not IdempotencyKey.objects.exists()
    nothing = send(as_secretary, meeting, [], key="none")
    assert nothing.status_code == 422 and nothing.json()["code"] == "invalid"


def test_who_may_add_photos(meeting, as_reader, as_outsider, as_insider, client):
    for n, (who, status, code) in enumerate([(as_reader, 403, "forbidden"), (as_outsider, 404, "not_found"),
                                             (as_insider, 404, "not_found"), (client, 401, "unauthenticated")]):
        response = send(who, meeting, [jpeg()], key=f"who-{n}")
        assert response.status_code == status and response.json()["code"] == code, response.content
        assert set(response.json()) == {"code", "detail", "errors"}
    assert not MeetingPhoto.objects.exists()


def test_a_meeting_photo_is_read_as_the_page_serves_it(meeting, party_world, system_actor, as_secretary, as_reader,
                                                       as_outsider, as_insider, client):
    send(as_secretary, meeting, [jpeg()])
    photo = MeetingPhoto.objects.get()
    with photo.image.open("rb") as f:
        stored = f.read()
    url = f"{BASE}/{meeting.pk}/photos/{photo.pk}/"
    for reader in (as_secretary, as_reader):
        served = reader.get(url)
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        assert served["Cache-Control"].startswith("private")
        assert b"".join(served.streaming_content) == stored
    for stranger in (as_outsider, as_insider):
        refused = stranger.get(url)
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert client.get(url).status_code == 401
    # A photo is read only under its own meeting: another meeting's id with it is 404.
    other = record(system_actor, party_world, held_on=date(2026, 4, 11), today=date(2026, 4, 11))
    assert as_secretary.get(f"{BASE}/{other.pk}/photos/{photo.pk}/").status_code == 404
    assert as_secretary.get(f"{BASE}/{meeting.pk}/photos/{photo.pk + 1}/").status_code == 404
