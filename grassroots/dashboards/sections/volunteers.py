"""志愿服务: hours confirmed, activities held, volunteers who served (person-times), registered volunteers and teams.

Only confirmed hours count (``volunteers.selectors.COUNTED``): a check-out's minutes wait for the team's leader, and a
sign-up left unconfirmed counts nowhere, here as on the volunteer's card.

- **Hours confirmed** (flow, minutes shown as hours): the confirmed minutes of sign-ups, on the local day the leader
  confirmed them (``SignUp.confirmed_at``), in the area of the activity (``SignUp.path``).
- **Volunteers who served** (flow, 人次): the same sign-ups counted — one a volunteer whose hours for one activity
  were confirmed that day. A flow of person-times adds up over a period (a volunteer serving twice in a week counts
  twice), which a count of distinct people would not.
- **Activities held** (flow): activities not cancelled, on the local day they ended, or the day they were entered
  when that is later (an activity entered after it ended counts on the day it was entered, a day the refresh still
  rebuilds). An activity cancelled after it ended leaves the day it counted on until ``grassroots rollups``
  rebuilds that day.
- **Registered volunteers** and **teams** (states): those active now, where they are registered. A team counts in the
  area it serves (``Team.path``): a site's team in its site's area; a unit's team in its unit's area (the default
  when the team is made, ``volunteers.services.create_team``), so a banner bureau's team counts for the banner and
  not for any township or village below it — the same rule as the team list behind the tile.
"""

from django.db.models import Count, Sum
from django.db.models.functions import Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone

from grassroots.dashboards.sections.base import FLOW, STATE, Section, Tile, village_path
from grassroots.dashboards.sections.common import local_days
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers.models import Activity, SignUp, Team, Volunteer
from grassroots.volunteers.selectors import COUNTED

MINUTES, SERVED, HELD, REGISTERED, TEAMS = (
    "volunteers.minutes", "volunteers.served", "volunteers.activities", "volunteers.registered", "volunteers.teams")


def flows(first, last):
    zone = timezone.get_current_timezone()
    confirmed = (SignUp.objects.filter(COUNTED, local_days("confirmed_at", first, last))
                 .values(day=TruncDate("confirmed_at", tzinfo=zone), where=village_path())
                 .annotate(minutes=Sum("confirmed_minutes"), n=Count("id")).order_by())
    for row in confirmed:
        yield row["where"], row["day"], MINUTES, row["minutes"]
        yield row["where"], row["day"], SERVED, row["n"]
    held = (Activity.objects.exclude(status=Activity.Status.CANCELLED)
            .annotate(day=TruncDate(Greatest("ends_at", "created_at"), tzinfo=zone))
            .filter(day__range=(first, last)).values("day", where=village_path()).annotate(n=Count("id")).order_by())
    for row in held:
        yield row["where"], row["day"], HELD, row["n"]


def states(today):
    for model, metric in ((Volunteer, REGISTERED), (Team, TEAMS)):
        for row in (model.objects.filter(is_active=True).values(where=village_path())
                    .annotate(n=Count("id")).order_by()):
            yield row["where"], metric, row["n"]


def _past_activities(area, period):
    return f"{reverse('volunteers-activities')}?when=past&area={area.code}"


def _people(area, period):
    return f"{reverse('volunteers-people')}?area={area.code}"


def _teams(area, period):
    return f"{reverse('volunteers-teams')}?area={area.code}"


SECTION = Section(
    key="volunteers", label="志愿服务", capability=caps.VIEW,
    metrics={MINUTES: FLOW, SERVED: FLOW, HELD: FLOW, REGISTERED: STATE, TEAMS: STATE},
    tiles=(
        Tile(MINUTES, "确认服务时长", "小时", scale="hours", list_url=_past_activities),
        Tile(HELD, "开展活动", "场", list_url=_past_activities),
        Tile(SERVED, "参与服务", "人次", list_url=_past_activities),
        Tile(REGISTERED, "注册志愿者", "名", kind=STATE, list_url=_people),
        Tile(TEAMS, "志愿服务队", "支", kind=STATE, list_url=_teams),
    ),
    flows=flows, states=states,
)
