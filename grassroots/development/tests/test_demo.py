"""The demo loader on the test tree plus one 两新 branch: people at every early stage, admitted through the
services when probationary, things due within the month; a second run changes nothing."""

from datetime import date

import pytest
from django.utils import timezone

from grassroots.development import selectors
from grassroots.development.demo import load_demo_development
from grassroots.development.models import Development
from grassroots.party.models import Organisation
from grassroots.party.services import create_organisation

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_pipeline_once(party_world, region, system_actor):
    enterprise = create_organisation(actor=system_actor, name="中共翁牛特旗玉龙沙产业有限公司支部委员会",
                                     kind=Organisation.Kind.BRANCH, area=region["翁牛特旗"], parent=party_world.county,
                                     host=Organisation.Host.ENTERPRISE, host_name="翁牛特旗玉龙沙产业有限公司",
                                     founded_on=date(2016, 7, 1), code="WNT-E01")
    load_demo_development(actor=system_actor)
    theirs = Development.objects.filter(organisation=enterprise).prefetch_related("steps")
    assert sorted(d.stage for d in theirs) == ["activist", "applicant", "candidate", "probationary"]
    probationary = theirs.get(stage="probationary")
    assert probationary.member is not None and probationary.member.joined_on == probationary.steps.get(
        stage="probationary").decided_on
    assert all(s.decided_by for d in theirs for s in d.steps.all() if s.stage != "applicant")
    today = timezone.localdate()
    soon = {x.kind for d in theirs for x in selectors.row_of(d, today).soon}
    assert soon == {"talk", "probation"}
    # 官井子村's one eligible resident applied too.
    assert Development.objects.filter(organisation=party_world.guanjing, name="单国强").exists()
    count = Development.objects.count()
    load_demo_development(actor=system_actor)
    assert Development.objects.count() == count
