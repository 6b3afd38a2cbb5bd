"""MLPS level 2 password strength: at least 8 characters, 3 of the 4 character classes."""

import string

MIN_LENGTH = 8
MIN_CLASSES = 3


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


def password_problems(password: str) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少{MIN_LENGTH}位")
    if character_classes(password) < MIN_CLASSES:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    return problems
