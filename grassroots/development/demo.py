"""The demo county's 发展党员: in the first villages' branches and the 两新 branches WNT-E01..E04, people at every
stage, dated back from the day the demo is loaded so that some things are due within the month (talks owed to new
applicants, probations ending) and one is overdue (a probation past its year, not yet discussed). Every step is
decided by a named body and goes through the services, so the rules hold and probationary members are admitted.
Idempotent: a second run finds developments and changes nothing."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from grassroots.areas.models import Person
from grassroots.audit.context import Actor
from grassroots.core.demo import GUANJING, SAIQIN
from grassroots.development import services
from grassroots.development.models import Development
from grassroots.party.models import Organisation
from grassroots.rules.development import add_years

VILLAGE_BRANCHES = 6
NEW_ORGANISATIONS = ("WNT-E01", "WNT-E02", "WNT-E03", "WNT-E04")
# (stage, days since that stage was reached) for each village branch; the first branch also has the overdue one.
VILLAGE_PLAN = [("applicant", 9), ("applicant", 80), ("activist", 150), ("activist", 400), ("candidate", 60),
                ("probationary", 350), ("full", 200)]
OVERDUE = ("probationary", 380)
# Names for the 两新 branches' people, who do not live in the demo's villages.
OUTSIDE_NAMES = ["李娜", "王浩", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "孙悦", "周婷", "吴强", "郑雪", "冯涛"]
NEW_ORGANISATION_PLAN = {
    "WNT-E01": [("applicant", 12), ("activist", 420), ("candidate", 30), ("probationary", 340)],
    "WNT-E02": [("applicant", 150), ("activist", 200), ("probationary", 100)],
    "WNT-E03": [("activist", 380), ("candidate", 200), ("full", 90)],
    "WNT-E04": [("applicant", 20), ("activist", 100)],  # founded 2026-04-18
}


def _dates(stage: str, since: date) -> dict[str, date]:
    """Step dates that reach ``stage`` on ``since`` and keep every waiting period of the rules."""
    steps: dict[str, date] = {}
    if stage == "full":
        steps["full"] = since
        since, stage = add_years(since, -1) - timedelta(days=10), "probationary"
    if stage == "probationary":
        steps["probationary"] = since
        since, stage = since - timedelta(days=120), "candidate"
    if stage == "candidate":
        steps["candidate"] = since
        since, stage = add_years(since, -1) - timedelta(days=25), "activist"
    if stage == "activist":
        steps["activist"] = since
        since = since - timedelta(days=50)
    steps["applicant"] = since
    return dict(sorted(steps.items(), key=lambda item: item[1]))


def _bodies(organisation: Organisation) -> dict[str, str]:
    higher = organisation.parent.name if organisation.parent_id else "上级党委"
    return {"activist": f"{organisation.name}（支委会）", "candidate": f"{organisation.name}（支委会）",
            "probationary": f"支部党员大会讨论通过，{higher}审批", "full": f"{organisation.name}（支部党员大会）"}


def _develop(actor: Actor, organisation: Organisation, stage: str, days: int, *, person: Person | None = None,
             name: str = "", gender: str = "M", birth_date: date | None = None) -> None:
    steps = _dates(stage, timezone.localdate() - timedelta(days=days))
    applied = steps.pop("applicant")
    development = services.register_applicant(actor=actor, organisation=organisation, applied_on=applied,
                                              person=person, name=name, gender=gender, birth_date=birth_date)
    if stage != "applicant" or days > 31:
        services.record_talk(actor=actor, development=development, talked_on=applied + timedelta(days=12),
                             talked_by=f"{organisation.name}书记")
    bodies = _bodies(organisation)
    for step, day in steps.items():
        services.advance(actor=actor, development=development, stage=step, decided_on=day, decided_by=bodies[step])


def _candidates(organisation: Organisation, today: date) -> list[Person]:
    """Residents of the branch's village who could have applied years ago: adults, not members, not developing."""
    return list(Person.objects.filter(path__startswith=organisation.area_path, is_active=True, party_status="",
                                      birth_date__lte=add_years(today, -25), birth_date__gte=add_years(today, -55),
                                      party_member__isnull=True, developments__isnull=True).order_by("pk")[:20])


@transaction.atomic
def load_demo_development(*, actor: Actor) -> None:
    if Development.objects.exists():
        return
    today = timezone.localdate()
    villages = (Organisation.objects.filter(kind=Organisation.Kind.BRANCH, host=Organisation.Host.AREA,
                                            area__level="village", is_cloud_branch=False)
                .select_related("parent").order_by("code"))
    # The demo accounts' villages first (赛沁塔拉嘎查, 官井子村), then the first others.
    first = [f"WNT-{SAIQIN}", f"WNT-{GUANJING}"]
    branches = sorted(villages, key=lambda o: (o.code not in first, first.index(o.code) if o.code in first else 0,
                                               o.code))[:VILLAGE_BRANCHES]
    for n, branch in enumerate(branches):
        plan = VILLAGE_PLAN + ([OVERDUE] if n == 0 else [])
        people = _candidates(branch, today)
        for (stage, days), person in zip(plan, people, strict=False):
            _develop(actor, branch, stage, days, person=person)
    names = iter(OUTSIDE_NAMES * 2)
    for code in NEW_ORGANISATIONS:
        organisation = Organisation.objects.select_related("parent").filter(code=code).first()
        if organisation is None:
            continue
        for i, (stage, days) in enumerate(NEW_ORGANISATION_PLAN[code]):
            _develop(actor, organisation, stage, days, name=next(names), gender="F" if i % 2 else "M",
                     birth_date=date(1990 + i * 2, 3 + i, 10 + i))
