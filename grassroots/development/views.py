"""Pages of 发展党员. Thin: parse → one selector or service → render.

Every page needs a login and shows only the organisations the caller reaches for party.view: another
organisation's development is 404, as is the whole app to a grid worker; a member who may only look (a party
group leader, township staff) gets 403 on the forms.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.access.scope import (
    access_area,
    access_organisation,
    access_person,
    refuse,
    require_organisation,
    scope_of,
)
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.core.days import asked_day
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.core.forms import add_service_errors, int_or_none, run_form_once
from grassroots.core.table_import import import_page, template_response
from grassroots.development import forms, selectors, services
from grassroots.development.models import Stage
from grassroots.meetings.models import Meeting
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules import development as rules


def day_of(request) -> date:
    """``?day=YYYY-MM-DD``, today when absent; an unreadable day is today, and the page says so."""
    return asked_day(request)[0]


def _require_view(user) -> None:
    """The app exists only for those who see some party organisation: 404 to anyone else (grid workers)."""
    if not selectors.sees_any(user):
        raise Http404("未找到")


def _require_record_somewhere(user) -> None:
    if not scope_of(user).paths(caps.RECORD):
        refuse(seen=bool(scope_of(user).paths(caps.VIEW)))


@dataclass
class Filters:
    day: date
    organisation: Organisation | None
    area: Area | None
    organisations: object  # the organisations asked for, or None for all the caller sees

    @property
    def query(self) -> str:
        """The same filters for a link (the exports)."""
        query = {"day": self.day.isoformat()}
        if self.organisation:
            query["organisation"] = self.organisation.pk
        if self.area:
            query["area"] = self.area.code
        return urlencode(query)

    def context(self) -> dict:
        return {"day": self.day, "organisation": self.organisation, "area": self.area, "query": self.query}


def _filters(request) -> Filters:
    """The day, the organisation asked for (404 when not the caller's) or ``?area=<code>`` (404 outside the
    caller's scope), and the organisations they cover."""
    _require_view(request.user)
    pk = int_or_none(request.GET.get("organisation"))
    organisation = access_organisation(request.user, pk=pk, capability=caps.VIEW) if pk else None
    code = request.GET.get("area", "").strip()
    # An area of one's own with no organisation (yet) lists nothing; an area outside one's scope is 404.
    area = access_area(request.user, code=code, capability=caps.VIEW, from_inside=True) if code else None
    organisations = selectors.organisations_in(request.user, organisation=organisation, area=area)
    return Filters(day=day_of(request), organisation=organisation, area=area,
                   organisations=organisations if organisation or area else None)


def _organisation_choices(user):
    return selectors.organisations_in(user).filter(kind__in=["branch", "general_branch", "committee"],
                                                   is_cloud_branch=False).order_by("path")


@login_required
@require_GET
def pipeline(request):
    f = _filters(request)
    rows = selectors.pipeline(request.user, day=f.day, organisations=f.organisations)
    return render(request, "development/pipeline.html", {
        **f.context(), "today": timezone.localdate(), "organisations": _organisation_choices(request.user),
        "stages": selectors.by_stage(rows), "due": selectors.due_list(rows), "rows": rows,
        "can_record": bool(scope_of(request.user).paths(caps.RECORD)),
    })


@login_required
@require_GET
def person(request, pk: int):
    _require_view(request.user)
    development = selectors.development_for(request.user, pk)
    today = timezone.localdate()
    row = selectors.row_of(development, today)
    return render(request, "development/person.html", {
        "d": development, "row": row, "steps": list(development.steps.all()), "today": today,
        "can_record": scope_of(request.user).can(caps.RECORD, development.organisation.path)
        or scope_of(request.user).can(caps.RECORD, development.organisation.area_path),
        "is_probationary": row.stage == Stage.PROBATIONARY, "may_stop": row.stage in (
            Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE),
    })


def _editable(request, pk: int):
    _require_view(request.user)
    development = selectors.development_for(request.user, pk)
    require_organisation(request.user, caps.RECORD, development.organisation, seen_with=caps.VIEW)
    return development


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    _require_view(request.user)
    _require_record_somewhere(request.user)
    organisations = selectors.organisations_in(request.user, capability=caps.RECORD).filter(
        kind__in=["branch", "general_branch", "committee"], is_cloud_branch=False).order_by("path")
    resident = None
    pk = int_or_none(request.POST.get("person") if request.method == "POST" else request.GET.get("person"))
    if pk:
        resident = access_person(request.user, pk=pk)
    if request.method == "GET":
        initial = {"person": resident.pk} if resident else {}
        form = forms.RegisterForm(organisations=organisations, initial=initial)
        return render(request, "development/register.html", {"form": form, "resident": resident})
    form = forms.RegisterForm(request.POST, organisations=organisations)
    if form.is_valid():
        d = form.cleaned_data

        def work() -> dict:
            development = services.register_applicant(
                actor=Actor.from_request(request), organisation=d["organisation"], applied_on=d["applied_on"],
                person=resident, name=d["name"], gender=d["gender"], birth_date=d["birth_date"])
            return {"id": development.pk}

        done = run_form_once(request, form, action="development.applicant.register", work=work)
        if done:
            messages.success(request, "已登记入党申请人，请在一个月内安排谈话")
            return redirect("development-person", pk=done.result["id"])
    return render(request, "development/register.html", {"form": form, "resident": resident}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def advance(request, pk: int):
    development = _editable(request, pk)
    meetings = Meeting.objects.filter(organisation=development.organisation).order_by("-held_on", "-id")
    row = selectors.row_of(development, timezone.localdate())
    context = {"d": development, "row": row}
    if request.method == "GET":
        initial = {"stage": row.next.stage, "decided_on": timezone.localdate()} if row.next else {}
        form = forms.AdvanceForm(meetings=meetings, initial=initial)
        return render(request, "development/advance.html", {**context, "form": form})
    form = forms.AdvanceForm(request.POST, meetings=meetings)
    if form.is_valid():
        d = form.cleaned_data

        def work() -> dict:
            step = services.advance(actor=Actor.from_request(request), development=development, stage=d["stage"],
                                    decided_on=d["decided_on"], meeting=d["meeting"], decided_by=d["decided_by"],
                                    note=d["note"])
            return {"id": development.pk, "stage": step.get_stage_display()}

        done = run_form_once(request, form, action="development.step.record", work=work)
        if done:
            messages.success(request, f"{development.name}：已记录为{done.result['stage']}")
            return redirect("development-person", pk=development.pk)
    return render(request, "development/advance.html", {**context, "form": form}, status=400)


def _small_form(request, pk: int, form_class, title: str, save):
    """The talk, extension and stop forms: one service call each, back to the person's page."""
    development = _editable(request, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = save(Actor.from_request(request), development, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("development-person", pk=development.pk)
    return render(request, "development/small_form.html", {"d": development, "form": form, "title": title},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def talk(request, pk: int):
    def save(actor, development, d):
        services.record_talk(actor=actor, development=development, talked_on=d["talked_on"],
                             talked_by=d["talked_by"])
        return "已记录入党谈话"
    return _small_form(request, pk, forms.TalkForm, "记录入党谈话", save)


@login_required
@require_http_methods(["GET", "POST"])
def extend(request, pk: int):
    def save(actor, development, d):
        services.extend_probation(actor=actor, development=development, months=d["months"],
                                  decided_on=d["decided_on"], decided_by=d["decided_by"])
        return f"已延长预备期{d['months']}个月"
    return _small_form(request, pk, forms.ExtendForm, "延长预备期", save)


@login_required
@require_http_methods(["GET", "POST"])
def stop(request, pk: int):
    def save(actor, development, d):
        services.stop(actor=actor, development=development, decided_on=d["decided_on"], reason=d["reason"],
                      decided_by=d["decided_by"])
        return "已终止培养"
    return _small_form(request, pk, forms.StopForm, "终止培养", save)


@login_required
@require_GET
@reads_from_replica
def reserve(request):
    f = _filters(request)
    rows = list(selectors.reserve_register(request.user, day=f.day, organisations=f.organisations))
    return render(request, "development/reserve.html", {
        **f.context(), "organisations": _organisation_choices(request.user), "rows": rows})


# ---------------------------------------------------------------- Excel


def _require_export(request, organisation) -> None:
    scope = scope_of(request.user)
    if organisation is not None:
        require_organisation(request.user, caps.EXPORT, organisation, seen_with=caps.VIEW)
    elif not scope.paths(caps.EXPORT):
        refuse(seen=True)


PIPELINE_HEADERS = ["党组织代码", "党组织", "姓名", "性别", "出生日期", "当日阶段", "进入该阶段日期", "递交申请日期",
                    "确定积极分子日期", "列为发展对象日期", "接收预备党员日期", "转正日期", "下一步", "最早日期",
                    "应办日期", "逾期事项"]


@login_required
@require_GET
@reads_from_replica
def pipeline_export(request):
    f = _filters(request)
    _require_export(request, f.organisation)
    day, rows = f.day, selectors.pipeline(request.user, day=f.day, organisations=f.organisations)

    def lines():
        for r in rows:
            d = r.development
            steps = {s.stage: s.decided_on for s in d.steps.all() if s.decided_on <= day}
            yield [d.organisation.code or "", d.organisation.name, d.name, d.get_gender_display(), d.birth_date,
                   rules.LABELS[r.stage], r.since, steps.get(Stage.APPLICANT), steps.get(Stage.ACTIVIST),
                   steps.get(Stage.CANDIDATE), steps.get(Stage.PROBATIONARY), steps.get(Stage.FULL),
                   r.next.label if r.next else "", r.next.earliest if r.next else None,
                   r.next.due if r.next else None, "；".join(f"{o.label}（{o.due} 到期）" for o in r.overdue)]
    return xlsx_response(f"发展党员名册_{day}.xlsx", PIPELINE_HEADERS, lines(), title="发展党员")


RESERVE_HEADERS = ["党组织代码", "党组织", "姓名", "性别", "出生日期", "当日类别", "确定日期", "递交申请日期"]


@login_required
@require_GET
@reads_from_replica
def reserve_export(request):
    f = _filters(request)
    _require_export(request, f.organisation)
    day, rows = f.day, selectors.reserve_register(request.user, day=f.day, organisations=f.organisations)
    lines = ([d.organisation.code or "", d.organisation.name, d.name, d.get_gender_display(), d.birth_date,
              rules.LABELS[d.stage_on], d.stage_since, d.applied_on] for d in rows)
    return xlsx_response(f"发展党员人选储备名册_{day}.xlsx", RESERVE_HEADERS, lines, title="人选储备")


@login_required
@require_http_methods(["GET", "POST"])
def import_developments(request):
    _require_view(request.user)
    _require_record_somewhere(request.user)
    return import_page(
        request, template="development/import.html",
        context={"columns": [c.header for c in services.IMPORT_COLUMNS],
                 "template_url": reverse("development-import-template")},
        run=lambda upload: services.import_developments(actor=Actor.from_request(request), upload=upload),
        done=lambda count: (f"已导入 {count} 行", reverse("development-pipeline")))


@login_required
@require_GET
def import_template(request):
    _require_view(request.user)
    return template_response("发展党员导入模板.xlsx", services.IMPORT_COLUMNS,
                             ["WNT-150426100201", "张三", "男", "1998-05-04", "2024-03-01", "2024-06-01", "", "", ""])
