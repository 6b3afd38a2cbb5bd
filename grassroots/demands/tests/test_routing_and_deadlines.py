"""派单 and 改派: a reason only for a change of lead unit; the 协办单位 checkboxes under their legend; the
remaining working days beside the very deadline they count down to."""

import re

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from grassroots.audit.context import Actor
from grassroots.core.testing import client_for
from grassroots.demands import services
from grassroots.demands.forms import RouteForm
from grassroots.demands.models import RouteChange, Unit
from grassroots.demands.testing import at


@pytest.fixture
def unrouted(make_demand):
    demand = make_demand("村里想办一期电商培训", category=None)
    assert demand.lead_unit is None
    return demand


def test_the_first_dispatch_asks_no_reason(unrouted, units, secretary):
    change = services.change_route(actor=Actor.system("t", user=secretary), demand=unrouted,
                                   lead_unit=units["jyzx"], supporting_units=[units["nmj"]], reason="")
    unrouted.refresh_from_db()
    assert unrouted.lead_unit == units["jyzx"] and change.reason == "" and change.from_unit is None
    assert list(unrouted.events.values_list("kind", flat=True)) == ["received", "routed"]  # no empty note


def test_a_change_of_lead_unit_requires_a_reason(make_demand, units, secretary):
    demand = make_demand(category="seeds")  # routed to 旗农牧局 by the responsibility list
    actor = Actor.system("t", user=secretary)
    with pytest.raises(ValidationError, match="请填写改派理由"):
        services.change_route(actor=actor, demand=demand, lead_unit=units["jyzx"], reason=" ")
    assert not RouteChange.objects.filter(demand=demand).exists()
    # Same lead unit, other supporting units: not a 改派, nothing to explain.
    services.change_route(actor=actor, demand=demand, lead_unit=units["nmj"], supporting_units=[units["jyzx"]],
                          reason="")
    demand.refresh_from_db()
    assert demand.lead_unit == units["nmj"] and set(demand.supporting_units.all()) == {units["jyzx"]}


def test_the_form_asks_the_reason_only_for_a_change_of_unit(unrouted, make_demand, units):
    everyone = Unit.objects.all()
    first = RouteForm({"lead_unit": units["jyzx"].pk, "reason": ""}, units=everyone, demand=unrouted)
    assert first.is_valid(), first.errors
    routed = make_demand(category="seeds")
    same = RouteForm({"lead_unit": units["nmj"].pk, "reason": ""}, units=everyone, demand=routed)
    assert same.is_valid(), same.errors
    other = RouteForm({"lead_unit": units["jyzx"].pk, "reason": ""}, units=everyone, demand=routed)
    assert not other.is_valid()
    assert other.errors["reason"] == [f"请填写改派理由（由{units['nmj'].name}改派至{units['jyzx'].name}）"]


def test_the_dispatch_page_first_asks_no_reason_then_asks_it(unrouted, units, as_secretary):
    page = as_secretary.get(f"/demands/{unrouted.pk}/").content.decode()
    assert "改派理由" not in page and "派单说明（可不填）" in page
    response = as_secretary.post(f"/demands/{unrouted.pk}/route/", {"lead_unit": units["jyzx"].pk, "reason": ""})
    assert response.status_code == 302
    page = as_secretary.get(f"/demands/{unrouted.pk}/").content.decode()
    assert "改派理由（更换主办单位时必填）" in page
    refused = as_secretary.post(f"/demands/{unrouted.pk}/route/", {"lead_unit": units["nmj"].pk, "reason": ""})
    assert refused.status_code == 400
    assert "请填写改派理由（由" in refused.content.decode()


def test_the_supporting_units_sit_under_their_legend(unrouted, as_secretary):
    page = as_secretary.get(f"/demands/{unrouted.pk}/").content.decode()
    match = re.search(r'<fieldset class="choices-field"><legend>协办单位</legend><div class="choices">(.*?)</fieldset>',
                      page, re.S)
    assert match, "协办单位 is the legend of its own fieldset"
    assert 'name="supporting_units"' in match.group(1) and "协办单位" not in match.group(1)
    assert '<label class="check" for="id_supporting_units">' not in page


def test_the_remaining_working_days_are_those_of_the_deadline_beside_them(make_demand, secretary):
    # Received Sunday 2026-12-06 (category 就业创业: the defaults, respond in 1 and resolve in 7 working days).
    demand = make_demand("返乡青年想咨询创业贷款", category="jobs", now=at(2026, 12, 6, 9))
    with freeze_time("2026-12-06 04:00:00"):  # 12:00 in Asia/Shanghai
        page = client_for(secretary).get(f"/demands/{demand.pk}/").content.decode()
    resolve = re.search(r'data-testid="resolve-due">(.*?)</dd>', page, re.S).group(1)
    respond = re.search(r'data-testid="respond-due">(.*?)</dd>', page, re.S).group(1)
    assert "2026-12-15 23:59" in resolve and "剩余7个工作日" in resolve
    assert "2026-12-07 23:59" in respond and "剩余1个工作日" in respond
    assert "剩余1天" not in page
    with freeze_time("2026-12-14 02:00:00"):  # Monday 10:00: one working day after today
        page = client_for(secretary).get(f"/demands/{demand.pk}/").content.decode()
    resolve = re.search(r'data-testid="resolve-due">(.*?)</dd>', page, re.S).group(1)
    assert "2026-12-15 23:59" in resolve and "剩余1个工作日" in resolve


def test_list_rows_say_which_deadline_they_count(make_demand, secretary, region):
    make_demand("返乡青年想咨询创业贷款", category="jobs", now=at(2026, 12, 6, 9))
    with freeze_time("2026-12-06 04:00:00"):
        page = client_for(secretary).get("/demands/", {"area": region["赛沁塔拉嘎查"].code}).content.decode()
    assert "响应剩余1个工作日" in page
