"""Photos of a demand: checked to be real images with Pillow, size-limited, and re-encoded.

Re-encoding drops EXIF (a phone photo carries the GPS position of the resident's home and the phone's
make) and anything smuggled after the image data; it also shrinks a 12-megapixel photo to what a
screen needs.
"""

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
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


def check_photo(upload, *, label: str = "照片") -> CheckedPhoto:
    """Return the photo re-encoded, or raise ValidationError naming the field."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_PHOTO_BYTES:
        raise ValidationError(f"{label}过大：每张不能超过{MAX_PHOTO_BYTES // (1024 * 1024)}MB")
    if size == 0:
        raise ValidationError(f"{label}是空文件")
    upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError(f"{label}过大：每张不能超过{MAX_PHOTO_BYTES // (1024 * 1024)}MB")
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
