"""One source of truth for "which village member is paired with this mobile member": every mobile spell that
named a partner (members.MobileMember.paired_with, undated) becomes a dated Pair of kind ``member_mobile``
(visitor: the village member; target: the mobile member), from the spell's ``since`` up to its ``returned_on``.
members 0004 then removes ``paired_with``.

The pair's ``path`` is the mobile member's organisation's area path at the time: the membership open on
``since``, or else their latest. Run again, it adds nothing (a pair already there for the same sides and start is
left alone). Backwards it writes ``paired_with`` again from the pairs (the one in force on the spell's last day)
and removes the pairs it made (those set up by nobody: ``set_up_by`` is null)."""

from datetime import timedelta

from django.db import migrations
from django.db.models import Q

KIND = "member_mobile"


def _membership_on(Membership, member_id, day):
    open_on_day = (Membership.objects.filter(member_id=member_id, started_on__lte=day)
                   .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day)).select_related("organisation")
                   .order_by("-started_on", "-id").first())
    return open_on_day or (Membership.objects.filter(member_id=member_id).select_related("organisation")
                           .order_by("-started_on", "-id").first())


def pairs_from_mobile_spells(apps, schema_editor):
    MobileMember = apps.get_model("members", "MobileMember")
    Membership = apps.get_model("members", "Membership")
    Pair = apps.get_model("pairing", "Pair")
    spells = MobileMember.objects.filter(paired_with__isnull=False).order_by("since", "id")
    for spell in spells.iterator():
        visitor_key, target_key = f"m{spell.paired_with_id}", f"m{spell.member_id}"
        if Pair.objects.filter(kind=KIND, visitor_key=visitor_key, target_key=target_key,
                               started_on=spell.since).exists():
            continue
        membership = _membership_on(Membership, spell.member_id, spell.since)
        if membership is None:
            continue  # a member with no membership at all: nowhere to scope the pair
        ended_on = spell.returned_on
        if ended_on is not None and ended_on <= spell.since:
            ended_on = spell.since + timedelta(days=1)  # back the day they left: a pair of one day
        Pair.objects.create(
            kind=KIND, visitor_member_id=spell.paired_with_id, member_id=spell.member_id,
            visitor_key=visitor_key, target_key=target_key, path=membership.organisation.area_path,
            started_on=spell.since, ended_on=ended_on, purpose="流动党员结对联系",
            organisation_id=spell.cloud_branch_id or membership.organisation_id, set_up_by=None)


def paired_with_from_pairs(apps, schema_editor):
    MobileMember = apps.get_model("members", "MobileMember")
    Pair = apps.get_model("pairing", "Pair")
    for spell in MobileMember.objects.filter(paired_with__isnull=True).order_by("id").iterator():
        last = spell.returned_on - timedelta(days=1) if spell.returned_on else None
        pairs = Pair.objects.filter(kind=KIND, member_id=spell.member_id, started_on__gte=spell.since)
        if last is not None:
            pairs = pairs.filter(started_on__lte=last)
        pair = pairs.order_by("-started_on", "-id").first()
        if pair is not None:
            spell.paired_with_id = pair.visitor_member_id
            spell.save(update_fields=["paired_with"])
    Pair.objects.filter(kind=KIND, set_up_by__isnull=True, visits__isnull=True, relays__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0003_membership_covering_index"),
        ("pairing", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(pairs_from_mobile_spells, paired_with_from_pairs),
    ]
