"""Small helpers every app's forms share."""

from django.core.exceptions import ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: under the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def int_or_none(value) -> int | None:
    """A typed or posted whole number, or None for anything else."""
    value = (value or "").strip()
    # isdecimal and ASCII, not isdigit: int("²") raises; at most 18 digits, so an id stays below what
    # SQLite can bind (past 2**63 it raised OverflowError, a 500).
    return int(value) if value.isascii() and value.isdecimal() and len(value) <= 18 else None
