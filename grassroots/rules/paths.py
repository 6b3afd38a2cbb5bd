"""Materialised area paths ("150000000000/150100000000/…/"): pure helpers, no Django."""


def path_prefixes(path: str) -> list[str]:
    """'a/b/c/' → ['a/', 'a/b/', 'a/b/c/']: the paths of an area and of every area above it."""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]
