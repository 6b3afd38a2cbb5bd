"""Claim photos live in private storage (core.storage): 0600 files under PRIVATE_UPLOAD_ROOT, nothing under
MEDIA_ROOT, read only through the scoped photo page; migration 0003 moves the photos earlier versions kept
under MEDIA_ROOT (core.storage.move_to_private)."""

import importlib
import shutil
import stat
from pathlib import Path

import pytest
from django.apps import apps

from grassroots.claims.models import Claim
from grassroots.core.storage import move_to_private
from grassroots.points.api_testing import photo, post_claim

pytestmark = pytest.mark.django_db

migration = importlib.import_module("grassroots.claims.migrations.0003_private_storage")


def files_under(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def back_to_media(name: str, settings) -> Path:
    """The state an earlier version left: the file under MEDIA_ROOT, none in private storage."""
    old = Path(settings.MEDIA_ROOT) / name
    old.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(Path(settings.PRIVATE_UPLOAD_ROOT) / name, old)
    return old


def test_a_claim_photo_is_a_private_file_served_only_in_scope(as_insider, as_outsider, people, rules, settings):
    assert post_claim(as_insider, people, rules, code="A02", photo=photo()).status_code == 302
    claim = Claim.objects.get()
    stored = Path(settings.PRIVATE_UPLOAD_ROOT) / claim.photo.name
    assert stored.is_file() and stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert files_under(settings.MEDIA_ROOT) == []
    with pytest.raises(ValueError):
        claim.photo.url  # noqa: B018 - no URL leads to it
    response = as_insider.get(f"/points/claims/{claim.pk}/photo/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == stored.read_bytes()
    assert as_outsider.get(f"/points/claims/{claim.pk}/photo/").status_code == 404


def test_the_migration_moves_old_photos_across_once_and_leaves_missing_ones(as_insider, people, rules, settings):
    post_claim(as_insider, people, rules, names=("张秀兰", "乌云毕力格"), code="A02", photo=photo())
    first, second = Claim.objects.order_by("pk")
    assert first.photo.name == second.photo.name  # one photo serves the batch: moved once
    data = (Path(settings.PRIVATE_UPLOAD_ROOT) / first.photo.name).read_bytes()
    old = back_to_media(first.photo.name, settings)
    Claim.objects.filter(pk=second.pk).update(photo="claims/0/gone.png")  # its file was lost long ago

    migration.move_files(apps, None)

    moved = Path(settings.PRIVATE_UPLOAD_ROOT) / first.photo.name
    assert moved.read_bytes() == data and stat.S_IMODE(moved.stat().st_mode) == 0o600
    assert not old.exists() and files_under(settings.MEDIA_ROOT) == []
    assert Claim.objects.get(pk=first.pk).photo.name == first.photo.name
    assert Claim.objects.get(pk=second.pk).photo.name == "claims/0/gone.png"  # left as it is
    migration.move_files(apps, None)  # again: nothing to do, nothing lost
    assert moved.read_bytes() == data and files_under(settings.MEDIA_ROOT) == []


def test_a_move_interrupted_before_the_delete_is_finished_by_the_next_run(as_insider, people, rules, settings):
    post_claim(as_insider, people, rules, code="A02", photo=photo())
    claim = Claim.objects.get()
    old = Path(settings.MEDIA_ROOT) / claim.photo.name
    old.parent.mkdir(parents=True)
    shutil.copy(Path(settings.PRIVATE_UPLOAD_ROOT) / claim.photo.name, old)  # copied, old one not yet deleted
    assert move_to_private(Claim.objects.all(), "photo") == 0
    assert not old.exists() and (Path(settings.PRIVATE_UPLOAD_ROOT) / claim.photo.name).is_file()
    old.write_bytes(b"another file of the same name")  # not the same bytes: kept, never overwritten
    move_to_private(Claim.objects.all(), "photo")
    assert old.exists() and (Path(settings.PRIVATE_UPLOAD_ROOT) / claim.photo.name).read_bytes() != old.read_bytes()
