"""An import's error report (it names residents' rows) lives in private storage (core.storage): a 0600 file
under PRIVATE_UPLOAD_ROOT, nothing under MEDIA_ROOT, downloaded only through the job's scoped page; migration
0004 moves the reports earlier versions kept under MEDIA_ROOT."""

import importlib
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps

from grassroots.audit.models import AuditEntry
from grassroots.spreadsheets import services
from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.tests.helpers import VILLAGE, row, upload, xlsx

pytestmark = pytest.mark.django_db

migration = importlib.import_module("grassroots.spreadsheets.migrations.0004_private_storage")


def files_under(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def rejected_import(client) -> ImportJob:
    content = xlsx([row(户号="T-001", 手机号="12345")])
    client.post("/imports/", {"village": VILLAGE, "file": upload(content, "户籍.xlsx"), "key": "report-1"})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED and job.error_report
    return job


def test_an_error_report_is_a_private_file_served_only_in_scope(as_secretary, as_outsider, households, settings):
    job = rejected_import(as_secretary)
    path = Path(settings.PRIVATE_UPLOAD_ROOT) / job.error_report.name
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert files_under(settings.MEDIA_ROOT) == []
    assert files_under(settings.PRIVATE_UPLOAD_ROOT) == [path]  # the upload itself is already deleted
    with pytest.raises(ValueError):
        job.error_report.url  # noqa: B018 - no URL leads to it
    response = as_secretary.get(f"/imports/{job.pk}/report.xlsx")
    assert response.status_code == 200 and b"".join(response.streaming_content) == path.read_bytes()
    assert as_outsider.get(f"/imports/{job.pk}/report.xlsx").status_code == 404


def test_the_migration_moves_old_error_reports_across(as_secretary, households, settings):
    job = rejected_import(as_secretary)
    data = (Path(settings.PRIVATE_UPLOAD_ROOT) / job.error_report.name).read_bytes()
    old = Path(settings.MEDIA_ROOT) / job.error_report.name  # where an earlier version kept it
    old.parent.mkdir(parents=True)
    shutil.move(Path(settings.PRIVATE_UPLOAD_ROOT) / job.error_report.name, old)
    other = ImportJob.objects.create(user=job.user, area=job.area, filename="旧.xlsx", idempotency_key="old",
                                     status=ImportJob.Status.REJECTED, error_report="imports/reports/gone.xlsx")

    migration.move_files(apps, None)
    migration.move_files(apps, None)  # idempotent

    moved = Path(settings.PRIVATE_UPLOAD_ROOT) / job.error_report.name
    assert moved.read_bytes() == data and stat.S_IMODE(moved.stat().st_mode) == 0o600
    assert files_under(settings.MEDIA_ROOT) == []
    assert ImportJob.objects.get(pk=other.pk).error_report.name == "imports/reports/gone.xlsx"
    assert as_secretary.get(f"/imports/{job.pk}/report.xlsx").status_code == 200


def test_an_error_report_is_deleted_a_week_after_the_import_and_the_page_says_why(as_secretary, households, settings):
    job = rejected_import(as_secretary)
    path = Path(settings.PRIVATE_UPLOAD_ROOT) / job.error_report.name
    almost = job.finished_at + timedelta(days=settings.IMPORT_REPORT_KEEP_DAYS) - timedelta(minutes=1)
    assert services.expire_import_reports(now=almost) == 0 and path.is_file()

    later = job.finished_at + timedelta(days=settings.IMPORT_REPORT_KEEP_DAYS, minutes=1)
    assert services.expire_import_reports(now=later) == 1
    assert services.expire_import_reports(now=later) == 0  # once
    job.refresh_from_db()
    assert not job.error_report and not path.exists() and files_under(settings.PRIVATE_UPLOAD_ROOT) == []
    assert AuditEntry.objects.filter(action=services.REPORT_EXPIRE).count() == 1
    assert as_secretary.get(f"/imports/{job.pk}/report.xlsx").status_code == 404
    page = as_secretary.get(f"/imports/{job.pk}/").content.decode()
    assert "已在导入结束 7 天后删除" in page and "下载问题报告" not in page
