import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # nothing lands here: photos are in private storage
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"  # uploaded photos land here, not in var/private
