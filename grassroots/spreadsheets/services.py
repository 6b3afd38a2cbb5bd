"""Importing the household register from Excel, and recording exports.

An import is all or nothing: the whole file is checked first, and only a clean file is written, in
one transaction with one audit record. The work runs as a task of the queue (core/tasks.py, in
`grassroots worker`), enqueued in the transaction that creates the job, so that the page can show progress;
settings.TASKS_RUN_INLINE runs it in the request instead (tests).
"""

import logging
import os
import secrets
import socket
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connection, connections, models, transaction
from django.http import Http404
from django.utils import timezone

from grassroots.access.scope import authorise, visible
from grassroots.areas.models import Area, Household, Level, Person, Tag
from grassroots.areas.services import id_number_digest, person_values
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core import tasks
from grassroots.core.excel import NotXlsx, read_xlsx, xlsx_file
from grassroots.rules.masking import mask_id_number
from grassroots.rules.roles import EXPORT_RESIDENTS, IMPORT_RESIDENTS
from grassroots.spreadsheets import register
from grassroots.spreadsheets.models import ExportJob, ImportJob
from grassroots.spreadsheets.selectors import ExportCounts, export_rows, progress_key

logger = logging.getLogger(__name__)

BATCH = 1000
PROGRESS_EVERY = 1000
MAX_ROWS = 200_000
MAX_REPORTED_ERRORS = 10_000
REPORT_HEADERS = ("行号", "列", "问题", *register.HEADERS)
Status = ImportJob.Status
LARGE_IMPORT_ROWS = 5_000  # rows written after which the planner is told at once
INTERRUPTED = "导入因服务器重启而中断，未写入任何数据，请重新上传"
NEVER_STARTED = "导入排队过久仍未开始（后台任务进程可能没有运行），未写入任何数据。请联系管理员后重新上传"

# Who runs a job: host, process id and a token drawn when this process started, so that a later
# process that happens to get the same pid is not mistaken for the one that died. The queue's worker
# processes are forked from one parent: each draws its own token.
_TOKEN = secrets.token_hex(4)
_running_here: set[int] = set()  # the jobs this process is running now


def _new_process() -> None:
    global _TOKEN
    _TOKEN = secrets.token_hex(4)
    _running_here.clear()


os.register_at_fork(after_in_child=_new_process)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_TOKEN}"


# Audit actions. Stored values predate the ``app.noun.verb`` pattern and are read by value (the audit search,
# the tests), so they stay: none names the app (``import.submit`` …, ``residents.export`` …).
IMPORT_SUBMIT = "import.submit"
IMPORT_INTERRUPTED = "import.interrupted"
RESIDENTS_IMPORT = "residents.import"
RESIDENTS_EXPORT = "residents.export"
EXPORT_REQUEST = "spreadsheets.export.request"
EXPORT_EXPIRE = "spreadsheets.export.expire"
REPORT_EXPIRE = "spreadsheets.import.report_expire"
EXPORT_FAILED = "生成导出文件时系统出错，没有生成文件。请稍后重新申请，或联系管理员。"


class Rejected(Exception):
    """The file cannot be imported as it is; the message tells the village why."""


def submit_import(*, actor: Actor, user, village: Area, upload, key: str = "") -> ImportJob:
    """Create the job for an uploaded register and start it: ``residents.import`` on the village (404 for a
    village elsewhere, 403 for one the caller may only look at).

    The same ``key`` from the same user gives back the same job: a form sent twice imports once.
    """
    authorise(actor, IMPORT_RESIDENTS, village.path)
    key = (key or "").strip()[:100] or uuid.uuid4().hex
    existing = ImportJob.objects.filter(user=user, idempotency_key=key).exclude(status=Status.FAILED).first()
    if existing is not None and existing.status in ImportJob.RUNNING:
        fail_interrupted(job_ids=[existing.pk])  # left by a process that died: the form sent again retries
        existing.refresh_from_db()
    if existing is not None and existing.status != Status.FAILED:
        return existing
    filename = (getattr(upload, "name", "") or "未命名.xlsx")[-255:]
    problem = ""
    if not upload.size:
        problem = "文件是空的"
    elif upload.size > settings.IMPORT_MAX_BYTES:
        problem = f"文件超过 {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB，请分成几个文件分别导入"
    job = ImportJob(user=user, area=village, filename=filename, idempotency_key=key)
    if problem:
        # A refused file is not kept: nothing of it is needed to say why it was refused.
        job.status, job.message, job.finished_at = Status.REJECTED, problem, timezone.now()
    try:
        with transaction.atomic():
            if not problem:
                job.upload.save(filename, upload, save=False)
            job.save()
            record(actor=actor, action=IMPORT_SUBMIT, obj=job, area_path=village.path,
                   data={"filename": filename, "village": village.code, "size": upload.size})
            if not problem and not settings.TASKS_RUN_INLINE:
                # Written in this transaction: the job and its task exist together or not at all.
                tasks.enqueue("grassroots.spreadsheets.tasks.run_import", job.pk, actor.as_task(),
                              name=f"import-{job.pk}")
    except IntegrityError:
        # The same form arrived twice at once; the other request made the job.
        _delete_file(job.upload)
        existing = ImportJob.objects.filter(user=user, idempotency_key=key).exclude(status=Status.FAILED).first()
        if existing is None:
            raise
        return existing
    if not problem and settings.TASKS_RUN_INLINE:
        run_import(job_id=job.pk, actor=actor)
        job.refresh_from_db()
    return job


def run_import(*, job_id: int, actor: Actor) -> None:
    """Check the job's file, then import it or write the problem report. Never raises.

    If the process dies meanwhile, the write (one transaction) is rolled back by the database, and
    ``fail_interrupted`` marks the job failed and deletes its upload when a page next asks."""
    # Taking the job is one conditional update, so a job started twice (a task handed out again) still runs once.
    if not ImportJob.objects.filter(pk=job_id, status=Status.PENDING).update(
            status=Status.VALIDATING, worker=this_process(), heartbeat_at=timezone.now()):
        return
    _running_here.add(job_id)
    heartbeat = _Heartbeat(job_id)
    job = ImportJob.objects.select_related("area", "user").get(pk=job_id)
    try:
        _check_and_import(job, actor)
    except Rejected as e:
        _finish(job, Status.REJECTED, message=str(e))
    except Exception:
        logger.exception("import job %s failed", job.pk)
        try:
            _finish(job, Status.FAILED, message="导入时系统出错，没有写入任何数据。请稍后重试，或联系管理员。")
        except Exception:
            logger.exception("import job %s: could not record the failure", job.pk)
    finally:
        heartbeat.stop()
        _running_here.discard(job_id)
        cache.delete(progress_key(job.pk))
        # The upload holds ID numbers in the clear; once the job is over it is not kept.
        _delete_file(job.upload)
        if job.upload.name:
            ImportJob.objects.filter(pk=job.pk).update(upload="")


class _Heartbeat:
    """While a job runs, a thread of its own stamps ``heartbeat_at`` every IMPORT_HEARTBEAT_SECONDS on
    its own connection, so the stamp lands even while the worker sits in its long write transaction."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-{job_id}-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(settings.IMPORT_HEARTBEAT_SECONDS):
                try:
                    ImportJob.objects.filter(pk=self.job_id, status__in=ImportJob.RUNNING).update(
                        heartbeat_at=timezone.now())
                except DatabaseError:  # SQLite: the import holds the write lock; the next beat will do
                    logger.info("import job %s: heartbeat skipped", self.job_id)
        finally:
            for conn in connections.all(initialized_only=True):
                conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _process_gone(worker: str) -> bool:
    """Whether the process named by ``worker`` (host:pid:token) is known to have ended. Only a process
    of this host can be checked; elsewhere the heartbeat decides."""
    host, _, rest = worker.partition(":")
    pid, _, token = rest.partition(":")
    this_host, this_pid, _ = this_process().split(":")
    if host != this_host or not pid.isdigit():
        return False
    if worker == this_process():
        return False  # this process: its thread is running it, or has just finished
    if int(pid) == int(this_pid):
        return True  # an earlier process that had our pid
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def fail_interrupted(*, job_ids: list[int] | None = None, user=None, now=None) -> int:
    """Mark failed every started job (of ``job_ids``, of ``user``, or all) whose process has died or whose heartbeat
    is older than IMPORT_STALE_SECONDS, and every job still queued after IMPORT_QUEUED_STALE_SECONDS (no worker
    took it); delete its upload, and audit it. The import writes in one transaction, so an interrupted job wrote
    nothing. Called when a page shows jobs, at worker start and every minute by the worker; idempotent."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    queued_cutoff = now - timedelta(seconds=settings.IMPORT_QUEUED_STALE_SECONDS)
    jobs = ImportJob.objects.filter(status__in=ImportJob.RUNNING).select_related("area")
    if job_ids is not None:
        jobs = jobs.filter(pk__in=job_ids)
    if user is not None:
        jobs = jobs.filter(user=user)
    failed = 0
    for job in jobs:
        if job.pk in _running_here:
            continue
        if job.status == Status.PENDING:
            # Its task waits in the queue (written with the job), perhaps behind a long import: only a queue
            # that nobody works for this long is given up.
            if job.created_at >= queued_cutoff:
                continue
            message = NEVER_STARTED
        elif (job.heartbeat_at or job.created_at) < cutoff or _process_gone(job.worker):
            message = INTERRUPTED
        else:
            continue
        try:
            with transaction.atomic():
                # Only if nothing moved since we looked: the same status and the same heartbeat.
                taken = ImportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
                    status=Status.FAILED, message=message, finished_at=now, upload="")
                if taken:
                    record(actor=Actor.system("imports:interrupted"), action=IMPORT_INTERRUPTED, obj=job,
                           area_path=job.area.path, data={"job": job.pk, "was": job.status, "worker": job.worker})
        except DatabaseError:  # SQLite: the import is writing after all (it holds the lock); look again later
            continue
        if taken:
            failed += 1
            cache.delete(progress_key(job.pk))
            _delete_file(job.upload)
    _delete_orphans(older_than=cutoff)
    return failed


def _delete_orphans(*, older_than) -> None:
    """Uploads no running job points at, older than ``older_than``: left by a process that died between
    saving the file and committing its job. They hold ID numbers, so they go too."""
    storage = ImportJob._meta.get_field("upload").storage
    try:
        _, files = storage.listdir("imports")
    except FileNotFoundError:
        return
    kept = set(ImportJob.objects.filter(status__in=ImportJob.RUNNING).exclude(upload="")
               .values_list("upload", flat=True))
    limit = older_than.timestamp()
    for name in files:
        path = f"imports/{name}"
        if path in kept:
            continue
        try:
            if os.path.getmtime(storage.path(path)) < limit:
                storage.delete(path)
        except OSError:
            pass


def _check_and_import(job: ImportJob, actor: Actor) -> None:
    lookups, grids = _lookups(job)
    try:
        with job.upload.open("rb") as f, read_xlsx(f) as sheet:
            result = _read(job, sheet, lookups)
    except NotXlsx as e:
        raise Rejected(str(e)) from None
    if result.errors:
        _reject(job, result.errors)
        return
    if not result.people:
        raise Rejected("文件中没有数据，请在表头下方逐行填写人员")
    _save(job, status=Status.IMPORTING, total_rows=len(result.people), processed_rows=0)
    try:
        _write(job, actor, result, grids)
    except IntegrityError:
        # Another import or a clerk registered some of these people or 户号 after the check.
        raise Rejected("检查之后，文件中的部分户号或身份证号已被登记，没有写入任何数据。请重新上传以查看详情。") from None


def _lookups(job: ImportJob) -> tuple[register.Lookups, dict[str, Area]]:
    village = job.area if job.area.level == Level.VILLAGE else job.area.parent
    grids = {
        g.code: g
        for g in visible(job.user, Area.objects.filter(level=Level.GRID, path__startswith=job.area.path),
                         IMPORT_RESIDENTS).only("id", "code", "path")
    }

    def existing_households(numbers: set[str]) -> set[str]:
        found = set()
        for chunk in _chunks(sorted(numbers)):
            found.update(Household.objects.filter(village=village, number__in=chunk).values_list("number", flat=True))
        return found

    def registered_ids(id_numbers: set[str]) -> set[str]:
        by_digest = {id_number_digest(n): n for n in id_numbers}
        found = set()
        for chunk in _chunks(sorted(by_digest)):
            found.update(by_digest[d] for d in Person.objects.filter(id_number_digest__in=chunk)
                         .values_list("id_number_digest", flat=True))
        return found

    lookups = register.Lookups(
        grids=grids,
        tags=dict(Tag.objects.values_list("name", "id")),
        relations={label: value for value, label in Person.Relation.choices},
        existing_households=existing_households,
        registered_ids=registered_ids,
        today=timezone.localdate(),
    )
    return lookups, grids


def _read(job: ImportJob, sheet, lookups: register.Lookups) -> register.Register:
    header = sheet.header()
    columns, errors = register.check_headers(header)
    if errors:
        return register.Register({}, [], errors)
    estimate = max((sheet.estimated_rows or 0) - 1, 0)
    _save(job, total_rows=estimate)
    reader = register.RegisterReader(columns, lookups)
    for number, cells in sheet.rows(max_columns=len(header)):
        if number - 1 > MAX_ROWS:
            raise Rejected(f"文件超过 {MAX_ROWS} 行，请分成几个文件分别导入")
        reader.feed(number, cells)
        if number % PROGRESS_EVERY == 0:
            _progress(job, number - 1, estimate)
    return reader.finish()


def _write(job: ImportJob, actor: Actor, result: register.Register, grids: dict[str, Area]) -> None:
    """Households, then people, then their tags, in one transaction; person_values normalises each
    person exactly as a clerk's single entry would be."""
    village = job.area if job.area.level == Level.VILLAGE else job.area.parent
    total = len(result.people)
    Link = Person.tags.through
    with transaction.atomic():
        households = [
            Household(grid=grids[h.grid_code], village=village, path=grids[h.grid_code].path, number=h.number,
                      address=h.address)
            for h in result.households.values()
        ]
        Household.objects.bulk_create(households, batch_size=BATCH)
        by_number = {h.number: h for h in households}
        links: list[tuple[int, int]] = []
        for start in range(0, total, BATCH):
            rows = result.people[start:start + BATCH]
            people = []
            for row in rows:
                household = by_number[row.household]
                values = person_values(name=row.name, gender=row.gender, birth_date=row.birth_date,
                                       id_number=row.id_number, mobile=row.mobile)
                people.append(Person(household=household, path=household.path, relation=row.relation,
                                     ethnicity=row.ethnicity, party_status=row.party_status,
                                     is_mobile_member=row.is_mobile_member, **values))
            Person.objects.bulk_create(people, batch_size=BATCH)
            links += [(person.pk, tag) for person, row in zip(people, rows, strict=True) for tag in row.tags]
            _progress(job, start + len(rows), total)
        for start in range(0, len(links), BATCH):
            Link.objects.bulk_create([Link(person_id=p, tag_id=t) for p, t in links[start:start + BATCH]])
        _save(job, status=Status.DONE, processed_rows=total, households_created=len(households),
              people_created=total, finished_at=timezone.now())
        record(actor=actor, action=RESIDENTS_IMPORT, obj=job, area_path=job.area.path,
               data={"job": job.pk, "filename": job.filename, "village": village.code,
                     "households": len(households), "people": total, "tags": len(links)})
    _refresh_statistics(rows=len(households) + total + len(links))


def _refresh_statistics(*, rows: int) -> None:
    """Tell PostgreSQL's planner about a large import at once. Until autovacuum gets round to the tables,
    the planner takes them to be as small as before and may pick a nested loop that turns a count of the
    village's tagged people into minutes. (As the application's role, which owns no tables, PostgreSQL
    skips this with a warning; autovacuum still comes.)"""
    if rows < LARGE_IMPORT_ROWS or connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table)
                       for model in (Household, Person, Person.tags.through))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _reject(job: ImportJob, errors: list[register.RowError]) -> None:
    report = _report(job, errors)
    with report:
        job.error_report.save(f"{job.pk}.xlsx", File(report), save=False)
    shown = "" if len(errors) <= MAX_REPORTED_ERRORS else f"（报告列出前 {MAX_REPORTED_ERRORS} 个）"
    _finish(job, Status.REJECTED, error_count=len(errors), error_report=job.error_report.name,
            message=f"发现 {len(errors)} 个问题{shown}，没有导入任何数据。请下载问题报告，改正后重新上传。")


def _report(job: ImportJob, errors: list[register.RowError]):
    """行号, 列, 问题 and the row as the village typed it (ID numbers masked), one line per problem."""
    errors = errors[:MAX_REPORTED_ERRORS]
    wanted = {e.row for e in errors if e.row > 1}
    originals: dict[int, list] = {}
    if wanted:
        # Read the rows again rather than keep every row of a large file in memory for a few errors.
        with job.upload.open("rb") as f, read_xlsx(f) as sheet:
            header = sheet.header()
            columns, _ = register.check_headers(header)
            last = max(wanted)
            for number, cells in sheet.rows(max_columns=len(header)):
                if number > last:
                    break
                if number in wanted:
                    originals[number] = [_shown(h, cells[columns[h]]) for h in register.HEADERS]
    return xlsx_file(REPORT_HEADERS, ([e.row, e.column, e.message, *originals.get(e.row, ())] for e in errors),
                     title="问题报告")


def _shown(header: str, value):
    if header == "身份证号" and value is not None:
        text = register.cell_text(value)
        return mask_id_number(text) if len(text) >= 8 else text
    return value


def _progress(job: ImportJob, processed: int, total: int) -> None:
    # Live progress goes to the cache, not the job row: during the import the worker is inside its
    # transaction, where a write to the row stays invisible until commit (PostgreSQL) or, from
    # another connection, waits on the database lock the import holds (SQLite). The cache is shared
    # by every process (settings.CACHES). With the default database cache, though, a write made here
    # inside _write's transaction is part of that transaction: the reading phase's progress shows
    # live, the writing phase's at commit. Valkey/Redis (CACHE_URL) shows both live. Either way the
    # page also shows each phase from the row.
    cache.set(progress_key(job.pk), {"status": job.status, "processed": processed, "total": total}, 24 * 3600)


def _save(job: ImportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def _finish(job: ImportJob, status: str, **fields) -> None:
    _save(job, status=status, finished_at=timezone.now(), **fields)


def _delete_file(field) -> None:
    if field and field.name:
        try:
            field.storage.delete(field.name)
        except OSError:
            logger.warning("could not delete %s", field.name)


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


@transaction.atomic(durable=True)
def record_export(*, actor: Actor, area: Area, households: int, people: int) -> None:
    """Exports are reads, but of the whole register: who took which part of it is kept."""
    authorise(actor, EXPORT_RESIDENTS, area.path)
    record(actor=actor, action=RESIDENTS_EXPORT, obj=area,
           data={"area": area.code, "households": households, "people": people})


def request_export(*, actor: Actor, user, area: Area, key: str = "") -> ExportJob:
    """Queue the export of ``area``'s register for the worker: ``residents.export`` on the area (404 for an area
    elsewhere, 403 for one the caller may only look at). The same ``key`` gives back the same job."""
    authorise(actor, EXPORT_RESIDENTS, area.path)
    key = (key or "").strip()[:100] or uuid.uuid4().hex
    existing = ExportJob.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(user=user, area=area, idempotency_key=key,
                                           filename=f"户籍_{area.name}_{timezone.localdate():%Y%m%d}.xlsx")
            record(actor=actor, action=EXPORT_REQUEST, obj=job, area_path=area.path, data={"area": area.code})
            if not settings.TASKS_RUN_INLINE:
                tasks.enqueue("grassroots.spreadsheets.tasks.run_export", job.pk, actor.as_task(),
                              name=f"export-{job.pk}")
    except IntegrityError:  # the same form twice at once: the other request made the job
        return ExportJob.objects.get(user=user, idempotency_key=key)
    if settings.TASKS_RUN_INLINE:
        run_export(job_id=job.pk, actor=actor)
        job.refresh_from_db()
    return job


def run_export(*, job_id: int, actor: Actor) -> None:
    """Build the file of one export job. Safe to run twice: only a queued job is taken, or one whose worker died
    (running for longer than a task may run), which is built again from the start. Never raises."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.TASK_TIMEOUT_SECONDS)
    if not ExportJob.objects.filter(pk=job_id).filter(
            models.Q(status=ExportJob.Status.PENDING) | models.Q(status=ExportJob.Status.RUNNING, started_at__lt=stale)
    ).update(status=ExportJob.Status.RUNNING, started_at=now):
        return
    job = ExportJob.objects.select_related("area", "user").get(pk=job_id)
    try:
        # The asker's own scope decides the rows (sensitive tags only where they may see them), and they must
        # still hold the right: it may have been taken away while the job waited.
        authorise(actor, EXPORT_RESIDENTS, job.area.path)
        counts = ExportCounts()
        with xlsx_file(register.HEADERS, export_rows(job.user, job.area, counts), title="居民信息") as built:
            job.file.save(job.filename, File(built), save=False)
        with transaction.atomic():
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportJob.Status.DONE, file=job.file.name, households=counts.households, people=counts.people,
                finished_at=timezone.now())
            record(actor=actor, action=RESIDENTS_EXPORT, obj=job.area,  # as record_export writes it
                   data={"area": job.area.code, "households": counts.households, "people": counts.people})
    except Exception as e:
        _delete_file(job.file)
        refused = isinstance(e, PermissionDenied | Http404)
        if not refused:
            logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, file="", finished_at=timezone.now(),
            message="你已没有导出该范围户籍的权限，没有生成文件。" if refused else EXPORT_FAILED)


def expire_exports(*, now=None) -> int:
    """Delete the files of exports built more than EXPORT_KEEP_HOURS ago (names, mobiles, tags): the job stays,
    marked expired, so its page says why the download is gone. The worker runs it every hour."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    expired = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff).select_related("area"):
        with transaction.atomic():
            if ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).update(
                    status=ExportJob.Status.EXPIRED, file=""):
                record(actor=Actor.system("exports:expire"), action=EXPORT_EXPIRE, obj=job, area_path=job.area.path,
                       data={"job": job.pk})
                expired += 1
        _delete_file(job.file)
    return expired


def expire_import_reports(*, now=None) -> int:
    """Delete the problem reports of imports that ended more than IMPORT_REPORT_KEEP_DAYS ago: a report copies
    the refused rows (names, ID numbers) to show what to fix, and after a week the sheet has been fixed or dropped.
    The job stays, so its page says the report is gone. The worker runs it every hour."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.IMPORT_REPORT_KEEP_DAYS)
    expired = 0
    for job in ImportJob.objects.filter(finished_at__lt=cutoff).exclude(error_report="").select_related("area"):
        with transaction.atomic():
            if ImportJob.objects.filter(pk=job.pk).exclude(error_report="").update(error_report=""):
                record(actor=Actor.system("imports:expire"), action=REPORT_EXPIRE, obj=job, area_path=job.area.path,
                       data={"job": job.pk})
                expired += 1
        _delete_file(job.error_report)
    return expired
