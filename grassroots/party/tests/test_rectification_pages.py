"""Rectification of weak organisations: the department opens and accepts one; /party/rectifications/ lists the
weak organisations of the caller's area as of a day."""

from datetime import date

import pytest
from django.urls import reverse

from grassroots.party.models import Organisation, Rectification
from grassroots.party.services import complete_rectification, open_rectification

pytestmark = pytest.mark.django_db
LIST = reverse("party-rectifications")


def test_the_department_opens_once_per_form_and_accepts(party_world, as_org_staff):
    w = party_world
    form = {"identified_on": "2026-03-01", "reasons": "组织生活不正常", "measures": "选派第一书记",
            "responsible": "王书记", "due_on": "2026-09-01", "idempotency_key": "rect-1"}
    target = reverse("party-rectification-open", args=[w.guanjing.pk])
    assert as_org_staff.post(target, form).status_code == 302
    assert as_org_staff.post(target, form).status_code == 302
    assert Rectification.objects.filter(organisation=w.guanjing).count() == 1
    assert Organisation.objects.get(pk=w.guanjing.pk).status == "weak"
    r = Rectification.objects.get(organisation=w.guanjing)
    done = as_org_staff.post(reverse("party-rectification-complete", args=[r.pk]),
                             {"completed_on": "2026-02-01", "result": "x"})
    assert done.status_code == 400 and "不能早于认定日期" in done.content.decode()
    done = as_org_staff.post(reverse("party-rectification-complete", args=[r.pk]),
                             {"completed_on": "2026-08-20", "result": "验收合格"})
    assert done.status_code == 302
    assert Organisation.objects.get(pk=w.guanjing.pk).status == "normal"


def test_the_list_is_scoped_and_as_of_a_day(party_world, system_actor, as_secretary, as_reader, as_outsider,
                                            as_insider, as_township_staff):
    w = party_world
    saiqin = open_rectification(actor=system_actor, organisation=w.saiqin, identified_on=date(2026, 3, 1),
                                reasons="赛沁问题")
    complete_rectification(actor=system_actor, rectification=saiqin, completed_on=date(2026, 9, 1))
    open_rectification(actor=system_actor, organisation=w.guanjing, identified_on=date(2026, 4, 1), reasons="官井问题")
    june = {"day": "2026-06-01"}
    page = as_secretary.get(LIST, june).content.decode()
    assert "赛沁问题" in page and "官井问题" not in page
    assert "赛沁问题" in as_reader.get(LIST, june).content.decode()
    assert "赛沁问题" in as_township_staff.get(LIST, june).content.decode()
    page = as_outsider.get(LIST, june).content.decode()
    assert "官井问题" in page and "赛沁问题" not in page
    assert "赛沁问题" not in as_secretary.get(LIST, {"day": "2026-10-01"}).content.decode()  # accepted by then
    assert as_insider.get(LIST).status_code == 404


def test_only_the_department_accepts(party_world, system_actor, as_secretary, as_outsider):
    r = open_rectification(actor=system_actor, organisation=party_world.saiqin, identified_on=date(2026, 3, 1),
                           reasons="x")
    target = reverse("party-rectification-complete", args=[r.pk])
    assert as_secretary.post(target, {"completed_on": "2026-08-01"}).status_code == 403
    assert as_outsider.post(target, {"completed_on": "2026-08-01"}).status_code == 404
    assert Rectification.objects.get(pk=r.pk).completed_on is None
