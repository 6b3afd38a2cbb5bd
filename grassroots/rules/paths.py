"""Materialised area paths ("150000000000/150100000000/…/"): pure helpers, no Django."""


def path_prefixes(path: str) -> list[str]:
    """'a/b/c/' → ['a/', 'a/b/', 'a/b/c/']: the paths of an area and of every area above it."""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def common_path(paths: list[str]) -> str:
    """The deepest area path that every one of ``paths`` lies in ("" when they share no area)."""
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    common = first[: next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))]
    return common[: common.rfind("/") + 1]
