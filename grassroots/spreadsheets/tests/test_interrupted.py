"""Imports interrupted by a crash end, leave nothing behind, and can be retried; uploads are private
(issue #11, item 3)."""

import argparse
import os
import stat
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import django.core.management
import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import Task

from grassroots import cli
from grassroots.areas.models import Household, Person
from grassroots.audit.models import AuditEntry
from grassroots.core import tasks
from grassroots.spreadsheets import services
from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.tests.helpers import VILLAGE, household_rows, upload, xlsx

pytestmark = pytest.mark.django_db

IMPORTS = "/imports/"
ROOT = Path(__file__).resolve().parents[3]


def post_import(client, content: bytes, *, key="key-1"):
    return client.post(IMPORTS, {"village": VILLAGE, "file": upload(content), "key": key})


def _queued(client, settings, monkeypatch, content, *, key="key-1") -> ImportJob:
    """A job whose upload is saved and whose task waits in the queue (no worker runs in the tests)."""
    settings.TASKS_RUN_INLINE = False
    post_import(client, content, key=key)
    settings.TASKS_RUN_INLINE = True
    return ImportJob.objects.get(idempotency_key=key, status=ImportJob.Status.PENDING)


def _files(settings) -> list[Path]:
    root = Path(settings.PRIVATE_UPLOAD_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_upload_is_kept_private_while_its_job_waits(as_secretary, region, settings, monkeypatch):
    job = _queued(as_secretary, settings, monkeypatch, xlsx(household_rows("T-001", first_id=101)))
    path = Path(job.upload.path)
    assert path.is_relative_to(settings.PRIVATE_UPLOAD_ROOT) and not path.is_relative_to(settings.MEDIA_ROOT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(settings.PRIVATE_UPLOAD_ROOT).stat().st_mode) == 0o700
    with pytest.raises(ValueError):
        job.upload.url  # noqa: B018 - no URL leads to it


@pytest.mark.parametrize("rows", [household_rows("T-001", first_id=101),
                                  [household_rows("T-001", first_id=101)[1]]])  # done / rejected (no 户主)
def test_the_upload_is_deleted_when_the_job_ends(as_secretary, region, settings, rows):
    post_import(as_secretary, xlsx(rows))
    job = ImportJob.objects.get()
    # What stays is the error report of a rejected job (private storage too), never the upload.
    report = [Path(settings.PRIVATE_UPLOAD_ROOT) / job.error_report.name] if job.error_report else []
    assert job.is_finished and not job.upload and _files(settings) == report
    assert bool(report) == (job.status == ImportJob.Status.REJECTED)


def _left_by_a_crash(job: ImportJob, *, status="importing", worker="elsewhere:4242:0badf00d", beat_ago=3600):
    """The row as a killed process leaves it: running, its file on disk, no heartbeat for a while."""
    ImportJob.objects.filter(pk=job.pk).update(status=status, worker=worker,
                                               heartbeat_at=timezone.now() - timedelta(seconds=beat_ago))


def test_a_job_left_running_by_a_crash_is_failed_its_file_deleted_and_the_same_form_retries(
        as_secretary, region, settings, monkeypatch):
    content = xlsx(household_rows("T-001", first_id=101))
    job = _queued(as_secretary, settings, monkeypatch, content)
    _left_by_a_crash(job)
    assert len(_files(settings)) == 1

    page = as_secretary.get(f"/imports/{job.pk}/").content.decode()
    assert "导入因服务器重启而中断，未写入任何数据，请重新上传" in page and "正在写入" not in page
    job.refresh_from_db()
    assert job.status == "failed" and not job.upload and job.finished_at and _files(settings) == []
    assert AuditEntry.objects.filter(action="import.interrupted", object_id=str(job.pk)).exists()

    response = post_import(as_secretary, content)  # the same form (same key) sent again
    retry = ImportJob.objects.exclude(pk=job.pk).get()
    assert response.url == f"/imports/{retry.pk}/" and retry.status == "done"
    assert Household.objects.filter(number="T-001").count() == 1 and _files(settings) == []


def test_a_job_whose_process_has_ended_is_failed_at_once(as_secretary, region, settings, monkeypatch):
    job = _queued(as_secretary, settings, monkeypatch, xlsx(household_rows("T-001", first_id=101)))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    host = services.this_process().split(":")[0]
    _left_by_a_crash(job, status="validating", worker=f"{host}:{ended.pid}:0badf00d", beat_ago=1)
    as_secretary.get(IMPORTS)  # the list of one's imports looks too
    job.refresh_from_db()
    assert job.status == "failed" and _files(settings) == []


def test_a_job_that_is_still_beating_is_left_alone(as_secretary, region, settings, monkeypatch):
    job = _queued(as_secretary, settings, monkeypatch, xlsx(household_rows("T-001", first_id=101)))
    _left_by_a_crash(job, beat_ago=5)
    page = as_secretary.get(f"/imports/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == "importing" and "正在写入" in page and len(_files(settings)) == 1
    assert post_import(as_secretary, b"ignored").url == f"/imports/{job.pk}/"  # the same form: the same job


def test_an_upload_whose_job_was_never_committed_is_deleted(as_secretary, region, settings):
    orphan = Path(settings.PRIVATE_UPLOAD_ROOT) / "imports" / "left.xlsx"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"id numbers")
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    as_secretary.get(IMPORTS)
    assert not orphan.exists()


STALL = """
import os, sys, time
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
import django
django.setup()
from grassroots.audit.context import Actor
from grassroots.spreadsheets import services
write_progress = services._progress
def stall(job, processed, total):
    write_progress(job, processed, total)
    if job.status == "importing":  # inside the write transaction, the first people written
        Path(sys.argv[2]).write_text("writing")
        time.sleep(600)
services._progress = stall
services.run_import(job_id=int(sys.argv[1]), actor=Actor.system("test"))
"""


@pytest.fixture
def pg():
    # Skipped before any fixture writes, so that the SQLite flush does not meet the append-only triggers.
    if connection.vendor != "postgresql":
        pytest.skip("the other process needs the test database, which on SQLite is in this process's memory")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killing_the_process_mid_write_writes_nothing_and_the_job_ends(pg, as_secretary, region, settings,
                                                                     monkeypatch, tmp_path):
    """A real kill -9 of a process in the middle of the write transaction."""
    rows = [r for n in range(30) for r in household_rows(f"K-{n:03d}", first_id=200 + 2 * n)]
    monkeypatch.setattr(services, "BATCH", 10)  # several batches, so the kill lands between two of them
    job = _queued(as_secretary, settings, monkeypatch, xlsx(rows))
    db = connection.settings_dict
    env = {**os.environ, "PRIVATE_UPLOAD_ROOT": str(settings.PRIVATE_UPLOAD_ROOT),
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    marker = tmp_path / "writing"
    worker = subprocess.Popen([sys.executable, "-c", STALL, str(job.pk), str(marker)], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120  # a guard against a hang, not a timing assumption
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the worker never reached the write"
            time.sleep(0.05)
        job.refresh_from_db()
        assert job.status == "importing" and job.worker.split(":")[1] == str(worker.pid)
    finally:
        worker.kill()
        worker.wait()
    assert Household.objects.filter(number__startswith="K-").count() == 0 and Person.objects.count() == 0

    page = as_secretary.get(f"/imports/{job.pk}/").content.decode()
    assert "导入因服务器重启而中断，未写入任何数据，请重新上传" in page
    assert _files(settings) == []
    response = post_import(as_secretary, xlsx(rows))
    retry = ImportJob.objects.get(pk=int(response.url.strip("/").split("/")[-1]))
    assert retry.pk != job.pk and retry.status == "done" and retry.people_created == 60


def test_starting_the_server_ends_the_imports_its_predecessor_left(as_secretary, region, settings, monkeypatch,
                                                                    capsys):
    job = _queued(as_secretary, settings, monkeypatch, xlsx(household_rows("T-001", first_id=101)))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    _left_by_a_crash(job, worker=f"{services.this_process().split(':')[0]}:{ended.pid}:0badf00d", beat_ago=1)
    monkeypatch.setattr(django.core.management, "call_command", lambda *a, **kw: None)
    monkeypatch.setattr(cli.os, "execv", lambda *a: None)  # gunicorn is not started
    cli.cmd_serve(argparse.Namespace(host="127.0.0.1", port=8000, workers=1))
    job.refresh_from_db()
    assert job.status == "failed" and _files(settings) == []
    assert "中断的导入任务 1 个" in capsys.readouterr().out


def _heartbeat(at):
    Task.objects.create(id=uuid.uuid4().hex, name="heartbeat", func=tasks.HEARTBEAT, started=at, stopped=at,
                        success=True)


def test_a_queued_job_says_when_no_worker_is_running(as_secretary, region, settings, monkeypatch):
    """`grassroots worker` forgotten: the page says so instead of "排队" for ever."""
    job = _queued(as_secretary, settings, monkeypatch, xlsx(household_rows("T-001", first_id=101)))
    assert "排队等待处理" in as_secretary.get(f"/imports/{job.pk}/").content.decode()  # just sent: patience

    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    _heartbeat(timezone.now() - timedelta(minutes=10))  # a worker ran, but not lately
    page = as_secretary.get(f"/imports/{job.pk}/").content.decode()
    assert "后台任务进程（grassroots worker）可能没有运行" in page

    _heartbeat(timezone.now() - timedelta(seconds=30))  # a worker is alive: the job just waits its turn
    page = as_secretary.get(f"/imports/{job.pk}/").content.decode()
    assert "排队等待处理" in page and "可能没有运行" not in page
