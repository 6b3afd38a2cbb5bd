"""The household register's spreadsheets through the JSON API, mounted at /api/households (docs/api.md "Imports and
exports"), through the pages' own views and services (spreadsheets/views.py, services.py).

The import runs as the page's background job: ``POST import/`` answers 202 with the job, ``GET import/{job_id}/``
its progress as the page's progress shows it, ``GET import/{job_id}/report/`` the problem report when the file was
refused (nothing written). The export answers the page's workbook at once up to EXPORT_INLINE_MAX_HOUSEHOLDS
households; a larger area is built by the worker as on the page: ``POST exports/`` (202), ``GET exports/{job_id}/``,
``GET exports/{job_id}/xlsx/``.
"""

from datetime import datetime

from django.conf import settings
from django.http import HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from grassroots.api.common import (
    AreaRef,
    RequiredKey,
    area_ref,
    download,
    file_digest,
    once,
    page_query,
)
from grassroots.api.errors import ErrorOut, StrictIn, api_errors, error_response
from grassroots.api.ids import ObjectId
from grassroots.audit.context import Actor
from grassroots.core.excel import NotXlsx, read_xlsx
from grassroots.core.refusals import Refusal
from grassroots.spreadsheets import selectors, services, views
from grassroots.spreadsheets.models import ExportJob, ImportJob

router = Router(tags=["户籍导入导出"])

FILE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ImportJobOut(Schema):
    id: int
    area: AreaRef = Field(description="导入到的嘎查村")
    filename: str
    status: str = Field(description="pending 排队 / validating 检查中 / importing 写入中 / done 完成 / "
                                    "rejected 有问题未导入 / failed 出错未导入")
    status_label: str
    finished: bool
    progress: str = Field(description="与网页进度条的文字相同")
    processed_rows: int
    total_rows: int
    error_count: int = Field(description="文件中的问题数（rejected 时）；问题报告见 report/")
    has_report: bool
    households_created: int
    people_created: int
    created_at: datetime
    finished_at: datetime | None


def _import_job(job: ImportJob) -> dict:
    progress = selectors.job_progress(job)
    return {"id": job.pk, "area": area_ref(job.area), "filename": job.filename, "status": job.status,
            "status_label": job.get_status_display(), "finished": progress.finished, "progress": progress.text,
            "processed_rows": progress.processed, "total_rows": progress.total, "error_count": job.error_count,
            "has_report": bool(job.error_report), "households_created": job.households_created,
            "people_created": job.people_created, "created_at": job.created_at, "finished_at": job.finished_at}


@router.get("/import/template/", response=READ_ERRORS,
            openapi_extra=download("居民信息导入模板（.xlsx）：表头、一行示例（调用者可导入的网格）和填写说明"),
            summary="户籍导入模板（Excel）")
@api_errors
def import_template(request):
    page_query(request)
    return views.template(request)


@router.post("/import/", response={202: ImportJobOut, **FILE_ERRORS},
             summary="导入户籍（Excel，multipart 字段 area_code 与 file；后台任务，202 返回任务，幂等）")
@api_errors
def submit_import(request, response: HttpResponse, area_code: Form[str], file: File[UploadedFile],
                  idempotency_key: RequiredKey = None):
    """The page's import: the file is checked whole by the worker and imported all or nothing. 202 with the job;
    follow it with ``GET import/{job_id}/``. A file that is not an .xlsx workbook is 422 at once."""
    village = selectors.village_to_import_into(request.user, area_code[:64])
    try:
        with read_xlsx(file):
            pass
    except NotXlsx as e:
        return error_response(422, f"file：{e}", {"file": [str(e)]})
    file.seek(0)

    def work() -> dict:
        job = services.submit_import(actor=Actor.from_request(request), user=request.user, village=village,
                                     upload=file, key=idempotency_key or "")
        return ImportJobOut.model_validate(_import_job(job)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="spreadsheets.import",
                body={"area_code": village.code, "file": file_digest(file)}, work=work, status=202)


def _current_import(user, job_id: int) -> ImportJob:
    job = selectors.job_for(user, job_id)
    if not job.is_finished and services.fail_interrupted(job_ids=[job.pk]):
        job.refresh_from_db()
    return job


@router.get("/import/{int:job_id}/", response={200: ImportJobOut, **READ_ERRORS},
            summary="一次户籍导入的进度与结果（与网页进度相同）")
@api_errors
def import_job(request, job_id: ObjectId):
    return _import_job(_current_import(request.user, job_id))


@router.get("/import/{int:job_id}/report/", response=READ_ERRORS,
            openapi_extra=download("导入问题报告（.xlsx）：逐行列出问题；文件未被导入时才有"),
            summary="户籍导入问题报告（Excel）")
@api_errors
def import_report(request, job_id: ObjectId):
    page_query(request)
    return views.report(request, job_id)


class HouseholdsXlsxQuery(Schema):
    area_code: str | None = Field(None, max_length=64, description="导出哪个区域，默认当前区域")


@router.get("/xlsx/", response={409: ErrorOut, **FILE_ERRORS},
            openapi_extra=download("户籍（.xlsx），与网页导出的相同：区域内调用者可导出的户和人，一人一行，身份证号打码"),
            summary=f"导出户籍（Excel；超过 {settings.EXPORT_INLINE_MAX_HOUSEHOLDS} 户 409，请改用 POST exports/）")
@api_errors
def households_xlsx(request, filters: Query[HouseholdsXlsxQuery]):
    current = getattr(request, "current_area", None)
    area = selectors.export_area(request.user, filters.area_code or (current.code if current else ""))
    size = selectors.export_size(request.user, area)
    if size > settings.EXPORT_INLINE_MAX_HOUSEHOLDS:
        raise Refusal(f"{area.name}共 {size} 户，超过 {settings.EXPORT_INLINE_MAX_HOUSEHOLDS} 户：请用 "
                      f"POST /api/households/exports/ 申请后台导出")
    page_query(request, area=area.code)
    return views.export_households(request)


class ExportJobOut(Schema):
    id: int
    area: AreaRef
    filename: str
    status: str = Field(description="pending 排队 / running 正在生成 / done 可下载 / failed 出错 / expired 已过期")
    status_label: str
    finished: bool
    message: str
    households: int
    people: int
    created_at: datetime
    finished_at: datetime | None


def _export_job(job: ExportJob) -> dict:
    return {"id": job.pk, "area": area_ref(job.area), "filename": job.filename, "status": job.status,
            "status_label": job.get_status_display(), "finished": job.is_finished, "message": job.message,
            "households": job.households, "people": job.people, "created_at": job.created_at,
            "finished_at": job.finished_at}


class ExportIn(StrictIn):
    area_code: str = Field(max_length=64, description="导出哪个区域（乡镇、旗县等大区域）")


@router.post("/exports/", response={202: ExportJobOut, **FILE_ERRORS},
             summary="申请后台导出户籍（大区域；202 返回任务，幂等）")
@api_errors
def request_export(request, response: HttpResponse, payload: ExportIn, idempotency_key: RequiredKey = None):
    area = selectors.export_area(request.user, payload.area_code)

    def work() -> dict:
        job = services.request_export(actor=Actor.from_request(request), user=request.user, area=area,
                                      key=idempotency_key or "")
        return ExportJobOut.model_validate(_export_job(job)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="spreadsheets.export",
                body=payload.model_dump(mode="json"), work=work, status=202)


@router.get("/exports/{int:job_id}/", response={200: ExportJobOut, **READ_ERRORS}, summary="一次后台导出的状态")
@api_errors
def export_job(request, job_id: ObjectId):
    return _export_job(selectors.export_job_for(request.user, job_id))


@router.get("/exports/{int:job_id}/xlsx/", response={409: ErrorOut, **READ_ERRORS},
            openapi_extra=download("后台导出的户籍文件（.xlsx）"), summary="下载后台导出的户籍（未生成、出错或已过期 409）")
@api_errors
def export_download(request, job_id: ObjectId):
    job = selectors.export_job_for(request.user, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Refusal(job.message or f"导出文件{job.get_status_display()}，暂不能下载")
    page_query(request)
    return views.export_download(request, job_id)
