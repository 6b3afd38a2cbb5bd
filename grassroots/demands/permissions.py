"""Who may see and do what with a demand, built on access.scope (the one access helper).

Two ways in: a role on an area (its subtree, by capability), or membership of a unit (the demands routed to
that unit, as lead or supporting unit). As everywhere: outside both, a demand does not exist (404); seen but
not one's to act on, it is refused (403). The refusal itself is ``access.scope.refuse``; the services call
the ``authorise*`` functions with their actor (system actors pass), the views may call them first for a page.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from grassroots.access.scope import refuse, scope_of
from grassroots.demands.capabilities import CLAIM, VIEW
from grassroots.demands.models import Demand, UnitMember, WishClaim
from grassroots.rules.roles import VIEW_RESIDENTS


def unit_ids(user) -> frozenset[int]:
    """The units the user works for, read once per request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_demand_unit_ids", None)
    if cached is None:
        cached = frozenset(UnitMember.objects.filter(user=user, unit__is_active=True).values_list("unit_id", flat=True))
        user._demand_unit_ids = cached
    return cached


def demand_q(user) -> Q:
    """Demands the user may see: in their areas (demands.view) or routed to one of their units."""
    query = scope_of(user).q(VIEW)
    units = unit_ids(user)
    if units:
        supporting = Demand.supporting_units.through.objects.filter(demand_id=OuterRef("pk"), unit_id__in=units)
        query |= Q(lead_unit_id__in=units) | Exists(supporting)
    if user is not None and user.is_authenticated:
        # A claimant follows the wish they claimed (for themselves or for their unit).
        claimed = WishClaim.objects.filter(demand_id=OuterRef("pk")).filter(Q(user=user) | Q(unit_id__in=units))
        query |= Exists(claimed)
    return query


def _is_routed_to(user, demand, *, supporting: bool = True) -> bool:
    units = unit_ids(user)
    if not units:
        return False
    if demand.lead_unit_id in units:
        return True
    return supporting and demand.supporting_units.filter(pk__in=units).exists()


def can_see(user, demand) -> bool:
    if scope_of(user).can(VIEW, demand.path) or _is_routed_to(user, demand):
        return True
    if user is None or not user.is_authenticated:
        return False
    return demand.claims.filter(Q(user=user) | Q(unit_id__in=unit_ids(user))).exists()


def allowed(user, capability: str, demand) -> bool:
    """Whether ``capability`` is held on the demand's area."""
    return scope_of(user).can(capability, demand.path)


def authorise(actor, capability: str, demand) -> None:
    """``capability`` on the demand's area: 404 to whoever cannot see it, 403 to whoever only sees it.
    A system actor (command, scheduled job) passes, as with ``access.scope.authorise``."""
    if actor.is_system or allowed(actor.user, capability, demand):
        return
    refuse(seen=can_see(actor.user, demand))


def authorise_handler(actor, demand, *, supporting_ok: bool = False) -> None:
    """A member of the demand's lead unit (or of a supporting unit, for progress notes)."""
    if actor.is_system or is_handler(actor.user, demand):
        return
    if supporting_ok and _is_routed_to(actor.user, demand):
        return
    refuse(seen=can_see(actor.user, demand))


def authorise_claim(actor, demand, *, unit=None) -> None:
    """Claim a wish as a party member (``demands.claim`` on its area) or for one's unit (a unit of the
    caller's covering the wish's area)."""
    if actor.is_system:
        return
    if unit is None:
        authorise(actor, CLAIM, demand)
    elif unit.pk not in unit_ids(actor.user) or not demand.path.startswith(unit.path):
        refuse(seen=can_see(actor.user, demand))


def authorise_claimant(actor, claim) -> None:
    """Release or fulfil a claim: the one who claimed it, or a member of the unit it was claimed for."""
    if actor.is_system or is_claimant(actor.user, claim):
        return
    if can_see(actor.user, claim.demand):
        raise PermissionDenied("这不是您的认领")
    refuse(seen=False)


def is_claimant(user, claim) -> bool:
    return user is not None and (claim.user_id == user.pk or claim.unit_id in unit_ids(user))


def refuse_without(user, capability: str) -> None:
    """``access.scope.refuse_without`` for demands' pages with no object yet: 403 to someone who is in the
    system (an area role or a unit) but lacks ``capability`` anywhere, 404 to someone who sees nothing."""
    scope = scope_of(user)
    if not scope.paths(capability):
        refuse(seen=bool(scope.paths(VIEW_RESIDENTS) or scope.paths(VIEW) or unit_ids(user)))


def can_see_unit(user, unit) -> bool:
    return unit.pk in unit_ids(user) or scope_of(user).can(VIEW, unit.path)


def is_handler(user, demand) -> bool:
    return demand.lead_unit_id in unit_ids(user)
