"""A business refusal: the request is well formed, but the state of things refuses it (a claim already
decided, a settlement already published, stock run out). The pages show it like any ValidationError (it is
one); the API answers it 409 instead of 422 (api/errors.py ``api_errors``), so that a client can tell "fix
what you sent" (422) from "what you asked for cannot happen now" (409)."""

from django.core.exceptions import ValidationError


class Refusal(ValidationError):
    pass
