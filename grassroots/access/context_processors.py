from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grassroots.access.scope import scope_of
from grassroots.demands import capabilities as demand_caps
from grassroots.demands.permissions import unit_ids as demand_unit_ids
from grassroots.points import capabilities as point_caps
from grassroots.rules import roles
from grassroots.settlement.models import CreditConsent
from grassroots.shop import capabilities as shop_caps


def unit_ids(user) -> frozenset[int]:
    """The demand units the user works for (read once per request by demands.permissions)."""
    return demand_unit_ids(user)


def credit_institution(user) -> bool:
    """Whether the user works for a unit that households named in a credit consent (a credit co-operative):
    the credit look-up is for them; for other units it could only ever refuse."""
    units = unit_ids(user)
    if not units:
        return False
    return CreditConsent.objects.filter(institution_id__in=units).exists()


def nav_links(user, scope=None) -> list[dict]:
    """The header's links: each one only for a caller whom its page would serve (never a 403 or a 404).

    One place decides, per link, from the capabilities the pages themselves check (``refuse_without``,
    demands' ``permissions.refuse_without`` …), so a role never meets a menu entry that answers "未找到".
    """
    scope = scope or scope_of(user)
    caps = scope.capabilities()
    links = []

    def add(key, label, url):
        links.append({"key": key, "label": label, "url": url})

    if roles.VIEW_RESIDENTS in caps:
        add("households", _("查户"), reverse("household-search"))
    if point_caps.VIEW in caps:
        add("points", _("积分"), reverse("points-home"))
    if shop_caps.VIEW in caps:
        add("shop", _("超市"), reverse("shop-home"))
    if demand_caps.VIEW in caps:
        add("demands", _("需求"), reverse("demands-list"))
    elif unit_ids(user):
        # Unit staff hold no area role: their demands are their unit's queue (the list sends them there).
        add("demands", _("需求"), reverse("demands-units"))
    if credit_institution(user):
        add("credit", _("信用查询"), reverse("points-credit-lookup"))
    if roles.IMPORT_RESIDENTS in caps:
        add("import", _("导入"), "/imports/")
    if roles.VIEW_AUDIT in caps:
        add("audit", _("审计"), reverse("audit-search"))
    return links


def shell(request):
    """What every page's header needs: who is here, where they are, what they may do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    caps = scope.capabilities()
    current_area = getattr(request, "current_area", None)
    return {
        # request.current_area is lazy: a caller with no area gets None here, not a proxy of None.
        "current_area": current_area or None,
        "role_labels": sorted({roles.ROLE_LABELS[roles.Role(role)] for role, _path in scope.assignments})
        or (["系统管理员"] if scope.everything else ["单位工作人员"] if unit_ids(user) else []),
        "nav_links": nav_links(user, scope),
        "can": {
            "import": roles.IMPORT_RESIDENTS in caps,
            "export": roles.EXPORT_RESIDENTS in caps,
            "audit": roles.VIEW_AUDIT in caps,
            "edit": roles.EDIT_RESIDENTS in caps,
        },
    }
