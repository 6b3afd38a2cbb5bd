"""Fixtures of the demands tests: a small responsibility list for 翁牛特旗, units with their staff."""


import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
