"""The 两新 pages: scoping (the organisation department manages, township staff and a village's party roles look,
a stranger gets 404, a grid worker sees nothing), the forms, the downloads and a constant number of queries."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from openpyxl import load_workbook

from grassroots.neworgs import services
from grassroots.neworgs.models import CensusReturn, Coverage, NewOrganisation
from grassroots.neworgs.testing import _reserve

pytestmark = pytest.mark.django_db

CENSUS = reverse("neworgs-census")
REGISTERS = reverse("neworgs-registers")
INSTRUCTORS = reverse("neworgs-instructors")
WUDAN, COUNTY = "150426100000", "150426000000"


def page_text(response) -> str:
    return response.content.decode()


def test_the_census_lists_what_each_caller_sees(census, as_org_staff, as_township_staff, as_outsider, as_reader):
    text = page_text(as_org_staff.get(CENSUS, {"day": "2026-07-01"}))
    assert all(name in text for name in ["甲公司", "乙商贸", "丙物流", "丁餐饮", "戊协会", "庚工作室"])
    assert "己公司" not in text  # closed on 2026-05-01
    assert "中共乌丹镇非公企业联合支部委员会" in text and "王志强" in text
    text = page_text(as_township_staff.get(CENSUS, {"day": "2026-07-01"}))
    assert "甲公司" in text and "戊协会" not in text
    text = page_text(as_outsider.get(CENSUS, {"day": "2026-07-01"}))
    assert "戊协会" in text and "甲公司" not in text
    text = page_text(as_reader.get(CENSUS, {"day": "2026-07-01"}))
    assert "丙物流" in text and "甲公司" not in text


def test_the_census_filters(census, as_org_staff):
    text = page_text(as_org_staff.get(CENSUS, {"day": "2026-07-01", "qualifies": "1", "covered": "0"}))
    assert "丁餐饮" in text and "甲公司" not in text and "庚工作室" not in text


def test_a_grid_worker_and_anonymous_see_no_page(census, as_insider, client):
    o = census.orgs["甲"]
    for url in [CENSUS, REGISTERS, INSTRUCTORS, reverse("neworgs-organisation", args=[o.pk]),
                reverse("neworgs-registers-xlsx"), reverse("neworgs-census-xlsx"), reverse("neworgs-census-import"),
                reverse("neworgs-instructors-import")]:
        assert as_insider.get(url).status_code == 404, url
        assert client.get(url).status_code == 302, url  # to the log-in page


def test_one_organisation_insider_looker_and_stranger(census, as_org_staff, as_township_staff, as_outsider):
    url = reverse("neworgs-organisation", args=[census.orgs["甲"].pk])
    text = page_text(as_org_staff.get(url))
    assert "中共甲公司支部委员会" in text and "王志强" in text and "录入普查数据" in text
    looked = as_township_staff.get(url)
    assert looked.status_code == 200 and "录入普查数据" not in page_text(looked)
    posted = as_township_staff.post(url, {"action": "return", "return-counted_on": "2026-09-30",
                                          "return-employees": "41", "return-full_members": "6",
                                          "return-probationary_members": "0"})
    assert posted.status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(url, {"action": "close", "close-day": "2026-09-30"}).status_code == 404
    assert not CensusReturn.objects.filter(counted_on=date(2026, 9, 30)).exists()
    assert census.orgs["甲"].__class__.objects.get(pk=census.orgs["甲"].pk).closed_on is None


def test_a_census_return_sent_twice_is_recorded_once(census, as_org_staff):
    url = reverse("neworgs-organisation", args=[census.orgs["丁"].pk])
    form = {"action": "return", "return-idempotency_key": "k-1", "return-counted_on": "2026-09-30",
            "return-employees": "21", "return-full_members": "5", "return-probationary_members": "1"}
    assert as_org_staff.post(url, form).status_code == 302
    assert as_org_staff.post(url, form).status_code == 302
    assert CensusReturn.objects.filter(new_organisation=census.orgs["丁"], counted_on=date(2026, 9, 30)).count() == 1


def test_bad_figures_are_refused_naming_the_organisation(census, as_org_staff):
    url = reverse("neworgs-organisation", args=[census.orgs["丁"].pk])
    response = as_org_staff.post(url, {"action": "return", "return-counted_on": "2026-09-30", "return-employees": "2",
                                       "return-full_members": "5", "return-probationary_members": "0"})
    assert response.status_code == 400 and "“丁餐饮”" in page_text(response) and "多于从业人员" in page_text(response)


def test_covering_from_the_page_and_the_one_open_coverage(census, as_org_staff):
    url = reverse("neworgs-organisation", args=[census.orgs["乙"].pk])
    response = as_org_staff.post(url, {"action": "cover", "cover-organisation": census.e1.pk,
                                       "cover-started_on": "2026-08-01"})
    assert response.status_code == 400 and "请先结束该覆盖" in page_text(response)
    coverage = Coverage.objects.get(new_organisation=census.orgs["乙"])
    assert as_org_staff.post(url, {"action": "end_coverage", "end_coverage-row": coverage.pk,
                                   "end_coverage-day": "2026-08-01"}).status_code == 302
    assert as_org_staff.post(url, {"action": "cover", "cover-organisation": census.e1.pk,
                                   "cover-started_on": "2026-08-01"}).status_code == 302
    assert list(Coverage.objects.filter(new_organisation=census.orgs["乙"]).values_list(
        "organisation__code", "ended_on")) == [("T-EJ", date(2026, 8, 1)), ("T-E1", None)]


def test_registering_a_new_organisation(census, as_org_staff, as_township_staff, region):
    form = {"name": "辛物业", "kind": "enterprise", "area": region["乌丹镇"].pk, "registered_on": "2026-08-01",
            "credit_code": "", "industry": "物业"}
    assert as_township_staff.post(CENSUS, form).status_code == 403
    response = as_org_staff.post(CENSUS, form)
    made = NewOrganisation.objects.get(name="辛物业")
    assert response.status_code == 302 and made.path == region["乌丹镇"].path


def test_the_registers_page(census, as_org_staff, as_township_staff, as_outsider, as_reader):
    text = page_text(as_org_staff.get(REGISTERS, {"area": COUNTY, "day": "2026-07-01"}))
    assert "纳入台账的两新组织 6 家" in text and "4 家两新组织建立了 3 个党组织" in text
    assert "联合组建（2 家）" in text and "赵晓东" in text and "王志强" in text and "丁餐饮" in text
    assert as_township_staff.get(REGISTERS, {"area": WUDAN, "day": "2026-07-01"}).status_code == 200
    assert as_township_staff.get(REGISTERS, {"area": COUNTY}).status_code == 404
    assert as_outsider.get(REGISTERS, {"area": WUDAN}).status_code == 404
    own = page_text(as_reader.get(REGISTERS, {"day": "2026-07-01"}))  # opens on 赛沁塔拉嘎查
    assert "丙物流" in own and "甲公司" not in own


def test_the_registers_page_queries_do_not_grow_with_rows(census, as_org_staff, region, system_actor,
                                                          django_assert_max_num_queries):
    params = {"area": COUNTY, "day": "2026-07-01"}
    as_org_staff.get(REGISTERS, params)  # warm the session and the scope
    with CaptureQueriesContext(connection) as few:
        assert as_org_staff.get(REGISTERS, params).status_code == 200
    for n in range(12):
        o = services.register_new_organisation(actor=system_actor, name=f"新企业{n}", kind="enterprise",
                                               area=region["乌丹镇"], registered_on=date(2026, 1, 1))
        services.record_census_return(actor=system_actor, new_organisation=o, counted_on=date(2026, 6, 1),
                                      employees=10, full_members=3)
        if n % 2:
            services.cover(actor=system_actor, new_organisation=o, organisation=census.joint,
                           started_on=date(2026, 6, 1))
        services.dispatch(actor=system_actor, instructor=census.instructor, new_organisation=o,
                          started_on=date(2026, 6, 1))
        _reserve(census.joint, f"人选{n}", date(2026, 6, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        text = page_text(as_org_staff.get(REGISTERS, params))
    assert "新企业11" in text and "人选11" in text and "纳入台账的两新组织 18 家" in text


def test_the_registers_workbook(census, as_org_staff, as_reader, as_outsider):
    response = as_org_staff.get(reverse("neworgs-registers-xlsx"), {"area": COUNTY, "day": "2026-07-01"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["统计", "已建立党组织名册", "发展党员人选储备名册", "党建工作指导员选派名册", "新建党组织名册",
                               "应建未建"]
    built = [row[0] for row in book["已建立党组织名册"].iter_rows(min_row=2, values_only=True)]
    assert built == ["甲公司", "乙商贸", "丙物流", "戊协会"]
    assert [r[0] for r in book["新建党组织名册"].iter_rows(min_row=2, values_only=True)] == [
        "中共乌丹镇非公企业联合支部委员会", "中共戊协会支部委员会"]
    past = as_org_staff.get(reverse("neworgs-registers-xlsx"), {"area": COUNTY, "day": "2025-12-31"})
    book = load_workbook(io.BytesIO(b"".join(past.streaming_content)))
    assert [r[0] for r in book["已建立党组织名册"].iter_rows(min_row=2, values_only=True)] == ["甲公司"]
    assert as_reader.get(reverse("neworgs-registers-xlsx")).status_code == 403  # may look, not export
    assert as_outsider.get(reverse("neworgs-registers-xlsx"), {"area": WUDAN}).status_code == 404


def test_the_census_export(census, as_org_staff, as_township_staff):
    response = as_township_staff.get(reverse("neworgs-census-xlsx"), {"day": "2026-07-01"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = {r[0]: r for r in book.active.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"甲公司", "乙商贸", "丙物流", "丁餐饮", "庚工作室"}
    assert rows["乙商贸"][9] == 3 and rows["乙商贸"][11] == "是" and rows["甲公司"][13] == "王志强"


def test_the_instructor_pool(census, as_org_staff, as_township_staff, region):
    text = page_text(as_org_staff.get(INSTRUCTORS, {"day": "2026-07-01"}))
    assert "王志强" in text and "甲公司" in text
    assert "王志强" not in page_text(as_township_staff.get(INSTRUCTORS))  # the county's pool
    add = {"action": "add", "add-name": "李红", "add-employer": "旗财政局", "add-title": "", "add-mobile": "13904760022",
           "add-joined_on": "2026-08-01"}
    assert as_township_staff.post(INSTRUCTORS, add).status_code == 403
    assert as_org_staff.post(INSTRUCTORS, add).status_code == 302
    li = census.instructor.__class__.objects.get(name="李红")
    send = {"action": "dispatch", "dispatch-instructor": li.pk, "dispatch-new_organisation": census.orgs["丁"].pk,
            "dispatch-started_on": "2026-08-02"}
    assert as_org_staff.post(INSTRUCTORS, send).status_code == 302
    text = page_text(as_org_staff.get(INSTRUCTORS, {"day": "2026-08-02"}))
    assert "丁餐饮" in text


@pytest.mark.parametrize("name", ["neworgs-registers", "neworgs-registers-xlsx", "neworgs-census-xlsx"])
def test_the_heavy_read_only_pages_read_from_the_replica(name):
    assert getattr(resolve(reverse(name)).func, "reads_from_replica", False)


def test_pages_opened_after_a_write_read_the_primary():
    for name in ["neworgs-census", "neworgs-instructors"]:
        assert not getattr(resolve(reverse(name)).func, "reads_from_replica", False)


def test_the_census_and_pool_queries_do_not_grow_with_rows(census, as_org_staff, region, system_actor,
                                                           django_assert_max_num_queries):
    params = {"day": "2026-07-01"}
    as_org_staff.get(CENSUS, params)
    with CaptureQueriesContext(connection) as census_few:
        as_org_staff.get(CENSUS, params)
    with CaptureQueriesContext(connection) as pool_few:
        as_org_staff.get(INSTRUCTORS, params)
    for n in range(8):
        o = services.register_new_organisation(actor=system_actor, name=f"新企业{n}", kind="enterprise",
                                               area=region["乌丹镇"], registered_on=date(2026, 1, 1))
        services.record_census_return(actor=system_actor, new_organisation=o, counted_on=date(2026, 6, 1),
                                      employees=10, full_members=3)
        services.cover(actor=system_actor, new_organisation=o, organisation=census.joint, started_on=date(2026, 6, 1))
        helper = services.add_instructor(actor=system_actor, area=region["翁牛特旗"], name=f"指导员{n}",
                                         employer="旗直单位", joined_on=date(2026, 1, 1))
        services.dispatch(actor=system_actor, instructor=helper, new_organisation=o, started_on=date(2026, 6, 1))
    with django_assert_max_num_queries(len(census_few.captured_queries)):
        assert "新企业7" in page_text(as_org_staff.get(CENSUS, params))
    with django_assert_max_num_queries(len(pool_few.captured_queries)):
        assert "指导员7" in page_text(as_org_staff.get(INSTRUCTORS, params))
