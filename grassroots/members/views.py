"""Pages of the member registers under /party/members/. Thin: parse → one selector or service → render.

Every page shows members, so every page is scoped (party.capabilities): a caller with no party role at all (a grid
worker, a cashier) gets 404 as if the page did not exist; an organisation or member outside the caller's reach is
404; a write by someone who may only look is 403. Names are shown in full to whoever may see the register;
phone numbers only where the caller holds RECORD on the member's organisation.
"""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
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
    visible_organisations,
)
from grassroots.audit.context import Actor
from grassroots.core.days import asked_day
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.core.forms import add_service_errors, int_or_none, run_form_once
from grassroots.core.table_import import import_page, template_response
from grassroots.members import forms, selectors, services
from grassroots.members.models import Member, Membership, Post
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules.membership import out_of_touch
from grassroots.volunteers.selectors import home_reports_with_hours

PER_PAGE = 100
DEFAULT_MONTHS = selectors.NOT_REACHED_MONTHS


# ---------------------------------------------------------------- helpers


def _need(user, capability: str = caps.VIEW) -> None:
    """404 to a caller holding no party role at all; 403 to one who may look but lacks ``capability``."""
    scope = scope_of(user)
    if not scope.paths(capability):
        refuse(seen=bool(scope.paths(caps.VIEW)))


def _day(request) -> date:
    day, problem = asked_day(request, say=False)
    if problem:
        raise ValidationError({"day": problem})
    return day


def _where(request):
    """The organisation (``?organisation=<id>``) or area (``?area=<code>``) the caller asked for, scoped."""
    organisation = area = None
    org_id = int_or_none(request.GET.get("organisation"))
    if request.GET.get("organisation") and org_id is None:
        raise Http404
    if org_id is not None:
        organisation = access_organisation(request.user, pk=org_id, capability=caps.VIEW)
    code = (request.GET.get("area") or "").strip()
    if code:
        area = access_area(request.user, code=code, capability=caps.VIEW)
    return organisation, area


def _may_record(user, organisation: Organisation) -> bool:
    return reaches_organisation(user, caps.RECORD, organisation)


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _areas(user):
    """Townships (and the county) the caller sees organisations in, for the area picker."""
    organisations = selectors.organisations_for(user).filter(kind=Organisation.Kind.COMMITTEE, host="area")
    return [(o.area.code, o.area.name) for o in organisations.select_related("area")]


# ---------------------------------------------------------------- the register


@login_required
@require_GET
def register(request):
    _need(request.user)
    try:
        day = _day(request)
    except ValidationError as e:
        messages.error(request, e.messages[0])
        day = timezone.localdate()
    organisation, area = _where(request)
    rows = selectors.register_on(request.user, day=day, area=area, organisation=organisation)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for membership in page.object_list:
        membership.show_mobile = _may_record(request.user, membership.organisation)
    posts = list(selectors.posts_on(organisation, day)) if organisation else []
    post_form = None
    if organisation is not None and _may_record(request.user, organisation):
        post_form = forms.PostForm(members=_members_of(organisation, day))
    return render(request, "members/register.html", {
        "day": day, "organisation": organisation, "area": area, "page": page, "posts": posts,
        "organisations": selectors.organisations_for(request.user).only("pk", "name", "code", "path"),
        "areas": _areas(request.user), "post_form": post_form,
        "query": _query(organisation=organisation.pk if organisation else None, area=area.code if area else None,
                        day=day.isoformat()),
        "may_export": bool(scope_of(request.user).paths(caps.EXPORT)),
        "may_import": bool(scope_of(request.user).paths(caps.MANAGE)),
    })


def _members_of(organisation: Organisation, day: date):
    """Members who could sit on ``organisation``'s committee: its own and those of the branch above a 党小组."""
    base = organisation.parent if organisation.kind == Organisation.Kind.GROUP and organisation.parent else organisation
    return Member.objects.filter(pk__in=Membership.objects.filter(
        selectors.on_day(day), organisation__path__startswith=base.path).values("member_id")).order_by("name")


@login_required
@require_GET
@reads_from_replica
def register_xlsx(request):
    _need(request.user, caps.EXPORT)
    day = _day_or_404(request)
    organisation, area = _where(request)
    rows = selectors.export_register(request.user, day=day, area=area, organisation=organisation)
    mobile_ids = set(selectors.mobile_members(request.user, day=day).values_list("member_id", flat=True))
    headers = ["党组织", "姓名", "性别", "出生日期", "入党日期", "转正日期", "党员类别", "组织关系转入日期", "流动党员", "手机号"]

    def lines():
        for m in rows.iterator(chunk_size=1000):
            member = m.member
            standing = member.standing_on(day)
            yield [m.organisation.name, member.name, member.get_gender_display(), member.birth_date, member.joined_on,
                   member.full_on if standing == "full" else None, "正式" if standing == "full" else "预备",
                   m.started_on, "是" if member.pk in mobile_ids else "否",
                   member.mobile if _may_record(request.user, m.organisation) else ""]

    return xlsx_response(f"党员名册-{day.isoformat()}.xlsx", headers, lines(), title="党员名册")


def _day_or_404(request) -> date:
    try:
        return _day(request)
    except ValidationError:
        raise Http404 from None


# ---------------------------------------------------------------- import


@login_required
@require_http_methods(["GET", "POST"])
def register_import(request):
    _need(request.user, caps.MANAGE)
    return import_page(
        request, template="members/import.html", label="党员名册（Excel .xlsx）",
        context={"columns": services.REGISTER_COLUMNS},
        run=lambda upload: services.import_register(actor=Actor.from_request(request), upload=upload),
        done=lambda admitted: (f"已导入 {len(admitted)} 名党员", reverse("members-register")))


@login_required
@require_GET
def register_import_template(request):
    _need(request.user, caps.MANAGE)
    return template_response("党员名册导入模板.xlsx", services.REGISTER_COLUMNS,
                             ["WNT-S001", "张三", "男", "1980-05-01", "蒙古族", "13904760000", "2005-07-01",
                              "2006-07-01", "2010-01-01", ""])


# ---------------------------------------------------------------- one member


def _member_page(request, member: Member, *, end_form=None, mobile_form=None, status: int = 200):
    membership = selectors.current_membership(member)
    home = membership.organisation if membership else None
    may_record = home is not None and _may_record(request.user, home)
    may_manage = home is not None and reaches_organisation(request.user, caps.MANAGE, home)
    history = selectors.history(member)
    open_spell = next((s for s in history.mobile_spells if s.returned_on is None), None)
    if may_record and open_spell is None and mobile_form is None:
        mobile_form = forms.MobileForm()
    return render(request, "members/member.html", {
        "member": member, "membership": membership, "history": history, "open_spell": open_spell,
        "standing": member.standing_on(timezone.localdate()),
        "may_record": may_record, "may_manage": may_manage,
        "end_form": end_form or (forms.EndMembershipForm() if may_manage else None),
        "mobile_form": mobile_form if may_record and open_spell is None else None,
    }, status=status)


@login_required
@require_GET
def member_detail(request, pk: int):
    _need(request.user)
    return _member_page(request, selectors.member_for(request.user, pk))


def _member_at_home(request, pk: int, capability: str) -> tuple[Member, Membership]:
    """A member the caller sees, with their open membership, for a write that needs ``capability`` there."""
    _need(request.user)
    member = selectors.member_for(request.user, pk)
    membership = selectors.current_membership(member)
    if membership is None:
        raise Http404
    require_organisation(request.user, capability, membership.organisation, seen_with=caps.VIEW)
    return member, membership


@login_required
@require_POST
def member_end(request, pk: int):
    member, _ = _member_at_home(request, pk, caps.MANAGE)
    form = forms.EndMembershipForm(request.POST)
    if form.is_valid():
        try:
            services.end_membership(actor=Actor.from_request(request), member=member, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"{member.name}的组织关系已终止")
            return redirect("members-member", pk=member.pk)
    return _member_page(request, member, end_form=form, status=422)


@login_required
@require_POST
def member_mobile(request, pk: int):
    member, _ = _member_at_home(request, pk, caps.RECORD)
    form = forms.MobileForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "idempotency_key"}

        def work():
            spell = services.register_mobile(actor=Actor.from_request(request), member=member, **data)
            return {"mobile": spell.pk}

        if run_form_once(request, form, action="members.mobile.register", work=work) is not None:
            messages.success(request, f"{member.name}已登记为流动党员")
            return redirect("members-member", pk=member.pk)
    return _member_page(request, member, mobile_form=form, status=422)


# ---------------------------------------------------------------- posts


@login_required
@require_POST
def post_appoint(request, organisation_id: int):
    _need(request.user)
    organisation = access_organisation(request.user, pk=organisation_id, capability=caps.VIEW)
    require_organisation(request.user, caps.RECORD, organisation, seen_with=caps.VIEW)
    form = forms.PostForm(request.POST, members=_members_of(organisation, timezone.localdate()))
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "idempotency_key"}

        def work():
            return {"post": services.appoint_post(actor=Actor.from_request(request), organisation=organisation,
                                                  **data).pk}

        if run_form_once(request, form, action="members.post.appoint", work=work) is not None:
            messages.success(request, "已记录任职")
    for errors in form.errors.values():
        messages.error(request, "；".join(errors))
    return redirect(reverse("members-register") + "?" + _query(organisation=organisation.pk))


@login_required
@require_POST
def post_end(request, pk: int):
    _need(request.user)
    post = access_scoped(
        visible_organisations(request.user, Post.objects.select_related("organisation", "member"),
                                        caps.VIEW, via="organisation__"), pk=pk)
    require_organisation(request.user, caps.RECORD, post.organisation, seen_with=caps.VIEW)
    form = forms.EndPostForm(request.POST)
    if form.is_valid():
        try:
            services.end_post(actor=Actor.from_request(request), post=post, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
        else:
            messages.success(request, f"{post.member.name}已离任")
    else:
        messages.error(request, "请填写离任日期")
    return redirect(reverse("members-register") + "?" + _query(organisation=post.organisation_id))


# ---------------------------------------------------------------- transfers


def _send_form(request, data=None):
    record_orgs = selectors.organisations_for(request.user, caps.RECORD)
    members = Member.objects.filter(pk__in=Membership.objects.filter(
        ended_on__isnull=True, organisation__in=record_orgs).values("member_id")).order_by("name")
    receivers = Organisation.objects.filter(is_cloud_branch=False, dissolved_on__isnull=True).order_by("path")
    initial = {}
    member_id = int_or_none(request.GET.get("member"))
    if member_id is not None:
        initial["member"] = member_id
    return forms.SendTransferForm(data, members=members, receivers=receivers, initial=initial)


def _transfers_page(request, *, form=None, status: int = 200):
    pending = selectors.pending_transfers(request.user)
    for t in pending.incoming:
        t.may_receive = _may_record(request.user, t.to_organisation)
    for t in pending.outgoing:
        t.may_withdraw = _may_record(request.user, t.from_organisation)
    may_send = bool(scope_of(request.user).paths(caps.RECORD))
    return render(request, "members/transfers.html", {
        "pending": pending, "form": form or (_send_form(request) if may_send else None),
        "today": timezone.localdate(),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def transfers(request):
    _need(request.user)
    if request.method == "GET":
        return _transfers_page(request)
    _need(request.user, caps.RECORD)
    form = _send_form(request, request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "idempotency_key"}
        member = data["member"]

        def work():
            return {"transfer": services.send_transfer(actor=Actor.from_request(request), **data).pk}

        if run_form_once(request, form, action="members.transfer.send", work=work) is not None:
            messages.success(request, f"{member.name}的组织关系已转出，待对方接收")
            return redirect("members-transfers")
    return _transfers_page(request, form=form, status=422)


def _transfer_action(request, pk: int, act):
    _need(request.user)
    transfer = selectors.transfer_for(request.user, pk)
    try:
        act(transfer)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("members-transfers")


@login_required
@require_POST
def transfer_receive(request, pk: int):
    form = forms.ReceiveForm(request.POST)

    def act(transfer):
        if not form.is_valid():
            raise ValidationError("请填写接收日期")
        services.receive_transfer(actor=Actor.from_request(request), transfer=transfer,
                                  received_on=form.cleaned_data["received_on"])
        messages.success(request, f"已接收{transfer.member.name}的组织关系" if transfer.to_organisation_id
                         else f"已登记{transfer.member.name}的转接回执")

    return _transfer_action(request, pk, act)


@login_required
@require_POST
def transfer_withdraw(request, pk: int):
    def act(transfer):
        services.withdraw_transfer(actor=Actor.from_request(request), transfer=transfer)
        messages.success(request, f"已撤回{transfer.member.name}的转接")

    return _transfer_action(request, pk, act)


# ---------------------------------------------------------------- mobile members


def _months(request) -> int | None:
    value = request.GET.get("months")
    if value is None:
        return None
    months = int_or_none(value)
    return months if months is not None and months <= 120 else DEFAULT_MONTHS


@login_required
@require_GET
def mobile(request):
    _need(request.user)
    day = timezone.localdate()
    months = _months(request)
    rows = list(selectors.mobile_members(request.user, day=day, months=months))
    for m in rows:
        m.may_record = _may_record_paths(request.user, m.home_path, m.home_area_path)
        m.late = out_of_touch(last_contact=m.last_contact, since=m.since, day=day, months=months or DEFAULT_MONTHS)
    return render(request, "members/mobile.html", {
        "rows": rows, "months": months, "default_months": DEFAULT_MONTHS, "day": day,
        "contact_form": forms.ContactForm(),
    })


def _may_record_paths(user, path: str, area_path: str) -> bool:
    """``reaches_organisation`` for an organisation known by its two paths (an annotated row)."""
    scope = scope_of(user)
    return scope.can(caps.RECORD, path) or scope.can(caps.RECORD, area_path)


@login_required
@require_GET
@reads_from_replica
def mobile_xlsx(request):
    _need(request.user, caps.EXPORT)
    day = timezone.localdate()
    rows = selectors.mobile_members(request.user, day=day)
    headers = ["党组织", "姓名", "流入地", "外出日期", "联系方式", "云支部", "结对党员", "最近联系日期"]
    return xlsx_response(f"流动党员-{day.isoformat()}.xlsx", headers, (
        [m.home_name, m.member.name, m.place, m.since, m.contact, m.cloud_branch.name if m.cloud_branch else "",
         m.partner_name or "", m.last_contact] for m in rows), title="流动党员")


@login_required
@require_POST
def mobile_contact(request, pk: int):
    _need(request.user)
    spell = selectors.mobile_for(request.user, pk)
    home = selectors.current_membership(spell.member).organisation
    require_organisation(request.user, caps.RECORD, home, seen_with=caps.VIEW)
    form = forms.ContactForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "idempotency_key"}

        def work():
            return {"contact": services.record_contact(actor=Actor.from_request(request), mobile=spell, **data).pk}

        if run_form_once(request, form, action="members.mobile.contact", work=work) is not None:
            messages.success(request, f"已记录与{spell.member.name}的联系")
            return redirect("members-mobile")
    messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("members-mobile")


# ---------------------------------------------------------------- home reports


@login_required
@require_GET
def home_reports(request):
    _need(request.user)
    day = _day_or_404(request)
    rows = home_reports_with_hours(selectors.home_reports(request.user, day=day))  # hand-recorded + confirmed
    by_community: dict[int, dict] = {}
    by_unit: dict[str, dict] = {}
    for r in rows:
        r.may_record = _may_record(request.user, r.organisation)
        group = by_community.setdefault(r.organisation_id, {"name": r.organisation.name, "rows": [], "hours": 0})
        group["rows"].append(r)
        group["hours"] += r.total_hours
        unit = by_unit.setdefault(r.unit_name or "—", {"name": r.unit_name or "—", "count": 0, "hours": 0})
        unit["count"] += 1
        unit["hours"] += r.total_hours
    return render(request, "members/home_reports.html", {
        "day": day, "communities": list(by_community.values()),
        "units": sorted(by_unit.values(), key=lambda u: u["name"]), "hours_form": forms.HoursForm(),
    })


@login_required
@require_POST
def home_report_hours(request, pk: int):
    _need(request.user)
    report = access_scoped(selectors.home_reports(request.user, day=timezone.localdate()), pk=pk)
    form = forms.HoursForm(request.POST)
    if form.is_valid():
        def work():
            services.add_home_report_hours(actor=Actor.from_request(request), report=report,
                                           hours=form.cleaned_data["hours"])
            return {"report": report.pk}

        if run_form_once(request, form, action="members.home_report.hours", work=work) is not None:
            messages.success(request, f"已为{report.member.name}记录服务时长")
            return redirect("members-home-reports")
    messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("members-home-reports")
