"""Pages of volunteer service. Thin: forms and selectors in, services out (docs/conventions.md)."""

from django.http import Http404

# ================================================================================================ sites, teams, volunteers, public (section A)


def home(request, *args, **kwargs):  # placeholder: section A replaces it
    raise Http404


def team_page(request, pk: int):  # placeholder: section A replaces it
    raise Http404


def public_calendar(request, *args, **kwargs):  # placeholder: section A replaces it
    raise Http404


# ================================================================================================ activities, sign-ups, check-in, hours (section B)


def my_service(request):  # placeholder: section B replaces it
    raise Http404


def activity_page(request, pk: int):  # placeholder: section B replaces it
    raise Http404


def hours_queue(request):  # placeholder: section B replaces it
    raise Http404


# ================================================================================================ rotas (section C)


# ================================================================================================ hours → points, 双报到, 点单 (section D)
