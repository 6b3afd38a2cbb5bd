"""Mainland mobile numbers, normalised to 11 digits."""

import phonenumbers


class MobileError(ValueError):
    pass


def normalise_mobile(raw: str) -> str:
    """'+86 138-1234-5678' → '13812345678'; anything that is not a mainland mobile raises MobileError."""
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise MobileError("手机号格式不正确") from None
    national = str(number.national_number)
    if number.country_code != 86 or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ) or len(national) != 11:
        raise MobileError("手机号应为11位中国大陆手机号")
    return national
