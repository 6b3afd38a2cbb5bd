"""The organisation tree's writes: moving a subtree rewrites its paths (and so who reaches it), dissolving is
refused while members or children remain, rectification sets and clears the weak status, the checklist and
evidence decide the year's 最强党支部; each refused write changes nothing."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from grassroots.access.scope import visible_organisations
from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.party import capabilities as caps
from grassroots.party import selectors, services
from grassroots.party.models import ModelBranchEvidence, Organisation

pytestmark = pytest.mark.django_db
Kind = Organisation.Kind


def codes(user):
    return set(visible_organisations(user, Organisation.objects.all(), caps.VIEW).values_list("code", flat=True))


def paths():
    return dict(Organisation.objects.values_list("code", "path"))


def test_a_move_rewrites_the_whole_subtree_and_hands_it_to_the_new_parents_secretary(
        party_world, org_staff, wudan_secretary, guangde_secretary):
    w = party_world
    assert {"T-SQ", "T-SQ1"} <= codes(wudan_secretary)
    assert "T-SQ" not in codes(guangde_secretary)
    before = paths()
    services.move_organisation(actor=_actor(org_staff), organisation=w.saiqin, parent=w.guangde)
    after = paths()
    assert after["T-SQ"] == f"{w.guangde.path}o{w.saiqin.pk}/"
    assert after["T-SQ1"] == f"{w.guangde.path}o{w.saiqin.pk}/o{w.saiqin_group.pk}/"
    assert {k: v for k, v in after.items() if k not in ("T-SQ", "T-SQ1")} == \
        {k: v for k, v in before.items() if k not in ("T-SQ", "T-SQ1")}
    w.saiqin.refresh_from_db()
    assert w.saiqin.parent == w.guangde
    for user in (wudan_secretary, guangde_secretary):
        user.__dict__.pop("_grassroots_scope", None)
    assert codes(wudan_secretary) == {"T-WD"}
    assert codes(guangde_secretary) == {"T-GD", "T-GJ", "T-SQ", "T-SQ1"}
    assert AuditEntry.objects.filter(action="party.organisation.move").count() == 1


def _actor(user):
    return Actor(user=user, name=user.username)


def test_a_move_refuses_a_cycle_and_a_kind_that_may_not_sit_there(party_world, org_staff):
    w = party_world
    before = paths()
    with pytest.raises(ValidationError) as e:
        services.move_organisation(actor=_actor(org_staff), organisation=w.wudan, parent=w.guanjing)
    assert "党委不能设在党支部" in str(e.value)
    with pytest.raises(ValidationError) as e:
        services.move_organisation(actor=_actor(org_staff), organisation=w.unit, parent=w.saiqin_group)
    assert "党支部不能设在党小组" in str(e.value)
    with pytest.raises(ValidationError) as e:
        services.move_organisation(actor=_actor(org_staff), organisation=w.county, parent=w.wudan)
    assert "自己或其下级" in str(e.value)
    assert paths() == before


def test_only_the_organisation_department_moves(party_world, secretary, township_staff, outsider):
    w = party_world
    with pytest.raises(PermissionDenied):
        services.move_organisation(actor=_actor(township_staff), organisation=w.saiqin, parent=w.guangde)
    with pytest.raises(Http404):
        services.move_organisation(actor=_actor(outsider), organisation=w.saiqin, parent=w.guangde)
    with pytest.raises(PermissionDenied):
        services.move_organisation(actor=_actor(secretary), organisation=w.saiqin_group, parent=w.saiqin)


def test_dissolving_is_refused_while_members_or_children_remain(party_world, org_staff):
    w = party_world
    with pytest.raises(ValidationError) as e:
        services.dissolve_organisation(actor=_actor(org_staff), organisation=w.saiqin, dissolved_on=date(2026, 12, 1))
    assert "乌云毕力格" in str(e.value) and "巴特尔" in str(e.value)
    with pytest.raises(ValidationError) as e:
        services.dissolve_organisation(actor=_actor(org_staff), organisation=w.wudan, dissolved_on=date(2026, 12, 1))
    assert "赛沁塔拉嘎查" in str(e.value)
    w.saiqin.refresh_from_db()
    w.wudan.refresh_from_db()
    assert w.saiqin.status == w.wudan.status == Organisation.Status.NORMAL


def test_a_dissolved_organisation_keeps_its_row_and_is_dissolved_from_its_date(party_world, org_staff):
    w = party_world
    services.dissolve_organisation(actor=_actor(org_staff), organisation=w.saiqin_group, dissolved_on=date(2026, 6, 1))
    group = Organisation.objects.get(code="T-SQ1")
    assert group.status == Organisation.Status.DISSOLVED and group.dissolved_on == date(2026, 6, 1)
    on = {o.code: o.status_that_day for o in selectors.tree(org_staff, day=date(2026, 5, 31))}
    assert on["T-SQ1"] == "normal"
    on = {o.code: o.status_that_day for o in selectors.tree(org_staff, day=date(2026, 6, 1))}
    assert on["T-SQ1"] == "dissolved"
    with pytest.raises(ValidationError):
        services.move_organisation(actor=_actor(org_staff), organisation=w.unit, parent=group)


def test_rectification_makes_weak_and_acceptance_normal_and_past_days_keep_their_status(party_world, org_staff):
    w = party_world
    r = services.open_rectification(actor=_actor(org_staff), organisation=w.guanjing, identified_on=date(2026, 3, 1),
                                    reasons="班子不团结，组织生活不正常")
    w.guanjing.refresh_from_db()
    assert w.guanjing.status == Organisation.Status.WEAK
    with pytest.raises(ValidationError):
        services.open_rectification(actor=_actor(org_staff), organisation=w.guanjing, identified_on=date(2026, 4, 1),
                                    reasons="again")
    services.complete_rectification(actor=_actor(org_staff), rectification=r, completed_on=date(2026, 9, 1),
                                    result="验收合格")
    w.guanjing.refresh_from_db()
    assert w.guanjing.status == Organisation.Status.NORMAL
    status = {d: {o.code: o.status_that_day for o in selectors.tree(org_staff, day=d)}["T-GJ"]
              for d in (date(2026, 2, 28), date(2026, 3, 1), date(2026, 8, 31), date(2026, 9, 1))}
    assert status == {date(2026, 2, 28): "normal", date(2026, 3, 1): "weak", date(2026, 8, 31): "weak",
                      date(2026, 9, 1): "normal"}
    with pytest.raises(ValidationError):
        services.open_rectification(actor=_actor(org_staff), organisation=w.guanjing, identified_on=date(2026, 8, 1),
                                    reasons="overlaps the last one")


def test_member_counts_are_as_of_the_day(party_world, org_staff):
    counts = {o.code: o.member_count for o in selectors.tree(org_staff, day=date(2026, 2, 1))}
    assert counts["T-SQ"] == 1  # 巴特尔 joined on 2026-03-01
    counts = {o.code: o.member_count for o in selectors.tree(org_staff, day=date(2026, 3, 1))}
    assert counts["T-SQ"] == 2 and counts["T-GJ"] == 1 and counts["T-WD"] == 0


def test_a_branch_with_every_item_accepted_is_the_years_model_branch(party_world, org_staff, secretary, reader,
                                                                     outsider):
    w = party_world
    items = services.publish_model_items(actor=_actor(org_staff), year=2026)
    assert [i.number for i in items] == [1, 2, 3, 4, 5] and "三会一课" in items[0].text
    with pytest.raises(PermissionDenied):
        services.publish_model_items(actor=_actor(secretary), year=2026)
    with pytest.raises(PermissionDenied):
        services.submit_evidence(actor=_actor(reader), organisation=w.saiqin, item=items[0], note="x")
    with pytest.raises(Http404):
        services.submit_evidence(actor=_actor(outsider), organisation=w.saiqin, item=items[0], note="x")
    with pytest.raises(ValidationError):
        services.submit_evidence(actor=_actor(org_staff), organisation=w.wudan, item=items[0], note="党委不参加")
    evidence = [services.submit_evidence(actor=_actor(secretary), organisation=w.saiqin, item=i, note=f"做法{i.number}")
                for i in items]
    with pytest.raises(PermissionDenied):
        services.decide_evidence(actor=_actor(secretary), evidence=evidence[0], verdict="accepted")
    services.decide_evidence(actor=_actor(org_staff), evidence=evidence[0], verdict="returned", note="缺会议记录")
    assert not selectors.is_model_branch(w.saiqin, 2026)
    with pytest.raises(ValidationError):
        services.publish_model_items(actor=_actor(org_staff), year=2026, texts=["改了"])
    services.submit_evidence(actor=_actor(secretary), organisation=w.saiqin, item=items[0], note="补充了会议记录")
    assert ModelBranchEvidence.objects.get(pk=evidence[0].pk).verdict == "pending"
    for e in evidence[:-1]:
        services.decide_evidence(actor=_actor(org_staff), evidence=e, verdict="accepted")
    assert not selectors.is_model_branch(w.saiqin, 2026)
    services.decide_evidence(actor=_actor(org_staff), evidence=evidence[-1], verdict="accepted")
    assert selectors.is_model_branch(w.saiqin, 2026)
    assert not selectors.is_model_branch(w.saiqin, 2025)
    assert selectors.progress([w.saiqin.pk, w.guanjing.pk], 2026)[w.guanjing.pk].accepted == 0
