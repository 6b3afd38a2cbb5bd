"""How personal data is shown where it must not be read in full."""


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
