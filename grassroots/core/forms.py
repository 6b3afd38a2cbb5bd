"""Small helpers every app's forms share."""

from typing import NamedTuple

from django.core.exceptions import ValidationError

from grassroots.core.idempotency import IdempotencyConflict, run_once


class Done(NamedTuple):
    result: dict
    replayed: bool  # the form was sent before: ``result`` is the first time's


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


def run_form_once(request, form, *, action: str, work, let_through: tuple[type[Exception], ...] = ()) -> Done | None:
    """``work`` once per the form's idempotency key (the one mechanism, core.idempotency.run_once): the result,
    or the first one again for a form sent twice; None with the refusal on ``form`` (the service's errors
    under the fields they name, a key already used for another action above the form). A refusal in
    ``let_through`` is raised for the page to show its own way."""
    try:
        result, replayed = run_once(user=request.user, key=form.cleaned_data["idempotency_key"], action=action,
                                    work=work)
    except let_through:
        raise
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    except IdempotencyConflict as exc:
        form.add_error(None, str(exc))
        return None
    return Done(result, replayed)
