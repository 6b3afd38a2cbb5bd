"""The organisations' Excel: the export as of a day, scoped to the caller; the import, all or nothing, with every
problem named by row and column, parents allowed to be earlier rows of the same file; the template."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse

from grassroots.core.excel import read_xlsx, xlsx_bytes
from grassroots.core.testing import client_for, make_account
from grassroots.party.models import Organisation
from grassroots.party.services import IMPORT_COLUMNS

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in IMPORT_COLUMNS]
EXPORT, IMPORT, TEMPLATE = (reverse("party-organisations-xlsx"), reverse("party-organisations-import"),
                            reverse("party-organisations-template"))


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    with read_xlsx(io.BytesIO(b"".join(response.streaming_content))) as sheet:
        header = [str(h) for h in sheet.header()]
        return [dict(zip(header, cells, strict=False)) for _, cells in sheet.rows(max_columns=len(header))]


def upload(rows):
    return {"file": SimpleUploadedFile("orgs.xlsx", xlsx_bytes(HEADERS, rows))}


def test_the_export_is_as_of_a_day_and_scoped(party_world, as_secretary, as_org_staff, as_reader, as_insider):
    rows = rows_of(as_secretary.get(EXPORT, {"day": "2026-02-01"}))
    assert {r["组织代码"] for r in rows} == {"T-SQ", "T-SQ1"}
    saiqin = next(r for r in rows if r["组织代码"] == "T-SQ")
    assert str(saiqin["党员数"]) == "1" and saiqin["状态"] == "正常" and saiqin["上级组织代码"] == "T-WD"
    assert str(next(r for r in rows_of(as_secretary.get(EXPORT, {"day": "2026-03-01"}))
                    if r["组织代码"] == "T-SQ")["党员数"]) == "2"
    assert len(rows_of(as_org_staff.get(EXPORT))) == 7
    assert as_reader.get(EXPORT).status_code == 403  # a party group leader looks but does not export
    assert as_insider.get(EXPORT).status_code == 404


def test_an_import_with_one_bad_row_writes_nothing_and_names_the_row(party_world, as_org_staff):
    before = Organisation.objects.count()
    response = as_org_staff.post(IMPORT, upload([
        ["T-N1", "中共乌丹镇机关党总支", "党总支", "机关事业单位", "乌丹镇人民政府", "150426100000", "T-WD", "2010-01-01"],
        ["T-N2", "乌丹镇机关第一支部", "党支部", "机关事业单位", "乌丹镇人民政府", "150426100000", "T-N1", "2010-02-01"],
        ["T-N3", "乌丹镇机关第二支部", "党支部", "机关事业单位", "乌丹镇人民政府", "150426100000", "T-NONE", "2010-02-01"],
        ["T-N4", "某党小组", "党小组", "地域", "", "150426100000", "T-WD", "2010-02-01"],
    ]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "第4行" in page and "T-NONE" in page and "乌丹镇机关第二支部" in page
    assert "第5行" in page and "党小组，不能设在党委" in page
    assert "第3行" not in page
    assert Organisation.objects.count() == before


def test_an_import_creates_parents_before_children_from_the_same_file(party_world, as_org_staff):
    response = as_org_staff.post(IMPORT, upload([
        ["T-N1", "中共乌丹镇机关党总支", "党总支", "机关事业单位", "乌丹镇人民政府", "150426100000", "T-WD", "2010-01-01"],
        ["T-N2", "乌丹镇机关第一支部", "党支部", "机关事业单位", "乌丹镇人民政府", "150426100000", "T-N1", "2010-02-01"],
        ["T-N3", "乌丹镇机关第一支部第一党小组", "党小组", "", "", "150426100000", "T-N2", "2011-02-01"],
    ]))
    assert response.status_code == 302
    n1, n2, n3 = (Organisation.objects.get(code=c) for c in ("T-N1", "T-N2", "T-N3"))
    assert n2.parent == n1 and n3.parent == n2 and n3.path == f"{n1.path}o{n2.pk}/o{n3.pk}/"
    assert n1.parent == party_world.wudan and n1.host == "unit" and n3.host == "area"
    assert n1.founded_on == date(2010, 1, 1)


def test_an_import_outside_the_callers_reach_is_refused_by_row(party_world, region, system_actor):
    staff = client_for(make_account("gdstaff", "organisation_staff", region["广德公镇"], system_actor))
    response = staff.post(IMPORT, upload([
        ["T-N9", "乌丹镇某支部", "党支部", "地域", "", "150426100000", "T-WD", "2010-01-01"]]))
    page = response.content.decode()
    assert response.status_code == 400 and "第2行" in page and "不在您管理的范围内" in page
    assert not Organisation.objects.filter(code="T-N9").exists()


def test_import_and_template_are_the_departments(party_world, as_org_staff, as_secretary, as_insider):
    assert as_org_staff.get(TEMPLATE).status_code == 200
    for client, status in ((as_secretary, 403), (as_insider, 404)):
        assert client.get(TEMPLATE).status_code == status
        assert client.get(IMPORT).status_code == status
        assert client.post(IMPORT, upload([["T-N1", "x", "党支部", "", "", "150426100223", "T-WD", "2010-01-01"]])
                           ).status_code == status
    assert not Organisation.objects.filter(code="T-N1").exists()


def test_the_export_reads_from_the_replica_and_the_pages_a_write_returns_to_do_not():
    assert getattr(resolve(EXPORT).func, "reads_from_replica", False)
    for path in (reverse("party-home"), reverse("party-organisation", args=[1]), reverse("party-rectifications")):
        assert not getattr(resolve(path).func, "reads_from_replica", False)
