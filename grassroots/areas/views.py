from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from grassroots.access.context_processors import credit_institution, pairing_visitor, volunteer_member
from grassroots.access.scope import scope_of
from grassroots.areas import selectors
from grassroots.areas.models import Level
from grassroots.core.db_router import reads_from_replica
from grassroots.demands import permissions
from grassroots.demands import selectors as demand_selectors
from grassroots.pairing import capabilities as pairing_caps
from grassroots.pairing import selectors as pairing_selectors
from grassroots.rules.roles import EDIT_RESIDENTS, VIEW_SENSITIVE
from grassroots.volunteers import capabilities as volunteer_caps
from grassroots.volunteers import selectors as volunteer_selectors


@login_required
@reads_from_replica
def home(request):
    """Everyone's first page after logging in: their area, their unit's queue, or both; a Chinese word for
    an account that has neither. (request.current_area is lazy: ``or None`` turns a proxy of None into None.)"""
    area = request.current_area or None
    context = {"area": area}
    if permissions.unit_ids(request.user):
        context["units"] = demand_selectors.unit_overview(request.user)
        context["credit_lookup"] = credit_institution(request.user)
    context["pairing"] = _pairing_card(request.user)
    context["volunteering"] = _volunteer_card(request.user)
    if area is not None:
        context.update(
            summary=selectors.area_summary(request.user, area),
            children=selectors.children_with_counts(request.user, area),
            trail=list(area.ancestors()),
            grid_households=selectors.grid_households(request.user, area) if area.level == Level.GRID else None,
        )
    return render(request, "areas/home.html", context)


def _pairing_card(user) -> dict | None:
    """包联走访: what is due this week for a visitor of pairs in force; the coverage link for pairing.VIEW."""
    mine = pairing_visitor(user)
    may_view = bool(scope_of(user).paths(pairing_caps.VIEW))
    if not mine and not may_view:
        return None
    due = pairing_selectors.due_this_week(user, day=timezone.localdate()) if mine else None
    return {"due": len(due.items) if due else None, "done": due.done if due else None, "may_view": may_view}


def _volunteer_card(user) -> dict | None:
    """志愿服务: a volunteer's own verified hours and stars; the overview link for volunteers.VIEW."""
    may_view = bool(scope_of(user).paths(volunteer_caps.VIEW))
    if not may_view and not volunteer_member(user):
        return None
    mine = volunteer_selectors.volunteer_of(user)
    return {"hours": mine.hours_text if mine else None, "stars": mine.stars if mine else None, "may_view": may_view}


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
