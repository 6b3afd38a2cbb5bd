"""The worker posts notices on its own schedule: no cron line. A notice whose period ended is posted into the
ledger by `grassroots worker` once, whatever else the schedule runs beside it (issue #13)."""

import os

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule, Task

from grassroots.claims.models import Notice
from grassroots.core.tasks import SCHEDULE, worker_running
from grassroots.core.testing import database_url, task_worker, wait_until
from grassroots.ledger.models import LedgerEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("the worker is another process: on SQLite the test database lives in this process's memory")


def test_the_worker_posts_a_notice_whose_period_ended(pg, notice, settings, tmp_path):
    Notice.objects.filter(pk=notice.pk).update(closes_at=timezone.now() - timezone.timedelta(minutes=1))
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict),
           "SECRET_KEY": django_settings.SECRET_KEY, "PROTECT_KEY": django_settings.PROTECT_KEY,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "PRIVATE_UPLOAD_ROOT": str(settings.PRIVATE_UPLOAD_ROOT), "TASK_POLL_SECONDS": "0.1", "TASK_WORKERS": "1"}
    log = tmp_path / "worker.log"

    def posted():
        notice.refresh_from_db()
        return notice.status == "posted"

    with task_worker(env, log):
        wait_until(posted, what="the scheduled posting", timeout=180, log_path=log)
        wait_until(worker_running, what="the worker's heartbeat", timeout=60, log_path=log)
        # The queue writes its record of a run after the task's function returns (the notice is posted before).
        wait_until(lambda: Task.objects.filter(func="grassroots.claims.tasks.post_due_notices").exists(),
                   what="the queue's record of the posting", timeout=60, log_path=log)
    assert sorted(Schedule.objects.values_list("func", flat=True)) == sorted(job.func for job in SCHEDULE)
    lines = notice.lines.count()
    assert lines == 2 and LedgerEntry.objects.filter(village=notice.village).count() == lines
    runs = Task.objects.filter(func="grassroots.claims.tasks.post_due_notices")
    assert runs.count() >= 1 and all(run.success for run in runs)
