"""Pages of pairing (/pairing/): thin views over pairing.selectors and pairing.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.access.scope import access_pair
from grassroots.audit.context import Actor
from grassroots.core.days import asked_day
from grassroots.core.forms import run_form_once
from grassroots.pairing import selectors, services
from grassroots.pairing.models import Pair
from grassroots.pairing.visit_forms import VisitForm


def not_yet(request, **kwargs):
    """A reserved page that has not landed yet (urls.py). Remove once every page is in."""
    raise Http404("未找到")


# ---------------------------------------------------------------------- pairs

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits


@login_required
@require_GET
def pair_page(request, pk: int):
    """A pair: its windows of the year (as chips), the 走访 button, its visits newest first."""
    day, _ = asked_day(request)
    return render(request, "pairing/pair.html", {"page": selectors.pair_detail(request.user, pk, today=day)})


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request, pk: int):
    """The phone form: log a visit on a pair. A retried upload (the same hidden key) logs nothing twice."""
    pair = access_pair(request.user, pk=pk, queryset=Pair.objects.select_related(
        "visitor_user", "visitor_unit", "household", "area", "member", "enterprise"))
    actor = Actor.from_request(request)
    services.authorise_visit(actor, pair)
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            done = run_form_once(request, form, action=services.VISIT_CREATE, work=lambda: {"id": services.log_visit(
                actor=actor, pair=pair, visited_at=d["visited_at"], kind=d["kind"], notes=d["notes"],
                address=d["address"], latitude=d["latitude"], longitude=d["longitude"], photos=d["photos"],
                helps=d["helps"], problems=d["problems"]).pk})
            if done is not None:
                if not done.replayed:
                    messages.success(request, "走访已记录" + ("，收集的问题已转为诉求并派单" if d["problems"] else ""))
                return redirect("pairing-visit", pk=done.result["id"])
        status = 400
    else:
        form = VisitForm()
        status = 200
    return render(request, "pairing/visit_form.html",
                  {"form": form, "pair": pair, "title": services.pair_title(pair)}, status=status)


@login_required
@require_GET
def visit_page(request, pk: int):
    return render(request, "pairing/visit.html", {"page": selectors.visit_detail(request.user, pk)})


@login_required
@require_GET
def visit_photo(request, pk: int, photo: int):
    """A visit's photo, served privately to those who reach the pair."""
    found = selectors.visit_photo(request.user, pk, photo)
    response = FileResponse(found.image.open("rb"), content_type=found.content_type or "image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def household_page(request, pk: int):
    day, _ = asked_day(request)
    return render(request, "pairing/household.html",
                  {"page": selectors.household_pairing(request.user, pk, day=day)})

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch

# ---------------------------------------------------------------------- end of cloud branch
