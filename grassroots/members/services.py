"""Writes of the member registers. Each public function: keyword-only, one transaction, audited.

Locks: a write about one member takes that member's row first (``_lock``), so two transfers, or a transfer and
an ending, cannot both see the same open membership.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from grassroots.access.scope import authorise_organisation
from grassroots.areas.models import Person
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.members.models import Member, Membership
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


def _sync_person(member: Member) -> None:
    """The resident register's 政治面貌 follows the member register."""
    if member.person_id is None:
        return
    if member.left_on is not None:
        status = Person.PartyStatus.NONE
    else:
        status = Person.PartyStatus.FULL if member.full_on else Person.PartyStatus.PROBATIONARY
    updates = {"party_status": status}
    if status == Person.PartyStatus.NONE:
        updates["is_mobile_member"] = False
    Person.objects.filter(pk=member.person_id).update(**updates)


@transaction.atomic
def admit_member(*, actor: Actor, organisation: Organisation, name: str, gender: str, joined_on: date,
                 started_on: date | None = None, full_on: date | None = None, person: Person | None = None,
                 birth_date: date | None = None, ethnicity: str = "", mobile: str = "") -> Member:
    """Put a member on the register of ``organisation`` from ``started_on`` (default: the day they joined). For
    a member already in the party who is new to the platform (a register being entered), ``joined_on`` and
    ``full_on`` are their party dates and ``started_on`` the day their relation came to this organisation."""
    authorise_organisation(actor, caps.MANAGE, organisation, seen_with=caps.VIEW)
    return _admit(actor=actor, organisation=organisation, name=name, gender=gender, joined_on=joined_on,
                  started_on=started_on, full_on=full_on, person=person, birth_date=birth_date, ethnicity=ethnicity,
                  mobile=mobile)


def _admit(*, actor: Actor, organisation: Organisation, name: str, gender: str, joined_on: date,
           started_on: date | None = None, full_on: date | None = None, person: Person | None = None,
           birth_date: date | None = None, ethnicity: str = "", mobile: str = "") -> Member:
    """The work of ``admit_member`` without its check, for a service that has made its own (the development
    pipeline admits a probationary member on the decision it records)."""
    name = name.strip()
    started_on = started_on or joined_on
    if not name:
        raise ValidationError({"name": "请填写党员姓名"})
    if full_on is not None and full_on < joined_on:
        raise ValidationError({"full_on": f"{name}的转正日期 {full_on} 早于入党日期 {joined_on}"})
    if started_on < joined_on:
        raise ValidationError({"started_on": f"{name}的组织关系起始日期 {started_on} 早于入党日期 {joined_on}"})
    if not organisation.exists_on(started_on):
        raise ValidationError({"started_on": f"{started_on} 党组织“{organisation}”尚未成立或已撤销"})
    if organisation.is_cloud_branch:
        raise ValidationError({"organisation": f"“{organisation}”是云支部，不接收组织关系"})
    if person is not None and Member.objects.filter(person=person).exists():
        raise ValidationError({"person": f"{person.name}已在党员名册中"})
    member = Member.objects.create(
        person=person, name=name, gender=gender, birth_date=birth_date if person is None else person.birth_date,
        ethnicity=ethnicity, mobile=mobile, joined_on=joined_on, full_on=full_on,
    )
    Membership.objects.create(member=member, organisation=organisation, started_on=started_on)
    _sync_person(member)
    record(actor=actor, action="members.member.admit", obj=member, area_path=organisation.area_path,
           data={"organisation": organisation.pk, "started_on": str(started_on)})
    return member
