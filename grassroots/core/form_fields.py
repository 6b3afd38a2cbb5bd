"""Form pieces every app's pages share: a hidden idempotency key, id lists, photo uploads."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from grassroots.api.ids import MAX_ID
from grassroots.core.photos import check_photo

MAX_PHOTO_BYTES = 8 * 1024 * 1024


def field_messages(label: str, **extra) -> dict:
    return {"required": f"请填写{label}", "invalid": f"{label}格式不正确", **extra}


class IdempotentForm(forms.Form):
    """A create a phone may retry carries a key made when the form was drawn; the view runs it once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class IdsField(forms.Field):
    """A list of ids from repeated inputs (checkboxes) or a hidden field."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, label: str, **kwargs):
        super().__init__(label=label, **kwargs)
        self.error_messages["required"] = f"请选择{label}"

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        ids = []
        for v in values:
            text = str(v).strip()
            # isdecimal, not isdigit: int("²") fails; the API's bound, so an id past what SQLite can
            # bind (OverflowError) is refused here rather than answered 500.
            if not (text.isascii() and text.isdecimal() and len(text) <= 16 and 1 <= int(text) <= MAX_ID):
                raise ValidationError(f"{self.label}：编号无效")
            ids.append(int(text))
        return ids


class PhotoField(forms.ImageField):
    default_error_messages = {
        "invalid_image": "照片：请上传图片（jpg、png 等）",
        "invalid": "照片：请上传图片（jpg、png 等）",
        "empty": "照片：文件是空的",
        "missing": "照片：没有收到文件",
    }

    def clean(self, data, initial=None):
        """The photo re-encoded (``core.photos.CheckedPhoto``: EXIF, the phone's GPS position and
        camera tags dropped), or ``None``."""
        value = super().clean(data, initial)
        if value and getattr(value, "size", 0) > MAX_PHOTO_BYTES:
            raise ValidationError(f"照片：不能超过{MAX_PHOTO_BYTES // (1024 * 1024)}MB")
        if not value:
            return None
        return check_photo(value, label="照片", max_bytes=MAX_PHOTO_BYTES)


def photo_field() -> PhotoField:
    return PhotoField(label="照片", required=False, widget=forms.ClearableFileInput(
        attrs={"accept": "image/*", "capture": "environment"}))
