"""Writes of volunteer service: practice sites, teams and their members, volunteers (registered with consent),
activities, sign-ups with a waiting list, check-in and check-out (the automatic checkout of a forgotten one),
no-shows, hours a leader confirms, rotas, the points claims confirmed hours propose, and 点单—派单 of wishes.

Each public function: keyword-only, one transaction, audited. Who may: ``MANAGE`` on the area (sites, teams,
activities, confirming hours), or the team's own leader for the team's activities and hours
(access/scope.py ``authorise_team``); a volunteer signs up, cancels, checks in and out for themselves.

Slots are never overbooked: a sign-up locks its activity's row, counts the places taken and takes one or joins
the waiting list, so concurrent sign-ups are serial (docs/locking.md).
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from grassroots.access.scope import authorise_team, leads_team, refuse, scope_of
from grassroots.areas.models import Area, Level, Person
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.catalogue.models import Rule
from grassroots.catalogue.selectors import version_in_force
from grassroots.claims.services import cap_problem, record_claims
from grassroots.core.refusals import Refusal
from grassroots.core.tasks import enqueue
from grassroots.demands import services as demand_services
from grassroots.demands.models import Demand, Unit, WishClaim
from grassroots.members.models import Member
from grassroots.rules import rota as rota_rules
from grassroots.rules import volunteering as rules
from grassroots.rules.points import claim_points, period_bounds
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers import selectors
from grassroots.volunteers.models import (
    Activity,
    Dispatch,
    HoursClaim,
    HoursRule,
    Rota,
    RotaTurn,
    SignUp,
    Site,
    Team,
    TeamMember,
    Volunteer,
)

# The consent a volunteer gives on registering (shown on the form; its version is stored with the volunteer).
CONSENT_VERSION = "2026-12"
CONSENT_TEXT = ("本人自愿注册为志愿者，同意本平台保存本人姓名、手机号、技能特长和可服务时间，"
                "用于志愿活动的招募、签到和服务时长记录；公开页面仅显示打码姓名。本人可随时申请注销。")

# Check-in opens this long before an activity starts.
CHECK_IN_OPENS = timedelta(minutes=60)

SITE_LEVEL_FOR_AREA = {Level.COUNTY: Site.Level.CENTRE, Level.TOWNSHIP: Site.Level.INSTITUTE,
                       Level.VILLAGE: Site.Level.STATION}


def _authorise_manage(actor: Actor, path: str) -> None:
    """403 to a caller who may look at ``path``'s volunteer service, 404 to anyone else; system actors pass."""
    if actor.is_system:
        return
    scope = scope_of(actor.user)
    if not scope.can(caps.MANAGE, path):
        refuse(seen=scope.can(caps.VIEW, path))


def _own_volunteer(actor: Actor, volunteer: Volunteer) -> None:
    """A volunteer acts for themselves; a team leader or ``MANAGE`` may act for them (checked by the caller)."""
    if actor.is_system or (volunteer.user_id is not None and volunteer.user_id == actor.user.pk):
        return
    raise PermissionDenied("只能为本人报名、签到或签退")


# ------------------------------------------------------------------------------------------------ sites and teams


@transaction.atomic
def create_site(*, actor: Actor, area: Area, name: str, level: str | None = None, address: str = "",
                opening_hours: str = "", offers: str = "", phone: str = "") -> Site:
    """A practice site on ``area``; its level follows the area's (centre, institute, station) unless it is a point.
    Its parent is the site one level up the tree, when there is one."""
    _authorise_manage(actor, area.path)
    level = level or SITE_LEVEL_FOR_AREA.get(area.level)
    if level is None:
        raise ValidationError({"level": f"{area.name}不能设新时代文明实践中心、所、站，请选择“实践点”"})
    if level != Site.Level.POINT and SITE_LEVEL_FOR_AREA.get(area.level) != level:
        raise ValidationError({"level": f"{Site.Level(level).label}应设在{_level_area_label(level)}，{area.name}不是"})
    if not name.strip():
        raise ValidationError({"name": "请填写阵地名称"})
    if level != Site.Level.POINT and Site.objects.filter(area=area, level=level).exists():
        raise Refusal({"level": f"{area.name}已有{Site.Level(level).label}"})
    parent = (Site.objects.filter(area__in=_ancestors(area), is_active=True).exclude(level=Site.Level.POINT)
              .order_by("-path").first())
    site = Site.objects.create(level=level, name=name.strip()[:100], area=area, path=area.path, parent=parent,
                               address=address.strip()[:200], opening_hours=opening_hours.strip()[:100],
                               offers=offers.strip(), phone=phone.strip()[:20])
    record(actor=actor, action="volunteers.site.create", obj=site, data={"level": level, "name": site.name})
    return site


def _level_area_label(level: str) -> str:
    return {Site.Level.CENTRE: "旗县", Site.Level.INSTITUTE: "苏木乡镇（街道）", Site.Level.STATION: "嘎查村（社区）"}[level]


def _ancestors(area: Area) -> list[Area]:
    """``area`` and the areas above it (paths are prefixes)."""
    prefixes = [area.path[:i + 1] for i, ch in enumerate(area.path) if ch == "/"]
    return list(Area.objects.filter(path__in=prefixes))


# ------------------------------------------------------------------------------------------------

SITE_CREATE = "volunteers.site.create"
SITE_UPDATE = "volunteers.site.update"
TEAM_CREATE = "volunteers.team.create"
TEAM_JOIN = "volunteers.team.join"
VOLUNTEER_REGISTER = "volunteers.volunteer.register"
VOLUNTEER_UPDATE = "volunteers.volunteer.update"


@transaction.atomic
def update_site(*, actor: Actor, site: Site, name: str, address: str = "", opening_hours: str = "",
                offers: str = "", phone: str = "", is_active: bool = True) -> Site:
    """Change a site's name, address, opening hours, offers, phone or whether it is open (``MANAGE`` on its area).
    Its level, area and parent stay."""
    _authorise_manage(actor, site.path)
    if not name.strip():
        raise ValidationError({"name": "请填写阵地名称"})
    before = {"name": site.name, "is_active": site.is_active}
    site.name, site.address = name.strip()[:100], address.strip()[:200]
    site.opening_hours, site.offers, site.phone = opening_hours.strip()[:100], offers.strip(), phone.strip()[:20]
    site.is_active = is_active
    site.save(update_fields=["name", "address", "opening_hours", "offers", "phone", "is_active"])
    record(actor=actor, action="volunteers.site.update", obj=site,
           data={"before": before, "name": site.name, "is_active": is_active})
    return site


@transaction.atomic
def create_team(*, actor: Actor, name: str, site: Site | None = None, unit: Unit | None = None,
                area: Area | None = None, specialty: str = Team.Specialty.OTHER, description: str = "",
                leader: Volunteer | None = None) -> Team:
    """A team of a site (serving the site's area) or of a unit (serving ``area``, by default the unit's)."""
    if site is None and unit is None:
        raise ValidationError({"site": "服务队须属于一个实践阵地或一个单位"})
    area = area or (site.area if site is not None else unit.area)
    _authorise_manage(actor, area.path)
    if not name.strip():
        raise ValidationError({"name": "请填写队名"})
    if specialty not in Team.Specialty.values:
        raise ValidationError({"specialty": "请选择服务专长"})
    team = Team.objects.create(name=name.strip()[:100], site=site, unit=unit, area=area, path=area.path,
                               specialty=specialty, description=description.strip()[:300], leader=leader)
    if leader is not None:
        TeamMember.objects.get_or_create(team=team, volunteer=leader, left_on=None,
                                         defaults={"joined_on": timezone.localdate()})
    record(actor=actor, action="volunteers.team.create", obj=team,
           data={"name": team.name, "leader": leader.pk if leader else None})
    return team


@transaction.atomic
def set_team_leader(*, actor: Actor, team: Team, leader: Volunteer) -> Team:
    _authorise_manage(actor, team.path)
    TeamMember.objects.get_or_create(team=team, volunteer=leader, left_on=None,
                                     defaults={"joined_on": timezone.localdate()})
    team.leader = leader
    team.save(update_fields=["leader"])
    record(actor=actor, action="volunteers.team.leader", obj=team, data={"leader": leader.pk})
    return team


@transaction.atomic
def join_team(*, actor: Actor, team: Team, volunteer: Volunteer, day: date | None = None) -> TeamMember:
    """``volunteer`` joins ``team`` (by themselves, by the team's leader or by ``MANAGE``). Joining twice is refused."""
    if not (actor.is_system or volunteer.user_id == actor.user.pk):
        authorise_team(actor, team)
    if not team.is_active:
        raise Refusal({"team": f"{team.name}已停用"})
    if TeamMember.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).exists():
        raise Refusal({"volunteer": f"{volunteer.name}已是{team.name}的队员"})
    member = TeamMember.objects.create(team=team, volunteer=volunteer, joined_on=day or timezone.localdate())
    record(actor=actor, action="volunteers.team.join", obj=team, data={"volunteer": volunteer.pk})
    return member


@transaction.atomic
def leave_team(*, actor: Actor, team: Team, volunteer: Volunteer, day: date | None = None) -> None:
    if not (actor.is_system or volunteer.user_id == actor.user.pk):
        authorise_team(actor, team)
    updated = TeamMember.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).update(
        left_on=day or timezone.localdate())
    if not updated:
        raise Refusal({"volunteer": f"{volunteer.name}不是{team.name}的队员"})
    record(actor=actor, action="volunteers.team.leave", obj=team, data={"volunteer": volunteer.pk})


# ------------------------------------------------------------------------------------------------ volunteers


@transaction.atomic
def register_volunteer(*, actor: Actor, name: str, area: Area, consent: bool, mobile: str = "",
                       person: Person | None = None, member: Member | None = None, user=None,
                       skills: list[str] | None = None, availability: list[str] | None = None,
                       now: datetime | None = None) -> Volunteer:
    """Register a volunteer who consented (``consent`` must be True: nothing is stored without it).

    A person registers themselves (``user`` is the actor's account) or is registered by ``MANAGE`` on ``area``
    (the station's staff for an elderly resident without a phone). One volunteer per person, member and account."""
    if not consent:
        raise ValidationError({"consent": "须阅读并同意志愿者注册须知"})
    self_registering = not actor.is_system and user is not None and user.pk == actor.user.pk
    if not self_registering:
        _authorise_manage(actor, area.path)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写姓名"})
    if mobile and (len(mobile) != 11 or not mobile.isdigit() or not mobile.startswith("1")):
        raise ValidationError({"mobile": f"{name}的手机号“{mobile}”不是11位手机号"})
    availability = list(dict.fromkeys(availability or []))
    unknown = [slot for slot in availability if slot not in rules.SLOTS]
    if unknown:
        raise ValidationError({"availability": f"可服务时间“{unknown[0]}”无法识别"})
    skills = [s.strip()[:20] for s in (skills or []) if s.strip()][:10]
    for field, value, label in (("person", person, "该居民"), ("member", member, "该党员"), ("user", user, "该账号")):
        if value is not None and Volunteer.objects.filter(**{field: value}).exists():
            raise Refusal({field: f"{label}已注册为志愿者"})
    volunteer = Volunteer.objects.create(
        name=name[:50], mobile=mobile, area=area, path=area.path, person=person, member=member, user=user,
        skills=skills, availability=availability, consent_at=now or timezone.now(), consent_version=CONSENT_VERSION,
        registered_by=None if actor.is_system else actor.user)
    record(actor=actor, action="volunteers.volunteer.register", obj=volunteer,
           data={"self": self_registering, "person": person.pk if person else None})
    return volunteer


@transaction.atomic
def update_volunteer(*, actor: Actor, volunteer: Volunteer, skills: list[str] | None = None,
                     availability: list[str] | None = None, mobile: str | None = None) -> Volunteer:
    """A volunteer changes their own skills, availability or phone (or ``MANAGE`` does it for them)."""
    if actor.is_system or volunteer.user_id != actor.user.pk:
        _authorise_manage(actor, volunteer.path)
    if availability is not None:
        availability = list(dict.fromkeys(availability))
        unknown = [slot for slot in availability if slot not in rules.SLOTS]
        if unknown:
            raise ValidationError({"availability": f"可服务时间“{unknown[0]}”无法识别"})
        volunteer.availability = availability
    if skills is not None:
        volunteer.skills = [s.strip()[:20] for s in skills if s.strip()][:10]
    if mobile is not None:
        if mobile and (len(mobile) != 11 or not mobile.isdigit() or not mobile.startswith("1")):
            raise ValidationError({"mobile": f"手机号“{mobile}”不是11位手机号"})
        volunteer.mobile = mobile
    volunteer.save(update_fields=["availability", "skills", "mobile"])
    record(actor=actor, action="volunteers.volunteer.update", obj=volunteer)
    return volunteer


# ------------------------------------------------------------------------------------------------ activities


@transaction.atomic
def create_activity(*, actor: Actor, team: Team, title: str, place: str, starts_at: datetime, ends_at: datetime,
                    slots: int, description: str = "", needs: str = "", area: Area | None = None,
                    auto_checkout_minutes: int = 120, is_public: bool = True, demand=None) -> Activity:
    """Schedule an activity of ``team`` (its leader, or ``MANAGE`` on the team's area)."""
    authorise_team(actor, team)
    area = area or team.area
    if not area.path.startswith(team.path) and not team.path.startswith(area.path) and team.unit_id is None:
        raise ValidationError({"area": f"{team.name}服务{team.area.name}，活动区域{area.name}不在其中"})
    if not title.strip():
        raise ValidationError({"title": "请填写活动名称"})
    if not place.strip():
        raise ValidationError({"place": "请填写活动地点"})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "结束时间须晚于开始时间"})
    if ends_at - starts_at > timedelta(minutes=rules.MAX_MINUTES):
        raise ValidationError({"ends_at": "一次活动不超过12小时，长期服务请分次安排"})
    if not isinstance(slots, int) or isinstance(slots, bool) or not 1 <= slots <= 500:
        raise ValidationError({"slots": "招募人数须为1到500之间的整数"})
    if not 0 <= auto_checkout_minutes <= 24 * 60:
        raise ValidationError({"auto_checkout_minutes": "自动签退时间须在活动结束后24小时内"})
    activity = Activity.objects.create(
        team=team, title=title.strip()[:100], description=description.strip(), area=area, path=area.path,
        place=place.strip()[:200], starts_at=starts_at, ends_at=ends_at, slots=slots, needs=needs.strip()[:200],
        auto_checkout_minutes=auto_checkout_minutes, is_public=is_public, demand=demand,
        created_by=None if actor.is_system else actor.user)
    record(actor=actor, action="volunteers.activity.create", obj=activity,
           data={"team": team.pk, "starts_at": starts_at.isoformat(), "slots": slots})
    return activity


@transaction.atomic
def cancel_activity(*, actor: Actor, activity: Activity, reason: str = "") -> Activity:
    authorise_team(actor, activity.team)
    if activity.status == Activity.Status.CANCELLED:
        raise Refusal({"activity": f"活动“{activity.title}”已取消"})
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status"])
    record(actor=actor, action="volunteers.activity.cancel", obj=activity, data={"reason": reason[:200]})
    return activity


def _locked_activity(activity: Activity) -> Activity:
    """The activity's row, locked: sign-ups and cancels of one activity run one at a time."""
    return Activity.objects.select_for_update().select_related("team").get(pk=activity.pk)


@transaction.atomic
def sign_up(*, actor: Actor, activity: Activity, volunteer: Volunteer, now: datetime | None = None) -> SignUp:
    """Take a place on ``activity`` or, when its slots are taken, a place on its waiting list.

    The volunteer signs up themselves (a leader may sign up a member of the team). Refused once the activity has
    started, when it is cancelled, and when the volunteer already holds a place or a waiting place."""
    now = now or timezone.now()
    if not (actor.is_system or volunteer.user_id == actor.user.pk):
        authorise_team(actor, activity.team)
    activity = _locked_activity(activity)
    if activity.status != Activity.Status.OPEN:
        raise Refusal({"activity": f"活动“{activity.title}”已取消"})
    if now >= activity.starts_at:
        raise Refusal({"activity": f"活动“{activity.title}”已开始，不能再报名"})
    if not volunteer.is_active:
        raise Refusal({"volunteer": f"{volunteer.name}的志愿者注册已注销"})
    live = SignUp.objects.filter(activity=activity, volunteer=volunteer,
                                 status__in=[SignUp.Status.SIGNED, SignUp.Status.WAITING]).first()
    if live is not None:
        raise Refusal({"volunteer": f"{volunteer.name}已报名“{activity.title}”（{live.get_status_display()}）"})
    taken = SignUp.objects.filter(activity=activity, status=SignUp.Status.SIGNED).count()
    status = SignUp.Status.SIGNED if taken < activity.slots else SignUp.Status.WAITING
    signup = SignUp.objects.create(activity=activity, volunteer=volunteer, path=activity.path,
                                   served_on=timezone.localtime(activity.starts_at).date(), status=status)
    record(actor=actor, action="volunteers.signup.create", obj=signup, data={"activity": activity.pk,
                                                                             "status": status})
    return signup


@transaction.atomic
def cancel_sign_up(*, actor: Actor, signup: SignUp, now: datetime | None = None) -> SignUp:
    """Give up a place (or a waiting place); the first on the waiting list moves up into a freed place."""
    now = now or timezone.now()
    activity = _locked_activity(signup.activity)
    signup = SignUp.objects.select_related("volunteer").get(pk=signup.pk)
    if not (actor.is_system or signup.volunteer.user_id == actor.user.pk):
        authorise_team(actor, activity.team)
    if signup.status == SignUp.Status.CANCELLED:
        raise Refusal({"signup": "该报名已取消"})
    if signup.checked_in_at is not None:
        raise Refusal({"signup": f"{signup.volunteer.name}已签到，不能取消报名"})
    if now >= activity.ends_at:
        raise Refusal({"signup": f"活动“{activity.title}”已结束，不能取消报名"})
    was_signed = signup.status == SignUp.Status.SIGNED
    signup.status, signup.cancelled_at = SignUp.Status.CANCELLED, now
    signup.save(update_fields=["status", "cancelled_at"])
    moved_up = []
    if was_signed:
        taken = SignUp.objects.filter(activity=activity, status=SignUp.Status.SIGNED).count()
        waiting = list(SignUp.objects.filter(activity=activity, status=SignUp.Status.WAITING)
                       .order_by("created_at", "id"))
        moved_up = rules.promoted(waiting, activity.slots - taken)
        SignUp.objects.filter(pk__in=[s.pk for s in moved_up]).update(status=SignUp.Status.SIGNED)
    record(actor=actor, action="volunteers.signup.cancel", obj=signup,
           data={"activity": activity.pk, "moved_up": [s.pk for s in moved_up]})
    return signup


def _may_attend_for(actor: Actor, signup: SignUp) -> None:
    if actor.is_system or signup.volunteer.user_id == actor.user.pk:
        return
    authorise_team(actor, signup.activity.team)


@transaction.atomic
def check_in(*, actor: Actor, signup: SignUp, now: datetime | None = None) -> SignUp:
    """Check in on the day: from an hour before the start until the end, with a place (not a waiting one)."""
    now = now or timezone.now()
    signup = SignUp.objects.select_for_update(of=("self",)).select_related("activity__team", "volunteer").get(pk=signup.pk)
    _may_attend_for(actor, signup)
    activity = signup.activity
    if activity.status != Activity.Status.OPEN:
        raise Refusal({"signup": f"活动“{activity.title}”已取消"})
    if signup.status != SignUp.Status.SIGNED:
        raise Refusal({"signup": f"{signup.volunteer.name}未取得“{activity.title}”的名额，不能签到"})
    if signup.checked_in_at is not None:
        raise Refusal({"signup": f"{signup.volunteer.name}已于{timezone.localtime(signup.checked_in_at):%H:%M}签到"})
    if now < activity.starts_at - CHECK_IN_OPENS:
        raise Refusal({"signup": f"签到在活动开始前1小时开放（{timezone.localtime(activity.starts_at):%m-%d %H:%M}开始）"})
    if now >= activity.ends_at:
        raise Refusal({"signup": f"活动“{activity.title}”已结束，请联系队长补记时长"})
    signup.checked_in_at, signup.no_show = now, False
    signup.save(update_fields=["checked_in_at", "no_show"])
    record(actor=actor, action="volunteers.signup.check_in", obj=signup)
    return signup


@transaction.atomic
def check_out(*, actor: Actor, signup: SignUp, now: datetime | None = None) -> SignUp:
    """Check out: the minutes since check-in (at most 12 hours) await the leader's confirmation."""
    now = now or timezone.now()
    signup = SignUp.objects.select_for_update(of=("self",)).select_related("activity__team", "volunteer").get(pk=signup.pk)
    _may_attend_for(actor, signup)
    if signup.checked_in_at is None:
        raise Refusal({"signup": f"{signup.volunteer.name}尚未签到"})
    if signup.checked_out_at is not None:
        raise Refusal({"signup": f"{signup.volunteer.name}已于{timezone.localtime(signup.checked_out_at):%H:%M}签退"})
    attended = rules.attended_minutes(signup.checked_in_at, now, ends_at=signup.activity.ends_at,
                                      auto_after=timedelta(minutes=signup.activity.auto_checkout_minutes), now=now)
    signup.checked_out_at, signup.minutes, signup.auto_checkout = now, attended.minutes, False
    signup.save(update_fields=["checked_out_at", "minutes", "auto_checkout"])
    record(actor=actor, action="volunteers.signup.check_out", obj=signup, data={"minutes": attended.minutes})
    return signup


@transaction.atomic(durable=True)  # a scheduled job's unit of work commits on its own
def close_attendances(*, actor: Actor, now: datetime | None = None) -> dict:
    """The automatic checkout, run by the queue: a check-in left open past its activity's end plus the set time is
    closed at the activity's end and flagged; a place taken but never checked in by then is a no-show. Safe to run
    twice or late."""
    now = now or timezone.now()
    candidates = (SignUp.objects.select_for_update(of=("self",), skip_locked=True)
                  .filter(status=SignUp.Status.SIGNED, checked_out_at__isnull=True, no_show=False,
                          confirmed_minutes__isnull=True, activity__ends_at__lt=now)
                  .select_related("activity"))
    closed = no_shows = 0
    for signup in candidates:
        activity = signup.activity
        if now < activity.ends_at + timedelta(minutes=activity.auto_checkout_minutes):
            continue
        if signup.checked_in_at is None:
            signup.no_show = True
            signup.save(update_fields=["no_show"])
            no_shows += 1
            continue
        attended = rules.attended_minutes(signup.checked_in_at, None, ends_at=activity.ends_at,
                                          auto_after=timedelta(minutes=activity.auto_checkout_minutes), now=now)
        signup.checked_out_at = max(activity.ends_at, signup.checked_in_at)
        signup.minutes, signup.auto_checkout = attended.minutes, True
        signup.save(update_fields=["checked_out_at", "minutes", "auto_checkout"])
        closed += 1
    if closed or no_shows:
        record(actor=actor, action="volunteers.signup.auto_close", object_type="volunteers.signup",
               data={"closed": closed, "no_shows": no_shows})
    return {"closed": closed, "no_shows": no_shows}


@transaction.atomic
def mark_no_show(*, actor: Actor, signup: SignUp, now: datetime | None = None) -> SignUp:
    """The leader records that a volunteer with a place did not come (after the activity started)."""
    now = now or timezone.now()
    signup = SignUp.objects.select_for_update(of=("self",)).select_related("activity__team", "volunteer").get(pk=signup.pk)
    authorise_team(actor, signup.activity.team)
    if now < signup.activity.starts_at:
        raise Refusal({"signup": "活动开始后才能记为未到"})
    if signup.status != SignUp.Status.SIGNED or signup.checked_in_at is not None or signup.is_confirmed:
        raise Refusal({"signup": f"{signup.volunteer.name}已签到或不在名单上，不能记为未到"})
    signup.no_show = True
    signup.save(update_fields=["no_show"])
    record(actor=actor, action="volunteers.signup.no_show", obj=signup)
    return signup


# ------------------------------------------------------------------------------------------------ confirming hours


@transaction.atomic
def confirm_hours(*, actor: Actor, minutes_by_signup: dict[int, int], now: datetime | None = None) -> list[SignUp]:
    """The leader (or ``MANAGE``) confirms the hours of sign-ups of their team's ended activities: each its
    minutes (0 confirms that nothing counts). All or nothing; a confirmed sign-up is not confirmed again.

    Only confirmed minutes count anywhere: they are added to the volunteer's running total here, and the points
    claims they propose are made by the queue after this commits (``propose_hours_claims``)."""
    now = now or timezone.now()
    if not minutes_by_signup:
        raise ValidationError({"signups": "请选择要确认的服务时长"})
    signups = list(SignUp.objects.select_for_update(of=("self",))
                   .filter(pk__in=list(minutes_by_signup)).select_related("activity__team", "volunteer")
                   .order_by("pk"))
    if len(signups) != len(minutes_by_signup):
        raise ValidationError({"signups": "有报名记录不存在"})
    errors, refusals = [], []  # wrong minutes (422) / the state of a sign-up refuses it (409)
    for signup in signups:
        authorise_team(actor, signup.activity.team)
        minutes = minutes_by_signup[signup.pk]
        name = signup.volunteer.name
        if signup.is_confirmed:
            refusals.append(f"{name}在“{signup.activity.title}”的时长已确认（{rules.hours_text(signup.confirmed_minutes)}小时）")
        elif signup.status != SignUp.Status.SIGNED:
            refusals.append(f"{name}未取得“{signup.activity.title}”的名额")
        elif now < signup.activity.ends_at:
            refusals.append(f"“{signup.activity.title}”尚未结束，结束后才能确认时长")
        elif not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= rules.MAX_MINUTES:
            errors.append(f"{name}的时长须在0到12小时之间")
    if errors:
        raise ValidationError({"signups": errors + refusals})
    if refusals:
        raise Refusal({"signups": refusals})
    user = None if actor.is_system else actor.user
    for signup in signups:
        minutes = minutes_by_signup[signup.pk]
        signup.confirmed_minutes, signup.confirmed_by, signup.confirmed_at = minutes, user, now
        if minutes:
            signup.no_show = False
        signup.save(update_fields=["confirmed_minutes", "confirmed_by", "confirmed_at", "no_show"])
        if minutes:
            Volunteer.objects.filter(pk=signup.volunteer_id).update(confirmed_minutes=F("confirmed_minutes") + minutes)
    record(actor=actor, action="volunteers.hours.confirm", object_type="volunteers.signup",
           object_id=",".join(str(s.pk) for s in signups)[:64], area_path=signups[0].path,
           data={"minutes": {str(s.pk): minutes_by_signup[s.pk] for s in signups}})
    confirmed = [s.pk for s in signups if minutes_by_signup[s.pk]]
    if confirmed:  # the queue proposes their points claims once this commits (and the hourly sweep catches any missed)
        enqueue("grassroots.volunteers.tasks.propose_hours_claims", confirmed, name="志愿时长申报积分")
    return signups


# ================================================================================================ activities, sign-ups, hours

# The idempotency actions of the pages' and the API's retried writes (core/idempotency.py); the work itself is the
# services above.
ACTIVITY_CREATE = "volunteers.activity.create"
ACTIVITY_CANCEL = "volunteers.activity.cancel"
SIGNUP_CREATE = "volunteers.signup.create"
SIGNUP_CANCEL = "volunteers.signup.cancel"
SIGNUP_CHECK_IN = "volunteers.signup.check_in"
SIGNUP_CHECK_OUT = "volunteers.signup.check_out"
SIGNUP_NO_SHOW = "volunteers.signup.no_show"
HOURS_CONFIRM = "volunteers.hours.confirm"


# ================================================================================================ rotas

ROTA_CREATE = "volunteers.rota.create"
ROTA_PUBLISH = "volunteers.rota.publish"
ROTA_REPLACE = "volunteers.rota.replace"
DISPATCH_ACCEPT = "volunteers.dispatch.accept"
DISPATCH_DECLINE = "volunteers.dispatch.decline"
DISPATCH_DONE = "volunteers.dispatch.done"  # the idempotency action of 完成; the audit entry is the demand's fulfil
DISPATCH_CREATE = "volunteers.dispatch.create"
ROTA_SWAP = "volunteers.rota.swap"
ROTA_SWAP_TURNS = "volunteers.rota.swap_turns"
HOURS_RULE_SET = "volunteers.hours_rule.set"
HOURS_RULE_CLEAR = "volunteers.hours_rule.clear"


def _rota_plan(*, area: Area, teams: list[Team], term_start: date, term_end: date, slots: list[str],
               group_min: int, group_max: int, subjects: list[str], subjects_by_team: bool = False,
               teams_per_slot: int | None = None) -> rota_rules.Rota:
    """The generator's rota for these teams (their current members and availability), or the ValidationError
    that says what cannot be met."""
    for team in teams:
        if not team.path.startswith(area.path):
            raise ValidationError({"teams": f"{team.name}不在{area.name}，不能排进{area.name}的排班"})
        if not team.is_active:
            raise ValidationError({"teams": f"{team.name}已停用"})
    try:
        return rota_rules.make_rota(first_day=term_start, last_day=term_end, slots=list(slots),
                                    teams=selectors.rota_teams(teams), group_min=group_min, group_max=group_max,
                                    subjects=[s.strip() for s in subjects if s.strip()], by_team=subjects_by_team,
                                    teams_per_occasion=teams_per_slot)
    except rota_rules.RotaImpossible as exc:
        raise ValidationError({NON_FIELD_ERRORS: str(exc)}) from None


def _check_times(slots: list[str], start_time: time, end_time: time) -> None:
    if end_time <= start_time:
        raise ValidationError({"end_time": "结束时间须晚于开始时间"})
    part = rules.slot_of(datetime.combine(date(2026, 1, 5), start_time)).split("_")[1]
    for slot in slots:
        if slot in rules.SLOT_LABELS and slot.split("_")[1] != part:
            raise ValidationError({"start_time": f"开始时间{start_time:%H:%M}与所选时段“{rules.SLOT_LABELS[slot]}”不符"})


def preview_rota(*, actor: Actor, area: Area, teams: list[Team], term_start: date, term_end: date, slots: list[str],
                 group_min: int, group_max: int, subjects: list[str], subjects_by_team: bool = False,
                 teams_per_slot: int | None = None) -> rota_rules.Rota:
    """What ``generate_rota`` would save, without saving it (``MANAGE`` on ``area``)."""
    _authorise_manage(actor, area.path)
    return _rota_plan(area=area, teams=teams, term_start=term_start, term_end=term_end, slots=slots,
                      group_min=group_min, group_max=group_max, subjects=subjects, subjects_by_team=subjects_by_team,
                      teams_per_slot=teams_per_slot)


@transaction.atomic
def generate_rota(*, actor: Actor, title: str, area: Area, place: str, teams: list[Team], term_start: date,
                  term_end: date, slots: list[str], start_time: time, end_time: time, group_min: int, group_max: int,
                  subjects: list[str], subjects_by_team: bool = False, teams_per_slot: int | None = None,
                  site: Site | None = None) -> Rota:
    """Generate the term's rota (rules/rota.py) and save it as a draft (``MANAGE`` on ``area``). The same input
    gives the same rota, so what the preview showed is what is saved."""
    _authorise_manage(actor, area.path)
    if not title.strip():
        raise ValidationError({"title": "请填写排班名称"})
    if not place.strip():
        raise ValidationError({"place": "请填写服务地点"})
    if site is not None and not area.path.startswith(site.path):
        raise ValidationError({"site": f"{site.name}不在{area.name}"})
    _check_times(slots, start_time, end_time)
    plan = _rota_plan(area=area, teams=teams, term_start=term_start, term_end=term_end, slots=slots,
                      group_min=group_min, group_max=group_max, subjects=subjects, subjects_by_team=subjects_by_team,
                      teams_per_slot=teams_per_slot)
    rota = Rota.objects.create(
        title=title.strip()[:100], site=site, area=area, path=area.path, place=place.strip()[:200],
        term_start=term_start, term_end=term_end, slots=[s for s in rules.SLOTS if s in slots], start_time=start_time,
        end_time=end_time, group_min=group_min, group_max=group_max, teams_per_slot=teams_per_slot,
        subjects=[s.strip()[:100] for s in subjects if s.strip()], subjects_by_team=subjects_by_team,
        created_by=None if actor.is_system else actor.user)
    rota.teams.set(teams)
    made = RotaTurn.objects.bulk_create([
        RotaTurn(rota=rota, week=t.week, date=t.day, slot=t.slot, team_id=t.team, subject=t.subject[:100])
        for t in plan.turns])
    Through = RotaTurn.members.through
    Through.objects.bulk_create([Through(rotaturn_id=turn.pk, volunteer_id=v)
                                 for turn, t in zip(made, plan.turns, strict=True) for v in t.members])
    record(actor=actor, action=ROTA_CREATE, obj=rota,
           data={"teams": [t.pk for t in teams], "turns": len(made), "weeks": plan.weeks})
    return rota


def _turn_times(rota: Rota, turn: RotaTurn) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(turn.date, rota.start_time), zone),
            timezone.make_aware(datetime.combine(turn.date, rota.end_time), zone))


@transaction.atomic
def publish_rota(*, actor: Actor, rota: Rota, now: datetime | None = None) -> Rota:
    """Publish a draft (``MANAGE`` on its area): each turn still to come becomes an activity of its team (places =
    the group's size) with the chosen members signed up, so they see it under 我的服务, check in on the day and have
    their hours confirmed like any other activity. Turns already past stay in the timetable without an activity."""
    now = now or timezone.now()
    _authorise_manage(actor, rota.path)
    rota = Rota.objects.select_for_update().get(pk=rota.pk)
    if rota.status == Rota.Status.PUBLISHED:
        raise Refusal({"rota": f"“{rota.title}”已发布"})
    published = past = 0
    for turn in selectors.rota_turns(rota):
        starts_at, ends_at = _turn_times(rota, turn)
        members = list(turn.members.all())
        if starts_at <= now:
            past += 1
            continue
        activity = create_activity(actor=actor, team=turn.team, title=f"{rota.title}·{turn.subject}"[:100],
                                   description=f"{rota.title}：{turn.subject}（第{turn.week}周）", place=rota.place,
                                   starts_at=starts_at, ends_at=ends_at, slots=max(len(members), 1),
                                   area=turn.team.area)
        for volunteer in members:
            sign_up(actor=actor, activity=activity, volunteer=volunteer, now=now)
        turn.activity = activity
        turn.save(update_fields=["activity"])
        published += 1
    rota.status, rota.published_at = Rota.Status.PUBLISHED, now
    rota.save(update_fields=["status", "published_at"])
    record(actor=actor, action="volunteers.rota.publish", obj=rota, data={"activities": published, "past": past})
    return rota


def _serves_problem(turn: RotaTurn, volunteer: Volunteer) -> str | None:
    """Why ``volunteer`` cannot take a place in ``turn`` (None when they can): not a current member of its team,
    not free at its slot, already in it, or serving another turn of the rota at the same time."""
    where = f"第{turn.week}周{rota_rules.day_label(turn.date, turn.slot)}"
    if not volunteer.is_active:
        return f"{volunteer.name}的志愿者注册已注销"
    if not TeamMember.objects.filter(team=turn.team, volunteer=volunteer, left_on__isnull=True).exists():
        return f"{volunteer.name}不是{turn.team.name}的队员"
    if turn.slot not in (volunteer.availability or []):
        return f"{volunteer.name}{rules.SLOT_LABELS.get(turn.slot, turn.slot)}没空（可服务时间未含此时段），不能排在{where}"
    if turn.members.filter(pk=volunteer.pk).exists():
        return f"{volunteer.name}已在{where}{turn.team.name}的班上"
    clash = (RotaTurn.objects.filter(rota=turn.rota_id, date=turn.date, slot=turn.slot, members=volunteer)
             .exclude(pk=turn.pk).select_related("team").first())
    if clash is not None:
        return f"{volunteer.name}{where}已在{clash.team.name}当班"
    return None


def _locked_turn(turn: RotaTurn) -> RotaTurn:
    return (RotaTurn.objects.select_for_update(of=("self",)).select_related("rota", "team", "activity")
            .get(pk=turn.pk))


def _move_signup(*, actor: Actor, turn: RotaTurn, out: Volunteer, into: Volunteer, now: datetime) -> None:
    """On a published turn, the leaving member's sign-up is cancelled and the newcomer signed up in their place."""
    if turn.activity is None:
        return
    if now >= turn.activity.starts_at:
        raise Refusal({"turn": f"第{turn.week}周{rota_rules.day_label(turn.date, turn.slot)}的班次已开始，不能再换人"})
    signup = SignUp.objects.filter(activity=turn.activity, volunteer=out,
                                   status__in=[SignUp.Status.SIGNED, SignUp.Status.WAITING]).first()
    if signup is not None:
        cancel_sign_up(actor=actor, signup=signup, now=now)
    sign_up(actor=actor, activity=turn.activity, volunteer=into, now=now)


@transaction.atomic
def replace_rota_member(*, actor: Actor, turn: RotaTurn, out: Volunteer, into: Volunteer,
                        now: datetime | None = None) -> RotaTurn:
    """Another member of the same team serves the turn instead of ``out`` (the team's leader or ``MANAGE``). The
    group keeps its size; refused when the newcomer is not free at that slot, not in the team, or already serving
    then. On a published rota the sign-ups follow."""
    now = now or timezone.now()
    turn = _locked_turn(turn)
    authorise_team(actor, turn.team)
    if not turn.members.filter(pk=out.pk).exists():
        raise ValidationError({"out": f"{out.name}不在第{turn.week}周{rota_rules.day_label(turn.date, turn.slot)}的班上"})
    problem = _serves_problem(turn, into)
    if problem:
        raise ValidationError({"into": problem})
    turn.members.remove(out)
    turn.members.add(into)
    _move_signup(actor=actor, turn=turn, out=out, into=into, now=now)
    record(actor=actor, action="volunteers.rota.replace", obj=turn, area_path=turn.rota.path,
           data={"out": out.pk, "into": into.pk})
    return turn


@transaction.atomic
def swap_rota_members(*, actor: Actor, turn: RotaTurn, volunteer: Volunteer, other_turn: RotaTurn,
                      other_volunteer: Volunteer, now: datetime | None = None) -> tuple[RotaTurn, RotaTurn]:
    """``volunteer`` (of ``turn``) and ``other_volunteer`` (of ``other_turn``) trade places: each must be a member of
    the other turn's team and free at its slot (the leader of both teams, or ``MANAGE``)."""
    now = now or timezone.now()
    if turn.pk == other_turn.pk:
        raise ValidationError({"other_turn": "请选择另一个班次"})
    first, second = sorted([turn, other_turn], key=lambda t: t.pk)  # lock in one order
    first, second = _locked_turn(first), _locked_turn(second)
    turn, other_turn = (first, second) if first.pk == turn.pk else (second, first)
    if turn.rota_id != other_turn.rota_id:
        raise ValidationError({"other_turn": "只能与同一排班表的班次交换"})
    authorise_team(actor, turn.team)
    authorise_team(actor, other_turn.team)
    for t, v in ((turn, volunteer), (other_turn, other_volunteer)):
        if not t.members.filter(pk=v.pk).exists():
            raise ValidationError({"volunteer": f"{v.name}不在第{t.week}周{rota_rules.day_label(t.date, t.slot)}的班上"})
    for t, v in ((other_turn, volunteer), (turn, other_volunteer)):
        problem = _serves_problem(t, v)
        if problem:
            raise ValidationError({"other_volunteer": problem})
    turn.members.remove(volunteer)
    other_turn.members.remove(other_volunteer)
    turn.members.add(other_volunteer)
    other_turn.members.add(volunteer)
    _move_signup(actor=actor, turn=turn, out=volunteer, into=other_volunteer, now=now)
    _move_signup(actor=actor, turn=other_turn, out=other_volunteer, into=volunteer, now=now)
    record(actor=actor, action=ROTA_SWAP, obj=turn, area_path=turn.rota.path,
           data={"volunteer": volunteer.pk, "other_turn": other_turn.pk, "other_volunteer": other_volunteer.pk})
    return turn, other_turn


@transaction.atomic
def swap_rota_turns(*, actor: Actor, turn: RotaTurn, other_turn: RotaTurn) -> tuple[RotaTurn, RotaTurn]:
    """Two teams trade their days in a draft (``MANAGE`` on the rota's area). Refused when it would put a team twice
    in a week, or when a member of either group is not free at the new slot."""
    if turn.pk == other_turn.pk:
        raise ValidationError({"other_turn": "请选择另一个班次"})
    first, second = sorted([turn, other_turn], key=lambda t: t.pk)
    first, second = _locked_turn(first), _locked_turn(second)
    turn, other_turn = (first, second) if first.pk == turn.pk else (second, first)
    if turn.rota_id != other_turn.rota_id:
        raise ValidationError({"other_turn": "只能与同一排班表的班次交换"})
    rota = turn.rota
    _authorise_manage(actor, rota.path)
    if rota.status != Rota.Status.DRAFT:
        raise Refusal({"other_turn": "排班已发布，班次日期不能再调换；可以替换当班队员"})
    for t, o in ((turn, other_turn), (other_turn, turn)):
        if t.week != o.week:
            raise ValidationError({"other_turn": f"{t.team.name}第{o.week}周已有班次，每个服务队每周只服务一次"})
        for v in t.members.all():
            if o.slot not in (v.availability or []):
                raise ValidationError({"other_turn": f"{v.name}{rules.SLOT_LABELS.get(o.slot, o.slot)}没空，"
                                                     f"{t.team.name}不能改到{rota_rules.day_label(o.date, o.slot)}"})
    turn.date, other_turn.date = other_turn.date, turn.date
    turn.slot, other_turn.slot = other_turn.slot, turn.slot
    turn.save(update_fields=["date", "slot"])
    other_turn.save(update_fields=["date", "slot"])
    record(actor=actor, action=ROTA_SWAP_TURNS, obj=turn, area_path=rota.path,
           data={"other_turn": other_turn.pk})
    return turn, other_turn



# ================================================================================================ hours → points


# How long back a deed may be claimed: the claims' own window (claims.services.record_claims refuses older deeds).
CLAIM_WINDOW_DAYS = 92
# One run of the job proposes at most this many (the hourly sweep takes the rest).
PROPOSE_BATCH = 500
# The account a claim is recorded by when no person confirmed the hours (a command or job confirmed them).
HOURS_RECORDER = "volunteer-hours"


def _hours_recorder(signup: SignUp):
    """The confirming leader's account, or the system account ``volunteer-hours`` (inactive: no one signs in)."""
    if signup.confirmed_by_id is not None:
        return signup.confirmed_by
    user, made = get_user_model().objects.get_or_create(
        username=HOURS_RECORDER, defaults={"display_name": "志愿时长自动申报", "is_active": False})
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _earned_hours(signup: SignUp) -> int:
    """Whole hours this sign-up adds, carrying the remainder within the calendar month of its day: the volunteer's
    sign-ups of the month already processed (with an outcome) come to ``prior`` minutes, so this one adds
    floor((prior + m) / 60) - floor(prior / 60). Over a month, the hours claimed come to the whole hours of the
    month's confirmed minutes (1.5 h + 1.5 h = 3 h), whatever order the sign-ups are processed in."""
    start, end = period_bounds(signup.served_on, "month")
    prior = (SignUp.objects.filter(volunteer_id=signup.volunteer_id, served_on__range=(start, end),
                                   hours_claim__isnull=False)
             .aggregate(total=Sum("confirmed_minutes"))["total"] or 0)
    return (prior + signup.confirmed_minutes) // 60 - prior // 60


def _hours_that_fit(version, person: Person, deed_date: date, hours: int) -> int:
    """The most of ``hours`` the rule's cap leaves for ``person`` in the period of ``deed_date`` (the claims' own
    cap check, claims.services.cap_problem, is the judge: no second copy of the rule)."""
    while hours > 0 and cap_problem(version, person, deed_date, claim_points(version.points, hours), 0):
        hours -= 1
    return hours


def _propose_one(*, actor: Actor, signup: SignUp, today: date) -> HoursClaim:
    outcome = HoursClaim.Outcome
    person = signup.volunteer.person
    if person is None or not person.is_active or person.household_id is None:
        return HoursClaim.objects.create(signup=signup, outcome=outcome.NOT_RESIDENT)
    village = person.household.grid.parent
    hours_rule = HoursRule.objects.filter(village=village).select_related("rule").first()
    if hours_rule is None:
        return HoursClaim.objects.create(signup=signup, outcome=outcome.NO_RULE)
    if signup.served_on < today - timedelta(days=CLAIM_WINDOW_DAYS):
        return HoursClaim.objects.create(signup=signup, outcome=outcome.TOO_OLD)
    version = version_in_force(hours_rule.rule, signup.served_on)
    if version is None or version.evidence_required or version.points <= 0:
        return HoursClaim.objects.create(signup=signup, outcome=outcome.NO_RULE)
    if not person.category_codes() & set(version.categories):
        return HoursClaim.objects.create(signup=signup, outcome=outcome.NOT_APPLICABLE)
    earned = _earned_hours(signup)
    if earned == 0:
        return HoursClaim.objects.create(signup=signup, outcome=outcome.CARRIED)
    hours = _hours_that_fit(version, person, signup.served_on, earned)
    if hours == 0:
        return HoursClaim.objects.create(signup=signup, outcome=outcome.CAPPED)
    recorder = _hours_recorder(signup)
    activity = signup.activity
    confirmer = (signup.confirmed_by.display_name or signup.confirmed_by.username) if signup.confirmed_by_id else "系统"
    note = (f"志愿服务“{activity.title}”（{activity.team.name}，{signup.served_on:%m月%d日}，确认"
            f"{rules.hours_text(signup.confirmed_minutes)}小时，{confirmer}确认）"
            + (f"，封顶后计{hours}小时" if hours < earned else ""))
    # The leader who confirmed the hours records the claim (the job vouches for it: caller_checked); a claim of
    # the same person, rule and day is another activity, never the same deed twice (one HoursClaim per sign-up).
    as_recorder = Actor(user=recorder, name=recorder.get_username(), user_agent=actor.name)
    [claim] = record_claims(actor=as_recorder, person_ids=[person.pk], rule=hours_rule.rule, quantity=hours,
                            deed_date=signup.served_on, note=note[:200], today=today, allow_duplicate=True,
                            caller_checked=True)
    return HoursClaim.objects.create(signup=signup, claim=claim, outcome=outcome.PROPOSED, hours=hours)


@transaction.atomic(durable=True)  # a queued job's unit of work commits on its own
def propose_hours_claims(*, actor: Actor, signup_ids: list[int] | None = None, today: date | None = None) -> dict:
    """Propose points claims for confirmed hours (all confirmed sign-ups without an outcome when ``signup_ids`` is
    None): each sign-up gets one ``HoursClaim`` — a claim in its village's review (stage 0, recorded by the
    leader who confirmed the hours, the activity named in its note), or why none. Run twice, or twice at once, it
    proposes nothing twice: the sign-ups are locked (``skip_locked``: a second run takes the others) and each
    holds at most one outcome (OneToOne); the volunteer's row is locked too, in id order, so the month's carried
    minutes and the cap are read after any other run's claims for them committed.

    A claim the claims' checks still refuse (a grid worker's claim took the cap meanwhile) leaves the sign-up
    without an outcome: the hourly sweep tries it again; the refusal is in the result."""
    today = today or timezone.localdate()
    candidates = (SignUp.objects.select_for_update(of=("self",), skip_locked=True)
                  .filter(confirmed_minutes__gt=0, hours_claim__isnull=True))
    if signup_ids is not None:
        candidates = candidates.filter(pk__in=list(signup_ids))
    candidates = list(candidates.order_by("volunteer_id", "served_on", "pk")[:PROPOSE_BATCH])
    counts: dict[str, int] = {"proposed": 0}
    refused: dict[int, str] = {}
    locked: set[int] = set()
    for signup in candidates:
        if signup.volunteer_id not in locked:
            Volunteer.objects.select_for_update().filter(pk=signup.volunteer_id).first()
            locked.add(signup.volunteer_id)
        signup = (SignUp.objects.select_related("activity__team", "confirmed_by", "volunteer__person__household__grid__parent")
                  .get(pk=signup.pk))
        try:
            hours_claim = _propose_one(actor=actor, signup=signup, today=today)
        except ValidationError as exc:
            refused[signup.pk] = "；".join(exc.messages)
            continue
        counts[hours_claim.outcome] = counts.get(hours_claim.outcome, 0) + 1
    if candidates:
        record(actor=actor, action="volunteers.hours.propose", object_type="volunteers.signup",
               data={**counts, "refused": {str(k): v for k, v in refused.items()}})
    return {**counts, "refused": refused}


@transaction.atomic
def set_hours_rule(*, actor: Actor, village: Area, rule: Rule | None) -> HoursRule | None:
    """Choose the rule of the village's catalogue its residents' confirmed hours are claimed under (``MANAGE`` on
    the village), or none: a per-hour rule of the village's own catalogue, in force today, worth points, needing
    no photo (the activity is the evidence). Sign-ups already proposed keep their outcome."""
    _authorise_manage(actor, village.path)
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": f"{village.name}不是嘎查村（社区），志愿积分项目在嘎查村一级设置"})
    current = HoursRule.objects.select_for_update().filter(village=village).first()
    if rule is None:
        if current is not None:
            current.delete()
            record(actor=actor, action=HOURS_RULE_CLEAR, object_type="volunteers.hoursrule",
                   object_id=str(village.pk), area_path=village.path)
        return None
    if rule.pk not in {r.pk for r in selectors.hours_rules_choosable(village)}:
        raise ValidationError({"rule": f"项目 {rule.code} 不是{village.name}积分细则中现行的按小时计分项目"})
    if current is None:
        current = HoursRule(village=village)
    current.rule, current.set_by = rule, None if actor.is_system else actor.user
    current.save()
    record(actor=actor, action=HOURS_RULE_SET, obj=current, area_path=village.path,
           data={"rule": rule.code})
    return current


# ================================================================================================ 点单—派单
# A wish (demands.Demand of kind "wish") keeps its own lifecycle: ordered (filed), claimed (demands.WishClaim),
# fulfilled, rated. 派单 adds who was asked: a Dispatch to a team; 接单 is the wish's claim, made by the team's leader.


def _lock_dispatch(dispatch: Dispatch) -> Dispatch:
    return (Dispatch.objects.select_for_update(of=("self",)).select_related("team__unit", "demand", "wish_claim")
            .get(pk=dispatch.pk))


def _authorise_team_reply(actor: Actor, team: Team) -> None:
    """接单 and 婉拒 are the team's own: its leader (or staff of the unit owning it); 404 to anyone else who cannot
    see the team, 403 to one who may look at it."""
    if actor.is_system or leads_team(actor.user, team):
        return
    refuse(seen=scope_of(actor.user).can(caps.VIEW, team.path))


@transaction.atomic
def dispatch_wish(*, actor: Actor, demand: Demand, team: Team, note: str = "",
                  now: datetime | None = None) -> Dispatch:
    """派单: send an open wish to a volunteer team serving its area (``MANAGE`` on the wish's area). One team at a
    time: a wish waiting on a team is not sent to another until that team answers."""
    _authorise_manage(actor, demand.path)
    now = now or timezone.now()
    demand = Demand.objects.select_for_update().get(pk=demand.pk)
    if demand.kind != Demand.Kind.WISH:
        raise ValidationError({"demand": "只有微心愿可以派单给志愿服务队"})
    if demand.status != Demand.Status.RECEIVED or demand.lead_unit_id is not None or \
            demand.claims.filter(status=WishClaim.Status.HELD).exists():
        raise Refusal({"demand": f"心愿 {demand.tracking_code} 已被认领或不在待认领状态，不能派单"})
    if not team.is_active:
        raise ValidationError({"team": f"{team.name}已停用"})
    serves = demand.path.startswith(team.path) or (team.unit_id is not None and demand.path.startswith(team.unit.path))
    if not serves:
        raise ValidationError({"team": f"{team.name}不服务{demand.area.name}，请选择本地的服务队"})
    waiting = Dispatch.objects.filter(demand=demand, status=Dispatch.Status.DISPATCHED).select_related("team").first()
    if waiting is not None:
        raise Refusal({"demand": f"心愿 {demand.tracking_code} 已派给{waiting.team.name}，待其接单或婉拒"})
    dispatch = Dispatch.objects.create(demand=demand, team=team, path=demand.path, note=note.strip()[:200],
                                       dispatched_by=None if actor.is_system else actor.user, dispatched_at=now)
    record(actor=actor, action=DISPATCH_CREATE, obj=dispatch, area_path=demand.path,
           data={"demand": demand.pk, "team": team.pk})
    return dispatch


@transaction.atomic
def accept_dispatch(*, actor: Actor, dispatch: Dispatch, activity: dict | None = None,
                    now: datetime | None = None) -> Dispatch:
    """接单: the team's leader takes the wish — its claim (demands.services.claim_wish, with the leader's account;
    for the unit when the team is a unit's). ``activity`` (title, place, starts_at, ends_at, slots) also schedules
    an activity of the team linked to the wish. Done and rated go through the demand's own lifecycle."""
    now = now or timezone.now()
    dispatch = _lock_dispatch(dispatch)
    _authorise_team_reply(actor, dispatch.team)
    if dispatch.status != Dispatch.Status.DISPATCHED:
        raise Refusal({"dispatch": f"该派单{dispatch.get_status_display()}，不能再接单"})
    team = dispatch.team
    # The leader holds no 认领 capability on the area: this service has checked they lead the dispatched team, so
    # the claim is made as a system actor carrying the leader's account (the claimant and the audit name are theirs).
    claimer = actor if actor.is_system else Actor.system("volunteers:dispatch", user=actor.user)
    claim = demand_services.claim_wish(actor=claimer, demand=dispatch.demand, unit=team.unit, now=now)
    dispatch.status, dispatch.decided_by, dispatch.decided_at = Dispatch.Status.ACCEPTED, claimer.user, now
    dispatch.wish_claim = claim
    dispatch.save(update_fields=["status", "decided_by", "decided_at", "wish_claim"])
    if activity:
        create_activity(actor=actor, team=team, area=dispatch.demand.area, demand=dispatch.demand,
                        title=activity.get("title") or f"微心愿：{dispatch.demand.summary}"[:100], **{
                            k: v for k, v in activity.items() if k != "title"})
    record(actor=actor, action="volunteers.dispatch.accept", obj=dispatch, area_path=dispatch.path,
           data={"claim": claim.pk, "activity": bool(activity)})
    return dispatch


@transaction.atomic
def decline_dispatch(*, actor: Actor, dispatch: Dispatch, reason: str, now: datetime | None = None) -> Dispatch:
    """婉拒: the team's leader declines, with a reason; the wish stays open for another team or claimant."""
    now = now or timezone.now()
    dispatch = _lock_dispatch(dispatch)
    _authorise_team_reply(actor, dispatch.team)
    if dispatch.status != Dispatch.Status.DISPATCHED:
        raise Refusal({"dispatch": f"该派单{dispatch.get_status_display()}，不能婉拒"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写婉拒原因"})
    dispatch.status, dispatch.decided_by, dispatch.decided_at = Dispatch.Status.DECLINED, actor.user, now
    dispatch.decline_reason = reason.strip()[:200]
    dispatch.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    record(actor=actor, action="volunteers.dispatch.decline", obj=dispatch, area_path=dispatch.path,
           data={"reason": dispatch.decline_reason})
    return dispatch


def complete_dispatch(*, actor: Actor, dispatch: Dispatch, note: str, now: datetime | None = None):
    """Done: the wish's claim is fulfilled through demands.services.fulfil_claim (its own transaction, durable; the
    claimant check is the demand's: the leader who accepted, or a member of the unit); the resident then rates it
    on the demand's own tracking page (评单)."""
    if dispatch.wish_claim_id is None:
        raise Refusal({"dispatch": "该派单尚未接单"})
    return demand_services.fulfil_claim(actor=actor, claim=dispatch.wish_claim, note=note, now=now)
