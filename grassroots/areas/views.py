from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from grassroots.access.scope import scope_of
from grassroots.areas import selectors
from grassroots.areas.models import Level
from grassroots.core.db_router import reads_from_replica
from grassroots.dashboards import homes
from grassroots.pairing import capabilities as pairing_caps
from grassroots.rules.roles import EDIT_RESIDENTS, VIEW_SENSITIVE


@login_required
@reads_from_replica
def home(request):
    """Everyone's first page after logging in, their 工作台: the cards of each role they hold
    (``dashboards.homes.home_for``), then their area; a Chinese word for an account that has neither.
    (request.current_area is lazy: ``or None`` turns a proxy of None into None.)"""
    area = request.current_area or None
    context = {"area": area, "home": homes.home_for(request.user, area)}
    if area is not None:
        context.update(
            summary=selectors.area_summary(request.user, area),
            children=selectors.children_with_counts(request.user, area),
            trail=list(area.ancestors()),
            grid_households=selectors.grid_households(request.user, area)
            if area.level == Level.GRID and context["home"].recording is None else None,
        )
    return render(request, "areas/home.html", context)


@login_required
def household_search(request):
    """Find a household by number or by a member's name, full pinyin or initials (wyblg)."""
    q = request.GET.get("q", "").strip()
    within = request.current_area or None
    results = selectors.search_households(request.user, q, within=within) if q else []
    template = "areas/_household_results.html" if request.htmx else "areas/household_search.html"
    return render(request, template, {"q": q, "results": results, "within": within})


@login_required
def household_detail(request, pk: int):
    household = selectors.household_detail(request.user, pk)
    scope = scope_of(request.user)
    return render(request, "areas/household_detail.html", {
        "household": household,
        "trail": list(household.grid.ancestors()),
        "show_sensitive": scope.can(VIEW_SENSITIVE, household.path),
        "show_mobile": scope.can(EDIT_RESIDENTS, household.path),
        "show_pairing": scope.can(pairing_caps.VIEW, household.path),
    })
