"""Every uploaded photo (a demand's, a claim's, a shop product's): checked to be a real image with
Pillow, size-limited, and re-encoded. One pipeline for every upload: forms call ``check_photo``, and
services pass whatever they are given through ``stored_photo`` before it reaches a FileField, so a
photo cannot be stored as sent.

Re-encoding drops EXIF (a phone photo carries the GPS position of the resident's home and the phone's
make) and anything smuggled after the image data; it also shrinks a 12-megapixel photo to what a
screen needs.
"""

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 4 * 1024 * 1024
MAX_PHOTOS = 3
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 2048
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    extension: str
    content_type: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_photo(upload, *, label: str = "照片", max_bytes: int = MAX_PHOTO_BYTES) -> CheckedPhoto:
    """Return the photo re-encoded, or raise ValidationError naming the field."""
    too_big = f"{label}过大：每张不能超过{max_bytes // (1024 * 1024)}MB"
    size = getattr(upload, "size", None)
    if size is None or size > max_bytes:
        raise ValidationError(too_big)
    if size == 0:
        raise ValidationError(f"{label}是空文件")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(too_big)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in ALLOWED_FORMATS:
                raise ValidationError(f"{label}格式不支持：请上传 JPG、PNG 或 WEBP 图片")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(f"{label}像素过多")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            if fmt == "PNG" or image.mode in ("RGBA", "LA", "P"):
                image.save(out, format="PNG", optimize=True)
                extension, content_type = "png", "image/png"
            else:
                image.convert("RGB").save(out, format="JPEG", quality=85)
                extension, content_type = "jpg", "image/jpeg"
            width, height = image.size
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(f"{label}不是有效的图片文件") from None
    return CheckedPhoto(content=out.getvalue(), extension=extension, content_type=content_type,
                        width=width, height=height)


def check_photos(uploads, *, label: str = "照片") -> list[CheckedPhoto]:
    uploads = list(uploads or [])
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(f"{label}最多上传{MAX_PHOTOS}张")
    return [check_photo(u, label=label) for u in uploads]


def stored_photo(photo, *, stem: str, field: str = "photo", label: str = "照片",
                 max_bytes: int = MAX_PHOTO_BYTES):
    """What a service gives a FileField for a photo, whoever the caller: ``None`` for none; a file
    already stored (a ``FieldFile``, e.g. the photo of the claim being resubmitted) as it is; a
    ``CheckedPhoto`` as its re-encoded bytes; anything else (a raw upload) checked and re-encoded
    here, a refusal raised as ``ValidationError({field: ...})``."""
    if not photo:
        return None
    if isinstance(photo, FieldFile):
        return photo
    if not isinstance(photo, CheckedPhoto):
        try:
            photo = check_photo(photo, label=label, max_bytes=max_bytes)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from None
    return ContentFile(photo.content, name=f"{stem}.{photo.extension}")


def checked_upload(upload, *, field: str = "photo", label: str = "照片") -> CheckedPhoto:
    """``check_photo`` for an API route's file field: the refusal raised as ``ValidationError({field: ...})``,
    so that the API answers 422 naming the field."""
    try:
        return check_photo(upload, label=label)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def checked_uploads(uploads, *, field: str = "photos", label: str = "照片") -> list[CheckedPhoto]:
    """``check_photos`` for an API route's file field (at most MAX_PHOTOS), refusals naming ``field``."""
    try:
        return check_photos(uploads, label=label)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
