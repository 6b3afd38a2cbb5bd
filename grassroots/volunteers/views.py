"""Pages of volunteer service. Thin: forms and selectors in, services out (docs/conventions.md)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import leads_team, refuse, refuse_without, scope_of
from grassroots.audit.context import Actor
from grassroots.core.excel import xlsx_response
from grassroots.core.forms import add_service_errors, run_form_once
from grassroots.rules import rota as rota_rules
from grassroots.rules.volunteering import SLOT_LABELS
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers import rota_forms, selectors, services
from grassroots.volunteers.models import RotaTurn, TeamMember, Volunteer

# ================================================================================================ sites, teams, volunteers, public (section A)


def home(request, *args, **kwargs):  # placeholder: section A replaces it
    raise Http404


def team_page(request, pk: int):  # placeholder: section A replaces it
    raise Http404


def public_calendar(request, *args, **kwargs):  # placeholder: section A replaces it
    raise Http404


# ================================================================================================ activities, sign-ups, check-in, hours (section B)


def my_service(request):  # placeholder: section B replaces it
    raise Http404


def activity_page(request, pk: int):  # placeholder: section B replaces it
    raise Http404


def hours_queue(request):  # placeholder: section B replaces it
    raise Http404


# ================================================================================================ rotas (section C)


@login_required
@require_GET
def rotas(request):
    user = request.user
    return render(request, "volunteers/rotas.html", {
        "rotas": list(selectors.rota_list(user)), "can_create": bool(scope_of(user).paths(caps.MANAGE))})


def _preview_rows(plan: rota_rules.Rota, teams) -> list[tuple[int, list[dict]]]:
    names = dict(Volunteer.objects.filter(pk__in={v for t in plan.turns for v in t.members}).values_list("pk", "name"))
    team_names = {t.pk: t.name for t in teams}
    weeks: dict[int, list[dict]] = {}
    for t in plan.turns:
        weeks.setdefault(t.week, []).append({"day": t.day, "slot": SLOT_LABELS[t.slot], "team": team_names[t.team],
                                             "subject": t.subject, "members": [names[v] for v in t.members]})
    return sorted(weeks.items())


@login_required
@require_http_methods(["GET", "POST"])
def rota_new(request):
    user = request.user
    refuse_without(user, caps.MANAGE)
    form = rota_forms.RotaForm(request.POST or None, user=user)
    preview = None
    if request.method == "POST" and form.is_valid():
        actor, args = Actor.from_request(request), form.service_args()
        if "save" in request.POST:
            data = form.cleaned_data

            def work():
                rota = services.generate_rota(actor=actor, title=data["title"], place=data["place"], site=data["site"],
                                              start_time=data["start_time"], end_time=data["end_time"], **args)
                return {"pk": rota.pk, "message": f"已保存排班草稿：{rota.title}"}

            done = run_form_once(request, form, action=services.ROTA_CREATE, work=work)
            if done:
                messages.success(request, done.result["message"])
                return redirect("volunteers-rota", pk=done.result["pk"])
        else:
            try:
                plan = services.preview_rota(actor=actor, **args)
                preview = {"summary": plan.summary, "weeks": _preview_rows(plan, args["teams"])}
            except ValidationError as exc:
                add_service_errors(form, exc)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "volunteers/rota_new.html", {"form": form, "preview": preview}, status=status)


def _rota_context(request, pk: int) -> dict:
    rota = selectors.access_rota(request.user, pk=pk)
    turns = selectors.rota_turns(rota)
    scope = scope_of(request.user)
    return {"rota": rota, "weeks": selectors.rota_weeks(turns), "turn_count": len(turns),
            "teams": sorted({t.team.name for t in turns}),
            "slot_labels": "、".join(SLOT_LABELS[s] for s in rota.slots if s in SLOT_LABELS),
            "can_manage": scope.can(caps.MANAGE, rota.path), "can_export": scope.can(caps.EXPORT, rota.path)}


@login_required
@require_GET
def rota_page(request, pk: int):
    return render(request, "volunteers/rota.html", _rota_context(request, pk))


@login_required
@require_GET
def rota_print(request, pk: int):
    return render(request, "volunteers/rota_print.html", _rota_context(request, pk))


ROTA_HEADERS = ["周次", "日期", "时段", "服务队", "主题", "当班队员", "地点", "活动"]


@login_required
@require_GET
def rota_xlsx(request, pk: int):
    rota = selectors.access_rota(request.user, pk=pk)
    if not scope_of(request.user).can(caps.EXPORT, rota.path):
        refuse(seen=True)
    rows = [[t.week, t.date, SLOT_LABELS.get(t.slot, t.slot), t.team.name, t.subject,
             "、".join(v.name for v in t.members.all()), rota.place, "已发布" if t.activity_id else ""]
            for t in selectors.rota_turns(rota)]
    return xlsx_response(f"{rota.title}-{rota.term_start}.xlsx", ROTA_HEADERS, rows, title="排班表")


@login_required
@require_POST
def rota_publish(request, pk: int):
    rota = selectors.access_rota(request.user, pk=pk)
    try:
        rota = services.publish_rota(actor=Actor.from_request(request), rota=rota)
        messages.success(request, f"已发布“{rota.title}”：每个班次已成为服务队的活动，当班队员已报名")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("volunteers-rota", pk=rota.pk)


def _turn_forms(turn: RotaTurn, data=None):
    label = rota_rules.day_label
    current = list(turn.members.all())
    in_turn = {v.pk for v in current}
    mates = [m.volunteer for m in TeamMember.objects.filter(team=turn.team, left_on__isnull=True,
                                                            volunteer__is_active=True)
             .select_related("volunteer").order_by("joined_on", "id")]
    into = [(f"v:{v.pk}", f"{v.name}（{'有空' if turn.slot in (v.availability or []) else '此时段没空'}）")
            for v in mates if v.pk not in in_turn]
    others = (RotaTurn.objects.filter(rota=turn.rota_id, team=turn.team).exclude(pk=turn.pk)
              .prefetch_related("members").order_by("date", "id"))
    for other in others:
        for v in other.members.all():
            if v.pk not in in_turn:
                into.append((f"t:{other.pk}:{v.pk}", f"与第{other.week}周{label(other.date, other.slot)}的{v.name}对调"))
    replace = rota_forms.ReplaceForm(data, out_choices=[(v.pk, v.name) for v in current], into_choices=into)
    same_week = (RotaTurn.objects.filter(rota=turn.rota_id, week=turn.week).exclude(pk=turn.pk)
                 .select_related("team").order_by("date", "id"))
    swap = rota_forms.SwapTurnForm(data, choices=[(o.pk, f"{label(o.date, o.slot)} {o.team.name}") for o in same_week])
    return replace, swap


@login_required
@require_http_methods(["GET", "POST"])
def rota_turn(request, pk: int):
    turn = RotaTurn.objects.select_related("rota", "team", "activity").filter(pk=pk).first()
    if turn is None:
        raise Http404
    selectors.access_rota(request.user, pk=turn.rota_id)
    replace, swap = _turn_forms(turn)
    status = 200
    if request.method == "POST":
        actor = Actor.from_request(request)
        form = None
        try:
            if request.POST.get("action") == "swap_turns":
                swap = form = _turn_forms(turn, request.POST)[1]
                if swap.is_valid():
                    other = RotaTurn.objects.get(pk=swap.cleaned_data["other_turn"])
                    services.swap_rota_turns(actor=actor, turn=turn, other_turn=other)
                    messages.success(request, "已对调两个班次的日期")
                    return redirect("volunteers-rota", pk=turn.rota_id)
            else:
                replace = form = _turn_forms(turn, request.POST)[0]
                if replace.is_valid():
                    out = Volunteer.objects.get(pk=replace.cleaned_data["out"])
                    kind, *ids = replace.cleaned_data["into"].split(":")
                    if kind == "v":
                        into = Volunteer.objects.get(pk=int(ids[0]))
                        services.replace_rota_member(actor=actor, turn=turn, out=out, into=into)
                        messages.success(request, f"已由{into.name}替换{out.name}")
                    else:
                        other = RotaTurn.objects.get(pk=int(ids[0]))
                        other_volunteer = Volunteer.objects.get(pk=int(ids[1]))
                        services.swap_rota_members(actor=actor, turn=turn, volunteer=out, other_turn=other,
                                                   other_volunteer=other_volunteer)
                        messages.success(request, f"{out.name}与{other_volunteer.name}已对调班次")
                    return redirect("volunteers-rota", pk=turn.rota_id)
        except ValidationError as exc:
            add_service_errors(form, exc)
        status = 400
    members = list(turn.members.all())
    return render(request, "volunteers/rota_turn.html", {
        "turn": turn, "rota": turn.rota, "members": members, "replace": replace, "swap": swap,
        "when": f"第{turn.week}周{rota_rules.day_label(turn.date, turn.slot)}",
        "can_manage": scope_of(request.user).can(caps.MANAGE, turn.rota.path),
        "leads": leads_team(request.user, turn.team)}, status=status)



# ================================================================================================ hours → points, 双报到, 点单 (section D)
