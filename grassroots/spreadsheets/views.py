import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import refuse
from grassroots.audit.context import Actor
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import Sheet, file_response, xlsx_response
from grassroots.spreadsheets import selectors, services
from grassroots.spreadsheets.forms import ImportForm
from grassroots.spreadsheets.register import HEADERS


@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    villages = selectors.importable_villages(request.user)
    if request.method == "POST":
        # Scope first, so that a village elsewhere is 404 and one the caller only reads is 403;
        # a form sent without a village is just an incomplete form.
        code = request.POST.get("village", "")
        village = selectors.village_to_import_into(request.user, code) if code else None
        form = ImportForm(request.POST, request.FILES, villages=villages)
        if village is not None and form.is_valid():
            job = services.submit_import(actor=Actor.from_request(request), user=request.user, village=village,
                                         upload=form.cleaned_data["file"], key=form.cleaned_data["key"])
            return redirect(job)
    else:
        form = ImportForm(villages=villages, initial={"key": uuid.uuid4().hex})
    services.fail_interrupted(user=request.user)
    return render(request, "spreadsheets/imports.html", {
        "form": form,
        "can_import": villages.exists(),
        "jobs": selectors.own_jobs(request.user),
    })


def _current(job):
    """The job, failed first if the process running it has died (a restart, a crash)."""
    if not job.is_finished and services.fail_interrupted(job_ids=[job.pk]):
        job.refresh_from_db()
    return job


@login_required
@require_GET
def job(request, pk: int):
    job = _current(selectors.job_for(request.user, pk))
    return render(request, "spreadsheets/job.html", {"job": job, "progress": selectors.job_progress(job)})


@login_required
@require_GET
def progress(request, pk: int):
    job = _current(selectors.job_for(request.user, pk))
    return render(request, "spreadsheets/_progress.html", {"job": job, "progress": selectors.job_progress(job)})


@login_required
@require_GET
def report(request, pk: int):
    job = selectors.job_for(request.user, pk)
    if not job.error_report:
        refuse(seen=False)
    return file_response(job.error_report.open("rb"), f"导入问题报告_{job.pk}.xlsx")


# No ID number in the example: any valid-looking one could be a real person's.
EXAMPLE_ROW = ("SQ-0001", "150426100223001", "一组1号", "乌云毕力格", "男", "1968-03-05", "户主", "蒙古族", "",
               "13800138000", "正式党员", "否", "牧户、低保")

NOTES = (
    ("户号", "必填。同一户的每个人填同一个户号；本村已有的户号不能再导入。"),
    ("网格编码", "必填。网格的区划代码，可在区划页面查到。"),
    ("住址", "以该户第一行为准；其他成员可不填，填了须一致。"),
    ("姓名", "必填。"),
    ("性别", "男 或 女；填了身份证号可不填。"),
    ("出生日期", "日期格式，或按 1980-01-31 填写；填了身份证号可不填。"),
    ("与户主关系", "必填：户主、配偶、子女、父母、孙子女、兄弟姐妹、其他。每户须有且只有一位户主。"),
    ("民族", "如 蒙古族、汉族。"),
    ("身份证号", "18位，请把该列设为“文本”格式，否则 Excel 会丢失末尾几位。"),
    ("手机号", "11位手机号。"),
    ("政治面貌", "群众、正式党员（或 中共党员）、预备党员；不填为群众。"),
    ("流动党员", "是 或 否；不填为否。"),
    ("标签", "多个标签用顿号（、）隔开，如 低保、残疾。"),
    ("", "导入前请删除本示例行。文件中有任何问题时不会导入任何数据，系统会给出问题报告。"),
)


@login_required
@require_GET
def template(request):
    grid = selectors.example_grid_code(request.user)
    example = EXAMPLE_ROW[:1] + ((grid,) if grid else EXAMPLE_ROW[1:2]) + EXAMPLE_ROW[2:]
    notes = Sheet("填写说明", ("列", "说明"), NOTES, column_widths=(12, 80))
    return xlsx_response("居民信息导入模板.xlsx", HEADERS, [example], title="居民信息", more=[notes])


@login_required
@require_GET
@reads_from_replica
def export_households(request):
    current = getattr(request, "current_area", None)
    code = request.GET.get("area") or (current.code if current else "")
    area = selectors.export_area(request.user, code)
    size = selectors.export_size(request.user, area)
    if size > settings.EXPORT_INLINE_MAX_HOUSEHOLDS:
        # A township or a county: longer than a request may take. The worker builds it; this page asks for it.
        return render(request, "spreadsheets/export_confirm.html", {
            "area": area, "size": size, "key": uuid.uuid4().hex, "keep_hours": settings.EXPORT_KEEP_HOURS,
            "exports": selectors.own_exports(request.user)})
    counts = selectors.ExportCounts()
    response = xlsx_response(f"户籍_{area.name}_{timezone.localdate():%Y%m%d}.xlsx", HEADERS,
                             selectors.export_rows(request.user, area, counts), title="居民信息")
    services.record_export(actor=Actor.from_request(request), area=area, households=counts.households,
                           people=counts.people)
    return response


@login_required
@require_POST
def request_export(request):
    area = selectors.export_area(request.user, request.POST.get("area", ""))
    job = services.request_export(actor=Actor.from_request(request), user=request.user, area=area,
                                  key=request.POST.get("key", ""))
    return redirect(job)


def _export_context(user, pk: int) -> dict:
    job = selectors.export_job_for(user, pk)
    return {"job": job, "keep_hours": settings.EXPORT_KEEP_HOURS, "no_worker": selectors.waiting_without_worker(job)}


@login_required
@require_GET
def export_job(request, pk: int):
    return render(request, "spreadsheets/export_job.html", _export_context(request.user, pk))


@login_required
@require_GET
def export_status(request, pk: int):
    return render(request, "spreadsheets/_export_status.html", _export_context(request.user, pk))


@login_required
@require_GET
def export_download(request, pk: int):
    job = selectors.export_job_for(request.user, pk)
    if job.status != job.Status.DONE or not job.file:
        return redirect(job)  # its page says why: still building, failed or expired
    return file_response(job.file.open("rb"), job.filename)
