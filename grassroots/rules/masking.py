"""How personal data is shown where it must not be read in full."""

import re
import unicodedata


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 乌云毕力格 → 乌***格. Public pages show only this form."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str) -> str:
    """150426199001011234 → 1504**********1234 (the region prefix and last four only)."""
    if not id_number:
        return ""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_mobile(mobile: str) -> str:
    """13812345678 → 138****5678."""
    if not mobile:
        return ""
    return mobile[:3] + "****" + mobile[-4:]


# ---------------------------------------------------------------------------------------------------------
# Mobiles and ID numbers inside a resident's free text
# ---------------------------------------------------------------------------------------------------------
#
# A resident writes a number however they like: 13912345678, 139-1234-5678, 139 1234 5678, +86-139-1234-5678,
# ０086 139…, full-width １３９１２３４５６７８, an 18-digit ID (last character X or x), a 15-digit old ID, or
# the ID in groups (150426 19800101 1234). Each character is folded to its NFKC form one for one (full-width
# digits and hyphens become ASCII, positions stay the same); the text is then read as runs of digit groups
# joined by a separator (white space, or one of - . – — with optional white space around it). Inside a run, any
# consecutive groups whose digits together are
#
# * a mobile: 11 digits 1[3-9]…, optionally led by the country code 86 / 0086 (and a "+" before the run);
# * an ID number: 18 characters (17 digits and a digit or X) or 15 digits, the first digit 1–9 and the
#   birth month 01–12 and day 01–31 in their places (the year 18xx–20xx for 18 characters); the check digit
#   is not checked, so a mistyped ID is masked as well
#
# are replaced by the masked form (139****5678, 1504**********1234, 1504*******1234). Everything else stays
# exactly as typed: dates (2026-12-05), times, amounts (1,500.00), household numbers (SQ-0001), landlines
# (0476-8123456: not a mobile) and 12-digit division codes (150426100001): these name an area, not a person,
# and are public on every board, so they are left visible.

_SEPARATOR = r"(?:\s*[-.–—]\s*|\s+)"
_GROUP_PATTERN = r"[0-9]+(?:[Xx](?![A-Za-z]))?"  # an ID's final X, not the X of a following word
_RUN = re.compile(rf"(?:\+\s*)?{_GROUP_PATTERN}(?:{_SEPARATOR}{_GROUP_PATTERN})*")
_GROUP = re.compile(_GROUP_PATTERN)
_MOBILE = re.compile(r"(?:0086|86)?(1[3-9][0-9]{9})")
_ID18 = re.compile(r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]")
_ID15 = re.compile(r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}")


def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def _masked_number(digits: str) -> str | None:
    """The masked form of ``digits`` (separators removed) if they are a mobile or an ID number, else None."""
    digits = digits.upper()
    if _ID18.fullmatch(digits) or _ID15.fullmatch(digits):
        return mask_id_number(digits)
    mobile = _MOBILE.fullmatch(digits)
    if mobile:
        return mask_mobile(mobile.group(1))
    return None


def _mask_run(folded: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(begin, end, masked) for each number inside the run folded[start:end], left to right."""
    groups = [(m.start(), m.end(), m.group()) for m in _GROUP.finditer(folded, start, end)]
    found, i = [], 0
    while i < len(groups):
        for j in range(len(groups) - 1, i - 1, -1):  # the longest number starting at group i
            masked = _masked_number("".join(digits for _, _, digits in groups[i:j + 1]))
            if masked is not None:
                begin = start if i == 0 and folded[start] == "+" else groups[i][0]  # "+86 …": the plus too
                found.append((begin, groups[j][1], masked))
                i = j + 1
                break
        else:
            i += 1
    return found


def mask_numbers(text: str) -> str:
    """``text`` with every mobile and ID number in it masked, however it was spelt; the rest as typed.

    联系13912345678 → 联系139****5678; 电话 +86-139-1234-5678。→ 电话 139****5678。;
    身份证150426 19800101 1234 → 身份证1504**********1234.
    """
    if not text:
        return text or ""
    folded = "".join(_fold(c) for c in text)
    spans: list[tuple[int, int, str]] = []  # positions in folded are positions in text: same length
    for run in _RUN.finditer(folded):
        spans.extend(_mask_run(folded, run.start(), run.end()))
    if not spans:
        return text
    out, last = [], 0
    for begin, end, masked in spans:
        out.append(text[last:begin])
        out.append(masked)
        last = end
    out.append(text[last:])
    return "".join(out)


def public_summary(text: str, limit: int = 40) -> str:
    """The one-line summary a public page shows: numbers masked first, then cut, so a cut never leaves
    part of a number readable."""
    flat = " ".join(mask_numbers(text or "").split())
    return flat if len(flat) <= limit else flat[:limit] + "…"
