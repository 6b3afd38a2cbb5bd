"""Pinyin keys for searching names: full pinyin and initials (wyblg finds 乌云毕力格).

Surnames have readings of their own (单 Shan, 曾 Zeng, 解 Xie …) that pypinyin's
word-level guess can get wrong, so a name's first character is read as a surname.
"""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Surnames whose surname reading differs from the commonest reading of the character.
SURNAME_READINGS: dict[str, list[str]] = {
    "单": ["shan"], "曾": ["zeng"], "解": ["xie"], "仇": ["qiu"], "区": ["ou"], "查": ["zha"], "朴": ["piao"],
    "乐": ["yue"], "盖": ["ge"], "缪": ["miao"], "召": ["shao"], "秘": ["bi"], "覃": ["qin"], "翟": ["zhai"],
    "种": ["chong"], "黑": ["he"], "句": ["gou"], "瞿": ["qu"], "员": ["yun"], "宓": ["mi"], "繁": ["po"],
    "尉": ["yu"], "重": ["chong"], "折": ["she"], "祭": ["zhai"], "那": ["na"], "柏": ["bai"], "薄": ["bo"],
    "单于": ["chan", "yu"], "尉迟": ["yu", "chi"], "长孙": ["zhang", "sun"], "澹台": ["tan", "tai"],
}


@lru_cache(maxsize=200_000)
def pinyin_keys(name: str, *, has_surname: bool = True) -> tuple[str, str]:
    """Return (full pinyin, initials), both lower-case ASCII without spaces.

    Mongolian names written in Han characters (乌云毕力格) have no Han surname: pass
    has_surname=False, or they are read character by character anyway since their first
    characters are rarely surname heteronyms.
    """
    text = "".join(ch for ch in (name or "") if not ch.isspace() and ch not in "·•.")
    if not text:
        return "", ""
    syllables: list[str] = []
    rest = text
    if has_surname:
        for length in (2, 1):
            head = rest[:length]
            if len(rest) > length and head in SURNAME_READINGS:
                syllables.extend(SURNAME_READINGS[head])
                rest = rest[length:]
                break
    syllables.extend(
        s.lower() for s in lazy_pinyin(rest, style=Style.NORMAL, errors=lambda chars: list(chars.lower()))
    )
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def normalise_query(query: str) -> str:
    return "".join(ch for ch in (query or "").lower() if ch.isalnum())
