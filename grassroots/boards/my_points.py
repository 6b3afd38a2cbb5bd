"""我的积分: a household's own points page, opened by scanning its card (户卡) with no account.

The card's QR code holds the counter's address (/shop/card/<token>/, ``shop-card-scan``), printed on cards already
handed out; that view sends a cashier who may redeem for the household to the counter and everyone else here
(/my/<token>/, ``points-my-points``). The card's opaque token is the only key: a household number or id opens
nothing. Every request is counted by the one rate limiter (``core.ratelimit``, scope ``points:my-points``) before
the token is looked up, and an unknown, a revoked (挂失, 补办) and a left household's token answer the same 404 page.

What the page shows is the household's own: the head's masked name, the household number, this year's score, the
redeemable balance, this quarter's standing, and its entries by month with their origins and the members' masked
names. Never an ID number, a phone number, a tag, party membership, another household, or a link into the staff
pages. The answers are ``Cache-Control: private, no-store``, ``Referrer-Policy: no-referrer`` (the token stays
out of every Referer) and ``X-Robots-Tag: noindex``.

The figures are ``boards.views.household_context`` and ``settlement.selectors.redemption_standing`` (no copy of
their arithmetic). The entries are read for that one household directly (``boards.selectors.card_entries``: its
own rows through the ledger's household index), not through an account's scope: showing the card is the
permission.
"""

import math

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grassroots.areas.models import Person
from grassroots.boards import selectors
from grassroots.boards.views import entry_title, household_context
from grassroots.core import ratelimit
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger.models import EntryKind
from grassroots.rules.masking import mask_name, mask_numbers
from grassroots.rules.settlement import quarter_bounds, quarter_label, quarter_of, settle
from grassroots.shop import selectors as shop_selectors

RATE_SCOPE = "points:my-points"

# What every answer of the card's pages carries (the 404 and the 429 too): nothing kept by a shared cache or
# the phone's history cache, the address (with the token) never sent on as a Referer, nothing indexed.
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def private(response):
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


def _origin(entry) -> str:
    """Where an entry came from, in a resident's words: the notice it was posted from, the settlement that
    granted it, the entry a reversal undoes and why. Text staff typed has its phone and ID numbers masked."""
    parts = []
    if entry.kind == EntryKind.REVERSAL and entry.reverses_id:
        parts.append(f"冲正：撤销台账第 {entry.reverses.seq} 条（{mask_numbers(entry_title(entry.reverses))}）")
        if entry.rule_version_id and entry.reason:  # else the reason is already the entry's title
            parts.append(f"理由：{mask_numbers(entry.reason)}")
    if entry.notice_id:
        parts.append(f"经 {timezone.localtime(entry.notice.opened_at):%Y-%m-%d} 起的公示后入账")
    if entry.settlement_id:
        parts.append(f"{quarter_label(entry.settlement.year, entry.settlement.quarter)}评议")
    return "；".join(parts)


def _quarter(household, today, policy) -> dict:
    """This quarter so far: the household's points against the village's threshold."""
    year, quarter = quarter_of(today)
    start, end = quarter_bounds(year, quarter)
    points = ledger_selectors.score_between([household.pk], start, end)[household.pk]
    result = settle(points, vetoed=False, threshold=policy.threshold)
    return {"label": quarter_label(year, quarter), "points": points, "threshold": policy.threshold,
            "reached": result.eligible, "short": max(policy.threshold - points, 0), "end": end}


@require_GET
def my_points(request, token: str):
    decision = ratelimit.check(request, RATE_SCOPE)
    if not decision.allowed:
        response = render(request, "boards/my_points_limited.html",
                          {"minutes": math.ceil(decision.retry_after / 60)}, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return private(response)
    household = shop_selectors.card_household(token)
    if household is None or not household.is_active:
        # Unknown, revoked or replaced, or the household left the register: one page for all, telling nothing.
        return private(render(request, "boards/my_points_missing.html", {}, status=404))
    today = timezone.localdate()
    entries, undone = selectors.card_entries(household)
    household.member_list = list(household.members.filter(is_active=True, relation=Person.Relation.HEAD))
    context = household_context(request.user, household, today, entries=entries)
    for entry in entries:
        entry.shown_title = mask_numbers(entry.title)
        entry.who = mask_name(entry.person.name) if entry.person_id else ""
        entry.origin = _origin(entry)
        entry.undone = entry.pk in undone
    head = context["head"]
    context.update(head_masked=mask_name(head.name) if head else "", quarter=_quarter(household, today, context["policy"]),
                   elder=request.COOKIES.get("elder") == "1", today=today)
    return private(render(request, "boards/my_points.html", context))
