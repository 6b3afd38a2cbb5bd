"""Private file storage: files that hold personal data in the clear (an uploaded register with ID numbers).

They live under ``settings.PRIVATE_UPLOAD_ROOT`` (default ``var/private/uploads``), outside every folder
the app or a web server serves (STATIC_ROOT, MEDIA_ROOT); the directory is 0700 and each file 0600, so
only the account the application runs as can read them. They have no URL.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    def __init__(self):
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @cached_property
    def base_location(self):
        return str(settings.PRIVATE_UPLOAD_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_UPLOAD_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def _save(self, name, content):
        root = Path(self.location)
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(root, 0o700)  # also when it was made by hand, or by an older version, with 0755
        return super()._save(name, content)

    def url(self, name):
        raise ValueError("private files have no URL")


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    """For ``FileField(storage=private_storage)``: a callable, so migrations name it instead of copying paths."""
    return _private
