import pytest
from django.core.cache import cache


def _clear_cache(request) -> None:
    """Import progress lives in the cache, which is a table of the test database (settings.CACHES): a test
    with the database starts and ends with it empty; a test without one has nothing to clear."""
    if "db" in request.fixturenames:
        request.getfixturevalue("db")  # set up before this fixture needs it
    elif not request.node.get_closest_marker("django_db"):
        return
    cache.clear()


@pytest.fixture(autouse=True)
def imports_settings(settings, tmp_path, request):
    """Imports run inline, and their files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private" / "uploads"
    settings.TASKS_RUN_INLINE = True
    _clear_cache(request)
    yield
    _clear_cache(request)
