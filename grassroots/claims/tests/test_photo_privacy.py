"""Claim photos go through the one photo pipeline (``core.photos``) whichever way they arrive: the
stored file carries no EXIF (no GPS position of the resident's home, no phone make/model), is still
a valid image, and is turned the way the phone meant (issue #11, item 6)."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from grassroots.claims import services as claims_services
from grassroots.claims.models import Claim
from grassroots.points.testing import GPS_IFD, MAKE, MODEL, ORIENTATION, actor, phone_jpeg


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"




def test_the_phone_photo_really_carries_gps_and_camera_tags():
    with Image.open(io.BytesIO(phone_jpeg())) as sent:
        exif = sent.getexif()
        assert exif[MAKE] == "Xiaomi" and exif.get_ifd(GPS_IFD)[1] == "N"


def assert_stripped(claim: Claim):
    claim.photo.open("rb")
    data = claim.photo.read()
    claim.photo.close()
    assert b"Xiaomi" not in data and b"Redmi" not in data
    with Image.open(io.BytesIO(data)) as stored:
        stored.load()  # a valid image
        assert stored.format == "JPEG"
        exif = stored.getexif()
        assert not exif.get_ifd(GPS_IFD) and MAKE not in exif and MODEL not in exif and ORIENTATION not in exif
        # turned upright: portrait, red (the sensor's left) now on top
        assert stored.size == (20, 40)
        rgb = stored.convert("RGB")
        top, bottom = rgb.getpixel((10, 5)), rgb.getpixel((10, 35))
        assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60


def test_a_claim_photo_sent_from_the_record_page_is_stored_without_exif(as_insider, people, rules):
    upload = SimpleUploadedFile("IMG_0001.jpg", phone_jpeg(), content_type="image/jpeg")
    response = as_insider.post("/points/record/", {
        "people": [people["张秀兰"].pk], "rule": rules["A02"].pk, "quantity": 1,
        "deed_date": timezone.localdate().isoformat(), "note": "", "idempotency_key": "photo-exif", "photo": upload})
    assert response.status_code == 302
    assert_stripped(Claim.objects.get())


def test_a_claim_photo_sent_through_the_api_is_stored_without_exif(as_insider, people, rules):
    data = json.dumps({"person_ids": [people["张秀兰"].pk], "rule_id": rules["A02"].pk,
                       "deed_date": timezone.localdate().isoformat()})
    upload = SimpleUploadedFile("IMG_0002.jpg", phone_jpeg(), content_type="image/jpeg")
    response = as_insider.post("/api/points/claims/with-photo/", {"data": data, "photo": upload},
                               headers={"Idempotency-Key": "photo-exif-api"})
    assert response.status_code == 201, response.content
    assert_stripped(Claim.objects.get())


def test_a_raw_upload_given_to_the_service_is_re_encoded_too(insider, people, rules):
    upload = SimpleUploadedFile("IMG_0003.jpg", phone_jpeg(), content_type="image/jpeg")
    [claim] = claims_services.record_claims(actor=actor(insider), person_ids=[people["张秀兰"].pk], rule=rules["A02"],
                                     quantity=1, deed_date=timezone.localdate(), photo=upload)
    assert_stripped(Claim.objects.get(pk=claim.pk))


def test_a_resubmitted_claim_keeps_the_already_clean_photo(insider, people, rules, reader):
    upload = SimpleUploadedFile("IMG_0004.jpg", phone_jpeg(), content_type="image/jpeg")
    [claim] = claims_services.record_claims(actor=actor(insider), person_ids=[people["张秀兰"].pk], rule=rules["A02"],
                                     quantity=1, deed_date=timezone.localdate(), photo=upload)
    claims_services.review_claims(actor=actor(reader), claim_ids=[claim.pk], approve=False, reasons={claim.pk: "数量不对"})
    new = claims_services.resubmit_claim(actor=actor(insider), claim=Claim.objects.get(pk=claim.pk), quantity=2)
    assert new.photo.name == Claim.objects.get(pk=claim.pk).photo.name
    assert_stripped(new)



@pytest.mark.parametrize("bad", ["9223372036854775808", "²"])
def test_the_record_page_answers_a_person_id_it_cannot_use_with_its_404_not_a_500(as_insider, rules, bad):
    """The same page, the id bound of item 7: a posted person id that is not a usable number (past
    2**63, or a superscript digit that ``isdigit`` accepts and ``int`` refuses) is "not found"."""
    response = as_insider.post("/points/record/", {
        "people": [bad], "rule": rules["A01"].pk, "quantity": 1,
        "deed_date": timezone.localdate().isoformat(), "note": "", "idempotency_key": "bad-id"})
    assert response.status_code == 404
