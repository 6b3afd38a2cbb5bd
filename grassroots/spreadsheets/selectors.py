"""Reads for imports and exports. Every one takes the caller and scopes through access.scope."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from grassroots.access.scope import (
    access_area,
    access_scoped,
    access_village,
    require,
    scope_of,
    visible,
)
from grassroots.areas.models import Area, Household, Level, Person
from grassroots.core import tasks
from grassroots.rules.roles import EXPORT_RESIDENTS, IMPORT_RESIDENTS, VIEW_SENSITIVE
from grassroots.spreadsheets.models import ExportJob, ImportJob
from grassroots.spreadsheets.register import HEADERS

EXPORT_CHUNK = 2000


def importable_villages(user) -> QuerySet[Area]:
    """Villages the caller may import into."""
    return visible(user, Area.objects.filter(level=Level.VILLAGE), IMPORT_RESIDENTS).order_by("path")


def village_to_import_into(user, code: str) -> Area:
    """404 for a village outside the caller's areas, 403 for one they may only look at."""
    village = access_village(user, code=code or "")
    require(user, IMPORT_RESIDENTS, village.path)
    return village


def example_grid_code(user) -> str:
    """A grid the caller may import into, to make the template's example row real for them."""
    grid = visible(user, Area.objects.filter(level=Level.GRID), IMPORT_RESIDENTS).order_by("code").first()
    return grid.code if grid else ""


def own_jobs(user, limit: int = 50) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(user=user).select_related("area")[:limit]


def visible_jobs(user) -> QuerySet[ImportJob]:
    """Jobs the caller started, and every job in areas where they may import."""
    if not user.is_authenticated:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(Q(user=user) | scope_of(user).q(IMPORT_RESIDENTS, field="area__path"))


def job_for(user, pk: int) -> ImportJob:
    return access_scoped(visible_jobs(user).select_related("area", "user"), pk=pk)


def progress_key(job_id: int) -> str:
    return f"spreadsheets:import:{job_id}:progress"


@dataclass(frozen=True)
class Progress:
    status: str
    processed: int
    total: int
    finished: bool
    text: str


NO_WORKER = "已排队超过 1 分钟仍未开始：后台任务进程（grassroots worker）可能没有运行，请联系系统管理员。"
QUEUE_PATIENCE = timedelta(minutes=1)


def waiting_without_worker(job) -> bool:
    """A queued import or export that has waited a while, with no worker alive to take it."""
    return (job.status == "pending" and job.created_at < timezone.now() - QUEUE_PATIENCE
            and not tasks.worker_running())


def job_progress(job: ImportJob) -> Progress:
    """Where a job is. While it runs, the live count is in the cache (see services._progress)."""
    processed, total = job.processed_rows, job.total_rows
    if not job.is_finished:
        live = cache.get(progress_key(job.pk))
        if live and live["status"] == job.status:
            processed, total = live["processed"], live["total"]
    status = ImportJob.Status
    if job.status == status.PENDING:
        text = NO_WORKER if waiting_without_worker(job) else "排队等待处理…"
    elif job.status == status.VALIDATING:
        text = f"正在检查：已读 {processed} 行" + (f"，约 {total} 行" if total else "")
    elif job.status == status.IMPORTING:
        text = f"正在写入：{processed} / {total} 人"
    elif job.status == status.DONE:
        text = f"导入完成：新增 {job.households_created} 户、{job.people_created} 人"
    else:
        text = job.message
        if job.status == status.REJECTED and job.error_count and not job.error_report:
            text = (f"没有导入任何数据（{job.error_count} 处问题）。问题报告含居民信息，已在导入结束 "
                    f"{settings.IMPORT_REPORT_KEEP_DAYS} 天后删除；改好表格后重新上传即可再次检查。")
    return Progress(job.status, processed, total, job.is_finished, text)


def export_area(user, code: str) -> Area:
    """404 for an area outside the caller's areas, 403 for one they may see but not export."""
    area = access_area(user, code=code or "")
    require(user, EXPORT_RESIDENTS, area.path)
    return area


def export_size(user, area: Area) -> int:
    """How many households an export of ``area`` would hold for the caller (it decides: now or by the worker)."""
    return visible(user, Household.objects.filter(path__startswith=area.path, is_active=True),
                   EXPORT_RESIDENTS).count()


def own_exports(user, limit: int = 20) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(user=user).select_related("area")[:limit]


def export_job_for(user, pk: int) -> ExportJob:
    """The caller's own export job, while they may still export its area; 404 for anyone else's."""
    job = access_scoped(ExportJob.objects.filter(user=user).select_related("area"), pk=pk)
    require(user, EXPORT_RESIDENTS, job.area.path)
    return job


@dataclass
class ExportCounts:
    households: int = 0
    people: int = 0


def export_rows(user, area: Area, counts: ExportCounts) -> Iterator[tuple]:
    """The register of ``area``'s subtree in the import format, one row per person, ID numbers masked.

    Read in chunks so that a county's register never sits in memory whole; sensitive tags only
    where the caller may see them.
    """
    scope = scope_of(user)
    members = Person.objects.filter(is_active=True).prefetch_related("tags").order_by("id")
    households = (
        visible(user, Household.objects.filter(path__startswith=area.path, is_active=True), EXPORT_RESIDENTS)
        .select_related("grid")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("path", "number")
    )
    for household in households.iterator(chunk_size=EXPORT_CHUNK):
        counts.households += 1
        sensitive = scope.can(VIEW_SENSITIVE, household.path)
        head = (household.number, household.grid.code, household.address)
        people = sorted(household.members.all(), key=lambda p: (p.relation != Person.Relation.HEAD, p.id))
        if not people:
            yield head + ("",) * (len(HEADERS) - len(head))
        for person in people:
            counts.people += 1
            tags = "、".join(t.name for t in person.tags.all() if sensitive or not t.sensitive)
            yield head + (
                person.name, person.get_gender_display(), person.birth_date, person.get_relation_display(),
                person.ethnicity, person.id_number_masked, person.mobile, person.get_party_status_display(),
                "是" if person.is_mobile_member else "否", tags,
            )
