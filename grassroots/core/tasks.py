"""The task queue: what runs in `grassroots worker` rather than in a web request, and the schedule.

The queue is django-q2 with its ORM broker (docs/architecture.md says why): a task is a row in this database's
``django_q_ormq`` table, so a task enqueued inside a transaction exists exactly when that transaction commits
(an import's job and its task appear together or not at all), every web node and worker shares it with no other
server, and the embedded SQLite default needs nothing more. A task whose worker dies is handed out again after
``Q_CLUSTER["retry"]`` seconds; every task here is safe to run twice (each re-reads what it works on, under a
lock or a conditional update, before it changes anything).

Each app keeps its task functions in its own ``tasks.py``: thin wrappers that call a service as the system actor
and return a short dict (kept in the worker's results). This module knows them only by dotted path, so it
imports no app.
"""

import functools
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule, Task
from django_q.tasks import async_task


@dataclass(frozen=True)
class Every:
    """A job the worker runs every ``minutes`` minutes: ``name`` is what the admin pages show."""

    name: str
    func: str
    minutes: int


# The whole schedule: no cron lines for a county to get wrong. Every job is safe to run twice or late.
SCHEDULE = (
    Every("后台任务心跳", "grassroots.core.tasks.heartbeat", 1),
    Every("公示期满自动入账", "grassroots.claims.tasks.post_due_notices", 5),
    Every("需求提醒·升级督办·自动关闭", "grassroots.demands.tasks.tick", 5),
    Every("季度结束后生成积分评议草稿", "grassroots.settlement.tasks.draft_last_quarter", 60),
    Every("中断的导入标记为失败", "grassroots.spreadsheets.tasks.fail_interrupted", 1),
    Every("删除过期的导出文件", "grassroots.spreadsheets.tasks.expire_exports", 60),
    Every("删除过期的导入问题报告", "grassroots.spreadsheets.tasks.expire_import_reports", 60),
    Every("积分台账哈希链核验", "grassroots.ledger.tasks.verify_ledgers", 24 * 60),
    Every("志愿活动自动签退·记录未到", "grassroots.volunteers.tasks.close_attendances", 15),
    Every("志愿时长申报积分（补漏）", "grassroots.volunteers.tasks.propose_hours_claims", 60),
    Every("数据看板汇总刷新", "grassroots.dashboards.tasks.refresh_rollups", 10),
)


HEARTBEAT = "grassroots.core.tasks.heartbeat"
# A worker runs the heartbeat every minute; none for this long means no worker is running.
WORKER_SILENT_AFTER = timedelta(minutes=3)


def heartbeat() -> dict:
    """Does nothing: its runs, kept by the queue, are how the pages know a worker is alive."""
    return {}


def worker_running(now=None) -> bool:
    """Whether a worker ran the heartbeat lately (pages use it to say why queued work does not start)."""
    now = now or timezone.now()
    return Task.objects.filter(func=HEARTBEAT, stopped__gte=now - WORKER_SILENT_AFTER).exists()


def enqueue(func: str, *args, name: str = "") -> None:
    """Hand ``func`` (a dotted path) with ``args`` (plain values) to the worker.

    Inside a transaction the task is written with it: it runs only if that transaction commits. With
    TASKS_RUN_INLINE (a shell, no worker) it runs in this process once that transaction commits (at once outside
    one), as the worker would."""
    if settings.TASKS_RUN_INLINE:
        transaction.on_commit(functools.partial(import_string(func), *args))
        return
    async_task(func, *args, task_name=name or func.rsplit(".", 1)[-1], group=func.rsplit(".", 2)[-2])


def ensure_schedule() -> dict:
    """Make the stored schedule match SCHEDULE (run by every `grassroots worker` at start; idempotent).

    A job keeps its next run when it is already scheduled, so restarting workers does not run every job at once;
    a job dropped from SCHEDULE is removed."""
    created = updated = 0
    with transaction.atomic():
        for job in SCHEDULE:
            current = Schedule.objects.select_for_update().filter(func=job.func).first()
            if current is None:
                Schedule.objects.create(name=job.name, func=job.func, schedule_type=Schedule.MINUTES,
                                        minutes=job.minutes, repeats=-1, next_run=timezone.now())
                created += 1
            elif (current.name, current.schedule_type, current.minutes, current.repeats) != (
                    job.name, Schedule.MINUTES, job.minutes, -1):
                current.name, current.schedule_type, current.minutes, current.repeats = (
                    job.name, Schedule.MINUTES, job.minutes, -1)
                current.save()
                updated += 1
        removed, _ = (Schedule.objects.filter(func__startswith="grassroots.")
                      .exclude(func__in=[job.func for job in SCHEDULE]).delete())
    return {"created": created, "updated": updated, "removed": removed}
