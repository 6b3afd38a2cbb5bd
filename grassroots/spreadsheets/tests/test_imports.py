import dataclasses
import io
import zipfile
from datetime import date

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import DatabaseError
from django.test import RequestFactory
from django.utils.module_loading import import_string
from django_q.models import OrmQ
from openpyxl import load_workbook

from grassroots.areas.models import Household, Person
from grassroots.audit.models import AuditEntry
from grassroots.core import tasks
from grassroots.spreadsheets import register, services
from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.selectors import progress_key
from grassroots.spreadsheets.tests.helpers import (
    GRID,
    GRID_2,
    OTHER_VILLAGE_GRID,
    VILLAGE,
    household_rows,
    id_number,
    row,
    upload,
    xlsx,
)

pytestmark = pytest.mark.django_db

IMPORTS = "/imports/"


def post_import(client, content: bytes, *, village=VILLAGE, key="key-1", name="户籍.xlsx"):
    return client.post(IMPORTS, {"village": village, "file": upload(content, name), "key": key})


def report_rows(job) -> list[tuple]:
    width = len(services.REPORT_HEADERS)
    with job.error_report.open("rb") as f:
        rows = load_workbook(f, read_only=True).worksheets[0].iter_rows(values_only=True)
        return [(tuple(r) + (None,) * width)[:width] for r in rows]


def register_counts() -> tuple[int, int, int]:
    return Household.objects.count(), Person.objects.count(), Person.tags.through.objects.count()


def test_the_model_choices_are_those_the_register_writes():
    assert set(register.GENDERS.values()) == set(Person.Gender.values)
    assert set(register.PARTY_STATUSES.values()) == set(Person.PartyStatus.values)
    assert register.HEAD in Person.Relation.labels


def test_a_clean_file_is_imported_in_one_transaction_with_one_audit_record(as_secretary, households, settings):
    content = xlsx(household_rows("T-001", first_id=101) + household_rows("T-002", first_id=103, grid=GRID_2))
    response = post_import(as_secretary, content)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{job.pk}/"
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.households_created, job.people_created, job.processed_rows, job.total_rows) == (2, 4, 4, 4)
    assert job.finished_at is not None and job.error_count == 0 and not job.error_report

    household = Household.objects.select_related("grid", "village").get(number="T-002")
    assert (household.grid.code, household.village.code, household.path, household.address) == (
        GRID_2, VILLAGE, household.grid.path, "一组9号")
    head = Person.objects.get(household=household, relation="head")
    assert head.id_number_masked == id_number(103)[:4] + "*" * 10 + id_number(103)[-4:]
    assert id_number(103) not in head.id_number_sealed
    assert (head.gender, head.birth_date, head.name_pinyin, head.path) == ("M", date(1980, 1, 1), "qimuge",
                                                                          household.path)
    assert (head.party_status, head.is_mobile_member, head.mobile) == ("full", True, "13904760001")
    assert {t.name for t in head.tags.all()} == {"牧户", "低保"}
    spouse = Person.objects.get(household=household, relation="spouse")
    assert (spouse.gender, spouse.birth_date, spouse.ethnicity, spouse.id_number_digest) == (
        "F", date(1982, 5, 6), "汉族", None)

    audit = AuditEntry.objects.filter(action="residents.import")
    assert audit.count() == 1
    assert audit.get().data == {"job": job.pk, "filename": "户籍.xlsx", "village": VILLAGE, "households": 2,
                                "people": 4, "tags": 6}
    assert not AuditEntry.objects.filter(action="person.create", object_id=str(head.pk)).exists()
    # The upload held ID numbers in the clear: it is gone once the job is over.
    assert not job.upload and not list((settings.MEDIA_ROOT / "imports").glob("*.xlsx"))


@pytest.mark.parametrize("change, column, message", [
    ({"网格编码": OTHER_VILLAGE_GRID}, "网格编码", "网格编码不存在"),  # exists, but not the importer's
    ({"网格编码": "150426100223999"}, "网格编码", "网格编码不存在"),
    ({"户号": "SQ-0001"}, "户号", "户号 SQ-0001 在本村已存在"),
    ({"身份证号": id_number(11, date(1968, 3, 5))}, "身份证号", "该身份证号已登记"),
    ({"标签": "低保、五保"}, "标签", "未知的标签：五保"),
    ({"手机号": "12345"}, "手机号", "手机号应为11位中国大陆手机号"),
    ({"与户主关系": "子女"}, "与户主关系", "户号 T-001 没有户主"),
])
def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_written(as_secretary, households, change, column,
                                                                        message):
    before = register_counts()
    rows = [row(户号="T-000", 身份证号=id_number(201)), row(户号="T-000", 姓名="孟和", 与户主关系="子女"),
            row(**change)]
    post_import(as_secretary, xlsx(rows))

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED and job.error_count == 1
    assert "发现 1 个问题" in job.message
    assert register_counts() == before
    header, *lines = report_rows(job)
    assert header == services.REPORT_HEADERS
    assert [line[:3] for line in lines] == [(4, column, message)]
    original = dict(zip(register.HEADERS, lines[0][3:], strict=True))
    assert original["户号"] == row(**change)[0] and original["姓名"] == "巴特尔"
    if column == "身份证号":
        assert original["身份证号"] == "1504**********" + id_number(11, date(1968, 3, 5))[-4:]


def test_one_bad_row_among_many_good_ones_stops_the_whole_file(as_secretary, households):
    before = register_counts()
    rows = household_rows("T-001", first_id=101) + household_rows("T-002", first_id=103)
    rows.insert(3, row(户号="T-003", 手机号="1390476"))
    post_import(as_secretary, xlsx(rows))

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert register_counts() == before
    assert not AuditEntry.objects.filter(action="residents.import").exists()
    assert [line[:2] for line in report_rows(job)[1:]] == [(5, "手机号")]
    assert not job.upload


def test_bad_headers_are_all_the_report_says(as_secretary, region):
    headers = [h for h in register.HEADERS if h != "性别"] + ["备注", "姓名"]
    post_import(as_secretary, xlsx([row()[:4] + row()[5:] + ["x", "y"]], headers=headers))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert {line[:2] for line in report_rows(job)[1:]} == {(1, "性别"), (1, "备注"), (1, "姓名")}
    assert Household.objects.filter(number="T-001").count() == 0


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "不是表格")
    return buffer.getvalue()


@pytest.mark.parametrize("content, words", [
    ("户号,姓名\nT-1,巴特尔\n".encode(), "不是 Excel"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "不是 Excel"),
    (b"", "文件是空的"),
    (_zip_of_text(), "不是有效的 Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
    (xlsx([])[:-200], "不是有效的 Excel"),
])
def test_a_file_that_is_not_an_xlsx_workbook_is_refused(as_secretary, region, content, words):
    before = register_counts()
    response = post_import(as_secretary, content)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportJob.Status.REJECTED and words in job.message
    assert not job.error_report and register_counts() == before
    page = as_secretary.get(job.get_absolute_url()).content.decode()
    assert words in page


def test_a_file_with_only_headers_is_refused(as_secretary, region):
    post_import(as_secretary, xlsx([["", None]]))
    assert "没有数据" in ImportJob.objects.get().message


def test_a_file_over_the_size_limit_is_refused_and_not_kept(as_secretary, region, settings):
    settings.IMPORT_MAX_BYTES = 1024
    content = xlsx([row(户号=f"T-{n}", 身份证号=id_number(n)) for n in range(200)])
    assert len(content) > 1024
    post_import(as_secretary, content)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED and "超过" in job.message
    assert not job.upload and not (settings.MEDIA_ROOT / "imports").exists()
    assert not Household.objects.filter(number__startswith="T-").exists()


def test_the_same_form_sent_twice_imports_once(as_secretary, region):
    content = xlsx(household_rows("T-001", first_id=101))
    first = post_import(as_secretary, content, key="same")
    second = post_import(as_secretary, content, key="same")
    assert first.url == second.url
    assert ImportJob.objects.count() == 1 and Person.objects.filter(household__number="T-001").count() == 2
    third = post_import(as_secretary, content, key="other")  # a new form: checked again, and refused
    assert third.url != first.url and ImportJob.objects.get(idempotency_key="other").status == "rejected"


def test_who_may_import(as_secretary, as_reader, as_outsider, as_insider, region):
    content = xlsx(household_rows("T-001", first_id=101))
    assert as_reader.post(IMPORTS, {"village": VILLAGE, "file": upload(content), "key": "r"}).status_code == 403
    assert as_insider.post(IMPORTS, {"village": VILLAGE, "file": upload(content), "key": "i"}).status_code == 404
    assert as_outsider.post(IMPORTS, {"village": VILLAGE, "file": upload(content), "key": "o"}).status_code == 404
    assert not ImportJob.objects.exists()
    assert "没有导入居民信息的权限" in as_reader.get(IMPORTS).content.decode()
    page = as_secretary.get(IMPORTS).content.decode()
    assert 'value="150426100223"' in page and "150426104204" not in page  # only villages they may import into
    assert post_import(as_secretary, content).status_code == 302


def test_an_outsider_importing_into_their_own_village_cannot_use_our_grids(as_outsider, region):
    post_import(as_outsider, xlsx([row(网格编码=GRID)]), village="150426104204")
    job = ImportJob.objects.get()
    assert [line[:3] for line in report_rows(job)[1:]] == [(2, "网格编码", "网格编码不存在")]


def test_who_may_see_a_job(as_secretary, as_reader, as_outsider, as_insider, as_county_admin, region):
    post_import(as_secretary, xlsx([row(手机号="1")]))
    job = ImportJob.objects.get()
    for client in (as_secretary, as_county_admin):
        assert client.get(f"/imports/{job.pk}/").status_code == 200
        assert client.get(f"/imports/{job.pk}/progress/").status_code == 200
        assert client.get(f"/imports/{job.pk}/report.xlsx").status_code == 200
    for client in (as_reader, as_outsider, as_insider):
        for suffix in ("", "progress/", "report.xlsx"):
            assert client.get(f"/imports/{job.pk}/{suffix}").status_code == 404
    assert as_secretary.get("/imports/999999/").status_code == 404


def test_the_problem_report_downloads_with_its_chinese_name(as_secretary, region):
    post_import(as_secretary, xlsx([row(手机号="1")]))
    job = ImportJob.objects.get()
    response = as_secretary.get(f"/imports/{job.pk}/report.xlsx")
    assert "filename*=UTF-8''%E5%AF%BC%E5%85%A5" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active.values)
    assert rows[1][:2] == (2, "手机号") and "手机号" in rows[1][2]


def test_the_progress_fragment_polls_while_running_and_stops_when_done(as_secretary, secretary, region):
    running = ImportJob.objects.create(user=secretary, area=region["赛沁塔拉嘎查"], filename="大表.xlsx",
                                       idempotency_key="r", status=ImportJob.Status.IMPORTING, total_rows=3000)
    cache.set(progress_key(running.pk), {"status": "importing", "processed": 1000, "total": 3000})
    fragment = as_secretary.get(f"/imports/{running.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and f'hx-get="/imports/{running.pk}/progress/"' in fragment
    assert '<progress value="1000" max="3000">' in fragment and "正在写入：1000 / 3000 人" in fragment
    assert "<html" not in fragment

    page = as_secretary.get(f"/imports/{running.pk}/").content.decode()
    assert 'id="import-progress"' in page and "大表.xlsx" in page

    post_import(as_secretary, xlsx(household_rows("T-001", first_id=101)))
    done = ImportJob.objects.get(status="done")
    fragment = as_secretary.get(f"/imports/{done.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in fragment and "<progress" not in fragment
    assert "导入完成：新增 1 户、2 人" in fragment


def test_the_job_page_lists_on_the_imports_page(as_secretary, region):
    post_import(as_secretary, xlsx(household_rows("T-001", first_id=101)), name="一组.xlsx")
    page = as_secretary.get(IMPORTS).content.decode()
    assert "一组.xlsx" in page and "已完成" in page


def test_without_inline_the_import_is_queued_with_its_job(as_secretary, region, settings):
    """The job and its task are written in one transaction: the worker (`grassroots worker`) finds the task
    once the job exists, and the page shows the job waiting."""
    settings.TASKS_RUN_INLINE = False
    post_import(as_secretary, xlsx(household_rows("T-001", first_id=101)))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PENDING and job.upload
    queued = [task.task for task in OrmQ.objects.all()]
    assert [(t["func"], t["args"][0], t["name"]) for t in queued] == [
        ("grassroots.spreadsheets.tasks.run_import", job.pk, f"import-{job.pk}")]
    assert "排队中" in as_secretary.get(f"/imports/{job.pk}/").content.decode()

    # What the worker does with it, by hand.
    task = queued[0]
    import_string(task["func"])(*task["args"])
    job.refresh_from_db()
    assert job.status == "done" and job.people_created == 2 and not job.upload
    assert AuditEntry.objects.get(action="residents.import").actor_name == "secretary"


def test_a_failed_enqueue_leaves_no_job(as_secretary, region, settings, monkeypatch):
    settings.TASKS_RUN_INLINE = False

    def broken(*args, **kwargs):
        raise DatabaseError("the queue's table is gone")

    monkeypatch.setattr(tasks, "async_task", broken)
    with pytest.raises(DatabaseError):
        post_import(as_secretary, xlsx(household_rows("T-001", first_id=101)))
    assert not ImportJob.objects.exists()


def test_the_template_downloads_and_imports_as_it_is(as_secretary, region):
    response = as_secretary.get("/imports/template.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E5%B1%85%E6%B0%91" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["居民信息", "填写说明"]
    assert [c.value for c in wb["居民信息"][1]] == list(register.HEADERS)
    assert wb["居民信息"]["B2"].value == GRID

    post_import(as_secretary, content)
    job = ImportJob.objects.get()
    assert job.status == "done" and job.people_created == 1, job.message


def test_the_admin_list_is_scoped(secretary, outsider, region):
    post = ImportJob.objects.create(user=secretary, area=region["赛沁塔拉嘎查"], filename="a.xlsx", idempotency_key="a")
    model_admin = admin.site._registry[ImportJob]
    for user, expected in ((secretary, [post]), (outsider, [])):
        request = RequestFactory().get("/admin/spreadsheets/importjob/")
        request.user = user
        assert list(model_admin.get_queryset(request)) == expected
    assert not model_admin.has_change_permission(request) and not model_admin.has_add_permission(request)


def test_an_incomplete_form_is_shown_again_with_its_key(as_secretary, region):
    for data in ({"key": "k-1"}, {"village": VILLAGE, "key": "k-1"}):
        response = as_secretary.post(IMPORTS, data)
        assert response.status_code == 200 and 'value="k-1"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_job_runs_once(as_secretary, region, system_actor):
    post_import(as_secretary, xlsx(household_rows("T-001", first_id=101)))
    job = ImportJob.objects.get()
    services.run_import(job_id=job.pk, actor=system_actor)
    assert AuditEntry.objects.filter(action="residents.import").count() == 1
    assert Person.objects.filter(household__number="T-001").count() == 2


def test_a_person_registered_between_check_and_write_stops_the_import(as_secretary, households, monkeypatch):
    """The database's unique index has the last word: nothing is written, and the village is told why."""
    checked = services._lookups

    def without_id_check(job):
        lookups, grids = checked(job)
        return dataclasses.replace(lookups, registered_ids=lambda ids: set()), grids

    monkeypatch.setattr(services, "_lookups", without_id_check)
    before = register_counts()
    post_import(as_secretary, xlsx([row(身份证号=id_number(11, date(1968, 3, 5)), 性别="")]))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED and "已被登记" in job.message
    assert register_counts() == before and not AuditEntry.objects.filter(action="residents.import").exists()
