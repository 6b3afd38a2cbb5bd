"""Public pages of a village's (or grid's) board, reached from the QR code: no account.

They show masked names only, never phone numbers, ID numbers, addresses of people, photos or internal notes.
Abuse protection: a per-address rate limit (core/ratelimit.py), a honeypot field, size limits on text and photos,
and an idempotency key in the form so a double tap files once.

A tracking code that does not exist, is malformed, or belongs to another area gets the same answer: the
same status and the same bytes (these pages carry no per-request token on that answer).
"""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.audit.context import Actor
from grassroots.core import ratelimit
from grassroots.demands import selectors, services
from grassroots.demands.forms import PublicDemandForm, RatingForm
from grassroots.demands.models import Demand
from grassroots.rules import tracking
from grassroots.rules.masking import mask_name


def _limited(request, area):
    return render(request, "demands/public/limited.html", {"area": area}, status=429)


def _not_found(request, area):
    return render(request, "demands/public/not_found.html", {"area": area}, status=404)


@require_http_methods(["GET", "POST"])
def intake(request, area_code: str):
    area = selectors.public_area(area_code)
    if request.method == "POST":
        if not ratelimit.check(request, "demands:intake").allowed:
            return _limited(request, area)
        form = PublicDemandForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                demand = services.create_demand(
                    actor=Actor.from_request(request), kind=d["kind"], text=d["text"], area=area,
                    channel=Demand.Channel.PUBLIC, category=d["category"], urgent=d["urgent"], address=d["address"],
                    contact_name=d["contact_name"], contact_phone=d["contact_phone"], photos=d["photos"],
                    idempotency_key=d["idempotency_key"])
            except services.ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return redirect("demands-public-track", area_code=area.code, code=demand.tracking_code)
        return render(request, "demands/public/intake.html", {"area": area, "form": form}, status=400)
    return render(request, "demands/public/intake.html", {"area": area, "form": PublicDemandForm()})


@require_GET
def lookup(request, area_code: str):
    area = selectors.public_area(area_code)
    code = request.GET.get("code", "")
    if code:
        return redirect("demands-public-track", area_code=area.code, code=tracking.normalize(code)[:20] or "-")
    return render(request, "demands/public/lookup.html", {"area": area})


def _track_context(area, demand, **extra):
    held = demand.claims.filter(status="held").select_related("unit").first() if demand.kind == Demand.Kind.WISH else None
    return {
        "area": area, "demand": demand, "code": tracking.display(demand.tracking_code),
        "events": selectors.public_timeline(demand), "claimant": selectors.claimant_label(held) if held else "",
        "resident": mask_name(demand.contact_name), "can_rate": demand.status == Demand.Status.RESOLVED,
        "rating_form": extra.get("rating_form") or RatingForm(), **extra,
    }


@require_GET
def track(request, area_code: str, code: str):
    area = selectors.public_area(area_code)
    if not ratelimit.check(request, "demands:track").allowed:
        return _limited(request, area)
    demand = selectors.public_demand(area, code)
    if demand is None:
        return _not_found(request, area)
    return render(request, "demands/public/track.html", _track_context(area, demand))


@require_POST
def rate(request, area_code: str, code: str):
    area = selectors.public_area(area_code)
    if not ratelimit.check(request, "demands:rate").allowed:
        return _limited(request, area)
    demand = selectors.public_demand(area, code)
    if demand is None:
        return _not_found(request, area)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate(actor=Actor.from_request(request), demand=demand, rating=form.cleaned_data["rating"],
                          comment=form.cleaned_data["comment"])
        except services.ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return redirect("demands-public-track", area_code=area.code, code=demand.tracking_code)
    demand.refresh_from_db()
    return render(request, "demands/public/track.html", _track_context(area, demand, rating_form=form), status=400)


@require_GET
def wishes(request, area_code: str):
    area = selectors.public_area(area_code)
    return render(request, "demands/public/wishes.html", {"area": area, "board": selectors.wish_board(area)})
