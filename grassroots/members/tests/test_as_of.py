""""As of": a register asked for a past day answers what it answered on that day, whatever happened since
(transfers, admissions, members leaving)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from grassroots.members import selectors, services
from grassroots.members.testing import actor_for

pytestmark = pytest.mark.django_db


def snapshot(user, day, **where):
    return [(m.organisation.code, m.member.name, m.started_on)
            for m in selectors.register_on(user, day=day, **where)]


def test_a_past_register_equals_the_one_computed_that_day(party_world, org_staff, secretary, outsider, client):
    with freeze_time("2026-06-01"):
        day_x = date.today()
        before = snapshot(org_staff, day_x)
        before_branch = snapshot(org_staff, day_x, organisation=party_world.saiqin)
        before_area = snapshot(org_staff, day_x, area=party_world.wudan.area)
        client.force_login(org_staff)  # sessions idle out: sign in at the frozen time
        page_then = client.get(reverse("members-register")).content.decode()
    assert sorted(name for _, name, _ in before) == sorted(["乌云毕力格", "巴特尔", "刘建国", "高志远"])

    with freeze_time("2026-09-01"):
        today = date.today()
        batu, head = party_world.members["巴特尔"], party_world.members["乌云毕力格"]
        transfer = services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=today - timedelta(days=5),
                                          to_organisation=party_world.guanjing)
        services.receive_transfer(actor=actor_for(outsider), transfer=transfer, received_on=today)
        services.admit_member(actor=actor_for(org_staff), organisation=party_world.saiqin, name="新党员", gender="F",
                              joined_on=today)
        services.end_membership(actor=actor_for(org_staff), member=party_world.members["刘建国"], ended_on=today,
                                reason="death")
        out = services.send_transfer(actor=actor_for(secretary), member=head, sent_on=today, to_outside="赤峰市")
        services.receive_transfer(actor=actor_for(secretary), transfer=out, received_on=today)

        assert snapshot(org_staff, day_x) == before
        assert snapshot(org_staff, day_x, organisation=party_world.saiqin) == before_branch
        assert snapshot(org_staff, day_x, area=party_world.wudan.area) == before_area
        now = {name for _, name, _ in snapshot(org_staff, today)}
        assert now == {"巴特尔", "新党员", "高志远"}
        assert snapshot(org_staff, today, organisation=party_world.guanjing) == [("T-GJ", "巴特尔", today)]
        client.force_login(org_staff)
        page_now = client.get(reverse("members-register"), {"day": day_x.isoformat()}).content.decode()

    def names_in(page):
        return [n for n in ("乌云毕力格", "巴特尔", "刘建国", "高志远", "新党员") if f">{n}</a>" in page]

    assert names_in(page_now) == names_in(page_then) == ["乌云毕力格", "巴特尔", "刘建国", "高志远"]
