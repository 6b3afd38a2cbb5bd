"""A product photo goes through the same photo pipeline as claim and demand photos: stored without
EXIF (issue #11, item 6)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grassroots.points.testing import GPS_IFD, MAKE, phone_jpeg
from grassroots.shop import services


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"


def _stored(product) -> Image.Image:
    product.photo.open("rb")
    data = product.photo.read()
    product.photo.close()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_product_photos_are_stored_without_exif_on_add_and_update(shop, system_actor):
    upload = SimpleUploadedFile("IMG_1.jpg", phone_jpeg(), content_type="image/jpeg")
    product = services.add_product(actor=system_actor, shop=shop, name="洗衣粉", unit="袋", price_fen=1200,
                                   photo=upload)
    stored = _stored(product)
    assert MAKE not in stored.getexif() and not stored.getexif().get_ifd(GPS_IFD) and stored.size == (20, 40)
    upload = SimpleUploadedFile("IMG_2.jpg", phone_jpeg(), content_type="image/jpeg")
    product = services.update_product(actor=system_actor, product=product, photo=upload)
    stored = _stored(product)
    assert MAKE not in stored.getexif() and not stored.getexif().get_ifd(GPS_IFD)


def test_a_product_photo_that_is_not_an_image_is_refused_naming_the_field(shop, system_actor):
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        services.add_product(actor=system_actor, shop=shop, name="挂面", unit="把", price_fen=600, photo=fake)
    assert "不是有效的图片" in refused.value.message_dict["photo"][0]
