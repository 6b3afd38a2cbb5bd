"""Pages of pairing (/pairing/): thin views over pairing.selectors and pairing.services."""

import mimetypes
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.access.scope import access_area, access_pair, access_village, own_pairs_q, refuse, scope_of
from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.core.days import asked_day
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.core.forms import run_form_once
from grassroots.core.table_import import import_page, template_response
from grassroots.meetings.models import Meeting
from grassroots.pairing import capabilities as caps
from grassroots.pairing import pairs_forms, selectors, services
from grassroots.pairing.forms_cloud import RelayForm
from grassroots.pairing.models import Pair, Relay, VillageOption
from grassroots.pairing.visit_forms import VisitForm
from grassroots.party import capabilities as party_caps
from grassroots.rules import pairing as pairing_rules
from grassroots.rules import pairing as rules
from grassroots.rules.masking import mask_name

# ---------------------------------------------------------------------- pairs

REGISTER_PAGE_SIZE = 50


def _sees_registers(user) -> None:
    """404 to a caller who oversees no pairs by area (a cadre, unit staff: their pairs are on ``pairing-my``)."""
    if not selectors.sees_registers(user):
        refuse(seen=False)


def _manages_somewhere(user) -> None:
    """For a page with no object yet: 403 to a caller who may only look at pairs, 404 to anyone else."""
    scope = scope_of(user)
    if not scope.paths(caps.MANAGE):
        refuse(seen=bool(scope.paths(caps.VIEW)))


def _kind(request) -> str:
    kind = (request.GET.get("kind") or "").strip()
    return kind if kind in rules.KINDS else ""


def _filter_area(request, capability: str = caps.VIEW):
    code = (request.GET.get("area") or "").strip()
    return access_area(request.user, code=code, capability=capability) if code else None


@login_required
@require_GET
def home(request):
    user = request.user
    if not selectors.sees_registers(user):
        if Pair.objects.filter(own_pairs_q(user)).exists():
            return redirect("pairing-my")
        refuse(seen=False)
    day = asked_day(request)[0]
    scope = scope_of(user)
    return render(request, "pairing/pairs_home.html", {
        "day": day, "kinds": selectors.kind_counts(user, day=day), "may_manage": bool(scope.paths(caps.MANAGE)),
        "may_export": bool(scope.paths(caps.EXPORT)), "villages": selectors.assign_areas(user).filter(
            level=Level.VILLAGE)[:50],
    })


@login_required
@require_GET
@reads_from_replica
def register(request):
    user = request.user
    _sees_registers(user)
    day, kind, area = asked_day(request)[0], _kind(request), _filter_area(request)
    pairs = selectors.register_pairs(user, day=day, kind=kind, area=area)
    page = Paginator(pairs, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    scope = scope_of(user)
    export_area = area or selectors.default_area(user)
    return render(request, "pairing/pairs_register.html", {
        "page": page, "rows": selectors.pair_rows(user, list(page.object_list), day=day), "day": day, "kind": kind,
        "rule": rules.KINDS.get(kind), "area": area, "kinds": rules.KIND_CHOICES, "query": query.urlencode(),
        "may_manage": bool(scope.paths(caps.MANAGE)),
        "may_export": export_area is not None and scope.can(caps.EXPORT, export_area.path),
    })


REGISTER_HEADERS = ["结对类型", "结对一方", "结对对象", "户主", "开始日期", "包联内容", "当期", "走访情况"]


@login_required
@require_GET
@reads_from_replica
def register_xlsx(request):
    user = request.user
    _sees_registers(user)
    day, kind = asked_day(request)[0], _kind(request)
    area = _filter_area(request) or selectors.default_area(user)
    scope = scope_of(user)
    if area is None or not scope.can(caps.EXPORT, area.path):
        refuse(seen=area is not None and scope.can(caps.VIEW, area.path))
    rows = selectors.pair_rows(user, list(selectors.register_pairs(user, day=day, kind=kind, area=area)), day=day)
    return xlsx_response(f"结对台账-{area.name}-{day}.xlsx", REGISTER_HEADERS, [
        [r.pair.rule.label, r.pair.visitor_name, r.target_name, r.head_name, r.pair.started_on, r.pair.purpose,
         r.window.label if r.window else "", r.status_label] for r in rows], title="结对台账")


@login_required
@require_http_methods(["GET", "POST"])
def pair_new(request):
    user = request.user
    _manages_somewhere(user)
    rule = rules.KINDS.get(request.POST.get("kind") or request.GET.get("kind") or "")
    if rule is None:
        if request.method == "POST":
            return render(request, "pairing/pairs_new.html", {"kinds": rules.KINDS.values(), "rule": None}, status=400)
        return render(request, "pairing/pairs_new.html", {"kinds": rules.KINDS.values(), "rule": None})
    within = selectors.default_area(user, caps.MANAGE)
    form = pairs_forms.PairForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, Actor.from_request(request)
        sides = selectors.Sides(within)
        visitor, problem = sides.visitor(rule, data["visitor"], day=data["started_on"])
        if problem:
            form.add_error("visitor", problem)
        target, problem = sides.target(rule, data["target"])
        if problem:
            form.add_error("target", problem)
        if not form.errors:
            def work():
                made = services.create_pair(actor=actor, kind=rule.code, visitor=visitor, target=target,
                                            started_on=data["started_on"], purpose=data["purpose"])
                return {"pk": made.pk, "message": f"已建立结对：{made.visitor_name} — {made.target}"}

            done = run_form_once(request, form, action=services.PAIR_CREATE, work=work)
            if done:
                messages.success(request, done.result["message"])
                return redirect(f"{reverse('pairing-register')}?kind={rule.code}")
    return render(request, "pairing/pairs_new.html", {"form": form, "rule": rule, "within": within},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def pair_end(request, pk: int):
    pair = selectors.pair_with_sides(request.user, pk)
    actor = Actor.from_request(request)
    services.authorise_pairing(actor, caps.MANAGE, pair.path)
    form = pairs_forms.EndPairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def work():
            services.end_pair(actor=actor, pair=pair, ended_on=data["ended_on"], reason=data["reason"])
            return {"message": f"结对已于 {data['ended_on']} 结束"}

        done = run_form_once(request, form, action=services.PAIR_END, work=work)
        if done:
            messages.success(request, done.result["message"])
            return redirect(f"{reverse('pairing-register')}?kind={pair.kind}")
    return render(request, "pairing/pairs_end.html", {"form": form, "pair": pair,
                                                      "target_name": selectors.target_name(pair)},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def assign(request):
    user = request.user
    _manages_somewhere(user)
    areas = selectors.assign_areas(user)
    code = (request.POST.get("area") or request.GET.get("area") or "").strip()
    area = access_area(user, code=code, capability=caps.MANAGE) if code else areas.first()
    if area is None or area.level not in (Level.VILLAGE, Level.GRID):
        refuse(seen=False)
    today = timezone.localdate()
    form = pairs_forms.AssignForm(request.POST or None, cadres=selectors.cadre_choices(area, day=today),
                                  initial={"started_on": today})
    context = {"form": form, "area": area, "areas": areas, "preview": None, "result": None}
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, Actor.from_request(request)
        cadres = sorted(data["cadres"], key=lambda u: (u.display_name or u.username, u.pk))
        if request.POST.get("confirm"):
            def work():
                return services.assign_households(actor=actor, area=area, cadres=cadres, per_cadre=data["per_cadre"],
                                                  started_on=data["started_on"], purpose=data["purpose"])

            done = run_form_once(request, form, action=services.PAIR_ASSIGN, work=work)
            if done:
                return render(request, "pairing/pairs_assign.html", {**context, "result": done.result})
        else:
            services.authorise_pairing(actor, caps.MANAGE, area.path)
            context["preview"] = selectors.assignment_preview(area, kind=rules.CADRE_HOUSEHOLD, cadres=cadres,
                                                              per_cadre=data["per_cadre"], day=data["started_on"])
            return render(request, "pairing/pairs_assign.html", context)
    return render(request, "pairing/pairs_assign.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def pairs_import(request):
    user = request.user
    _manages_somewhere(user)
    area = _filter_area(request, caps.MANAGE) or selectors.default_area(user, caps.MANAGE)
    actor = Actor.from_request(request)
    services.authorise_pairing(actor, caps.MANAGE, area.path)
    if request.GET.get("template"):
        return template_response("结对名单导入模板.xlsx", services.PAIR_COLUMNS, services.PAIR_EXAMPLE)
    back = reverse("pairing-register")
    return import_page(
        request, template="pairing/pairs_import.html",
        run=lambda upload: services.import_pairs(actor=actor, upload=upload, within=area),
        done=lambda s: (f"已导入 {s['pairs']} 对结对（已在册的 {s['skipped']} 行未重复写入）", back),
        context={"area": area, "back": back, "headers": [c.header for c in services.PAIR_COLUMNS],
                 "template_url": f"?template=1&area={area.code}", "kinds": rules.KINDS.values()})


@login_required
@require_http_methods(["GET", "POST"])
def village_options(request, code: str):
    village = access_village(request.user, code=code, capability=caps.VIEW)
    actor = Actor.from_request(request)
    services.authorise_pairing(actor, caps.MANAGE, village.path)
    option = VillageOption.objects.filter(village=village).first()
    form = pairs_forms.VillageOptionForm(request.POST if request.method == "POST" else None, initial={
        "show_cadre_publicly": bool(option and option.show_cadre_publicly)})
    if request.method == "POST" and form.is_valid():
        services.set_village_option(actor=actor, village=village,
                                    show_cadre_publicly=form.cleaned_data["show_cadre_publicly"])
        messages.success(request, "已保存")
        return redirect("pairing-options", code=village.code)
    grids = village.children.filter(level=Level.GRID).order_by("code")
    return render(request, "pairing/pairs_options.html", {"form": form, "village": village, "grids": grids})


# ---------------------------------------------------------------------- visits


@login_required
@require_GET
def pair_page(request, pk: int):
    """A pair: its windows of the year (as chips), the 走访 button, its visits newest first."""
    day, _ = asked_day(request)
    return render(request, "pairing/pair.html", {"page": selectors.pair_detail(request.user, pk, today=day)})


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request, pk: int):
    """The phone form: log a visit on a pair. A retried upload (the same hidden key) logs nothing twice."""
    pair = access_pair(request.user, pk=pk, queryset=Pair.objects.select_related(
        "visitor_user", "visitor_unit", "household", "area", "member", "enterprise"))
    actor = Actor.from_request(request)
    services.authorise_visit(actor, pair)
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            done = run_form_once(request, form, action=services.VISIT_CREATE, work=lambda: {"id": services.log_visit(
                actor=actor, pair=pair, visited_at=d["visited_at"], kind=d["kind"], notes=d["notes"],
                address=d["address"], latitude=d["latitude"], longitude=d["longitude"], photos=d["photos"],
                helps=d["helps"], problems=d["problems"]).pk})
            if done is not None:
                if not done.replayed:
                    messages.success(request, "走访已记录" + ("，收集的问题已转为诉求并派单" if d["problems"] else ""))
                return redirect("pairing-visit", pk=done.result["id"])
        status = 400
    else:
        form = VisitForm()
        status = 200
    return render(request, "pairing/visit_form.html",
                  {"form": form, "pair": pair, "title": selectors.pair_title(pair)}, status=status)


@login_required
@require_GET
def visit_page(request, pk: int):
    return render(request, "pairing/visit.html", {"page": selectors.visit_detail(request.user, pk)})


@login_required
@require_GET
def visit_photo(request, pk: int, photo: int):
    """A visit's photo, served privately to those who reach the pair."""
    found = selectors.visit_photo(request.user, pk, photo)
    response = FileResponse(found.image.open("rb"), content_type=found.content_type or "image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def household_page(request, pk: int):
    day, _ = asked_day(request)
    return render(request, "pairing/household.html",
                  {"page": selectors.household_pairing(request.user, pk, day=day)})


# ---------------------------------------------------------------------- coverage


def _coverage_area(request) -> Area:
    """The area asked for (?area=code) or the caller's outermost one; 404 to a caller without pairing.VIEW."""
    if not scope_of(request.user).paths(caps.VIEW):
        refuse(seen=False)
    return selectors.coverage_area(request.user, request.GET.get("area") or "")


@login_required
@require_GET
@reads_from_replica
def my_pairs(request):
    """包联走访: the caller's own pairs — what is due this week first, then every pair with its window's status."""
    day = asked_day(request)[0]
    user = request.user
    due = selectors.due_this_week(user, day=day)
    may_view = bool(scope_of(user).paths(caps.VIEW))
    if not due.pairs and not may_view:
        refuse(seen=False)
    return render(request, "pairing/my.html", {"due": due, "day": day, "may_view": may_view})


@login_required
@require_GET
@reads_from_replica
def coverage(request):
    """Coverage of an area on a day, with one row per child area (drill-down) and the seed's figures of the year."""
    area = _coverage_area(request)
    day = asked_day(request)[0]
    found = selectors.coverage(request.user, area=area, day=day)
    year = selectors.figures(request.user, area=area, since=date(day.year, 1, 1), until=day)
    scope = scope_of(request.user)
    return render(request, "pairing/coverage.html", {
        "coverage": found, "day": day, "figures": year, "columns": selectors.CURRENT_COLUMNS,
        "may_export": scope.can(caps.EXPORT, area.path), "rule_note": selectors.rule_note()})


COVERAGE_HEADERS = ["区域", "结对数", "已走访", "待走访", "已逾期", "可走访", "本期不需走访", "本年漏访次数", "户数",
                    "未结对户", "未结对重点户", "本季度未走访的包联单位"]


def _coverage_cells(row, show_tags: bool) -> list:
    priority = row.unpaired_priority
    if show_tags:
        priority = f"{priority}（" + "、".join(f"{selectors.PRIORITY_LABELS[t]}{n}" for t, n in
                                              row.unpaired_by_tag.items()) + "）"
    return [row.area.name, row.pairs, *row.columns, row.missed, row.households, row.unpaired, priority,
            "；".join(f"{unit}→{place}" for unit, place, _label in row.units_not_visited)]


@login_required
@require_GET
@reads_from_replica
def coverage_xlsx(request):
    area = _coverage_area(request)
    scope = scope_of(request.user)
    if not scope.can(caps.EXPORT, area.path):
        refuse(seen=True)
    day = asked_day(request)[0]
    found = selectors.coverage(request.user, area=area, day=day)
    rows = [_coverage_cells(row, found.show_tags) for row in (found.total, *found.children)]
    return xlsx_response(f"包联走访覆盖-{area.name}-{day}.xlsx", COVERAGE_HEADERS, rows, title="包联走访覆盖")


def _period(request) -> tuple[date, date]:
    today = timezone.localdate()
    since, _ = asked_day(request, "from")
    until, _ = asked_day(request, "to")
    if not (request.GET.get("from") or "").strip():
        since = date(today.year, 1, 1)
    if since > until:
        messages.warning(request, "开始日期晚于结束日期，已对调")
        since, until = until, since
    return since, until


@login_required
@require_GET
@reads_from_replica
def figures(request):
    """The seed's figures (visits, households visited, problems collected and solved, helps) for an area and period."""
    area = _coverage_area(request)
    since, until = _period(request)
    found = selectors.figures(request.user, area=area, since=since, until=until)
    return render(request, "pairing/figures.html", {"figures": found, "trail": list(area.ancestors())})


# ---------------------------------------------------------------------- cloud branch


@login_required
@require_GET
def cloud(request):
    """The cloud branches the caller reaches: mobile members away, their paired member, the last meetings."""
    if not scope_of(request.user).paths(party_caps.VIEW):
        raise Http404("未找到")
    day, _ = asked_day(request)
    return render(request, "pairing/cloud.html", {
        "day": day, "branches": selectors.cloud_branches(request.user, day=day), "states": selectors.RELAY_STATES,
    })


@login_required
@require_GET
def cloud_meeting(request, pk: int):
    """One meeting: every mobile member it is relayed to, their pair and the relay's state."""
    meeting, rows = selectors.cloud_meeting_for(request.user, pk)
    for row in rows:
        row.may_relay = row.pair is not None and services.may_relay(request.user, meeting, row.pair,
                                                                    cloud_branch=row.spell.cloud_branch)
    tally = [(state, label, sum(1 for r in rows if r.state == state)) for state, label in selectors.RELAY_STATES.items()]
    return render(request, "pairing/cloud_meeting.html", {
        "meeting": meeting, "rows": rows, "states": selectors.RELAY_STATES, "tally": tally,
        "unpaired": sum(1 for r in rows if r.pair is None),
    })


def _relay_target(request, pk: int, pair_pk: int):
    """The meeting and pair of a relay page, for a caller who may relay it: 403 to one who may only look, 404 to
    anyone else (and for a pair that is not one of the meeting's mobile members')."""
    meeting = Meeting.objects.select_related("organisation").filter(pk=pk).first()
    pair = (Pair.objects.select_related("visitor_member", "member")
            .filter(pk=pair_pk, kind=pairing_rules.MEMBER_MOBILE).first())
    if meeting is None or pair is None:
        raise Http404("未找到")
    services.authorise_relay(Actor.from_request(request), meeting, pair)
    if not pair.in_force_on(meeting.held_on) or not selectors.audience_of(meeting).filter(
            member_id=pair.member_id).exists():
        raise Http404("未找到")
    return meeting, pair


@login_required
@require_http_methods(["GET", "POST"])
def relay_new(request, pk: int, pair: int):
    """Relay a meeting to one mobile member: a note, a link, a photo; then the confirmation link to send them."""
    meeting, pair = _relay_target(request, pk, pair)
    relay = Relay.objects.filter(meeting=meeting, pair=pair).first()
    form = None
    if relay is None:
        if request.method == "POST":
            form = RelayForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data

                def work() -> dict:
                    made = services.relay_meeting(actor=Actor.from_request(request), meeting=meeting, pair=pair,
                                                  note=data["note"], link=data["link"], photo=data["photo"])
                    return {"relay": made.pk}

                done = run_form_once(request, form, action=services.RELAY_CREATE, work=work)
                if done:
                    if not done.replayed:
                        messages.success(request, f"已向{pair.member.name}传达，请把下面的链接发给本人确认")
                    return redirect("pairing-relay-new", pk=meeting.pk, pair=pair.pk)
        else:
            form = RelayForm()
    link = photo = None
    if relay is not None:
        token = selectors.relay_token(relay)
        link = request.build_absolute_uri(reverse("pairing-relay-confirm", args=[token]))
        photo = reverse("pairing-relay-photo", args=[token]) if relay.photo else None
    return render(request, "pairing/relay_new.html", {
        "meeting": meeting, "pair": pair, "relay": relay, "form": form, "link": link, "photo": photo,
        "state": selectors.RELAY_STATES[selectors.relay_state(relay)],
    }, status=422 if form is not None and form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@require_GET
def relay_photo(request, token: str):
    """The relay's photo, to whoever holds its link (the mobile member, the member who relayed it); private."""
    relay = selectors.relay_for_token(token)
    if relay is None or not relay.photo:
        raise Http404("链接无效或已过期")
    content_type = mimetypes.guess_type(relay.photo.name)[0] or "image/jpeg"
    response = FileResponse(relay.photo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def relay_confirm(request, token: str):
    """The mobile member's page, no account: the meeting's topic and day, the note, the link; "我已阅读"."""
    if request.method == "POST":
        services.confirm_relay(token=token, actor=Actor.from_request(request))
        return redirect("pairing-relay-confirm", token=token)
    relay = selectors.relay_for_token(token)
    if relay is None:
        raise Http404("链接无效或已过期")
    response = render(request, "pairing/relay_confirm.html", {
        "relay": relay, "meeting": relay.meeting, "masked_name": mask_name(relay.pair.member.name), "token": token,
    })
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of the Referer sent to the relayed link
    response["X-Robots-Tag"] = "noindex"
    return response
