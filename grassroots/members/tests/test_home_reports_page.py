"""The home reports page (/party/members/home-reports/): 在职党员双报到 by community and by unit, with the service
and hours; seen from the community and from the member's own organisation, by nobody else."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from grassroots.members import services
from grassroots.members.testing import actor_for

pytestmark = pytest.mark.django_db
URL = reverse("members-home-reports")


@pytest.fixture
def report(party_world, unit_secretary):
    report = services.start_home_report(actor=actor_for(unit_secretary), member=party_world.members["高志远"],
                                        organisation=party_world.saiqin, started_on=date(2026, 3, 1),
                                        service="政策宣讲")
    return services.add_home_report_hours(actor=actor_for(unit_secretary), report=report, hours=Decimal("3.5"))


def test_the_community_and_the_unit_both_see_the_report_with_hours(report, as_secretary, as_unit_secretary,
                                                                   as_reader):
    for client in (as_secretary, as_unit_secretary, as_reader):
        page = client.get(URL).content.decode()
        assert "高志远" in page and "政策宣讲" in page and "3.5" in page and "中共翁牛特旗教育局机关支部委员会" in page
    assert "按单位" in as_secretary.get(URL).content.decode()


def test_asked_for_a_day_before_the_report_it_is_not_there(report, as_secretary):
    assert "高志远" not in as_secretary.get(URL, {"day": "2026-02-01"}).content.decode()


def test_strangers_see_nothing(report, as_outsider, as_insider):
    assert "高志远" not in as_outsider.get(URL).content.decode()
    assert as_insider.get(URL).status_code == 404


def test_adding_hours_runs_once_and_is_refused_to_a_reader(report, as_secretary, as_reader, as_outsider):
    url = reverse("members-home-report-hours", args=[report.pk])
    assert as_reader.post(url, {"hours": "2", "idempotency_key": "k-h"}).status_code == 403
    assert as_outsider.post(url, {"hours": "2", "idempotency_key": "k-h"}).status_code == 404
    assert as_secretary.post(url, {"hours": "2", "idempotency_key": "k-h"}).status_code == 302
    assert as_secretary.post(url, {"hours": "2", "idempotency_key": "k-h"}).status_code == 302
    report.refresh_from_db()
    assert report.hours == Decimal("5.5")
