import pytest


@pytest.fixture(autouse=True)
def _private_uploads_in_tmp(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
