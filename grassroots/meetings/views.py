"""The meetings pages (phone first): an organisation's meetings, the record form, one meeting, the compliance
view, and the Excel export and import. Thin: parse, call a selector or a service, render."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import (
    access_area,
    access_organisation,
    access_scoped,
    reaches_organisation,
    refuse,
    require_organisation,
    scope_of,
)
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.core.days import asked_day
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.core.forms import add_service_errors, run_form_once
from grassroots.core.photos import check_photos
from grassroots.core.table_import import import_page, template_response
from grassroots.meetings import forms, selectors, services
from grassroots.meetings.models import Kind, MeetingPhoto
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules import meetings as rules

PAGE_SIZE = 30
CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def _day(request, name: str = "day") -> date:
    return asked_day(request, name)[0]


def _year(request, today: date) -> int:
    text = request.GET.get("year", "").strip()
    return int(text) if text.isascii() and text.isdecimal() and 2000 <= int(text) <= 2100 else today.year


def default_area(user) -> Area | None:
    """Where the compliance view opens: the outermost area the caller looks at the registers from (for an
    organisation secretary, the area their organisation sits in)."""
    paths = scope_of(user).paths(caps.VIEW)
    if not paths:
        return None
    if paths == [""]:
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    area = Area.objects.filter(path__in=paths).order_by("path").first()
    if area is not None:
        return area
    organisation = Organisation.objects.filter(path__in=paths).select_related("area").order_by("path").first()
    return organisation.area if organisation else None


def _area(request) -> Area:
    code = request.GET.get("area", "").strip()
    if code:
        # from_inside: an organisation secretary, whose role sits on an organisation inside the area, opens it too;
        # the selector shows them only their own organisations.
        return access_area(request.user, code=code, capability=caps.VIEW, from_inside=True)
    area = default_area(request.user)
    if area is None:
        refuse(seen=False)
    return area


def _refuse_without(user, capability: str) -> None:
    """For a page with no organisation yet: 403 to one who sees the registers but lacks ``capability``, 404 to
    anyone else (a grid worker sees residents but never the party registers)."""
    scope = scope_of(user)
    if not scope.paths(capability):
        refuse(seen=bool(scope.paths(caps.VIEW)))


# ---------------------------------------------------------------------------------------------------------
# An organisation's meetings, the record form, one meeting
# ---------------------------------------------------------------------------------------------------------

@login_required
@require_GET
def home(request):
    return redirect("meetings-compliance")


@login_required
@require_GET
def meetings_list(request, pk: int):
    organisation = access_organisation(request.user, pk=pk, capability=caps.VIEW)
    page = Paginator(selectors.meetings(request.user, organisation=organisation), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "meetings/list.html", {
        "organisation": organisation, "page": page,
        "may_record": reaches_organisation(request.user, caps.RECORD, organisation)
        and not organisation.is_cloud_branch,
        "may_export": reaches_organisation(request.user, caps.EXPORT, organisation),
    })


def _roll(organisation: Organisation, day: date, posted: dict):
    """(member, is mobile that day, status shown, remote shown) for each member on ``day``: what was posted, else
    出席 (the secretary marks who was away)."""
    members = list(services.members_on(organisation, day))
    mobile = services.mobile_on([m.pk for m in members], day)
    shown = [(m, m.pk in mobile, posted.get(m.pk)) for m in members]
    return [(m, is_mobile, line.status if line else services.Status.PRESENT, bool(line and line.remote))
            for m, is_mobile, line in shown]


@login_required
@require_http_methods(["GET", "POST"])
def record(request, pk: int):
    organisation = access_organisation(request.user, pk=pk, capability=caps.VIEW)
    require_organisation(request.user, caps.RECORD, organisation, seen_with=caps.VIEW)
    if request.method == "GET":
        form = forms.MeetingForm(organisation=organisation, initial={"held_on": _day(request, "held_on")})
        roll_day, posted = form.initial["held_on"], {}
    else:
        form = forms.MeetingForm(request.POST, files=request.FILES, organisation=organisation)
        posted = {line.member_id: line for line in forms.attendance_lines(request.POST)}
        roll_day = form.cleaned_data.get("held_on") if form.is_valid() else None
        if form.is_valid():
            data = form.cleaned_data

            def work() -> dict:
                meeting = services.record_meeting(
                    actor=Actor.from_request(request), organisation=organisation, kind=data["kind"],
                    held_on=data["held_on"], place=data["place"], topic=data["topic"], minutes=data["minutes"],
                    attendance=list(posted.values()), photos=data["photos"])
                return {"meeting": meeting.pk}

            done = run_form_once(request, form, action="meetings.meeting.record", work=work)
            if done:
                if not done.replayed:
                    messages.success(request, "会议已登记")
                return redirect("meetings-meeting", pk=done.result["meeting"])
        roll_day = roll_day or timezone.localdate()
    return render(request, "meetings/record.html", {
        "organisation": organisation, "form": form, "roll": _roll(organisation, roll_day, posted), "roll_day": roll_day,
        "statuses": services.Status.choices,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def meeting_detail(request, pk: int):
    meeting = selectors.meeting(request.user, pk)
    return _detail(request, meeting)


def _detail(request, meeting, *, minutes_form=None, correction_errors=None, status: int = 200):
    may_record = reaches_organisation(request.user, caps.RECORD, meeting.organisation)
    return render(request, "meetings/detail.html", {
        "meeting": meeting, "attendance": list(meeting.attendance.all()), "photos": list(meeting.photos.all()),
        "mobile": selectors.mobile_member_ids(meeting) if may_record else set(), "may_record": may_record,
        "minutes_form": minutes_form or forms.MinutesForm(), "correction_errors": correction_errors or [],
        "statuses": services.Status.choices,
    }, status=status)


@login_required
@require_POST
def add_minutes(request, pk: int):
    meeting = selectors.meeting(request.user, pk)
    require_organisation(request.user, caps.RECORD, meeting.organisation, seen_with=caps.VIEW)
    form = forms.MinutesForm(request.POST)
    if form.is_valid():
        try:
            services.add_minutes(actor=Actor.from_request(request), meeting=meeting,
                                 minutes=form.cleaned_data["minutes"],
                                 photos=check_photos(request.FILES.getlist("photos"), label="照片"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "会议记录已补充")
            return redirect("meetings-meeting", pk=meeting.pk)
    return _detail(request, selectors.meeting(request.user, pk), minutes_form=form, status=400)


@login_required
@require_POST
def correct_attendance(request, pk: int):
    meeting = selectors.meeting(request.user, pk)
    require_organisation(request.user, caps.RECORD, meeting.organisation, seen_with=caps.VIEW)
    current = {a.member_id: a for a in meeting.attendance.all()}
    changed = [line for line in forms.attendance_lines(request.POST, set(current))
               if (line.status, line.remote) != (current[line.member_id].status, current[line.member_id].remote)]
    try:
        if changed:
            services.correct_attendance(actor=Actor.from_request(request), meeting=meeting, attendance=changed)
    except ValidationError as exc:
        return _detail(request, selectors.meeting(request.user, pk), correction_errors=exc.messages, status=400)
    messages.success(request, f"已更正 {len(changed)} 人的出席情况" if changed else "出席情况没有变化")
    return redirect("meetings-meeting", pk=meeting.pk)


@login_required
@require_GET
def meeting_photo(request, pk: int, photo_pk: int):
    meeting = selectors.meeting(request.user, pk)
    photo = access_scoped(MeetingPhoto.objects.all(), meeting=meeting, pk=photo_pk)
    extension = photo.image.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(photo.image.open("rb"), content_type=CONTENT_TYPES.get(extension, "image/jpeg"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------------------------
# Compliance
# ---------------------------------------------------------------------------------------------------------

def _compliance(request):
    area = _area(request)
    today = _day(request)
    return selectors.compliance(request.user, area=area, year=_year(request, today), today=today)


@login_required
@require_GET
@reads_from_replica
def compliance(request):
    report = _compliance(request)
    # Drill down: the child areas' counts first; for a village (or a child area holding few organisations) each
    # organisation's kinds × periods.
    detailed = len(report.organisations) <= 12 or request.GET.get("detail") == "1"
    return render(request, "meetings/compliance.html", {
        "report": report, "detailed": detailed,
        # The way up only for a caller who may open the area above (a village secretary may not).
        "can_export": scope_of(request.user).reaches(caps.EXPORT, report.area.path),
        "parent_visible": bool(report.area.parent) and scope_of(request.user).can(caps.VIEW, report.area.parent.path),
        "day": request.GET.get("day", ""), "years": range(report.today.year - 2, report.today.year + 1),
    })


@login_required
@require_GET
@reads_from_replica
def compliance_xlsx(request):
    report = _compliance(request)
    refuse_unless_export(request.user, report.area)
    months = [f"{n}月" for n in range(1, 13)]
    rows = []
    for area_row in report.areas:
        for row in area_row.organisations:
            for kind in row.kinds:
                by_month = {}
                for cell in kind.cells:
                    for month in range(cell.period.start.month, cell.period.end.month + 1):
                        by_month[month] = cell.label
                rows.append([area_row.area.name, row.organisation.code or "", row.organisation.name, kind.label,
                             "每月" if kind.frequency == rules.MONTH else "每季度",
                             *[by_month[m] for m in range(1, 13)],
                             kind.totals["held"], kind.totals["due"], kind.totals["overdue"]])
    return xlsx_response(f"三会一课落实情况-{report.area.name}-{report.year}.xlsx",
                         ["区域", "党组织代码", "党组织", "类型", "频次", *months, "已开", "待开", "逾期未开"], rows,
                         title="落实情况")


def refuse_unless_export(user, area: Area) -> None:
    if not scope_of(user).reaches(caps.EXPORT, area.path):
        refuse(seen=True)


# ---------------------------------------------------------------------------------------------------------
# Excel: meetings export and import
# ---------------------------------------------------------------------------------------------------------

@login_required
@require_GET
def export_xlsx(request, pk: int):
    organisation = access_organisation(request.user, pk=pk, capability=caps.VIEW)
    require_organisation(request.user, caps.EXPORT, organisation, seen_with=caps.VIEW)
    year = _year(request, timezone.localdate())
    rows = [[m.organisation.code or "", m.get_kind_display(), m.held_on, m.place, m.topic, *names, m.minutes]
            for m, names in selectors.export_rows(request.user, organisation=organisation, year=year)]
    return xlsx_response(f"组织生活-{organisation.name}-{year}.xlsx",
                         [c.header for c in services.IMPORT_COLUMNS] + ["会议记录"], rows, title="组织生活")


@login_required
@require_http_methods(["GET", "POST"])
def import_meetings(request):
    _refuse_without(request.user, caps.RECORD)
    if request.GET.get("template"):
        return template_response("组织生活导入模板.xlsx", services.IMPORT_COLUMNS, services.IMPORT_EXAMPLE)
    return import_page(
        request, template="meetings/import.html",
        context={"columns": services.IMPORT_COLUMNS, "kinds": [label for _, label in Kind.choices]},
        run=lambda upload: services.import_meetings(actor=Actor.from_request(request), upload=upload),
        done=lambda count: (f"已导入 {count} 次会议", reverse("meetings-import")))
