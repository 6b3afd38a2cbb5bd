"""A product's photo through the API: set (201) or replaced (200) through shop.services.update_product, as the
product page does; re-encoded; the replaced file deleted once saved; read back as the image, scoped as the
product page (another village's staff: 404)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from grassroots.core.idempotency import IdempotencyKey
from grassroots.core.photos import MAX_PHOTO_BYTES
from grassroots.core.testing import client_for
from grassroots.points.testing import GPS_IFD, MAKE, phone_jpeg
from grassroots.shop import services
from grassroots.shop.models import Product
from grassroots.shop.testing import actor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"


def jpeg(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, phone_jpeg(), content_type="image/jpeg")


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, format="PNG")
    return SimpleUploadedFile("shelf.png", out.getvalue(), content_type="image/png")


def send(client, product, upload, key="product-photo-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/shop/products/{product.pk}/photo/", {"photo": upload}, headers=headers)


def stored_bytes(product) -> bytes:
    product.refresh_from_db()
    with product.photo.open("rb") as f:
        return f.read()


def test_a_photo_is_set_once_per_key_then_replaced(products, secretary, django_capture_on_commit_callbacks):
    tissue = products["抽纸"]
    client = client_for(secretary)
    first = send(client, tissue, jpeg())
    assert first.status_code == 201, first.content
    assert first.json()["id"] == tissue.pk and first.json()["has_photo"] is True
    again = send(client, tissue, jpeg())  # a retry: the same key and file
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.content == first.content
    data = stored_bytes(tissue)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert not image.getexif().get_ifd(GPS_IFD) and MAKE not in image.getexif()
    old = tissue.photo
    other = send(client, tissue, png())  # the same key, another file
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["errors"]
    missing = send(client, tissue, png(), key="")
    assert missing.status_code == 422 and "Idempotency-Key" in missing.json()["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        replaced = send(client, tissue, png(), key="product-photo-2")
    assert replaced.status_code == 200 and replaced.json()["has_photo"] is True
    replay = send(client, tissue, png(), key="product-photo-2")
    assert replay.status_code == 200 and replay.content == replaced.content
    tissue.refresh_from_db()
    assert tissue.photo.name != old.name and tissue.photo.name.endswith(".png")
    assert not old.storage.exists(old.name)  # the replaced file is gone, as the page's service does it
    assert tissue.photo.storage.exists(tissue.photo.name)


@pytest.mark.parametrize(("upload", "text"), [
    (SimpleUploadedFile("a.jpg", b"not an image at all", content_type="image/jpeg"), "不是有效的图片"),
    (SimpleUploadedFile("big.jpg", b"\xff" * (MAX_PHOTO_BYTES + 1), content_type="image/jpeg"), "过大"),
    (SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"), "照片"),
])
def test_a_file_that_is_not_a_photo_is_422_naming_photo(products, secretary, upload, text):
    tissue = products["抽纸"]
    response = send(client_for(secretary), tissue, upload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and "photo" in body["errors"] and text in body["detail"]
    tissue.refresh_from_db()
    assert not tissue.photo and not IdempotencyKey.objects.exists()


def test_who_may_set_a_photo(products, committee, cashier, reader, outsider, outside_cashier, secretary):
    tissue = products["抽纸"]
    assert send(client_for(committee), tissue, jpeg(), key="c").status_code == 201
    for n, (user, status, code) in enumerate([(cashier, 403, "forbidden"), (reader, 403, "forbidden"),
                                              (outsider, 404, "not_found"), (outside_cashier, 404, "not_found")]):
        response = send(client_for(user), tissue, jpeg(), key=f"who-{n}")
        assert response.status_code == status and response.json()["code"] == code, (user.username, response.content)
        assert set(response.json()) == {"code", "detail", "errors"}
    anonymous = send(Client(), tissue, jpeg(), key="anon")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    services.retire_product(actor=actor(secretary), product=tissue)
    retired = send(client_for(secretary), tissue, jpeg(), key="retired")
    assert retired.status_code == 409 and "已停用" in retired.json()["detail"]


def test_a_product_photo_is_read_as_the_page_serves_it(products, secretary, cashier, reader, outsider,
                                                       outside_cashier):
    tissue, soap = products["抽纸"], products["香皂"]
    send(client_for(secretary), tissue, jpeg())
    data = stored_bytes(tissue)
    url = f"/api/shop/products/{tissue.pk}/photo/"
    for user in (secretary, cashier, reader):
        served = client_for(user).get(url)
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        assert served["Cache-Control"].startswith("private")
        assert b"".join(served.streaming_content) == data
    for stranger in (outsider, outside_cashier):  # another village's staff cannot read it by id
        refused = client_for(stranger).get(url)
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert Client().get(url).status_code == 401
    none = client_for(secretary).get(f"/api/shop/products/{soap.pk}/photo/")
    assert none.status_code == 404 and none.json()["code"] == "not_found"
    assert "/media/" not in client_for(secretary).get(f"/api/shop/products/{tissue.pk}/").content.decode()
    assert not Product.objects.filter(pk=soap.pk).exclude(photo="").exists()
