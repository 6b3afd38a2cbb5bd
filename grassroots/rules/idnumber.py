"""Resident ID numbers (GB 11643-1999): check digit and birth date, via python-stdnum."""

from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent, ValidationError


class IdNumberError(ValueError):
    pass


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    gender: str  # "M" or "F": the 17th digit is odd for men


# First two digits: the province-level codes of GB/T 2260.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate and normalise an 18-digit ID number; raise IdNumberError with a Chinese message.

    python-stdnum checks the check digit and the birth date. Its birth-place check is not
    used: it ties a county code to the birth year, but people born before a county was
    renamed (翁牛特旗 became 150426 in 1983) hold numbers with the new code.
    """
    value = ric.compact(raw or "")
    if len(value) != 18:
        raise IdNumberError("身份证号应为18位")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise IdNumberError("身份证号格式不正确")
    if value[:2] not in PROVINCE_CODES:
        raise IdNumberError("身份证号的地区码无效")
    try:
        birth = ric.get_birth_date(value)
    except (InvalidComponent, ValidationError, ValueError):
        raise IdNumberError("身份证号中的出生日期无效") from None
    if value[17] != ric.calc_check_digit(value):
        raise IdNumberError("身份证号校验位不正确")
    if birth > (today or date.today()):
        raise IdNumberError("身份证号中的出生日期晚于今天")
    return IdNumber(value=value, birth_date=birth, gender="M" if int(value[16]) % 2 else "F")


def make_id_number(area_code: str, birth: date, sequence: int) -> str:
    """Build a valid number for synthetic data: 6-digit area, birth date, 3-digit sequence, check digit."""
    body = f"{area_code[:6]}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit
