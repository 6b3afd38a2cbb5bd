"""Imports on the real task queue: `grassroots worker` in a process of its own takes the job the page queued;
a worker killed (kill -9) in the middle of the write leaves nothing written, the job ends visibly failed when a
worker starts again, the task handed out again does nothing, and the same file sent again gives what an
uninterrupted run gives (issue #13)."""

import os
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_q.models import OrmQ, Task

from grassroots.areas.models import Household, Person
from grassroots.audit.context import Actor
from grassroots.core.testing import database_url, kill_worker, task_worker, wait_until
from grassroots.spreadsheets import tasks
from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.tests.helpers import VILLAGE, household_rows, upload, xlsx

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = [r for n in range(20) for r in household_rows(f"W-{n:03d}", first_id=300 + 2 * n)]


@pytest.fixture
def pg():
    # Skipped before any fixture writes, so that the SQLite flush does not meet the append-only triggers.
    if connection.vendor != "postgresql":
        pytest.skip("the worker is another process: on SQLite the test database lives in this process's memory")


@pytest.fixture
def worker_env(settings):
    settings.TASKS_RUN_INLINE = False
    return {**os.environ, "DATABASE_URL": database_url(connection.settings_dict),
            "SECRET_KEY": django_settings.SECRET_KEY, "PROTECT_KEY": django_settings.PROTECT_KEY,
            "PRIVATE_UPLOAD_ROOT": str(settings.PRIVATE_UPLOAD_ROOT), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "TASK_POLL_SECONDS": "0.1", "TASK_WORKERS": "1", "LOG_LEVEL": "INFO"}


def post_import(client, content: bytes, *, key: str) -> ImportJob:
    response = client.post("/imports/", {"village": VILLAGE, "file": upload(content), "key": key})
    assert response.status_code == 302, response.content.decode()[-500:]
    return ImportJob.objects.get(pk=int(response.url.strip("/").split("/")[-1]))


def finished(job: ImportJob):
    job.refresh_from_db()
    return job if job.is_finished else None


def test_the_worker_runs_the_import_the_page_queued(pg, as_secretary, region, worker_env, tmp_path):
    log = tmp_path / "worker.log"
    with task_worker(worker_env, log):
        job = post_import(as_secretary, xlsx(ROWS), key="first")
        wait_until(lambda: finished(job), what="the import to finish", log_path=log)
        # The queue writes its own record of the task after the task's function returns.
        wait_until(lambda: Task.objects.filter(name=f"import-{job.pk}").exists(), what="the queue's task record",
                   log_path=log)
    assert job.status == "done", job.message
    assert (job.households_created, job.people_created) == (20, 40)
    assert Person.objects.filter(household__number__startswith="W-").count() == 40
    assert list(Task.objects.filter(name=f"import-{job.pk}").values_list("success", flat=True)) == [True]
    assert not OrmQ.objects.exists() and not job.upload


def _waiting_on_lock(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [table])
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_import_leaves_nothing_and_the_import_can_be_run_again(
        pg, as_secretary, region, worker_env, tmp_path):
    log = tmp_path / "worker.log"
    # Another session holds the households table so that the import's write waits inside its transaction:
    # the kill then lands mid-write every time, not by luck.
    blocker = psycopg.connect(worker_env["DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    try:
        blocker.execute(f"LOCK TABLE {Household._meta.db_table} IN SHARE MODE")
        with task_worker(worker_env, log) as worker:
            job = post_import(as_secretary, xlsx(ROWS), key="killed")
            wait_until(lambda: _waiting_on_lock(Household._meta.db_table), what="the import to reach its write",
                       log_path=log)
            job.refresh_from_db()
            assert job.status == "importing"
            kill_worker(worker)
    finally:
        blocker.rollback()
        blocker.close()
    assert not Household.objects.filter(number__startswith="W-").exists() and not Person.objects.exists()
    assert Path(job.upload.path).exists()  # the file waits for the next worker to decide

    with task_worker(worker_env, log):  # a worker starts again: the job its predecessor left ends visibly
        wait_until(lambda: finished(job), what="the interrupted job to be failed", log_path=log)
        assert job.status == "failed" and "中断" in job.message and not job.upload
        page = as_secretary.get(f"/imports/{job.pk}/").content.decode()
        assert "导入因服务器重启而中断，未写入任何数据，请重新上传" in page

        # The queue hands the dead worker's task out again later: it finds the job over and does nothing.
        tasks.run_import(job.pk, Actor.system("test").as_task())
        job.refresh_from_db()
        assert job.status == "failed" and not Household.objects.filter(number__startswith="W-").exists()

        again = post_import(as_secretary, xlsx(ROWS), key="killed")  # the same form sent again
        assert again.pk != job.pk
        wait_until(lambda: finished(again), what="the import sent again to finish", log_path=log)
    assert again.status == "done", again.message
    assert (again.households_created, again.people_created) == (20, 40)  # as the uninterrupted run above
    assert Person.objects.filter(household__number__startswith="W-").count() == 40
