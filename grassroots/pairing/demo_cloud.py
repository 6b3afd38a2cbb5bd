"""The demo county's cloud branch pairs: every mobile member away (members/demo.py registers them) gets a village
member of their home branch as partner, a Pair of kind member_mobile set up through pairing.services.create_pair.
Called by pairing/demo.py ``load_demo_pairing``."""

from django.db.models import Q

from grassroots.audit.context import Actor
from grassroots.members.models import Member, Membership, MobileMember
from grassroots.pairing.models import Pair
from grassroots.pairing.services import create_pair
from grassroots.rules import pairing as rules


def pair_mobile_members(*, actor: Actor) -> int:
    """Pair every mobile member away with no member_mobile pair open: the partner is the first member (by id) of
    their home branch who is not away themself, from the day they left (or their membership's start, if later).
    Idempotent: a second run finds the pairs and sets up none. Returns how many pairs it set up."""
    paired = Pair.objects.filter(kind=rules.MEMBER_MOBILE, ended_on__isnull=True).values("member_id")
    away = MobileMember.objects.filter(returned_on__isnull=True)
    made = 0
    for spell in (away.exclude(member_id__in=paired).select_related("member", "cloud_branch")
                  .order_by("member_id")):
        home = (Membership.objects.filter(member_id=spell.member_id, ended_on__isnull=True)
                .select_related("organisation").first())
        if home is None:
            continue
        partner = (Member.objects.filter(memberships__organisation=home.organisation,
                                         memberships__ended_on__isnull=True)
                   .exclude(Q(pk=spell.member_id) | Q(pk__in=away.values("member_id"))).order_by("pk").first())
        if partner is None:
            continue
        create_pair(actor=actor, kind=rules.MEMBER_MOBILE, visitor=partner, target=spell.member,
                    started_on=max(spell.since, home.started_on), purpose="流动党员结对联系",
                    organisation=spell.cloud_branch or home.organisation)
        made += 1
    return made
