"""The rules the services keep: who may write, coverage by 两新 organisations' own party organisations only, one
open coverage, dated ends instead of deletions, and an audit entry per write."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.neworgs import services
from grassroots.neworgs.models import Coverage, Dispatch

pytestmark = pytest.mark.django_db


def messages(exc) -> str:
    return " ".join(m for items in exc.value.message_dict.values() for m in items)


def test_only_a_two_new_host_covers_and_only_one_at_a_time(census, party_world):
    ding = census.orgs["丁"]
    with pytest.raises(ValidationError) as e:
        services.cover(actor=census.actor, new_organisation=ding, organisation=party_world.saiqin,
                       started_on=date(2026, 8, 1))
    assert "不是非公企业或社会组织党组织" in messages(e)
    with pytest.raises(ValidationError) as e:
        services.cover(actor=census.actor, new_organisation=census.orgs["乙"], organisation=census.e1,
                       started_on=date(2026, 8, 1))
    assert "“乙商贸”已由“中共乌丹镇非公企业联合支部委员会”自 2026-03-01 起覆盖" in messages(e)
    with pytest.raises(ValidationError) as e:  # the joint branch was founded 2026-02-10
        services.cover(actor=census.actor, new_organisation=ding, organisation=census.joint,
                       started_on=date(2026, 1, 1))
    assert "不存在" in messages(e)
    assert not Coverage.objects.filter(new_organisation=ding).exists()


def test_a_new_coverage_cannot_reach_back_into_an_ended_one(census):
    yi = census.orgs["乙"]
    services.end_coverage(actor=census.actor, coverage=yi.coverages.get(), ended_on=date(2026, 8, 1))
    with pytest.raises(ValidationError):
        services.cover(actor=census.actor, new_organisation=yi, organisation=census.e1, started_on=date(2026, 7, 1))
    services.cover(actor=census.actor, new_organisation=yi, organisation=census.e1, started_on=date(2026, 8, 1))
    with pytest.raises(ValidationError):
        services.end_coverage(actor=census.actor, coverage=yi.coverages.get(ended_on=date(2026, 8, 1)),
                              ended_on=date(2026, 9, 1))


def test_closing_ends_coverage_and_dispatches_and_keeps_the_rows(census):
    jia = census.orgs["甲"]
    services.close_new_organisation(actor=census.actor, new_organisation=jia, closed_on=date(2026, 9, 1))
    assert jia.coverages.get().ended_on == date(2026, 9, 1)
    assert jia.dispatches.get().ended_on == date(2026, 9, 1)
    with pytest.raises(ValidationError) as e:
        services.record_census_return(actor=census.actor, new_organisation=jia, counted_on=date(2026, 9, 30),
                                      employees=10, full_members=3)
    assert "已于 2026-09-01 注销" in messages(e)


def test_an_instructor_leaving_ends_their_dispatches(census):
    services.instructor_leaves(actor=census.actor, instructor=census.instructor, left_on=date(2026, 8, 1))
    assert not Dispatch.objects.filter(instructor=census.instructor, ended_on__isnull=True).exists()
    with pytest.raises(ValidationError) as e:
        services.dispatch(actor=census.actor, instructor=census.instructor, new_organisation=census.orgs["丁"],
                          started_on=date(2026, 8, 2))
    assert "不在人才库中" in messages(e)


def test_a_return_is_once_a_day_and_adds_up(census):
    with pytest.raises(ValidationError) as e:
        services.record_census_return(actor=census.actor, new_organisation=census.orgs["乙"],
                                      counted_on=date(2026, 6, 30), employees=12, full_members=3)
    assert "“乙商贸”2026-06-30 的普查数据已录入" in messages(e)


def test_only_the_organisation_department_writes(census, township_staff, outsider, org_staff):
    jia = census.orgs["甲"]
    with pytest.raises(PermissionDenied):
        services.record_census_return(actor=Actor(user=township_staff, name="x"), new_organisation=jia,
                                      counted_on=date(2026, 9, 30), employees=10, full_members=3)
    with pytest.raises(Http404):
        services.close_new_organisation(actor=Actor(user=outsider, name="x"), new_organisation=jia,
                                        closed_on=date(2026, 9, 1))
    services.record_census_return(actor=Actor(user=org_staff, name="x"), new_organisation=jia,
                                  counted_on=date(2026, 9, 30), employees=10, full_members=3)
    assert AuditEntry.objects.filter(action="neworgs.census_return.record", actor=org_staff).count() == 1
