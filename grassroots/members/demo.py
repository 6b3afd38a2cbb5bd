"""The demo county's members: every resident the register flags as a party member is on the register of their
village's branch (a community's: their 小区's), with party dates that agree with their age and standing.
Idempotent: people already on the register are skipped."""

from datetime import date, timedelta

from django.db import transaction

from grassroots.areas.models import Person
from grassroots.audit.context import Actor
from grassroots.members.services import admit_member
from grassroots.party.models import Organisation

TODAY = date(2026, 12, 1)


def _party_dates(person: Person) -> tuple[date, date | None]:
    n = person.pk
    if person.party_status == Person.PartyStatus.PROBATIONARY:
        return TODAY - timedelta(days=40 + n % 300), None
    born = person.birth_date or date(1970, 1, 1)
    joined = date(min(born.year + 22 + n % 18, 2024), 1 + n % 12, 1 + n % 28)
    return joined, joined + timedelta(days=365)


@transaction.atomic
def load_demo_members(*, actor: Actor) -> int:
    """Admit the flagged residents; answers how many were admitted."""
    branches = {o.area_id: o for o in Organisation.objects.filter(area_path__startswith=_county_path(),
                                                                  kind__in=["branch", "committee"],
                                                                  host="area", is_cloud_branch=False)}
    people = (Person.objects.filter(path__startswith=_county_path(), is_active=True)
              .exclude(party_status="").filter(party_member__isnull=True)
              .select_related("household").order_by("pk"))
    admitted = 0
    for person in people.iterator(chunk_size=500):
        household = person.household
        organisation = branches.get(household.grid_id) or branches.get(household.village_id) if household else None
        if organisation is None:
            continue
        joined, full = _party_dates(person)
        admit_member(actor=actor, organisation=organisation, person=person, name=person.name, gender=person.gender,
                     joined_on=joined, full_on=full, started_on=max(joined, organisation.founded_on),
                     ethnicity=person.ethnicity, mobile=person.mobile)
        admitted += 1
    return admitted


def _county_path() -> str:
    return Organisation.objects.get(code="WNT-0001").area_path



