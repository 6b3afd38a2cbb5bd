"""The mobile members page (/party/members/mobile/): the home organisation's mobile members with their last
contact, the "未联系超过 N 个月" filter, the record-contact form (run once), and its Excel export."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from grassroots.members import selectors, services
from grassroots.members.models import MobileContact
from grassroots.members.testing import actor_for
from grassroots.pairing.services import create_pair
from grassroots.rules.pairing import MEMBER_MOBILE

pytestmark = pytest.mark.django_db
URL = reverse("members-mobile")


@pytest.fixture
def away(party_world, secretary):
    head = party_world.members["乌云毕力格"]
    spell = services.register_mobile(actor=actor_for(secretary), member=head, place="呼和浩特市赛罕区",
                                     since=date(2025, 3, 1), contact="13904761234")
    create_pair(actor=actor_for(secretary), kind=MEMBER_MOBILE, visitor=party_world.members["巴特尔"], target=head,
                started_on=date(2025, 3, 1))
    services.record_contact(actor=actor_for(secretary), mobile=spell, contacted_on=date(2026, 7, 1), method="call")
    return spell


@freeze_time("2026-12-01")
def test_the_list_shows_the_last_contact_and_filters_those_not_reached(away, as_secretary):
    page = as_secretary.get(URL).content.decode()
    assert "乌云毕力格" in page and "2026年7月1日" in page and "13904761234" in page
    # the paired village member, read from the pair in force (pairing), and where to change it
    assert " / 巴特尔" in page
    assert f"{reverse('pairing-pair-new')}?kind=member_mobile&amp;target={away.member_id}" in page
    assert "乌云毕力格" in as_secretary.get(URL, {"months": "3"}).content.decode()
    assert "乌云毕力格" not in as_secretary.get(URL, {"months": "6"}).content.decode()


@freeze_time("2026-12-01")
def test_recording_a_contact_runs_once_and_a_reader_cannot(away, as_secretary, as_reader):
    contact = reverse("members-mobile-contact", args=[away.pk])
    data = {"contacted_on": "2026-11-30", "method": "wechat", "note": "在外务工，按时交纳党费", "idempotency_key": "k-c1"}
    assert as_reader.post(contact, data).status_code == 403
    assert as_secretary.post(contact, data).status_code == 302
    assert as_secretary.post(contact, data).status_code == 302
    assert MobileContact.objects.filter(mobile=away).count() == 2
    assert '<strong class="stat">0</strong> 名未联系超过 3 个月的' in as_secretary.get(URL, {"months": "3"}).content.decode()
    reader_page = as_reader.get(URL).content.decode()
    assert "乌云毕力格" in reader_page and "13904761234" not in reader_page and "记录</button>" not in reader_page


def test_the_list_makes_the_same_number_of_queries_for_more_rows(away, party_world, as_secretary, system_actor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_secretary.get(URL).status_code == 200
        return len(captured)

    as_secretary.get(URL)
    few = queries()
    for n in range(5):
        member = services.admit_member(actor=system_actor, organisation=party_world.saiqin, name=f"外出{n}",
                                       gender="M", joined_on=date(2010, 1, 1))
        spell = services.register_mobile(actor=system_actor, member=member, place="包头市", since=date(2025, 5, 1))
        create_pair(actor=system_actor, kind=MEMBER_MOBILE, visitor=party_world.members["巴特尔"], target=member,
                    started_on=date(2025, 5, 1))
        services.record_contact(actor=system_actor, mobile=spell, contacted_on=date(2025, 6, 1), method="call")
    assert queries() == few
    assert "外出4" in as_secretary.get(URL).content.decode()


def test_not_reached_defaults_to_three_months(away, secretary):
    assert [m.member.name for m in selectors.not_reached(secretary, day=date(2026, 10, 2))] == ["乌云毕力格"]
    assert list(selectors.not_reached(secretary, day=date(2026, 9, 30))) == []


def test_strangers_see_none_and_cannot_record(away, as_outsider, as_insider, as_unit_secretary):
    assert "乌云毕力格" not in as_outsider.get(URL).content.decode()
    assert "乌云毕力格" not in as_unit_secretary.get(URL).content.decode()
    assert as_insider.get(URL).status_code == 404
    contact = reverse("members-mobile-contact", args=[away.pk])
    assert as_outsider.post(contact, {"contacted_on": "2026-11-30", "method": "call"}).status_code == 404


@freeze_time("2026-12-01")
def test_the_export_lists_the_mobile_members(away, as_secretary, as_reader, as_insider):
    response = as_secretary.get(reverse("members-mobile-xlsx"))
    sheet = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("党组织", "姓名", "流入地")
    assert rows[1][1:3] == ("乌云毕力格", "呼和浩特市赛罕区")
    assert as_reader.get(reverse("members-mobile-xlsx")).status_code == 403  # a party group leader may not export
    assert as_insider.get(reverse("members-mobile-xlsx")).status_code == 404
