"""The pages: scoped (the secretary works, the party group leader looks, the outsider and the grid worker get 404),
the advance form shows the rule's reason, as-of days, Excel in and out, a constant number of queries."""

import io
from datetime import date

import pytest
from django.urls import resolve, reverse
from openpyxl import load_workbook

from grassroots.areas.models import Person
from grassroots.development import services
from grassroots.development.models import Development, Step
from grassroots.development.testing import develop, xlsx
from grassroots.members.models import Member
from grassroots.rules.development import RULE_TRAINING

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(party_world, system_actor):
    """In 赛沁塔拉嘎查's branch: an applicant, an activist (a candidate from 2026-03-10 at the earliest), a candidate
    and a probationary member whose year ended 2026-06-01 (overdue); in 官井子村's: one applicant."""
    saiqin = party_world.saiqin
    return {
        "applicant": develop(actor=system_actor, organisation=saiqin, name="朝鲁", applied_on=date(2026, 11, 20)),
        "activist": develop(actor=system_actor, organisation=saiqin, name="其其格", applied_on=date(2024, 1, 10),
                            steps={"activist": date(2025, 3, 10)}),
        "candidate": develop(actor=system_actor, organisation=saiqin, name="宝音", applied_on=date(2023, 1, 2),
                             steps={"activist": date(2023, 3, 1), "candidate": date(2024, 3, 1)}),
        "probationary": develop(actor=system_actor, organisation=saiqin, name="娜仁", applied_on=date(2022, 1, 2),
                                steps={"activist": date(2022, 3, 1), "candidate": date(2023, 3, 1),
                                       "probationary": date(2025, 6, 1)}),
        "theirs": develop(actor=system_actor, organisation=party_world.guanjing, name="王磊",
                          applied_on=date(2026, 10, 1)),
    }


def url(name, *args):
    return reverse(name, args=args)


def test_the_pipeline_shows_each_stage_and_what_is_overdue(as_secretary, people):
    page = as_secretary.get(url("development-pipeline") + "?day=2026-12-06").content.decode()
    for name in ("朝鲁", "其其格", "宝音", "娜仁"):
        assert name in page
    assert "王磊" not in page
    assert "预备期满讨论转正 2026-06-01 已逾期" in page
    assert "最早 2026-03-10" in page  # the activist may be listed as a candidate from then on
    assert "入党谈话 2026-12-20 到期" in page  # the applicant's talk is due within a month


def test_the_pipeline_as_of_a_past_day_shows_the_stages_then(as_secretary, people):
    page = as_secretary.get(url("development-pipeline") + "?day=2025-01-01").content.decode()
    assert "朝鲁" not in page  # not yet applied
    assert "最早 2026-03-10" not in page and "入党谈话 2024-02-10 已逾期" in page  # 其其格 was an applicant then
    row = page.split("id=\"stage-candidate\"")[1].split("</section>")[0]
    assert "娜仁" in row and "宝音" in row


def test_a_person_page_shows_the_steps_and_the_earliest_next_day(as_secretary, people, as_reader):
    d = people["activist"]
    page = as_secretary.get(url("development-person", d.pk)).content.decode()
    assert "2025-03-10" in page and "支部委员会" in page and "发展对象" in page and "最早 2026-03-10" in page
    assert url("development-advance", d.pk) in page
    page = as_reader.get(url("development-person", d.pk)).content.decode()
    assert "其其格" in page and url("development-advance", d.pk) not in page


def test_the_advance_form_shows_the_rules_reason_and_writes_nothing(as_secretary, people):
    d = people["activist"]
    get = as_secretary.get(url("development-advance", d.pk))
    key = get.context["form"].initial["idempotency_key"]
    response = as_secretary.post(url("development-advance", d.pk), {
        "idempotency_key": key, "stage": "candidate", "decided_on": "2026-03-09", "decided_by": "支部委员会"})
    assert response.status_code == 400
    page = response.content.decode()
    assert RULE_TRAINING in page and "最早 2026-03-10" in page
    assert Step.objects.filter(development=d).count() == 2
    response = as_secretary.post(url("development-advance", d.pk), {
        "idempotency_key": key, "stage": "candidate", "decided_on": "2026-03-10", "decided_by": "支部委员会"})
    assert response.status_code == 302
    # The same form sent twice does the work once.
    again = as_secretary.post(url("development-advance", d.pk), {
        "idempotency_key": key, "stage": "candidate", "decided_on": "2026-03-10", "decided_by": "支部委员会"})
    assert again.status_code == 302
    assert Development.objects.get(pk=d.pk).stage == "candidate"
    assert Step.objects.filter(development=d, stage="candidate").count() == 1


def test_registering_an_applicant_from_the_form(as_secretary, party_world):
    key = as_secretary.get(url("development-register")).context["form"].initial["idempotency_key"]
    data = {"idempotency_key": key, "organisation": party_world.saiqin.pk, "name": "阿拉坦", "gender": "M",
            "birth_date": "2008-12-07", "applied_on": "2026-12-06"}
    response = as_secretary.post(url("development-register"), data)
    assert response.status_code == 400 and "年满十八岁" in response.content.decode()
    assert not Development.objects.exists()
    response = as_secretary.post(url("development-register"), {**data, "birth_date": "2008-12-06"})
    assert response.status_code == 302
    assert Development.objects.get().name == "阿拉坦"


def test_the_reserve_register_as_of_a_day(as_secretary, people, system_actor):
    services.advance(actor=system_actor, development=people["activist"], stage="candidate",
                     decided_on=date(2026, 4, 1), decided_by="支部委员会")
    page = as_secretary.get(url("development-reserve") + "?day=2026-01-01").content.decode()
    assert "其其格" in page and "入党积极分子" in page and "宝音" in page and "娜仁" not in page
    page = as_secretary.get(url("development-reserve") + "?day=2024-01-01").content.decode()
    assert "其其格" not in page and "宝音" in page


def test_the_exports_answer_as_of_a_day(as_secretary, people):
    response = as_secretary.get(url("development-reserve-export") + "?day=2026-01-01")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["其其格", "宝音"]
    response = as_secretary.get(url("development-export") + "?day=2026-12-06")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"朝鲁", "其其格", "宝音", "娜仁"}
    assert rows["娜仁"][5] == "预备党员" and "预备期满讨论转正" in rows["娜仁"][15]


def test_the_import_page_rejects_a_bad_file_naming_row_person_and_rule(as_secretary, party_world):
    bad = ["T-SQ", "孟根", "男", "1990-01-01", "2024-01-01", "2024-03-01", "2025-02-28", "", ""]
    good = ["T-SQ", "娜仁", "女", "1995-04-01", "2023-02-01", "2023-05-01", "2024-05-06", "2025-01-10", ""]
    response = as_secretary.post(url("development-import"), {"file": xlsx([good, bad])})
    page = response.content.decode()
    assert response.status_code == 400 and "第3行" in page and "孟根" in page and RULE_TRAINING in page
    assert not Development.objects.exists()
    response = as_secretary.post(url("development-import"), {"file": xlsx([good])})
    assert response.status_code == 302
    assert Member.objects.filter(name="娜仁").count() == 1


def test_an_outsider_may_not_import_into_another_villages_branch(as_outsider, party_world):
    row = ["T-SQ", "娜仁", "女", "1995-04-01", "2023-02-01", "", "", "", ""]
    response = as_outsider.post(url("development-import"), {"file": xlsx([row])})
    assert response.status_code == 400 and "不在您的管辖范围内" in response.content.decode()
    assert not Development.objects.exists()


# ---------------------------------------------------------------- scoping on every page

def pages(d) -> list[str]:
    return [url("development-person", d.pk), url("development-advance", d.pk), url("development-talk", d.pk),
            url("development-extend", d.pk), url("development-stop", d.pk)]


def test_the_secretary_opens_every_page(as_secretary, people):
    d = people["applicant"]
    for path in [*pages(d), url("development-pipeline"), url("development-reserve"), url("development-register"),
                 url("development-import"), url("development-export"), url("development-reserve-export"),
                 url("development-import-template")]:
        assert as_secretary.get(path).status_code == 200, path


def test_a_reader_looks_but_may_not_change(as_reader, people):
    d = people["applicant"]
    for path in [url("development-person", d.pk), url("development-pipeline"), url("development-reserve")]:
        assert as_reader.get(path).status_code == 200, path
    for path in [url("development-advance", d.pk), url("development-talk", d.pk), url("development-extend", d.pk),
                 url("development-stop", d.pk), url("development-register"), url("development-import")]:
        assert as_reader.get(path).status_code == 403, path
    response = as_reader.post(url("development-talk", d.pk), {"talked_on": "2026-12-01", "talked_by": "书记"})
    assert response.status_code == 403 and Development.objects.get(pk=d.pk).talked_on is None


def test_an_outsider_gets_404_for_another_villages_developments(as_outsider, people, party_world):
    for path in pages(people["applicant"]):
        assert as_outsider.get(path).status_code == 404, path
    for name in ("development-pipeline", "development-reserve", "development-export", "development-reserve-export"):
        assert as_outsider.get(url(name) + f"?organisation={party_world.saiqin.pk}").status_code == 404, name
        assert as_outsider.get(url(name) + "?area=150426100223").status_code == 404, name
    page = as_outsider.get(url("development-pipeline")).content.decode()
    assert "王磊" in page and "朝鲁" not in page


def test_the_pipeline_of_an_area(as_org_staff, people):
    page = as_org_staff.get(url("development-pipeline") + "?area=150426104204").content.decode()
    assert "王磊" in page and "朝鲁" not in page and "官井子村" in page
    page = as_org_staff.get(url("development-pipeline")).content.decode()
    assert "王磊" in page and "朝鲁" in page


def test_a_grid_worker_and_anonymous_users_never_see_the_pipeline(as_insider, client, people):
    everything = [*pages(people["applicant"]), url("development-pipeline"), url("development-reserve"),
                  url("development-register"), url("development-import"), url("development-export"),
                  url("development-reserve-export"), url("development-import-template")]
    for path in everything:
        assert as_insider.get(path).status_code == 404, path
        assert client.get(path).status_code == 302, path  # to the login page


def test_the_pipeline_page_makes_a_constant_number_of_queries(as_secretary, people, party_world, system_actor,
                                                              django_assert_max_num_queries):
    as_secretary.get(url("development-pipeline"))  # warm the session and the scope
    with django_assert_max_num_queries(12) as few:
        as_secretary.get(url("development-pipeline"))
    for n in range(8):
        develop(actor=system_actor, organisation=party_world.saiqin, name=f"申请人{n}", applied_on=date(2025, 1, 1),
                steps={"activist": date(2025, 2, 1)})
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = as_secretary.get(url("development-pipeline")).content.decode()
    assert "申请人7" in page


def test_the_heavy_reads_go_to_the_replica_and_pages_opened_after_a_write_do_not():
    for path in ("/party/development/reserve/", "/party/development/export.xlsx",
                 "/party/development/reserve/export.xlsx"):
        assert getattr(resolve(path).func, "reads_from_replica", False), path
    for path in ("/party/development/", "/party/development/1/"):
        assert not getattr(resolve(path).func, "reads_from_replica", False), path


def test_registering_a_resident_from_their_record(as_secretary, as_outsider, party_world):
    resident = Person.objects.get(name="张秀兰")
    response = as_secretary.get(url("development-register") + f"?person={resident.pk}")
    assert "张秀兰" in response.content.decode()
    key = response.context["form"].initial["idempotency_key"]
    response = as_secretary.post(url("development-register"), {
        "idempotency_key": key, "organisation": party_world.saiqin.pk, "person": resident.pk,
        "applied_on": "2026-11-01"})
    assert response.status_code == 302
    assert Development.objects.get().person == resident
    assert as_outsider.get(url("development-register") + f"?person={resident.pk}").status_code == 404
