"""党建: organisations, those under rectification (软弱涣散), members, 三会一课 held against required, the development
pipeline and the 两新 census with its coverage.

Every party figure is a state, what the registers answer for today: the registers are dated (memberships, steps,
rectifications, coverages are spans of days a user enters after the fact), so a count by the day something was
entered would say nothing the registers say. Organisations lie in two trees; the figures follow the area one: an
organisation, and what belongs to it (memberships, meetings, developments), counts in the area it sits in
(``Organisation.area_path``, grouped by ``village_path("area_path")``), as the registers' ``?area=`` lists do. A 两新
organisation counts in its own area (``NewOrganisation.path``).

- **Organisations**: founded by today and not dissolved. **Under rectification**: those of them a rectification
  covers today (``party.selectors.weak_on``).
- **Members on the day**: memberships covering today (``members.selectors.on_day``): a member counts in exactly one
  organisation, so a transfer moves them from one area to the other on the day it is received.
- **三会一课**: this year's periods as of today by the compliance rule (``meetings.selectors.organisation_rows`` on
  ``rules/meetings.py``): *held* and *required* — the periods already ended (held or overdue) plus those held early
  — so the ratio is held ÷ (held + overdue); a period in progress and not yet held is not counted against anyone.
- **Development pipeline**: each person by the stage they held today (``development.selectors.with_stage_on``).
- **两新**: organisations in the census today (``neworgs.selectors.open_on``), and those a party organisation covers
  today (a ``Coverage`` covering today).
"""

from collections import Counter

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse

from grassroots.dashboards.sections.base import STATE, Section, Tile, village_path
from grassroots.development.models import Development, Stage
from grassroots.development.selectors import with_stage_on
from grassroots.meetings.selectors import organisation_rows
from grassroots.members.models import Membership
from grassroots.members.selectors import on_day
from grassroots.neworgs.models import Coverage, NewOrganisation
from grassroots.neworgs.selectors import open_on
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation, Rectification
from grassroots.party.selectors import weak_on
from grassroots.rules import meetings as meeting_rules

ORGANISATIONS, WEAK, MEMBERS = "party.organisations", "party.weak", "party.members"
MEETINGS_HELD, MEETINGS_REQUIRED = "party.meetings_held", "party.meetings_required"
STAGES = {Stage.APPLICANT: "party.applicants", Stage.ACTIVIST: "party.activists",
          Stage.CANDIDATE: "party.candidates", Stage.PROBATIONARY: "party.probationary"}
NEWORGS, NEWORGS_COVERED = "party.neworgs", "party.neworgs_covered"


def _standing(today):
    """Organisations standing on ``today``: founded by it and not dissolved."""
    return Organisation.objects.filter(founded_on__lte=today).exclude(dissolved_on__lte=today)


def states(today):
    weak = Rectification.objects.filter(weak_on(today), organisation=OuterRef("pk"))
    for row in (_standing(today).annotate(weak=Exists(weak)).values("weak", where=village_path("area_path"))
                .annotate(n=Count("id")).order_by()):
        yield row["where"], ORGANISATIONS, row["n"]
        if row["weak"]:
            yield row["where"], WEAK, row["n"]
    for row in (Membership.objects.filter(on_day(today)).values(where=village_path("organisation__area_path"))
                .annotate(n=Count("id")).order_by()):
        yield row["where"], MEMBERS, row["n"]
    held, required = Counter(), Counter()
    for row in organisation_rows(Organisation.objects.annotate(where=village_path("area_path")),
                                 year=today.year, today=today):
        held[row.organisation.where] += row.totals[meeting_rules.HELD]
        required[row.organisation.where] += row.totals[meeting_rules.HELD] + row.totals[meeting_rules.OVERDUE]
    for where, n in held.items():
        yield where, MEETINGS_HELD, n
    for where, n in required.items():
        yield where, MEETINGS_REQUIRED, n
    for row in (with_stage_on(Development.objects.all(), today).filter(stage_on__in=list(STAGES))
                .values("stage_on", where=village_path("organisation__area_path")).annotate(n=Count("id")).order_by()):
        yield row["where"], STAGES[row["stage_on"]], row["n"]
    covered = Coverage.objects.filter(on_day(today), new_organisation=OuterRef("pk"))
    for row in (NewOrganisation.objects.filter(open_on(today)).annotate(covered=Exists(covered))
                .values("covered", where=village_path()).annotate(n=Count("id")).order_by()):
        yield row["where"], NEWORGS, row["n"]
        if row["covered"]:
            yield row["where"], NEWORGS_COVERED, row["n"]


def _link(name, **extra):
    def url(area, period):
        query = "".join(f"&{k}={v}" for k, v in extra.items())
        return f"{reverse(name)}?area={area.code}{query}"
    return url


SECTION = Section(
    key="party", label="党建", capability=caps.VIEW,
    metrics={ORGANISATIONS: STATE, WEAK: STATE, MEMBERS: STATE, MEETINGS_HELD: STATE, MEETINGS_REQUIRED: STATE,
             **{metric: STATE for metric in STAGES.values()}, NEWORGS: STATE, NEWORGS_COVERED: STATE},
    tiles=(
        Tile(ORGANISATIONS, "党组织", "个", kind=STATE, list_url=_link("party-home")),
        Tile(WEAK, "软弱涣散整顿中", "个", kind=STATE, list_url=_link("party-rectifications"), alarm=True),
        Tile(MEMBERS, "党员", "名", kind=STATE, list_url=_link("members-register")),
        Tile("party.meetings", "三会一课落实率（本年应开已开）", kind="ratio", metric=MEETINGS_HELD,
             denominator=MEETINGS_REQUIRED, list_url=_link("meetings-compliance")),
        Tile(STAGES[Stage.APPLICANT], "入党申请人", "名", kind=STATE, list_url=_link("development-pipeline")),
        Tile(STAGES[Stage.ACTIVIST], "入党积极分子", "名", kind=STATE, list_url=_link("development-pipeline")),
        Tile(STAGES[Stage.CANDIDATE], "发展对象", "名", kind=STATE, list_url=_link("development-pipeline")),
        Tile(STAGES[Stage.PROBATIONARY], "预备党员", "名", kind=STATE, list_url=_link("development-pipeline")),
        Tile(NEWORGS, "两新组织", "个", kind=STATE, list_url=_link("neworgs-census")),
        Tile(NEWORGS_COVERED, "两新组织已建党组织", "个", kind=STATE, list_url=_link("neworgs-census", covered=1)),
    ),
    states=states,
)
