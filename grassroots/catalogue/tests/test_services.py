"""Writes of the rule catalogue: an assembly's vote that adopts a drafted catalogue as a whole."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from grassroots.audit.models import AuditEntry
from grassroots.catalogue import services
from grassroots.catalogue.models import RuleVersion


def test_an_assembly_that_adopts_the_drafts_is_named_on_every_version_it_adopted(region, system_actor):
    village = region["赛沁塔拉嘎查"]
    rule_set = services.create_rule_set(actor=system_actor, area=village, name="赛沁塔拉嘎查积分细则")
    for code in ("A01", "A02"):
        services.add_rule(actor=system_actor, rule_set=rule_set, code=code, title=f"项目{code}", kind="basic",
                          categories=["resident"], points=10, effective_from=date(2026, 1, 1))
    adoption = services.record_adoption(actor=system_actor, rule_set=rule_set, meeting="村民代表大会",
                                        held_on=date(2026, 1, 5), votes_for=41, votes_against=2, adopts_drafts=True)
    versions = RuleVersion.objects.filter(rule__rule_set=rule_set)
    assert versions.count() == 2 and set(versions.values_list("adoption_id", flat=True)) == {adoption.pk}
    entry = AuditEntry.objects.get(action="points.adoption.create")
    assert entry.data["versions_adopted"] == 2
    # A later vote adopts only what it is given: versions already adopted keep their meeting.
    later = services.record_adoption(actor=system_actor, rule_set=rule_set, meeting="村民代表大会（二）",
                                     held_on=date(2026, 6, 1), votes_for=30, adopts_drafts=True)
    assert set(versions.values_list("adoption_id", flat=True)) == {adoption.pk} and later.pk != adoption.pk


def test_a_vote_without_a_majority_adopts_nothing(region, system_actor):
    rule_set = services.create_rule_set(actor=system_actor, area=region["赛沁塔拉嘎查"], name="细则")
    services.add_rule(actor=system_actor, rule_set=rule_set, code="A01", title="义务劳动", kind="basic",
                      categories=["resident"], points=10, effective_from=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="赞成票未过半"):
        services.record_adoption(actor=system_actor, rule_set=rule_set, meeting="村民代表大会",
                                 held_on=date(2026, 1, 5), votes_for=10, votes_against=12, adopts_drafts=True)
    assert not RuleVersion.objects.filter(rule__rule_set=rule_set, adoption__isnull=False).exists()
