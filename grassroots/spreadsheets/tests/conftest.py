import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def imports_settings(settings, tmp_path):
    """Imports run inline, and their files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private" / "uploads"
    settings.IMPORT_RUN_INLINE = True
    cache.clear()
    yield
    cache.clear()
