"""Quarterly settlements, the annual summary with its exports and certificates, year close, the village's
policy, credit consent and the credit look-up."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import (
    access_area,
    access_object,
    access_village,
    refuse_without,
    require,
    scope_of,
    visible,
)
from grassroots.areas import selectors as area_selectors
from grassroots.areas.models import Area, Level, Person
from grassroots.audit.context import Actor
from grassroots.core.db_router import reads_from_replica
from grassroots.core.forms import add_service_errors, int_or_none, run_form_once
from grassroots.demands.models import Unit
from grassroots.points import capabilities as caps
from grassroots.points.pages import area_from_request, village_from_request
from grassroots.points.pages import render_page as _render
from grassroots.rules.masking import mask_name
from grassroots.rules.settlement import fen_for, quarter_label, yuan_text
from grassroots.settlement import documents, forms, selectors, services
from grassroots.settlement.models import CreditConsent, Settlement, SettlementStatus, YearClose, YearEnd

MAX_VILLAGE_LINKS = 20


def _actor(request) -> Actor:
    return Actor.from_request(request)



def _year_or_404(year: int) -> int:
    if not 2000 <= year <= timezone.localdate().year:
        raise Http404("没有这一年度")
    return year


def _head_name(line) -> str:
    return line.head.name if getattr(line, "head", None) else "—"




def _settle_villages(user) -> list[Area]:
    """The villages where the caller may compute a settlement (committee members, secretaries)."""
    return list(visible(user, Area.objects.filter(level=Level.VILLAGE), caps.SETTLE).order_by("code")[:200])


def _list_filter(request) -> tuple[Area | None, str, str]:
    """The list's ``?area=CODE`` (404 outside the caller's scope) and ``?status=`` (draft|published|superseded),
    and the error for any other status."""
    area = area_from_request(request)
    state = (request.GET.get("status") or "").strip()
    if state and state not in SettlementStatus.values:
        return area, "", f"状态（status）只能是 draft、published 或 superseded，收到“{state[:20]}”"
    return area, state, ""


def _settlements_page(request, *, form=None, status=200):
    user = request.user
    area, state, error = _list_filter(request)
    villages = _settle_villages(user)
    viewable = list(visible(user, Area.objects.filter(level=Level.VILLAGE), caps.VIEW)
                    .order_by("code")[:MAX_VILLAGE_LINKS + 1])
    if form is None and villages:
        current = village_from_request(request)
        form = forms.ComputeForm(villages=villages, initial={"village": current.pk} if current in villages else {})
    return _render(request, "settlement/list.html", {
        "settlements": selectors.settlements_for(user, within=area, status=state), "form": form,
        "villages": viewable[:MAX_VILLAGE_LINKS], "more_villages": len(viewable) > MAX_VILLAGE_LINKS,
        "year": timezone.localdate().year, "area": area, "state": state and SettlementStatus(state).label,
        "filter_error": error,
    }, status=400 if error else status)


@login_required
@require_http_methods(["GET", "POST"])
def settlements(request):
    user = request.user
    refuse_without(user, caps.VIEW)
    if request.method == "GET":
        return _settlements_page(request)
    villages = _settle_villages(user)
    posted = int_or_none(request.POST.get("village"))
    if posted is not None and posted not in {v.pk for v in villages}:
        # Another village: 404 if it is not the caller's, 403 if they may only look at it.
        other = access_area(user, pk=posted)
        require(user, caps.SETTLE, other.path)
    if not villages:
        raise PermissionDenied("您没有季度评议的权限")
    form = forms.ComputeForm(request.POST, villages=villages)
    if form.is_valid():
        d = form.cleaned_data
        village = next(v for v in villages if v.pk == d["village"])

        def work():
            existing = Settlement.objects.filter(village=village, year=d["year"], quarter=d["quarter"]).exists()
            settlement = services.compute_settlement(actor=_actor(request), village=village, year=d["year"],
                                                     quarter=d["quarter"])
            return {"settlement": settlement.pk, "existing": existing}

        done = run_form_once(request, form, action="points.settlement.compute", work=work)
        if done:
            result = done.result
            label = quarter_label(d["year"], d["quarter"])
            if result["existing"]:
                messages.info(request, f"{village.name}{label}已有评议结果，未重复计算")
            else:
                messages.success(request, f"已计算{village.name}{label}评议结果（待公布），请核对后审核公布")
            return redirect("points-settlement", pk=result["settlement"])
    return _settlements_page(request, form=form, status=400)


def _changes(settlement, lines) -> list[dict]:
    """A correction draft against the revision it corrects: each household's old and new credit."""
    old_lines = selectors.settlement_lines(settlement.supersedes)
    old = {line.household_id: line for line in old_lines}
    new = {line.household_id: line for line in lines}
    rows = []
    for household_id in old.keys() | new.keys():
        line = new.get(household_id) or old[household_id]
        before = old[household_id].credit if household_id in old else 0
        after = new[household_id].credit if household_id in new else 0
        rows.append({"number": line.household.number, "head": _head_name(line), "old": before, "new": after,
                     "changed": before != after})
    rows.sort(key=lambda r: (not r["changed"], r["number"]))
    return rows


def _newer(settlement):
    try:
        return settlement.superseded_by
    except ObjectDoesNotExist:
        return None


def _settlement_page(request, settlement, *, correct_form=None, status=200):
    lines = selectors.settlement_lines(settlement)
    for line in lines:
        line.yuan = yuan_text(line.fen)
    can_settle = scope_of(request.user).can(caps.SETTLE, settlement.path)
    changes = _changes(settlement, lines) if settlement.supersedes_id else None
    return _render(request, "settlement/detail.html", {
        "s": settlement, "label": quarter_label(settlement.year, settlement.quarter), "lines": lines,
        "yuan_total": yuan_text(fen_for(settlement.credit_total, settlement.points_per_yuan)),
        "below": selectors.households_below_threshold(settlement, lines), "can_settle": can_settle,
        "newer": _newer(settlement),
        "changes": changes, "changed": sum(1 for c in changes if c["changed"]) if changes else 0,
        "action_form": forms.ActionForm(), "correct_form": correct_form or forms.CorrectForm(),
        "open_correct": correct_form is not None,
    }, status=status)


@login_required
@require_GET
def settlement(request, pk: int):
    return _settlement_page(request, selectors.settlement_for(request.user, pk))


def _settlement_to_act_on(request, pk: int):
    found = selectors.settlement_for(request.user, pk)
    require(request.user, caps.SETTLE, found.path)
    return found


@login_required
@require_POST
def settlement_recompute(request, pk: int):
    found = _settlement_to_act_on(request, pk)
    form = forms.ActionForm(request.POST)
    if form.is_valid():
        def work():
            done = services.recompute_settlement(actor=_actor(request), settlement=found)
            return {"households": done.households, "credit": done.credit_total}

        done = run_form_once(request, form, action="points.settlement.recompute", work=work)
        if done:
            result = done.result
            messages.success(request, f"已按台账重新计算：{result['households']}户可兑换，合计{result['credit']}分")
            return redirect("points-settlement", pk=found.pk)
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect("points-settlement", pk=found.pk)


@login_required
@require_http_methods(["GET", "POST"])
def settlement_publish(request, pk: int):
    """审核公布 with a confirmation step that names what will be granted."""
    found = _settlement_to_act_on(request, pk)
    form = forms.ActionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        def work():
            done = services.publish_settlement(actor=_actor(request), settlement=found)
            return {"settlement": done.pk, "households": done.households, "credit": done.credit_total}

        done = run_form_once(request, form, action="points.settlement.publish", work=work)
        if done:
            result = done.result
            messages.success(request, f"已公布：{result['households']}户可兑换，合计{result['credit']}分")
            return redirect("points-settlement", pk=result["settlement"])
    lines = selectors.settlement_lines(found) if found.supersedes_id else []
    changes = _changes(found, lines) if found.supersedes_id else []
    return _render(request, "settlement/publish.html", {
        "s": found, "form": form, "label": quarter_label(found.year, found.quarter),
        "yuan_total": yuan_text(fen_for(found.credit_total, found.points_per_yuan)),
        "changed": sum(1 for c in changes if c["changed"]),
    }, status=400 if form.is_bound else 200)


@login_required
@require_POST
def settlement_correct(request, pk: int):
    found = _settlement_to_act_on(request, pk)
    form = forms.CorrectForm(request.POST)
    if form.is_valid():
        def work():
            draft = services.correct_settlement(actor=_actor(request), settlement=found,
                                                reason=form.cleaned_data["reason"])
            return {"settlement": draft.pk}

        done = run_form_once(request, form, action="points.settlement.correct", work=work)
        if done:
            result = done.result
            messages.success(request, "已按台账生成更正稿（待公布），请核对每户的变化后审核公布")
            return redirect("points-settlement", pk=result["settlement"])
    return _settlement_page(request, found, correct_form=form, status=400)


@login_required
@require_GET
@reads_from_replica
def settlement_xlsx(request, pk: int):
    return documents.settlement_workbook(selectors.settlement_for(request.user, pk))


@require_GET
@reads_from_replica
def public_settlement(request, token: str):
    found = selectors.public_settlement(token)
    rows = [{"name": mask_name(line.head.name) if line.head else "—", "number": line.household.number,
             "credit": line.credit, "yuan": yuan_text(line.fen)}
            for line in selectors.settlement_lines(found) if line.eligible]
    newer = _newer(found) if found.status == SettlementStatus.SUPERSEDED else None
    return _render(request, "settlement/public.html", {
        "s": found, "rows": rows, "label": quarter_label(found.year, found.quarter), "newer": newer,
        "yuan_total": yuan_text(fen_for(found.credit_total, found.points_per_yuan)),
    })


def _annual_page(request, village, year, *, close_form=None, status=200):
    today = timezone.localdate()
    policy = selectors.policy_for(village)
    can_settle = scope_of(request.user).can(caps.SETTLE, village.path)
    closed = YearClose.objects.filter(village=village, year=year).select_related("closed_by").first()
    context = {
        "village": village, "year": year, "policy": policy, **documents.annual(village, year), "can_settle": can_settle,
        "closed": closed, "year_over": today > date(year, 12, 31), "lapse": policy.year_end == YearEnd.LAPSE,
        "close_form": close_form or forms.YearCloseForm(), "open_close": close_form is not None,
        "prev_year": year - 1 if year > 2000 else None, "next_year": year + 1 if year < today.year else None,
        "can_manage": scope_of(request.user).can(caps.MANAGE_RULES, village.path),
    }
    if can_settle and not closed and context["year_over"]:
        unspent = selectors.unspent_credit(village)
        context["unspent_households"], context["unspent_points"] = len(unspent), sum(unspent.values())
    return _render(request, "settlement/annual.html", context, status=status)


@login_required
@require_GET
def annual(request, pk: int, year: int):
    return _annual_page(request, access_village(request.user, pk=pk), _year_or_404(year))


@login_required
@require_GET
@reads_from_replica
def annual_xlsx(request, pk: int, year: int):
    return documents.annual_workbook(access_village(request.user, pk=pk), _year_or_404(year))


@login_required
@require_GET
@reads_from_replica
def annual_pdf(request, pk: int, year: int):
    return documents.annual_document(access_village(request.user, pk=pk), _year_or_404(year))


@login_required
@require_GET
@reads_from_replica
def annual_certificates(request, pk: int, year: int):
    village = access_village(request.user, pk=pk)
    found = documents.certificates(village, _year_or_404(year))
    if found is None:
        messages.info(request, f"{year}年度没有获得荣誉或星级的户，没有可打印的证书")
        return redirect("points-annual", pk=village.pk, year=year)
    return found


@login_required
@require_POST
def year_close(request, pk: int, year: int):
    village = access_village(request.user, pk=pk)
    require(request.user, caps.SETTLE, village.path)
    year = _year_or_404(year)
    form = forms.YearCloseForm(request.POST)
    if form.is_valid():
        try:
            closed = services.close_year(actor=_actor(request), village=village, year=year)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if closed.year_end == YearEnd.LAPSE:
                messages.success(request, f"{year}年末结转已办理：{closed.households}户未兑换的{closed.points}分已清零")
            else:
                messages.success(request, f"{year}年末结转已办理：未兑换的积分结转下年")
            return redirect("points-annual", pk=village.pk, year=year)
    return _annual_page(request, village, year, close_form=form, status=400)


def _policy_page(request, village, *, form=None, status=200):
    policy = selectors.policy_for(village)
    can_manage = scope_of(request.user).can(caps.MANAGE_RULES, village.path)
    return _render(request, "settlement/policy.html", {
        "village": village, "policy": policy, "can_manage": can_manage,
        "form": (form or forms.PolicyForm(policy=policy)) if can_manage else None,
        "star_bands": sorted(policy.star_bands, key=lambda b: -b["stars"]),
        "year": timezone.localdate().year,
    }, status=status)

POLICY_GROUPS = ("star_bands", "honours", "credit_bands")


@login_required
@require_http_methods(["GET", "POST"])
def policy(request, pk: int):
    village = access_village(request.user, pk=pk)
    if request.method == "GET":
        return _policy_page(request, village)
    require(request.user, caps.MANAGE_RULES, village.path)
    form = forms.PolicyForm(request.POST, policy=selectors.policy_for(village))
    if form.is_valid():
        try:
            services.update_policy(actor=_actor(request), village=village, **form.changes())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field in POLICY_GROUPS:
                    form.add_group_errors(field, errors)
                else:
                    form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"已保存{village.name}的积分兑换与评选设置")
            return redirect("points-policy", pk=village.pk)
    return _policy_page(request, village, form=form, status=400)


def _institutions(household):
    """Active units of the household's own areas (its county's credit co-operative, a township bank …)."""
    parts = household.path.split("/")[:-1]
    prefixes = ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
    return list(Unit.objects.filter(is_active=True, path__in=prefixes).order_by("path", "name"))


def _consents_page(request, household, *, form=None, status=200):
    can_record = scope_of(request.user).can(caps.RECORD_CONSENT, household.path)
    today = timezone.localdate()
    consents = list(CreditConsent.objects.filter(household=household).select_related("institution", "recorded_by"))
    for consent in consents:
        consent.current = consent.revoked_at is None and consent.signed_on <= today <= consent.expires_on
    if can_record and form is None:
        form = forms.ConsentForm(institutions=_institutions(household),
                                 members=[p.name for p in household.member_list])
    return _render(request, "settlement/consents.html", {
        "household": household, "consents": consents, "can_record": can_record, "form": form,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def consents(request, pk: int):
    household = area_selectors.household_detail(request.user, pk)
    if request.method == "GET":
        return _consents_page(request, household)
    require(request.user, caps.RECORD_CONSENT, household.path)
    institutions = _institutions(household)
    form = forms.ConsentForm(request.POST, institutions=institutions, members=[p.name for p in household.member_list])
    if form.is_valid():
        d = form.cleaned_data
        institution = next(u for u in institutions if u.pk == d["institution"])
        try:
            services.record_consent(actor=_actor(request), household=household, institution=institution,
                                    signed_by=d["signed_by"], signed_on=d["signed_on"], expires_on=d["expires_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已记录：本户授权{institution.name}查询信用等级，至{d['expires_on']:%Y-%m-%d}")
            return redirect("points-consents", pk=household.pk)
    return _consents_page(request, household, form=form, status=400)


@login_required
@require_POST
def consent_revoke(request, pk: int):
    consent = access_object(request.user, CreditConsent.objects.select_related("institution"), pk=pk)
    require(request.user, caps.RECORD_CONSENT, consent.path)
    services.revoke_consent(actor=_actor(request), consent=consent)
    messages.success(request, f"已撤回对{consent.institution.name}的授权")
    return redirect("points-consents", pk=consent.household_id)


def _find_village(typed: str) -> Area:
    typed = typed.strip()
    villages = Area.objects.filter(level=Level.VILLAGE)
    found = list(villages.filter(code=typed)[:1]) or list(villages.filter(name=typed)[:2])
    if not found:
        raise ValidationError({"village": "未找到该嘎查村，请核对区划代码或名称"})
    if len(found) > 1:
        raise ValidationError({"village": "有多个同名的嘎查村，请填写12位区划代码"})
    return found[0]


@login_required
@require_http_methods(["GET", "POST"])
def credit_lookup(request):
    user = request.user
    if not user.unit_memberships.exists():
        raise PermissionDenied("信用等级查询只对金融机构等单位的工作人员开放")
    units = [m.unit for m in user.unit_memberships.select_related("unit")]
    form = forms.CreditLookupForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "units": units}
    if request.method == "GET":
        return _render(request, "settlement/credit.html", context)
    if form.is_valid():
        d = form.cleaned_data
        try:
            village = _find_village(d["village"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # An unknown household number gets the very answer of a household without consent (same words,
            # same audit entry): the look-up must not tell who lives where.
            try:
                found = services.look_up_credit_by_number(actor=_actor(request), village=village, number=d["number"],
                                                          year=d["year"])
            except PermissionDenied as exc:
                context["refused"] = str(exc)
                return _render(request, "settlement/credit.html", context, status=403)
            household = found["household"]
            head = household.members.filter(relation=Person.Relation.HEAD, is_active=True).first()
            context["result"] = {**found, "village": village, "head": mask_name(head.name) if head else "—"}
            return _render(request, "settlement/credit.html", context)
    return _render(request, "settlement/credit.html", context, status=400)
