"""Demand photos live in private storage (core.storage): 0600 files under PRIVATE_UPLOAD_ROOT, nothing under
MEDIA_ROOT, read only through the scoped photo page; migration 0004 moves the photos earlier versions kept
under MEDIA_ROOT."""

import importlib
import shutil
import stat
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.core.testing import client_for
from grassroots.demands.models import DemandPhoto
from grassroots.demands.testing import jpeg_bytes
from grassroots.demands.tests.test_intake import NEW, staff_post

pytestmark = pytest.mark.django_db

migration = importlib.import_module("grassroots.demands.migrations.0004_private_storage")


def files_under(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_a_demand_photo_is_a_private_file_served_only_in_scope(as_insider, as_reader, as_outsider, stranger_handler,
                                                              region, categories, settings):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    assert as_insider.post(NEW, {**staff_post(region), "photos": [photo]}).status_code == 302
    stored = DemandPhoto.objects.get()
    path = Path(settings.PRIVATE_UPLOAD_ROOT) / stored.image.name
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert files_under(settings.MEDIA_ROOT) == []
    with pytest.raises(ValueError):
        stored.image.url  # noqa: B018 - no URL leads to it
    url = f"/demands/{stored.demand_id}/photos/{stored.pk}/"
    for client in (as_insider, as_reader):
        response = client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == path.read_bytes()
    assert as_outsider.get(url).status_code == 404
    assert client_for(stranger_handler).get(url).status_code == 404


def test_the_migration_moves_old_demand_photos_across(as_insider, region, categories, settings):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    as_insider.post(NEW, {**staff_post(region), "photos": [photo]})
    stored = DemandPhoto.objects.get()
    data = (Path(settings.PRIVATE_UPLOAD_ROOT) / stored.image.name).read_bytes()
    old = Path(settings.MEDIA_ROOT) / stored.image.name  # where an earlier version kept it
    old.parent.mkdir(parents=True)
    shutil.move(Path(settings.PRIVATE_UPLOAD_ROOT) / stored.image.name, old)
    missing = DemandPhoto.objects.create(demand=stored.demand, image="demands/0/gone.jpg", extension="jpg",
                                         content_type="image/jpeg", width=1, height=1, size=1, sha256="0" * 64)

    migration.move_files(apps, None)
    migration.move_files(apps, None)  # idempotent

    moved = Path(settings.PRIVATE_UPLOAD_ROOT) / stored.image.name
    assert moved.read_bytes() == data and stat.S_IMODE(moved.stat().st_mode) == 0o600
    assert files_under(settings.MEDIA_ROOT) == []
    assert DemandPhoto.objects.get(pk=missing.pk).image.name == "demands/0/gone.jpg"
    assert as_insider.get(f"/demands/{stored.demand_id}/photos/{stored.pk}/").status_code == 200
