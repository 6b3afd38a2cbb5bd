"""The household page, grid boards, statements (HTML and PDF), the village ranking, and the public /board/
pages: a grid's board, a notice with its objection form, the ledger check page."""

import math
import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from grassroots.access.scope import access_area, access_object, access_village, scope_of
from grassroots.areas import selectors as area_selectors
from grassroots.areas.models import Area, Household, Level, Person
from grassroots.audit.context import Actor
from grassroots.boards import selectors
from grassroots.boards.qr import qr_svg
from grassroots.claims import forms as claims_forms
from grassroots.claims import selectors as claims_selectors
from grassroots.claims import services as claims_services
from grassroots.claims.models import LineStatus, NoticeStatus, ObjectionStatus
from grassroots.core.db_router import reads_from_replica
from grassroots.core.forms import add_service_errors, int_or_none
from grassroots.core.pdf import Document, font_path, pdf_response
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import Account, CheckpointPlace, EntryKind
from grassroots.pairing import selectors as pairing_selectors
from grassroots.points import capabilities as caps
from grassroots.points.pages import rate_ok, render_page
from grassroots.points.pages import render_page as _render
from grassroots.rules.masking import mask_name
from grassroots.rules.points import short_hash
from grassroots.rules.settlement import fen_for, quarter_label, yuan_text
from grassroots.settlement import selectors as settlement_selectors
from grassroots.settlement.documents import fit_columns

MONTH_LABELS = [f"{m}月" for m in range(1, 13)]

# A year a page may be asked about: the scheme did not exist before, and nothing is known after next year.
FIRST_YEAR = 2000




def _month(year: int, month: int) -> date:
    today = timezone.localdate()
    if not (1 <= month <= 12 and FIRST_YEAR <= year <= today.year + 1):
        raise Http404("没有这个月份")
    return date(year, month, 1)


def _previous_month(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def _months_between(start: date, end: date) -> list[date]:
    """Every month from ``end`` back to ``start`` (first days), newest first."""
    months, day = [], end
    while day >= start:
        months.append(day)
        day = _previous_month(day)
    return months


def _parse_month(raw: str, start: date, end: date) -> date | None:
    """``2026-11`` (what the month picker sends) as its first day, if it is between start and end."""
    year, _, month = raw.strip().partition("-")
    if not (year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12):
        return None
    day = date(int(year), int(month), 1)
    return day if start <= day <= end else None


def by_month(entries) -> list[dict]:
    """Ledger entries grouped by the month they happened in, newest month first, each group with its
    entries (in the order given) and its total."""
    groups: dict[date, list] = {}
    for entry in entries:
        groups.setdefault(entry.occurred_on.replace(day=1), []).append(entry)
    return [{"month": month, "entries": items, "total": sum(e.points for e in items)}
            for month, items in sorted(groups.items(), key=lambda item: item[0], reverse=True)]


def entry_title(entry) -> str:
    """What a ledger entry was for, in the words a resident knows: the rule, else the written reason."""
    if entry.rule_version_id:
        return entry.rule_version.title
    return entry.reason or entry.get_kind_display()


def _rank_text(rank: int, tied: bool) -> str:
    return f"{rank}（并列）" if tied else str(rank)


def _head_name(head, *, masked: bool) -> str:
    if head is None:
        return "—"
    return mask_name(head.name) if masked else head.name


def household_context(user, household, today: date, *, entries=None) -> dict:
    """Score against balance, may it redeem now, the year by month (chart and table) and every entry.

    ``entries``: the household's entries, newest first, when the caller read them another way (我的积分 reads
    them by the household's card, not through the user's scope); by default those ``user`` may see."""
    year = today.year
    balance = ledger_selectors.balance(household)
    months = ledger_selectors.score_by_month(household.pk, year)
    running, cumulative = 0, []
    for points in months:
        running += points
        cumulative.append(running)
    policy = settlement_selectors.policy_for(household.village)
    if entries is None:
        entries = list(ledger_selectors.household_entries(user, household))
    for entry in entries:
        entry.title = entry_title(entry)
        entry.is_deduction = entry.points < 0 and entry.account == Account.SCORE
    return {
        "household": household,
        "head": next((p for p in household.member_list if p.relation == Person.Relation.HEAD), None),
        "year": year,
        "balance": balance,
        "year_score": running,
        "credit_yuan": yuan_text(fen_for(max(balance.credit, 0), policy.points_per_yuan)),
        "points_per_yuan": policy.points_per_yuan,
        "policy": policy,
        "standing": settlement_selectors.redemption_standing(household, today),
        "months": list(zip(MONTH_LABELS, months, cumulative, strict=True)),
        "chart": {"year": year, "labels": MONTH_LABELS, "monthly": months, "cumulative": cumulative},
        "score_months": by_month(e for e in entries if e.account == Account.SCORE),
        "credit_months": by_month(e for e in entries if e.account == Account.CREDIT),
        "truncated": len(entries) >= 200,
        "this_month": today.replace(day=1),
    }


def _board_context(request, grid: Area, *, public: bool) -> dict:
    today = timezone.localdate()
    board = selectors.grid_board(grid, today)
    settlement = board["settlement"]
    # Early in a month nothing may be entered yet: the board shows last month's statement, saying so; a
    # month without entries ranks nobody (not every household 第1（并列）).
    # The totals come from the household-month roll-up (selectors.board_totals), exact as the ledger; the
    # household's link is reversed here, once a row (the template's {% url %} cost several times more).
    month = today.replace(day=1)
    shown, rows = board["shown_month"], board["statement"]
    statement = [{"rank": r.rank, "tied": r.tied, "name": _head_name(r.head, masked=True),
                  "household": r.household, "number": r.household.number, "plus": r.plus, "minus": r.minus,
                  "total": r.total,
                  "url": "" if public else reverse("points-household", args=[r.household.pk])}
                 for r in rows] if any(r.entries for r in rows) else []
    lines = [{"name": _head_name(line.head, masked=True), "household": line.household, "points": line.points,
              "credit": line.credit, "yuan": yuan_text(line.fen)}
             for line in board["settlement_lines"] if line.eligible]
    latest = board["latest_posted"]
    qr = check_url = None
    if latest is not None:
        check_url = request.build_absolute_uri(reverse("points-public-check", args=[latest.token]))
        qr = qr_svg(check_url, label="扫码核验最近一次公示是否已入账", size_px=150)
    head = board["head"]
    if head is not None and head.seq:
        # The head printed on the board is a copy villagers hold: verify-ledger checks it stays on the chain.
        ledger_services.record_checkpoint(village_id=head.village_id, seq=head.seq, digest=head.hash,
                                   place=CheckpointPlace.BOARD)
    return {
        "public": public, "grid": grid, "village": grid.parent, "today": today, "month": month,
        "shown_month": shown if statement else month,
        "previous_month": _previous_month(month), "notices": board["notices"], "statement": statement,
        "settlement": settlement, "settlement_lines": lines,
        "settlement_label": quarter_label(settlement.year, settlement.quarter) if settlement else "",
        "head": head, "head_short": short_hash(head.hash) if head and head.seq else "",
        "latest_notice": latest, "check_url": check_url, "qr": qr,
        "public_url": request.build_absolute_uri(reverse("points-public-grid-board", args=[grid.code])),
        # Only when the village chose it (pairing.VillageOption): household numbers and masked cadre names.
        "pairing_cadres": pairing_selectors.public_cadres(grid, day=today),
    }


@login_required
@require_GET
@reads_from_replica
def grid_board(request, pk: int):
    grid = access_area(request.user, pk=pk, capability=caps.VIEW, level=Level.GRID)
    return _render(request, "boards/grid.html", _board_context(request, grid, public=False))


@require_GET
@reads_from_replica
def public_grid_board(request, code: str):
    """The board as it hangs in the village: no account, masked names, links only to public pages."""
    grid = Area.objects.filter(code=code, level=Level.GRID).select_related("parent").first()
    if grid is None:
        raise Http404("未找到该网格")
    return _render(request, "boards/public_grid.html", _board_context(request, grid, public=True))


@require_safe
def print_font(request):
    """The Chinese font the PDFs embed, as the print stylesheet's last fallback. Long-cached: a phone
    downloads it at most once, and only when it has no Chinese font of its own."""
    response = FileResponse(font_path().open("rb"), content_type="font/otf")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _statement(request, pk: int, year: int, month: int):
    grid = access_area(request.user, pk=pk, capability=caps.VIEW, level=Level.GRID)
    first = _month(year, month)
    return grid, first, selectors.monthly_statement(grid, year, month)


def _statement_page(request, grid: Area, first: date, *, error: str = "", status: int = 200):
    rows = selectors.monthly_statement(grid, first.year, first.month)
    for row in rows:
        row.deductions = [(entry_title(e), e.points) for e in row.entries if e.points < 0]
        row.count = len(row.entries)
    this_month = timezone.localdate().replace(day=1)
    start, latest = selectors.statement_span(grid, timezone.localdate())
    months = _months_between(start, this_month)
    if first not in months:
        months = sorted({*months, first}, reverse=True)
    return _render(request, "boards/statement.html", {
        "grid": grid, "village": grid.parent, "month": first, "rows": rows,
        "empty": not any(r.entries for r in rows), "months": months, "latest": latest, "error": error,
        "previous_month": _previous_month(first),
        "next_month": date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1),
        "is_current": first >= this_month,
        "plus": sum(r.plus for r in rows), "minus": sum(r.minus for r in rows),
    }, status=status)


@login_required
@require_GET
@reads_from_replica
def grid_statement(request, pk: int, year: int, month: int):
    return _statement_page(request, access_area(request.user, pk=pk, capability=caps.VIEW, level=Level.GRID), _month(year, month))


@login_required
@require_GET
def grid_statement_pick(request, pk: int):
    """The month picker's address: ``?month=2026-11`` opens that month's statement; without it, the latest
    month with entries in the grid (this month when there are none)."""
    grid = access_area(request.user, pk=pk, capability=caps.VIEW, level=Level.GRID)
    today = timezone.localdate()
    start, latest = selectors.statement_span(grid, today)
    raw = request.GET.get("month", "")
    if not raw:
        return HttpResponseRedirect(reverse("points-grid-statement", args=[grid.pk, latest.year, latest.month]))
    chosen = _parse_month(raw, start, today.replace(day=1))
    if chosen is None:
        error = (f"月份（month）须为 {start.year}年{start.month}月 到 {today.year}年{today.month}月 之间，"
                 f"写作 {latest:%Y-%m}；收到的是“{raw[:20]}”")
        return _statement_page(request, grid, latest, error=error, status=400)
    return HttpResponseRedirect(reverse("points-grid-statement", args=[grid.pk, chosen.year, chosen.month]))


@login_required
@require_GET
@reads_from_replica
def grid_statement_pdf(request, pk: int, year: int, month: int):
    grid, _, rows = _statement(request, pk, year, month)
    title = f"{grid.parent.name}{grid.name} {year}年{month}月积分统计（月计分）"
    doc = Document(title)
    doc.add_page()
    doc.cell(0, 7, f"共 {len(rows)} 户 · 打印于 {timezone.localtime():%Y-%m-%d %H:%M}",
             new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    if not any(r.entries for r in rows):
        doc.cell(0, 7, f"{year}年{month}月本网格没有积分记录，不排名次。", new_x="LMARGIN", new_y="NEXT")
        return pdf_response(doc, f"{grid.parent.name}{grid.name}-{year}年{month}月计分.pdf")
    headings = ["名次", "户号", "户主", "条数", "加分", "扣分", "合计"]
    cells = [[_rank_text(r.rank, r.tied), r.household.number, _head_name(r.head, masked=False),
              len(r.entries), f"+{r.plus}", r.minus, r.total] for r in rows]
    doc.table_rows(headings, cells, fit_columns(doc, [headings, *cells], [22, 28, 38, 18, 26, 26, 28], keep={0, 1}))
    return pdf_response(doc, f"{grid.parent.name}{grid.name}-{year}年{month}月计分.pdf")


@login_required
@require_GET
@reads_from_replica
def household_statement_pdf(request, pk: int, year: int, month: int):
    household = access_object(request.user, Household.objects.select_related("grid", "village"), pk=pk)
    _month(year, month)
    rows = selectors.monthly_statement(household.grid, year, month)
    row = next((r for r in rows if r.household.pk == household.pk), None)
    doc = Document(f"户 {household.number} {year}年{month}月积分明细")
    doc.add_page()
    head = _head_name(row.head if row else None, masked=False)
    facts = [f"户主：{head}", f"{household.village.name}{household.grid.name}"]
    if row is not None and row.entries:
        facts.append(f"本月加分 +{row.plus}，扣分 {row.minus}，合计 {row.total} 分")
    if row is not None and any(r.entries for r in rows):
        facts.append(f"网格排名：第 {_rank_text(row.rank, row.tied)} 名 / 共 {len(rows)} 户")
    for fact in facts:
        doc.cell(0, 7, fact, new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    entries = row.entries if row else []
    doc.table_rows(["日期", "项目", "分值", "台账序号"],
                   [[f"{e.occurred_on:%Y-%m-%d}", entry_title(e) + ("（冲正）" if e.kind == EntryKind.REVERSAL else ""),
                     f"{e.points:+d}", e.seq] for e in entries] or [["", "本月没有积分记录", "", ""]],
                   [30, 110, 22, 24])
    return pdf_response(doc, f"户{household.number}-{year}年{month}月积分明细.pdf")


@login_required
@require_GET
@reads_from_replica
def village_ranking(request, pk: int):
    village = access_village(request.user, pk=pk, capability=caps.VIEW, from_inside=True)
    today = timezone.localdate()
    raw = (request.GET.get("year") or "").strip()
    error = ""
    year = today.year
    if raw:
        if raw.isdigit() and FIRST_YEAR <= int(raw) <= today.year:
            year = int(raw)
        else:
            error = f"年份（year）须为 {FIRST_YEAR} 到 {today.year} 之间的四位数字，如 {today.year}"
    rows = [] if error else settlement_selectors.annual_summary(village, year)
    scope = scope_of(request.user)
    # Plain dicts with the values shown, the link reversed once a row: the template's lookups on them and on a
    # dict are several times cheaper than {% url %} and attribute lookups on the rows (the page's main cost).
    shown = [{"village_rank": r.village_rank, "tied": r.tied, "township_rank": r.township_rank,
              "number": r.household.number, "url": reverse("points-household", args=[r.household.pk]),
              "name": r.head.name if r.head else "—", "score": r.score, "stars": r.stars,
              "star_text": "★" * r.stars, "honours": r.honours, "vetoed": r.vetoed, "credit_band": r.credit_band}
             for r in rows if scope.can(caps.VIEW, r.household.path)]
    return _render(request, "boards/ranking.html", {
        "village": village, "year": year, "years": list(range(today.year, max(FIRST_YEAR, today.year - 5) - 1, -1)),
        "rows": shown, "total": len(rows), "error": error,
    }, status=400 if error else 200)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{4,20}$")


@login_required
@require_GET
def household(request, pk: int):
    """Score and redeemable balance, whether it may redeem now, the year by month, every entry's origin."""

    household = area_selectors.household_detail(request.user, pk)
    return render_page(request, "boards/household.html",
                   household_context(request.user, household, timezone.localdate()))


def _line_rows(notice) -> list[dict]:
    """What the board shows of each line: never a full name, a phone number, an ID number or a tag."""
    rows = []
    for line in notice.lines.all():
        claim = line.claim
        objections = list(line.objections.all())
        if line.status == LineStatus.WITHDRAWN:
            status = "异议成立，已撤销"
        elif any(o.status == ObjectionStatus.OPEN for o in objections):
            status = "有异议，复议中"
        elif notice.status == NoticeStatus.POSTED:
            status = "已入账"
        else:
            status = "公示中"
        rows.append({
            "pk": line.pk, "claim_id": claim.pk, "name": mask_name(claim.person.name),
            "household": claim.household.number, "rule": claim.rule_version.title, "quantity": claim.quantity,
            "unit": claim.rule_version.get_unit_display(), "points": claim.points, "status": status,
            "standing": line.status == LineStatus.STANDING, "objections": len(objections),
        })
    return rows


def _period(notice, now) -> dict:
    is_open = notice.status == NoticeStatus.OPEN and now < notice.closes_at
    left = notice.closes_at - now
    return {"open": is_open, "days_left": math.ceil(left.total_seconds() / 86400) if is_open else 0,
            "hours_left": math.ceil(left.total_seconds() / 3600) if is_open else 0}


def _public_page(request, notice, *, form=None, error_line=None, status=200):
    now = timezone.now()
    context = {"notice": notice, "rows": _line_rows(notice), "period": _period(notice, now), "form": form,
               "error_line": error_line, "objection_form": claims_forms.ObjectionForm()}
    if notice.status == NoticeStatus.POSTED:
        check_url = request.build_absolute_uri(reverse("points-public-check", args=[notice.token]))
        context.update(short=short_hash(notice.chain_hash), check_url=check_url,
                       qr=qr_svg(check_url, label="扫码核验本次公示是否已入账"))
    context["total"] = sum(r["points"] for r in context["rows"] if r["standing"])
    return render_page(request, "boards/public_notice.html", context, status=status)


@require_http_methods(["GET", "POST"])
def public_notice(request, token: str):
    notice = claims_selectors.public_notice(token)
    if request.method == "GET":
        return _public_page(request, notice)
    if not rate_ok(request, "objection"):
        form = claims_forms.ObjectionForm(request.POST)
        form.is_valid()
        form.add_error(None, "提交过于频繁，请稍后再试")
        return _public_page(request, notice, form=form, status=429)
    form = claims_forms.ObjectionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        if d["website"]:  # the honeypot: answer as if accepted, record nothing
            messages.success(request, "异议已提交，村“两委”将复议并公开结论")
            return redirect("points-public-notice", token=notice.token)
        line = next((ln for ln in notice.lines.all() if ln.pk == d["line"]), None)
        if line is None:
            raise Http404("未找到该条目")
        try:
            objection = claims_services.raise_objection(
                actor=Actor.from_request(request), line=line, reason=d["reason"], contact_name=d["contact_name"],
                contact_phone=d["contact_phone"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"异议已提交，受理编号 {objection.reference}（请记下，可凭此查询复议结论）。"
                                      "村“两委”将复议并公开结论")
            return redirect(reverse("points-public-notice", args=[notice.token]) + f"#line-{line.pk}")
    return _public_page(request, notice, form=form, error_line=int_or_none(request.POST.get("line")), status=400)


@require_GET
def public_check(request, token: str):
    notice = claims_selectors.public_notice(token)
    if not rate_ok(request, "check"):
        return render_page(request, "boards/public_check.html", {"notice": notice, "limited": True}, status=429)
    result = claims_selectors.verify_notice(notice) if notice.status == NoticeStatus.POSTED else None
    rows = _line_rows(notice)
    if result is not None:
        broken_seq = result["broken"].seq if result["broken"] is not None else None
        for row in rows:
            entry = result["entries"].get(row["claim_id"])
            row["entry"] = entry
            row["short"] = short_hash(entry.hash) if entry else ""
            row["ok"] = entry is not None and (broken_seq is None or entry.seq < broken_seq) and (
                notice.chain_seq is None or entry.seq <= notice.chain_seq)
    typed = re.sub(r"[^0-9a-f]", "", request.GET.get("hash", "").lower())[:64]
    hash_match = None
    if typed and notice.chain_hash:
        hash_match = len(typed) >= 6 and notice.chain_hash.startswith(typed) and bool(result and result["head_matches"])
    return render_page(request, "boards/public_check.html", {
        "notice": notice, "result": result, "rows": [r for r in rows if r["standing"]],
        "short": short_hash(notice.chain_hash) if notice.chain_hash else "", "typed": typed,
        "hash_match": hash_match, "missing": (result["lines"] - result["found"]) if result else 0,
    })
