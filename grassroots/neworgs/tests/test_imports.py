"""The census and instructor imports: every row checked first, errors naming the row and the organisation, and
nothing written unless every row is right."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots.core.excel import xlsx_bytes
from grassroots.neworgs.models import CensusReturn, Instructor, NewOrganisation
from grassroots.neworgs.services import CENSUS_COLUMNS, INSTRUCTOR_COLUMNS

pytestmark = pytest.mark.django_db

CENSUS_IMPORT = reverse("neworgs-census-import")
INSTRUCTOR_IMPORT = reverse("neworgs-instructors-import")
WUDAN, SAIQIN = "150426100000", "150426100223"


def upload(columns, rows) -> SimpleUploadedFile:
    return SimpleUploadedFile("census.xlsx", xlsx_bytes([c.header for c in columns], rows))


GOOD = [
    ["壬科技有限公司", "91150426MA0000001X", "非公有制企业", "信息技术", WUDAN, "2025-06-01", "2026-06-30", 30, 4, 1],
    ["壬科技有限公司", "91150426MA0000001X", "非公有制企业", "信息技术", WUDAN, "2025-06-01", "2025-12-31", 28, 3, 0],
    ["癸养老服务中心", "", "社会组织", "养老", SAIQIN, "2026-02-01", "2026-06-30", 12, 1, 0],
]


def test_a_good_file_is_written_whole_and_a_second_time_changes_nothing(as_org_staff, party_world):
    response = as_org_staff.post(CENSUS_IMPORT, {"file": upload(CENSUS_COLUMNS, GOOD)})
    assert response.status_code == 302
    ren = NewOrganisation.objects.get(name="壬科技有限公司")
    assert ren.path.endswith(f"{WUDAN}/") and ren.kind == "enterprise"
    assert list(ren.returns.values_list("counted_on", "full_members")) == [(date(2026, 6, 30), 4),
                                                                            (date(2025, 12, 31), 3)]
    assert NewOrganisation.objects.get(name="癸养老服务中心").kind == "social"
    again = as_org_staff.post(CENSUS_IMPORT, {"file": upload(CENSUS_COLUMNS, GOOD)})
    assert again.status_code == 302
    assert NewOrganisation.objects.count() == 2 and CensusReturn.objects.count() == 3


def test_one_bad_row_and_nothing_is_written(as_org_staff, party_world):
    rows = [*GOOD,
            ["子商行", "", "个体户", "零售", WUDAN, "2026-01-01", "2026-06-30", 5, 1, 0],
            ["丑餐馆", "", "非公有制企业", "餐饮", WUDAN, "2026-01-01", "2026-06-30", 2, 3, 0],
            ["寅物流", "", "非公有制企业", "物流", "150426999999", "2026-01-01", "2026-06-30", 9, 3, 0]]
    response = as_org_staff.post(CENSUS_IMPORT, {"file": upload(CENSUS_COLUMNS, rows)})
    text = response.content.decode()
    assert response.status_code == 400 and "导入未进行：共 3 处问题" in text
    assert "第5行" in text and "类型" in text and "“个体户”应为" in text
    assert "第6行" in text and "“丑餐馆”：正式党员 3 人与预备党员 0 人之和多于从业人员 2 人" in text
    assert "第7行" in text and "“寅物流”：区域代码“150426999999”不存在" in text
    assert NewOrganisation.objects.count() == 0 and CensusReturn.objects.count() == 0


def test_a_return_that_contradicts_one_recorded_is_refused(as_org_staff, party_world):
    as_org_staff.post(CENSUS_IMPORT, {"file": upload(CENSUS_COLUMNS, GOOD[:1])})
    changed = [[*GOOD[0][:7], 31, 4, 1], GOOD[2]]
    response = as_org_staff.post(CENSUS_IMPORT, {"file": upload(CENSUS_COLUMNS, changed)})
    assert response.status_code == 400 and "第2行" in response.content.decode()
    assert "“壬科技有限公司”2026-06-30 的普查数据已录入，且与本行不同" in response.content.decode()
    assert not NewOrganisation.objects.filter(name="癸养老服务中心").exists()


def test_only_the_organisation_department_imports(as_township_staff, as_outsider, as_insider, party_world):
    file = upload(CENSUS_COLUMNS, GOOD)
    assert as_township_staff.post(CENSUS_IMPORT, {"file": file}).status_code == 403
    assert as_outsider.post(f"{CENSUS_IMPORT}?area={WUDAN}", {"file": file}).status_code == 404
    assert as_insider.post(CENSUS_IMPORT, {"file": file}).status_code == 404
    assert NewOrganisation.objects.count() == 0


def test_the_template_has_the_columns(as_org_staff, party_world):
    response = as_org_staff.get(CENSUS_IMPORT, {"template": "1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_the_instructor_pool_import(as_org_staff, party_world):
    rows = [["张志强", "翁牛特旗市场监督管理局", "副局长", "13904760000", "2026-03-01"],
            ["李红", "旗财政局", "", "", "2026-03-01"]]
    assert as_org_staff.post(INSTRUCTOR_IMPORT, {"file": upload(INSTRUCTOR_COLUMNS, rows)}).status_code == 302
    assert set(Instructor.objects.values_list("name", "mobile")) == {("张志强", "13904760000"), ("李红", "")}
    bad = [["王五", "旗税务局", "", "12345", "2026-03-01"], ["赵六", "", "", "", "2026-03-01"]]
    response = as_org_staff.post(INSTRUCTOR_IMPORT, {"file": upload(INSTRUCTOR_COLUMNS, bad)})
    text = response.content.decode()
    assert response.status_code == 400 and "第2行" in text and "“王五”" in text and "第3行" in text and "“赵六”" in text
    assert Instructor.objects.count() == 2


def test_a_census_import_cannot_reach_an_organisation_of_another_area(census, as_org_staff, org_staff, region):
    """A township's import naming, by its credit code, an organisation registered in another township."""
    elsewhere = [["甲公司", "91150426000000001A", "非公有制企业", "商贸", "150426104204", "2025-01-01", "2026-09-30",
                  40, 5, 0]]
    response = as_org_staff.post(f"{CENSUS_IMPORT}?area=150426104000", {"file": upload(CENSUS_COLUMNS, elsewhere)})
    assert response.status_code == 400 and "已登记为乌丹镇的“甲公司”，不在广德公镇" in response.content.decode()
    assert not CensusReturn.objects.filter(counted_on=date(2026, 9, 30)).exists()
