"""The one access helper. Every page, API route, export and admin list scopes through it.

A role held on an area reaches its whole subtree. Something outside the caller's areas
does not exist for them (404, same as missing); something inside that they may see but
not change is refused (403).
"""

from dataclasses import dataclass
from typing import NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from grassroots.access.grants import CAPABILITIES
from grassroots.areas.models import Area, Household, Level, Person
from grassroots.demands.models import UnitMember
from grassroots.pairing import capabilities as pairing_caps
from grassroots.pairing.models import Pair
from grassroots.party.models import Organisation
from grassroots.rules.roles import VIEW_RESIDENTS, Role, paths_with
from grassroots.volunteers import capabilities as volunteer_caps
from grassroots.volunteers.models import Activity, Team

NOT_FOUND = "未找到"
NO_PERMISSION = "您没有执行此操作的权限"


@dataclass(frozen=True)
class Scope:
    assignments: tuple[tuple[str, str], ...]  # (role, area path)
    everything: bool = False  # a superuser: the whole tree

    def paths(self, capability: str = VIEW_RESIDENTS) -> list[str]:
        if self.everything:
            return [""]
        return paths_with(list(self.assignments), capability, CAPABILITIES)

    def can(self, capability: str, path: str) -> bool:
        return any(path.startswith(p) for p in self.paths(capability))

    def reaches(self, capability: str, path: str) -> bool:
        """Whether ``capability`` is held on ``path``, above it or inside it: a grid worker, whose role sits
        on one grid, works inside the village and reaches the village's catalogue, ledger and board."""
        return any(path.startswith(p) or p.startswith(path) for p in self.paths(capability))

    def has_role(self, roles, path: str) -> bool:
        """Whether a role among ``roles`` is held on ``path`` or above it (review stages name roles)."""
        return self.everything or any(role in roles and path.startswith(held) for role, held in self.assignments)

    def capabilities(self) -> set[str]:
        if self.everything:
            return set().union(*CAPABILITIES.values())
        return set().union(*(CAPABILITIES[Role(role)] for role, _ in self.assignments)) if self.assignments else set()

    def q(self, capability: str = VIEW_RESIDENTS, field: str = "path", *also: str) -> Q:
        """Rows whose ``field`` (or any of the ``also`` fields) lies in the caller's subtree for ``capability``."""
        paths = self.paths(capability)
        if not paths:
            return Q(pk__in=[])
        query = Q()
        for name in (field, *also):
            for path in paths:
                query |= Q(**{f"{name}__startswith": path})
        return query


NO_SCOPE = Scope(assignments=())
SYSTEM_SCOPE = Scope(assignments=(), everything=True)


def scope_of(user) -> Scope:
    """The caller's scope, read once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_grassroots_scope", None)
    if cached is None:
        pairs = tuple((role, organisation_path or area_path) for role, area_path, organisation_path
                      in user.assignments.values_list("role", "area__path", "organisation__path"))
        cached = Scope(assignments=pairs, everything=user.is_superuser)
        user._grassroots_scope = cached
    return cached


def visible(user, queryset: QuerySet, capability: str = VIEW_RESIDENTS, field: str = "path") -> QuerySet:
    """``queryset`` narrowed to the caller's subtree for ``capability``."""
    return queryset.filter(scope_of(user).q(capability, field))


# The access_* family: fetch one thing by its identifier for a caller and a capability. Missing and
# not-yours answer alike (404), so an outsider learns nothing from the answer (zulip's access_stream_by_id).


def access_object(user, queryset: QuerySet, *, capability: str = VIEW_RESIDENTS, field: str = "path", **lookup):
    """One object of ``queryset`` within the caller's subtree for ``capability``; 404 otherwise."""
    obj = visible(user, queryset, capability, field).filter(**lookup).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def access_scoped(queryset: QuerySet, **lookup):
    """One object of a ``queryset`` already narrowed to the caller by its app's own rule (demands: areas and
    unit membership; a shop: the villages it serves), or guarded by a check that follows (``authorise``);
    404 when it is not there, missing or not-yours alike."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def access_path(user, *, path: str, capability: str = VIEW_RESIDENTS) -> None:
    """For an object already in hand (an area, a unit): 404 unless ``capability`` is held on ``path``."""
    if not scope_of(user).can(capability, path):
        raise Http404(NOT_FOUND)


def access_area(user, *, code: str | None = None, pk: int | None = None, capability: str = VIEW_RESIDENTS,
                level: str | None = None, from_inside: bool = False) -> Area:
    """The area named by ``code`` or ``pk`` (of ``level`` when given). By default the caller must hold
    ``capability`` on it or above it; ``from_inside`` also admits a role held inside it (a grid worker
    reaching their village)."""
    if (code is None) == (pk is None):
        raise TypeError("access_area takes code or pk")
    areas = Area.objects.select_related("parent")
    if level is not None:
        areas = areas.filter(level=level)
    area = areas.filter(**({"code": code.strip()} if code is not None else {"pk": pk})).first()
    scope = scope_of(user)
    allowed = scope.reaches(capability, area.path) if from_inside and area else area and scope.can(capability, area.path)
    if not allowed:
        raise Http404(NOT_FOUND)
    return area


def access_village(user, *, code: str | None = None, pk: int | None = None, capability: str = VIEW_RESIDENTS,
                   from_inside: bool = False) -> Area:
    """A village (嘎查村社区) by ``code`` or ``pk``; see ``access_area``."""
    return access_area(user, code=code, pk=pk, capability=capability, level=Level.VILLAGE, from_inside=from_inside)


def access_household(user, *, pk: int, capability: str = VIEW_RESIDENTS, queryset: QuerySet | None = None) -> Household:
    """A household in the caller's subtree for ``capability``; 404 otherwise."""
    return access_object(user, queryset if queryset is not None else Household.objects.all(),
                         capability=capability, pk=pk)


def access_person(user, *, pk: int, capability: str = VIEW_RESIDENTS, queryset: QuerySet | None = None) -> Person:
    """A person in the caller's subtree for ``capability``; 404 otherwise."""
    return access_object(user, queryset if queryset is not None else Person.objects.all(), capability=capability, pk=pk)


# Party organisations sit in two trees at once (party/models.py): an area role reaches them through the area they
# sit in (``area_path``), an organisation secretary through the organisation tree (``path``).


def organisation_fields(via: str = "") -> tuple[str, str]:
    return f"{via}path", f"{via}area_path"


def visible_organisations(user, queryset: QuerySet, capability: str, *, via: str = "") -> QuerySet:
    """``queryset`` of organisations, or of rows that belong to one (``via="organisation__"``), narrowed to the
    organisations the caller reaches for ``capability``."""
    return queryset.filter(scope_of(user).q(capability, *organisation_fields(via)))


def reaches_organisation(user, capability: str, organisation: Organisation) -> bool:
    scope = scope_of(user)
    return scope.can(capability, organisation.path) or scope.can(capability, organisation.area_path)


def access_organisation(user, *, pk: int, capability: str, queryset: QuerySet | None = None) -> Organisation:
    """A party organisation the caller reaches for ``capability``; 404 otherwise."""
    organisations = queryset if queryset is not None else Organisation.objects.select_related("area", "parent")
    obj = visible_organisations(user, organisations, capability).filter(pk=pk).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def require_organisation(user, capability: str, organisation: Organisation, *, seen_with: str) -> None:
    """Refuse ``capability`` on ``organisation``: 403 to a caller who holds ``seen_with`` there (may only look),
    404 to anyone else."""
    if not reaches_organisation(user, capability, organisation):
        refuse(seen=reaches_organisation(user, seen_with, organisation))


def authorise_organisation(actor, capability: str, organisation: Organisation, *, seen_with: str) -> None:
    """``require_organisation`` for a service's actor; system actors pass."""
    if not actor.is_system:
        require_organisation(actor.user, capability, organisation, seen_with=seen_with)


# Pairs (pairing/): an area role reaches a pair through its target's area (``path``); the pair's own visitor (the
# cadre's account, a member of the unit) reaches it whatever roles they hold, and the households in the pairs they
# are in force for. Nothing else: a cadre with no role sees their pairs and nothing more.


def own_pairs_q(user, *, via: str = "") -> Q:
    """Pairs whose visitor is ``user`` or a unit ``user`` works for."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    units = UnitMember.objects.filter(user=user, unit__is_active=True).values("unit_id")
    return Q(**{f"{via}visitor_user": user}) | Q(**{f"{via}visitor_unit__in": units})


def visible_pairs(user, queryset: QuerySet, capability: str = pairing_caps.VIEW, *, via: str = "") -> QuerySet:
    """``queryset`` of pairs (or of rows that belong to one, ``via="pair__"``) narrowed to the caller's: their own
    as visitor, and those in their subtree for ``capability``."""
    return queryset.filter(scope_of(user).q(capability, f"{via}path") | own_pairs_q(user, via=via))


def access_pair(user, *, pk: int, capability: str = pairing_caps.VIEW, queryset: QuerySet | None = None) -> Pair:
    """A pair the caller reaches (see ``visible_pairs``); 404 otherwise."""
    obj = visible_pairs(user, queryset if queryset is not None else Pair.objects.all(), capability).filter(pk=pk).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def access_paired_household(user, *, pk: int, day, capability: str = VIEW_RESIDENTS,
                            queryset: QuerySet | None = None) -> Household:
    """A household in the caller's subtree for ``capability``, or in a pair of theirs in force on ``day``;
    404 otherwise."""
    households = queryset if queryset is not None else Household.objects.all()
    in_force = Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    paired = Pair.objects.filter(own_pairs_q(user), in_force, household_id=pk).exists()
    obj = (households if paired else visible(user, households, capability)).filter(pk=pk).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


# Volunteer teams (volunteers/): an area role reaches a team, its activities, sign-ups and hours through the area it
# serves (``path``); a team's own leader (their account) and the staff of a unit that owns the team run it whatever
# roles they hold. A volunteer reaches their own sign-ups through their account (volunteers.selectors).


def led_teams_q(user, *, via: str = "") -> Q:
    """Teams ``user`` leads, or owned by a unit ``user`` works for."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    units = UnitMember.objects.filter(user=user, unit__is_active=True).values("unit_id")
    return Q(**{f"{via}leader__user": user}) | Q(**{f"{via}unit__in": units})


def visible_teams(user, queryset: QuerySet, capability: str = volunteer_caps.VIEW, *, via: str = "") -> QuerySet:
    """``queryset`` of teams (or of rows that belong to one, ``via="team__"``) narrowed to the caller's: those they
    lead, and those serving their subtree for ``capability``. Rows with a path of their own (activities, sign-ups)
    are scoped by it; a team's path and its activities' paths lie in the same area."""
    return queryset.filter(scope_of(user).q(capability, "path") | led_teams_q(user, via=via))


def access_team(user, *, pk: int, capability: str = volunteer_caps.VIEW, queryset: QuerySet | None = None) -> Team:
    """A team the caller leads or reaches by area for ``capability``; 404 otherwise (403 is the caller's to say
    through ``require_team`` when they may look but not change)."""
    obj = visible_teams(user, queryset if queryset is not None else Team.objects.all(), capability).filter(pk=pk).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def access_activity(user, *, pk: int, capability: str = volunteer_caps.VIEW,
                    queryset: QuerySet | None = None) -> Activity:
    """An activity of a team the caller leads, or in their subtree for ``capability``; 404 otherwise."""
    activities = queryset if queryset is not None else Activity.objects.select_related("team")
    obj = visible_teams(user, activities, capability, via="team__").filter(pk=pk).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def leads_team(user, team: Team) -> bool:
    return Team.objects.filter(led_teams_q(user), pk=team.pk).exists()


def require_team(user, team: Team, capability: str = volunteer_caps.MANAGE) -> None:
    """Refuse running ``team`` (its activities, hours, rota): its leader and ``capability`` on its area pass;
    403 to a caller who may look at it, 404 to anyone else."""
    scope = scope_of(user)
    if scope.can(capability, team.path) or leads_team(user, team):
        return
    refuse(seen=scope.can(volunteer_caps.VIEW, team.path))


def authorise_team(actor, team: Team, capability: str = volunteer_caps.MANAGE) -> None:
    """``require_team`` for a service's actor; system actors pass."""
    if not actor.is_system:
        require_team(actor.user, team, capability)


def refuse(*, seen: bool) -> NoReturn:
    """The one refusal: 403 to a caller who may see the thing, 404 (as if missing) to one who may not.
    An app with a rule of its own for who sees what (demands' unit membership) refuses through it."""
    if seen:
        raise PermissionDenied(NO_PERMISSION)
    raise Http404(NOT_FOUND)


def require(user, capability: str, path: str) -> None:
    """Refuse ``capability`` on ``path``: 404 to an outsider, 403 to a member who may only look."""
    scope = scope_of(user)
    if not scope.can(capability, path):
        refuse(seen=scope.can(VIEW_RESIDENTS, path))


def refuse_without(user, capability: str) -> None:
    """For a page with no object yet: 403 to a member who lacks ``capability`` everywhere, 404 to a
    stranger who sees nothing at all."""
    scope = scope_of(user)
    if not scope.paths(capability):
        refuse(seen=bool(scope.paths(VIEW_RESIDENTS)))


def actor_scope(actor) -> Scope:
    """The scope a service checks: a system actor (command, scheduled job) is not scoped."""
    return SYSTEM_SCOPE if actor.is_system else scope_of(actor.user)


def authorise(actor, capability: str, path: str) -> None:
    """``require`` for a service's actor; system actors pass."""
    if not actor.is_system:
        require(actor.user, capability, path)


def reachable(user, queryset: QuerySet, capability: str) -> QuerySet:
    """Village-wide things (whose path is the village's) the caller reaches: within their areas, or above a
    grid of theirs (a grid worker sees their village's settlement)."""
    scope = scope_of(user)
    above = {held[:i + 1] for held in scope.paths(capability) for i, ch in enumerate(held) if ch == "/"}
    return queryset.filter(scope.q(capability) | Q(path__in=sorted(above)))


def access_reachable(user, queryset: QuerySet, *, capability: str, **lookup):
    """One object of ``queryset`` the caller reaches (see ``reachable``); 404 otherwise."""
    obj = reachable(user, queryset, capability).filter(**lookup).first()
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj
