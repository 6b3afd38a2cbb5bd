"""The schedule the worker keeps (core/tasks.py): made by the first worker, unchanged by the next ones."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import OrmQ, Schedule

from grassroots.core import tasks

pytestmark = pytest.mark.django_db


def test_the_first_worker_makes_the_schedule_and_the_next_ones_leave_it_be():
    assert tasks.ensure_schedule() == {"created": len(tasks.SCHEDULE), "updated": 0, "removed": 0}
    later = timezone.now() + timedelta(minutes=3)
    Schedule.objects.filter(func=tasks.SCHEDULE[0].func).update(next_run=later)

    assert tasks.ensure_schedule() == {"created": 0, "updated": 0, "removed": 0}
    stored = {s.func: (s.name, s.minutes, s.repeats) for s in Schedule.objects.all()}
    assert stored == {job.func: (job.name, job.minutes, -1) for job in tasks.SCHEDULE}
    # A restart does not run every job at once: the next run each job had stays.
    assert Schedule.objects.get(func=tasks.SCHEDULE[0].func).next_run == later


def test_a_changed_or_dropped_job_is_brought_in_line():
    tasks.ensure_schedule()
    Schedule.objects.filter(func=tasks.SCHEDULE[1].func).update(minutes=60)
    Schedule.objects.create(func="grassroots.gone.tasks.old_job", schedule_type=Schedule.MINUTES, minutes=5)
    Schedule.objects.create(func="someone.elses.job", schedule_type=Schedule.MINUTES, minutes=5)
    assert tasks.ensure_schedule() == {"created": 0, "updated": 1, "removed": 1}
    assert Schedule.objects.get(func=tasks.SCHEDULE[1].func).minutes == tasks.SCHEDULE[1].minutes
    assert Schedule.objects.filter(func="someone.elses.job").exists()  # not ours: left alone


def test_every_scheduled_job_exists_and_runs_without_arguments():
    for job in tasks.SCHEDULE:
        result = import_string(job.func)()
        assert isinstance(result, dict), job.func


def test_a_task_enqueued_in_a_transaction_that_rolls_back_is_not_queued(settings):
    settings.TASKS_RUN_INLINE = False
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.enqueue("grassroots.claims.tasks.post_due_notices")
        assert OrmQ.objects.count() == 1
        raise RuntimeError("the request failed after asking for the task")
    assert not OrmQ.objects.exists()
