"""Text the database can keep: PostgreSQL refuses a NUL character in any text, and a lone UTF-16 surrogate
(JSON may carry ``"\\ud800"``) is no character at all and cannot be encoded. Both are refused at the door
(the API's schemas, every request's parameters, Open311) with a message naming the field, before a query
meets them; SQLite would take the NUL and the same data would then fail to move to PostgreSQL."""

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_reason(text: str) -> str | None:
    """Why ``text`` cannot be kept, in Chinese, or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "含有空字符（\\u0000），无法保存，请删去后重试"
    return "含有无效的字符编码（孤立的代理码点），无法保存，请删去后重试"


def first_unstorable(values) -> str | None:
    """The reason of the first unstorable string anywhere in ``values`` (a string, or lists and dicts of them,
    keys included), or None."""
    if isinstance(values, str):
        return unstorable_reason(values)
    if isinstance(values, dict):
        return first_unstorable(list(values.keys())) or first_unstorable(list(values.values()))
    if isinstance(values, (list, tuple)):
        for value in values:
            reason = first_unstorable(value)
            if reason:
                return reason
    return None
