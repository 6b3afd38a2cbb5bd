"""The one access helper. Every page, API route, export and admin list scopes through it.

A role held on an area reaches its whole subtree. Something outside the caller's areas
does not exist for them (404, same as missing); something inside that they may see but
not change is refused (403).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from grassroots.rules.roles import CAPABILITIES, VIEW_RESIDENTS, Role, paths_with


@dataclass(frozen=True)
class Scope:
    assignments: tuple[tuple[str, str], ...]  # (role, area path)
    everything: bool = False  # a superuser: the whole tree

    def paths(self, capability: str = VIEW_RESIDENTS) -> list[str]:
        if self.everything:
            return [""]
        return paths_with(list(self.assignments), capability)

    def can(self, capability: str, path: str) -> bool:
        return any(path.startswith(p) for p in self.paths(capability))

    def has_role(self, roles, path: str) -> bool:
        """Whether a role among ``roles`` is held on ``path`` or above it (review stages name roles)."""
        return self.everything or any(role in roles and path.startswith(held) for role, held in self.assignments)

    def capabilities(self) -> set[str]:
        if self.everything:
            return set().union(*CAPABILITIES.values())
        return set().union(*(CAPABILITIES[Role(role)] for role, _ in self.assignments)) if self.assignments else set()

    def q(self, capability: str = VIEW_RESIDENTS, field: str = "path") -> Q:
        paths = self.paths(capability)
        if not paths:
            return Q(pk__in=[])
        query = Q()
        for path in paths:
            query |= Q(**{f"{field}__startswith": path})
        return query


NO_SCOPE = Scope(assignments=())
SYSTEM_SCOPE = Scope(assignments=(), everything=True)


def scope_of(user) -> Scope:
    """The caller's scope, read once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_grassroots_scope", None)
    if cached is None:
        pairs = tuple(user.assignments.values_list("role", "area__path"))
        cached = Scope(assignments=pairs, everything=user.is_superuser)
        user._grassroots_scope = cached
    return cached


def visible(user, queryset: QuerySet, capability: str = VIEW_RESIDENTS, field: str = "path") -> QuerySet:
    """``queryset`` narrowed to the caller's subtree for ``capability``."""
    return queryset.filter(scope_of(user).q(capability, field))


def get_visible_or_404(user, queryset: QuerySet, *, field: str = "path", **lookup):
    """One object the caller may see; 404 when it is missing or outside their areas alike."""
    obj = visible(user, queryset, VIEW_RESIDENTS, field).filter(**lookup).first()
    if obj is None:
        raise Http404("未找到")
    return obj


def require(user, capability: str, path: str) -> None:
    """Refuse ``capability`` on ``path``: 404 to an outsider, 403 to a member who may only look."""
    scope = scope_of(user)
    if scope.can(capability, path):
        return
    if scope.can(VIEW_RESIDENTS, path):
        raise PermissionDenied("您没有执行此操作的权限")
    raise Http404("未找到")


def refuse_without(user, capability: str) -> None:
    """For a page with no object yet: 403 to a member who lacks ``capability`` everywhere, 404 to a
    stranger who sees nothing at all."""
    scope = scope_of(user)
    if scope.paths(capability):
        return
    if scope.paths(VIEW_RESIDENTS):
        raise PermissionDenied("您没有执行此操作的权限")
    raise Http404("未找到")


def actor_scope(actor) -> Scope:
    """The scope a service checks: a system actor (command, scheduled job) is not scoped."""
    return SYSTEM_SCOPE if actor.is_system else scope_of(actor.user)


def authorise(actor, capability: str, path: str) -> None:
    """``require`` for a service's actor; system actors pass."""
    if not actor.is_system:
        require(actor.user, capability, path)
