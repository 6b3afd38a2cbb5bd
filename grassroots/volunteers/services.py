"""Writes of volunteer service: practice sites, teams and their members, volunteers (registered with consent),
activities, sign-ups with a waiting list, check-in and check-out (the automatic checkout of a forgotten one),
no-shows, hours a leader confirms, rotas, the points claims confirmed hours propose, and 点单—派单 of wishes.

Each public function: keyword-only, one transaction, audited. Who may: ``MANAGE`` on the area (sites, teams,
activities, confirming hours), or the team's own leader for the team's activities and hours
(access/scope.py ``authorise_team``); a volunteer signs up, cancels, checks in and out for themselves.

Slots are never overbooked: a sign-up locks its activity's row, counts the places taken and takes one or joins
the waiting list, so concurrent sign-ups are serial (docs/locking.md).
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from grassroots.access.scope import authorise_team, refuse, scope_of
from grassroots.areas.models import Area, Level, Person
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.tasks import enqueue
from grassroots.demands.models import Unit
from grassroots.members.models import Member
from grassroots.rules import volunteering as rules
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers.models import Activity, SignUp, Site, Team, TeamMember, Volunteer

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
        raise ValidationError({"level": f"{area.name}已有{Site.Level(level).label}"})
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
        raise ValidationError({"team": f"{team.name}已停用"})
    if TeamMember.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).exists():
        raise ValidationError({"volunteer": f"{volunteer.name}已是{team.name}的队员"})
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
        raise ValidationError({"volunteer": f"{volunteer.name}不是{team.name}的队员"})
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
            raise ValidationError({field: f"{label}已注册为志愿者"})
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
        raise ValidationError({"activity": f"活动“{activity.title}”已取消"})
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
        raise ValidationError({"activity": f"活动“{activity.title}”已取消"})
    if now >= activity.starts_at:
        raise ValidationError({"activity": f"活动“{activity.title}”已开始，不能再报名"})
    if not volunteer.is_active:
        raise ValidationError({"volunteer": f"{volunteer.name}的志愿者注册已注销"})
    live = SignUp.objects.filter(activity=activity, volunteer=volunteer,
                                 status__in=[SignUp.Status.SIGNED, SignUp.Status.WAITING]).first()
    if live is not None:
        raise ValidationError({"volunteer": f"{volunteer.name}已报名“{activity.title}”（{live.get_status_display()}）"})
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
        raise ValidationError({"signup": "该报名已取消"})
    if signup.checked_in_at is not None:
        raise ValidationError({"signup": f"{signup.volunteer.name}已签到，不能取消报名"})
    if now >= activity.ends_at:
        raise ValidationError({"signup": f"活动“{activity.title}”已结束，不能取消报名"})
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
        raise ValidationError({"signup": f"活动“{activity.title}”已取消"})
    if signup.status != SignUp.Status.SIGNED:
        raise ValidationError({"signup": f"{signup.volunteer.name}未取得“{activity.title}”的名额，不能签到"})
    if signup.checked_in_at is not None:
        raise ValidationError({"signup": f"{signup.volunteer.name}已于{timezone.localtime(signup.checked_in_at):%H:%M}签到"})
    if now < activity.starts_at - CHECK_IN_OPENS:
        raise ValidationError({"signup": f"签到在活动开始前1小时开放（{timezone.localtime(activity.starts_at):%m-%d %H:%M}开始）"})
    if now >= activity.ends_at:
        raise ValidationError({"signup": f"活动“{activity.title}”已结束，请联系队长补记时长"})
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
        raise ValidationError({"signup": f"{signup.volunteer.name}尚未签到"})
    if signup.checked_out_at is not None:
        raise ValidationError({"signup": f"{signup.volunteer.name}已于{timezone.localtime(signup.checked_out_at):%H:%M}签退"})
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
        raise ValidationError({"signup": "活动开始后才能记为未到"})
    if signup.status != SignUp.Status.SIGNED or signup.checked_in_at is not None or signup.is_confirmed:
        raise ValidationError({"signup": f"{signup.volunteer.name}已签到或不在名单上，不能记为未到"})
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
    errors = []
    for signup in signups:
        authorise_team(actor, signup.activity.team)
        minutes = minutes_by_signup[signup.pk]
        name = signup.volunteer.name
        if signup.is_confirmed:
            errors.append(f"{name}在“{signup.activity.title}”的时长已确认（{rules.hours_text(signup.confirmed_minutes)}小时）")
        elif signup.status != SignUp.Status.SIGNED:
            errors.append(f"{name}未取得“{signup.activity.title}”的名额")
        elif now < signup.activity.ends_at:
            errors.append(f"“{signup.activity.title}”尚未结束，结束后才能确认时长")
        elif not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= rules.MAX_MINUTES:
            errors.append(f"{name}的时长须在0到12小时之间")
    if errors:
        raise ValidationError({"signups": errors})
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


# ================================================================================================ activities, sign-ups, hours (section B)

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


# ================================================================================================ rotas (section C)


# ================================================================================================ hours → points (section D)


@transaction.atomic(durable=True)  # a queued job's unit of work commits on its own
def propose_hours_claims(*, actor: Actor, signup_ids: list[int] | None = None, today: date | None = None) -> dict:
    """Propose points claims for confirmed hours (all confirmed sign-ups without an outcome when ``signup_ids`` is
    None): each sign-up gets one ``HoursClaim`` — a claim in its village's review, or why none. Run twice, it
    proposes nothing twice. (Section D fills this in.)"""
    return {"proposed": 0}


# ================================================================================================ 点单—派单 (section D)
