"""Area paths: the chain of division codes from the root, each followed by "/"."""


def common_path(paths: list[str]) -> str:
    """The deepest area path that every one of ``paths`` lies in ("" when they share no area)."""
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    common = first[: next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))]
    return common[: common.rfind("/") + 1]
