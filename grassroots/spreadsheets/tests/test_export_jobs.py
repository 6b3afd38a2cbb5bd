"""Exports of a large area (a township, a county) are built by the worker: asked for on a page, built once,
downloaded only by the person who asked while they may still export, deleted after EXPORT_KEEP_HOURS (#13)."""

import io
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import OrmQ
from openpyxl import load_workbook

from grassroots.access.models import RoleAssignment
from grassroots.audit.models import AuditEntry
from grassroots.spreadsheets import services
from grassroots.spreadsheets.models import ExportJob
from grassroots.spreadsheets.tests.helpers import VILLAGE

pytestmark = pytest.mark.django_db

EXPORT = "/exports/households.xlsx"


@pytest.fixture(autouse=True)
def large(settings):
    settings.EXPORT_INLINE_MAX_HOUSEHOLDS = 0  # every area counts as large here


def ask(client, *, key="k-1", area=VILLAGE):
    return client.post("/exports/", {"area": area, "key": key})


def rows_of(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))[1:]


def test_a_large_export_is_asked_for_then_built_then_downloaded(as_secretary, households, settings):
    page = as_secretary.get(EXPORT, {"area": VILLAGE})
    assert page.status_code == 200 and "开始生成导出文件" in page.content.decode() and "共 1 户" in page.content.decode()
    assert not ExportJob.objects.exists()  # a GET asks for nothing

    response = ask(as_secretary)
    job = ExportJob.objects.get()
    assert response.url == f"/exports/{job.pk}/" and job.status == "done" and (job.households, job.people) == (1, 2)
    path = Path(job.file.path)
    assert path.is_relative_to(settings.PRIVATE_UPLOAD_ROOT) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "下载" in as_secretary.get(response.url).content.decode()
    download = as_secretary.get(f"/exports/{job.pk}/download.xlsx")
    assert download.status_code == 200 and "%E6%88%B7%E7%B1%8D_" in download["Content-Disposition"]
    assert [(r[0], r[3]) for r in rows_of(download)] == [("SQ-0001", "乌云毕力格"), ("SQ-0001", "张秀兰")]
    assert AuditEntry.objects.get(action="residents.export").data == {"area": VILLAGE, "households": 1, "people": 2}
    assert AuditEntry.objects.filter(action="spreadsheets.export.request").count() == 1

    assert ask(as_secretary).url == response.url  # the same form sent again: the same job, built once
    assert ExportJob.objects.count() == 1 and AuditEntry.objects.filter(action="residents.export").count() == 1


def test_the_worker_builds_a_queued_export_once(as_secretary, households, settings):
    settings.TASKS_RUN_INLINE = False
    job = ExportJob.objects.get(pk=int(ask(as_secretary).url.strip("/").split("/")[-1]))
    assert job.status == "pending" and "正在排队" in as_secretary.get(f"/exports/{job.pk}/").content.decode()
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))  # no worker ran
    assert "可能没有运行" in as_secretary.get(f"/exports/{job.pk}/status/").content.decode()
    assert as_secretary.get(f"/exports/{job.pk}/download.xlsx").url == f"/exports/{job.pk}/"  # not built yet
    [task] = [q.task for q in OrmQ.objects.all()]
    assert (task["func"], task["name"]) == ("grassroots.spreadsheets.tasks.run_export", f"export-{job.pk}")
    import_string(task["func"])(*task["args"])
    import_string(task["func"])(*task["args"])  # handed out twice: built once
    job.refresh_from_db()
    assert job.status == "done" and AuditEntry.objects.filter(action="residents.export").count() == 1
    assert AuditEntry.objects.get(action="residents.export").actor_name == "secretary"


def test_an_export_whose_worker_died_is_built_again_but_a_running_one_is_left(as_secretary, households, settings):
    settings.TASKS_RUN_INLINE = False
    job = ExportJob.objects.get(pk=int(ask(as_secretary).url.strip("/").split("/")[-1]))
    actor = services.Actor.system("test")
    ExportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    services.run_export(job_id=job.pk, actor=actor)
    job.refresh_from_db()
    assert job.status == "running" and not job.file  # another worker is on it
    ExportJob.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.TASK_TIMEOUT_SECONDS + 1))
    services.run_export(job_id=job.pk, actor=actor)
    job.refresh_from_db()
    assert job.status == "done" and job.people == 2


def test_only_the_asker_downloads_and_only_while_they_may_export(as_secretary, secretary, households, as_outsider,
                                                               as_reader, as_committee, system_actor):
    job = ExportJob.objects.get(pk=int(ask(as_secretary).url.strip("/").split("/")[-1]))
    for client in (as_outsider, as_committee):  # a stranger; a colleague of the same village: not theirs
        assert client.get(f"/exports/{job.pk}/").status_code == 404
        assert client.get(f"/exports/{job.pk}/download.xlsx").status_code == 404
    assert ask(as_reader, key="r").status_code == 403 and ask(as_outsider, key="o").status_code == 404
    assert ExportJob.objects.count() == 1

    RoleAssignment.objects.filter(user=secretary).update(role="party_group_leader")  # may now only look
    assert as_secretary.get(f"/exports/{job.pk}/download.xlsx").status_code == 403


def test_an_asker_who_lost_the_right_while_it_waited_gets_no_file(as_secretary, secretary, households, settings):
    settings.TASKS_RUN_INLINE = False
    job = ExportJob.objects.get(pk=int(ask(as_secretary).url.strip("/").split("/")[-1]))
    RoleAssignment.objects.filter(user=secretary).update(role="party_group_leader")
    [task] = [q.task for q in OrmQ.objects.all()]
    import_string(task["func"])(*task["args"])
    job.refresh_from_db()
    assert job.status == "failed" and not job.file and "权限" in job.message
    assert not AuditEntry.objects.filter(action="residents.export").exists()


def test_the_file_is_deleted_after_the_keeping_time(as_secretary, households, settings):
    job = ExportJob.objects.get(pk=int(ask(as_secretary).url.strip("/").split("/")[-1]))
    path = Path(job.file.path)
    assert services.expire_exports() == 0 and path.exists()
    later = timezone.now() + timedelta(hours=settings.EXPORT_KEEP_HOURS, minutes=1)
    assert services.expire_exports(now=later) == 1
    job.refresh_from_db()
    assert job.status == "expired" and not job.file and not path.exists()
    assert as_secretary.get(f"/exports/{job.pk}/download.xlsx").url == f"/exports/{job.pk}/"
    assert "已超过保留时间" in as_secretary.get(f"/exports/{job.pk}/").content.decode()
