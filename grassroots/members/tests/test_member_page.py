"""A member's page (/party/members/<id>/): the full history for whoever sees one of the member's organisations,
404 for anyone else; phones and the record forms only for those who keep the register; ending a membership is the
organisation department's."""

from datetime import date

import pytest
from django.urls import reverse

from grassroots.members import services
from grassroots.members.models import Member
from grassroots.members.testing import actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def batu(party_world):
    Member.objects.filter(name="巴特尔").update(mobile="13904769999")
    return party_world.members["巴特尔"]


def url(member, name="members-member"):
    return reverse(name, args=[member.pk])


def test_the_secretary_sees_the_history_phone_and_forms(batu, as_secretary):
    page = as_secretary.get(url(batu)).content.decode()
    assert "巴特尔" in page and "13904769999" in page and "中共赛沁塔拉嘎查支部委员会" in page
    assert "登记为流动党员" in page and "转出组织关系" in page
    assert "终止组织关系" not in page  # the department's


def test_a_reader_sees_the_history_without_phone_or_forms(batu, as_reader):
    page = as_reader.get(url(batu)).content.decode()
    assert "巴特尔" in page and "13904769999" not in page and "登记为流动党员" not in page


@pytest.mark.parametrize("who", ["as_outsider", "as_insider", "as_unit_secretary"])
def test_strangers_and_grid_workers_get_404(batu, who, request):
    assert request.getfixturevalue(who).get(url(batu)).status_code == 404


def test_after_a_transfer_both_ends_see_both_memberships(party_world, batu, secretary, outsider, as_secretary,
                                                         as_outsider):
    transfer = services.send_transfer(actor=actor_for(secretary), member=batu, sent_on=date(2026, 5, 1),
                                      to_organisation=party_world.guanjing)
    services.receive_transfer(actor=actor_for(outsider), transfer=transfer, received_on=date(2026, 5, 10))
    for client in (as_secretary, as_outsider):
        page = client.get(url(batu)).content.decode()
        assert "中共赛沁塔拉嘎查支部委员会" in page and "中共官井子村支部委员会" in page and "组织关系转出" in page
    # The sender no longer keeps the member: no phone, no forms.
    assert "13904769999" not in as_secretary.get(url(batu)).content.decode()


def test_ending_a_membership_from_the_page(batu, as_secretary, as_org_staff, as_outsider):
    data = {"reason": "death", "ended_on": "2026-09-01"}
    assert as_secretary.post(url(batu, "members-end"), data).status_code == 403
    assert as_outsider.post(url(batu, "members-end"), data).status_code == 404
    assert as_org_staff.post(url(batu, "members-end"), {"reason": "death", "ended_on": "2026-01-01"}).status_code == 422
    response = as_org_staff.post(url(batu, "members-end"), data)
    assert response.status_code == 302
    batu.refresh_from_db()
    assert (batu.left_on, batu.left_reason) == (date(2026, 9, 1), "death")
    assert "已离开（去世" in as_org_staff.get(url(batu)).content.decode()


def test_registering_a_mobile_member_from_the_page_runs_once(party_world, batu, as_secretary, as_reader):
    data = {"place": "呼和浩特市", "since": "2026-04-01", "contact": "微信 batu", "idempotency_key": "k-mobile-1"}
    assert as_reader.post(url(batu, "members-register-mobile"), data).status_code == 403
    assert as_secretary.post(url(batu, "members-register-mobile"), data).status_code == 302
    assert as_secretary.post(url(batu, "members-register-mobile"), data).status_code == 302
    assert batu.mobile_spells.count() == 1
    assert "呼和浩特市" in as_secretary.get(url(batu)).content.decode()
