from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.access.grants import CAPABILITIES
from grassroots.access.scope import scope_of
from grassroots.dashboards import capabilities as dashboard_caps
from grassroots.demands import capabilities as demand_caps
from grassroots.demands.permissions import unit_ids as demand_unit_ids
from grassroots.pairing import capabilities as pairing_caps
from grassroots.pairing import selectors as pairing_selectors
from grassroots.party import capabilities as party_caps
from grassroots.points import capabilities as point_caps
from grassroots.rules import roles
from grassroots.settlement.models import CreditConsent
from grassroots.shop import capabilities as shop_caps
from grassroots.volunteers import capabilities as volunteer_caps
from grassroots.volunteers import selectors as volunteer_selectors


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


def pairing_visitor(user) -> bool:
    """Whether the user is the visitor of a pair in force today (the cadre, staff of a paired unit): read once per
    request, like ``unit_ids``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_pairing_visitor", None)
    if cached is None:
        cached = pairing_selectors.has_own_pairs(user, timezone.localdate())
        user._pairing_visitor = cached
    return cached


def volunteer_member(user) -> bool:
    """Whether the user is a registered volunteer or leads a team (志愿 in the header without an area role):
    read once per request, like ``pairing_visitor``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_volunteer_member", None)
    if cached is None:
        cached = (volunteer_selectors.volunteer_of(user) is not None
                  or volunteer_selectors.leads_any_team(user))
        user._volunteer_member = cached
    return cached


def nav_links(user, scope=None) -> list[dict]:
    """The header's links: each one only for a caller whom its page would serve (never a 403 or a 404).

    One place decides, per link, from the capabilities the pages themselves check (``refuse_without``,
    demands' ``permissions.refuse_without`` …), so a role never meets a menu entry that answers "未找到".
    """
    scope = scope or scope_of(user)
    caps = scope.capabilities()
    links = []

    def add(key, label, url, tab=True):
        # ``tab``: an everyday page, offered in the phone's bottom tab bar too (``tab_links``).
        links.append({"key": key, "label": label, "url": url, "tab": tab})

    if roles.VIEW_RESIDENTS in caps:
        add("households", _("查户"), reverse("household-search"))
    if dashboard_caps.VIEW in caps:
        # The home shows the area's tiles already; the full dashboard (drill-down, big screen, briefing) is a click on.
        add("dashboard", _("看板"), reverse("dashboard"), tab=False)
    if point_caps.VIEW in caps:
        add("points", _("积分"), reverse("points-home"))
    if shop_caps.VIEW in caps:
        add("shop", _("超市"), reverse("shop-home"))
    if demand_caps.VIEW in caps:
        add("demands", _("需求"), reverse("demands-list"))
    elif unit_ids(user):
        # Unit staff hold no area role: their demands are their unit's queue (the list sends them there).
        add("demands", _("需求"), reverse("demands-units"))
    if party_caps.VIEW in caps:
        add("party", _("党建"), reverse("party-home"))
    if pairing_caps.VIEW in caps:
        add("pairing", _("包联"), reverse("pairing-home"))
    elif pairing_visitor(user):
        # A cadre with no area role: their own pairs (the register and coverage pages would answer 404).
        add("pairing", _("包联"), reverse("pairing-my"))
    if volunteer_caps.VIEW in caps or volunteer_member(user):
        add("volunteers", _("志愿"), reverse("volunteers-home"))
    if credit_institution(user):
        add("credit", _("信用查询"), reverse("points-credit-lookup"))
    if roles.IMPORT_RESIDENTS in caps:
        add("import", _("导入"), "/imports/", tab=False)
    if roles.VIEW_AUDIT in caps:
        add("audit", _("审计"), reverse("audit-search"), tab=False)
    return links


TAB_LIMIT = 5  # the bottom tab bar: 工作台 and the first four everyday links of the caller's menu


def tab_links(links: list[dict], path: str) -> list[dict]:
    """The phone's bottom tab bar, made from the header's links (``nav_links`` decides who sees what): the home
    (工作台) first, then the caller's first everyday links, the one ``path`` is in marked ``on``."""
    home = reverse("home")
    tabs = [{"key": "home", "label": _("工作台"), "url": home},
            *[link for link in links if link["tab"]][:TAB_LIMIT - 1]]
    return [{**tab, "on": path == tab["url"] if tab["url"] == home else path.startswith(tab["url"])}
            for tab in tabs]


def party_sections(scope, path: str = "") -> list[dict]:
    """The party registers' sections a caller may open (the strip above every /party/ page, and the home page's
    党建 card), the one ``path`` is in marked ``on``. The 两新 census is kept by area: a secretary whose role is
    held on an organisation has none."""
    if party_caps.VIEW not in scope.capabilities():
        return []
    sections = [("members", _("党员"), "members-register"), ("meetings", _("三会一课"), "meetings-compliance"),
                ("development", _("发展党员"), "development-pipeline")]
    held_on_areas = scope.everything or any(
        role != roles.Role.ORGANISATION_SECRETARY and party_caps.VIEW in CAPABILITIES[roles.Role(role)]
        for role, _path in scope.assignments)
    if held_on_areas:
        sections.append(("neworgs", _("两新组织"), "neworgs-registers"))
    found = [{"key": key, "label": label, "url": reverse(name), "on": path.startswith(f"/party/{key}/")}
             for key, label, name in sections]
    home = {"key": "party", "label": _("党组织"), "url": reverse("party-home"),
            "on": path.startswith("/party/") and not any(s["on"] for s in found)}
    return [home, *found]


def shell(request):
    """What every page's header needs: who is here, where they are, what they may do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    caps = scope.capabilities()
    current_area = getattr(request, "current_area", None)
    links = nav_links(user, scope)
    return {
        # request.current_area is lazy: a caller with no area gets None here, not a proxy of None.
        "current_area": current_area or None,
        "role_labels": sorted({roles.ROLE_LABELS[roles.Role(role)] for role, _path in scope.assignments})
        or (["系统管理员"] if scope.everything else ["单位工作人员"] if unit_ids(user) else []),
        "nav_links": links,
        "tab_links": tab_links(links, request.path),
        "party_sections": party_sections(scope, request.path),
        "can": {
            "import": roles.IMPORT_RESIDENTS in caps,
            "export": roles.EXPORT_RESIDENTS in caps,
            "audit": roles.VIEW_AUDIT in caps,
            "edit": roles.EDIT_RESIDENTS in caps,
            # Somewhere: a page narrows further to the organisation in hand.
            "party_record": party_caps.RECORD in caps,
            "party_export": party_caps.EXPORT in caps,
        },
    }
