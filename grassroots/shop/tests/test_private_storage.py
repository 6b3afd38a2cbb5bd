"""Product photos live in private storage (core.storage): 0600 files under PRIVATE_UPLOAD_ROOT, nothing under
MEDIA_ROOT, read only through the scoped photo page and API route; a replaced photo's file is deleted; migration
0006 moves the photos earlier versions kept under MEDIA_ROOT."""

import importlib
import shutil
import stat
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.core.testing import client_for
from grassroots.points.testing import phone_jpeg
from grassroots.shop import services
from grassroots.shop.models import Product

pytestmark = pytest.mark.django_db

migration = importlib.import_module("grassroots.shop.migrations.0006_private_storage")


def files_under(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def jpeg(name="IMG_1.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, phone_jpeg(), content_type="image/jpeg")


def test_a_product_photo_is_a_private_file_served_only_in_scope(products, secretary, cashier, reader, outsider,
                                                               outside_cashier, settings):
    tissue = products["抽纸"]
    sent = client_for(secretary).post(f"/api/shop/products/{tissue.pk}/photo/", {"photo": jpeg()},
                                      headers={"Idempotency-Key": "private-1"})
    assert sent.status_code == 201, sent.content
    tissue.refresh_from_db()
    path = Path(settings.PRIVATE_UPLOAD_ROOT) / tissue.photo.name
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert files_under(settings.MEDIA_ROOT) == []
    with pytest.raises(ValueError):
        tissue.photo.url  # noqa: B018 - no URL leads to it
    for url in (f"/shop/products/{tissue.pk}/photo/", f"/api/shop/products/{tissue.pk}/photo/"):
        for user in (secretary, cashier, reader):
            response = client_for(user).get(url)
            assert response.status_code == 200 and b"".join(response.streaming_content) == path.read_bytes()
        for stranger in (outsider, outside_cashier):
            assert client_for(stranger).get(url).status_code == 404


def test_a_replaced_photo_file_is_deleted(shop, system_actor, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = services.add_product(actor=system_actor, shop=shop, name="洗衣粉", unit="袋", price_fen=1200,
                                       photo=jpeg())
    first = Path(settings.PRIVATE_UPLOAD_ROOT) / product.photo.name
    assert first.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        product = services.update_product(actor=system_actor, product=product, photo=jpeg("IMG_2.jpg"))
    assert not first.exists()
    assert files_under(settings.PRIVATE_UPLOAD_ROOT) == [Path(settings.PRIVATE_UPLOAD_ROOT) / product.photo.name]
    assert files_under(settings.MEDIA_ROOT) == []


def test_the_migration_moves_old_product_photos_across(products, system_actor, settings):
    soap, tissue = products["香皂"], products["抽纸"]
    product = services.update_product(actor=system_actor, product=soap, photo=jpeg())
    data = (Path(settings.PRIVATE_UPLOAD_ROOT) / product.photo.name).read_bytes()
    old = Path(settings.MEDIA_ROOT) / product.photo.name  # where an earlier version kept it
    old.parent.mkdir(parents=True)
    shutil.move(Path(settings.PRIVATE_UPLOAD_ROOT) / product.photo.name, old)
    Product.objects.filter(pk=tissue.pk).update(photo="shop/0/gone.jpg")

    migration.move_files(apps, None)
    migration.move_files(apps, None)  # idempotent

    moved = Path(settings.PRIVATE_UPLOAD_ROOT) / product.photo.name
    assert moved.read_bytes() == data and stat.S_IMODE(moved.stat().st_mode) == 0o600
    assert files_under(settings.MEDIA_ROOT) == []
    assert Product.objects.get(pk=tissue.pk).photo.name == "shop/0/gone.jpg"
