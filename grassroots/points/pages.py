"""What the points apps' pages share: the village a request works in, which points tabs the caller may
use, and the public pages' rate limits."""

from django.shortcuts import render

from grassroots.access.scope import access_area, scope_of
from grassroots.areas import selectors as area_selectors
from grassroots.areas.models import Level
from grassroots.claims import selectors as claims_selectors
from grassroots.core import ratelimit
from grassroots.points import capabilities as caps


def village_from_request(request):
    """The village the caller works in: ``?village=CODE`` or the current area (a grid's village).
    None above village level."""
    code = (request.GET.get("village") or request.POST.get("village") or "").strip()
    area = area_selectors.area_for(request.user, code) if code else request.current_area
    if not area:
        return None
    if area.level == Level.GRID:
        return area.parent
    if area.level == Level.VILLAGE:
        return area
    return None


def area_from_request(request, capability: str = caps.VIEW):
    """The area a list is narrowed to (``?area=CODE``, as a dashboard tile links it), or None without one: the
    caller must hold ``capability`` on it or above (404 otherwise, as for any area outside their scope)."""
    code = (request.GET.get("area") or "").strip()
    return access_area(request.user, code=code, capability=capability) if code else None


def rate_ok(request, scope: str) -> bool:
    """Count one public request of ``scope`` (objection, check) from the caller's address."""
    return ratelimit.check(request, f"points:{scope}").allowed


def points_can(user) -> dict:
    scope = scope_of(user)
    return {
        "view": bool(scope.paths(caps.VIEW)),
        "record": bool(scope.paths(caps.RECORD)),
        "manage_rules": bool(scope.paths(caps.MANAGE_RULES)),
        "decide": bool(scope.paths(caps.DECIDE_OBJECTIONS)),
        "review": scope.everything or bool({r for r, _ in scope.assignments} & claims_selectors.reviewer_roles()),
    }


def render_page(request, template: str, context: dict, status: int = 200):
    """render() with what the points tabs need: which of the points pages the caller may use."""
    if request.user.is_authenticated:
        context.setdefault("points_can", points_can(request.user))
    return render(request, template, context, status=status)
