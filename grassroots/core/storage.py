"""Private file storage: files that hold personal data in the clear (an uploaded register with ID numbers).

They live under ``settings.PRIVATE_UPLOAD_ROOT`` (default ``var/private/uploads``), outside every folder
the app or a web server serves (STATIC_ROOT, MEDIA_ROOT); the directory is 0700 and each file 0600, so
only the account the application runs as can read them. They have no URL.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
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


def move_to_private(queryset, field: str) -> int:
    """For a data migration that moves a FileField from the default storage (MEDIA_ROOT) to private storage:
    each distinct file name the rows hold, found in the default storage and not yet in private storage, is
    copied across under the same name (0600), then the old file is deleted. Idempotent: a name already in
    private storage is left there (the old copy deleted when it holds the same bytes); a row whose file is
    missing is left as it is. Returns how many files were moved."""
    private = private_storage()
    moved = 0
    names = queryset.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True})
    for name in sorted(set(names.values_list(field, flat=True))):
        if not default_storage.exists(name):
            continue
        if private.exists(name):
            with default_storage.open(name, "rb") as old, private.open(name, "rb") as new:
                same = old.read() == new.read()
            if same:  # copied by an earlier run that stopped before deleting the old file
                default_storage.delete(name)
            continue
        with default_storage.open(name, "rb") as old:
            saved = private.save(name, old)
        if saved != name:  # not expected (the name was free a moment ago): point the rows at the new name
            queryset.filter(**{field: name}).update(**{field: saved})
        default_storage.delete(name)
        moved += 1
    return moved
