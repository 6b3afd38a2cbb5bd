"""The register page (/party/members/): scoped, "as of" a day, phones only to those who keep the register, posts
of the organisation, and a constant number of queries however many members are listed."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grassroots.members import services
from grassroots.members.models import Member
from grassroots.members.testing import actor_for

pytestmark = pytest.mark.django_db
URL = reverse("members-register")


@pytest.fixture
def phoned(party_world):
    Member.objects.filter(name="巴特尔").update(mobile="13904769999")
    return party_world


def test_the_secretary_sees_their_branch_with_phones_and_the_day_in_the_heading(phoned, as_secretary):
    page = as_secretary.get(URL, {"day": "2026-06-01"}).content.decode()
    assert "截至 2026年6月1日" in page
    assert "乌云毕力格" in page and "巴特尔" in page and "13904769999" in page
    assert "刘建国" not in page and "高志远" not in page


def test_a_reader_sees_names_but_no_phones(phoned, as_reader):
    page = as_reader.get(URL).content.decode()
    assert "巴特尔" in page and "13904769999" not in page


def test_an_outsider_sees_only_their_own_and_404_for_another_villages_branch(phoned, as_outsider):
    page = as_outsider.get(URL).content.decode()
    assert "刘建国" in page and "巴特尔" not in page and "乌云毕力格" not in page
    assert as_outsider.get(URL, {"organisation": phoned.saiqin.pk}).status_code == 404


def test_a_grid_worker_and_an_anonymous_visitor_never_see_the_register(phoned, as_insider, client):
    assert as_insider.get(URL).status_code == 404
    assert as_insider.get(reverse("members-register-xlsx")).status_code == 404
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_organisation_secretary_sees_only_their_organisations_members(phoned, as_unit_secretary):
    page = as_unit_secretary.get(URL).content.decode()
    assert "高志远" in page and "13904760001" in page
    assert "巴特尔" not in page and "刘建国" not in page and "乌云毕力格" not in page
    assert as_unit_secretary.get(URL, {"organisation": phoned.saiqin.pk}).status_code == 404


def test_township_staff_see_the_township_without_phones(phoned, as_township_staff):
    page = as_township_staff.get(URL).content.decode()
    assert "巴特尔" in page and "13904769999" not in page and "刘建国" not in page


def test_asked_for_a_past_day_the_register_lists_who_was_a_member_then(phoned, as_secretary):
    page = as_secretary.get(URL, {"day": "2026-02-01"}).content.decode()
    assert "乌云毕力格" in page and "巴特尔" not in page  # 巴特尔 joined on 2026-03-01
    page = as_secretary.get(URL, {"day": "2009-12-31"}).content.decode()
    assert "乌云毕力格" not in page  # relation came to the branch in 2010


def test_the_organisations_page_shows_its_posts(phoned, as_secretary, as_reader, secretary):
    services.appoint_post(actor=actor_for(secretary), organisation=phoned.saiqin,
                          member=phoned.members["乌云毕力格"], title="secretary", started_on=date(2021, 1, 1))
    page = as_secretary.get(URL, {"organisation": phoned.saiqin.pk}).content.decode()
    assert "班子成员" in page and "书记 · " in page and "记录任职" in page
    reader_page = as_reader.get(URL, {"organisation": phoned.saiqin.pk}).content.decode()
    assert "书记 · " in reader_page and "记录任职" not in reader_page


def test_appointing_from_the_page_runs_once_and_a_reader_is_refused(phoned, as_secretary, as_reader):
    url = reverse("members-post-appoint", args=[phoned.saiqin.pk])
    data = {"member": phoned.members["巴特尔"].pk, "title": "committee", "started_on": "2026-05-01",
            "idempotency_key": "k-post-1"}
    assert as_reader.post(url, data).status_code == 403
    assert as_secretary.post(url, data).status_code == 302
    assert as_secretary.post(url, data).status_code == 302
    assert phoned.saiqin.posts.count() == 1


def test_the_register_page_makes_the_same_number_of_queries_for_many_members(phoned, as_org_staff, system_actor,
                                                                             django_assert_max_num_queries):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_org_staff.get(URL, {"organisation": phoned.saiqin.pk}).status_code == 200
        return len(captured)

    as_org_staff.get(URL)  # warm the session
    few = queries()
    for n in range(25):
        services.admit_member(actor=system_actor, organisation=phoned.saiqin, name=f"党员{n:02d}", gender="M",
                              joined_on=date(2010, 1, 1), full_on=date(2011, 1, 1))
    assert queries() == few
    with django_assert_max_num_queries(few):
        page = as_org_staff.get(URL, {"organisation": phoned.saiqin.pk}).content.decode()
    assert "党员24" in page and "巴特尔" in page and page.count('data-label="姓名"') == 27
