"""Pages of the love supermarket (爱心超市). Thin: parse → one service or selector → render.

Staff pages need a login and scope through access.scope: another village's shop, household or receipt
is 404; a member who may look (shop.view) but not act gets 403 on the counter, stock-in, products, cards
and voids. The donations board (/board/shops/<id>/donations/) is public: donors (organisations, or people
who agreed to be named) and items only.
"""

import mimetypes
import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import (
    access_area,
    access_scoped,
    refuse,
    refuse_without,
    require,
    scope_of,
    visible,
)
from grassroots.areas.models import Area, Household, Level
from grassroots.audit.context import Actor
from grassroots.core.excel import Sheet, xlsx_response
from grassroots.core.forms import add_service_errors, int_or_none, run_form_once
from grassroots.core.pdf import pdf_response
from grassroots.ledger import selectors as ledger_selectors
from grassroots.rules.masking import mask_name
from grassroots.rules.settlement import (
    fen_for,
    points_for_fen,
    quarter_bounds,
    quarter_label,
    quarter_of,
    yuan_text,
)
from grassroots.settlement import selectors as settlement_selectors
from grassroots.shop import capabilities as caps
from grassroots.shop import forms, receipts, selectors, services
from grassroots.shop.models import (
    HouseholdCard,
    Product,
    Shop,
)

# What a QR card encodes is the counter's card URL; a scanner types it (or a bare token) into the search box.
CARD_URL = re.compile(r"/shop/card/([A-Za-z0-9_-]{16,40})/?$")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
NO_DIFFERENCES = "实盘数量与账面库存一致，没有差异需要记录"


# ---------------------------------------------------------------- helpers


def _holds(user, capability: str, shop) -> bool:
    """At the shop's own area, or (a township shop) at one of the villages it serves."""
    return selectors.shops_for(user, capability).filter(pk=shop.pk).exists()


def _can(user, shop) -> dict:
    return {"redeem": _holds(user, caps.REDEEM, shop), "void": _holds(user, caps.VOID, shop),
            "manage": scope_of(user).can(caps.MANAGE, shop.path)}


def _render(request, template: str, context: dict, status: int = 200):
    shop = context.get("shop")
    if shop is not None:
        context.setdefault("shop_can", _can(request.user, shop))
    return render(request, template, context, status=status)


def _shop(request, pk: int, capability: str | None = None):
    """The shop (404 outside the caller's areas); 403 to a member without ``capability`` there."""
    shop = selectors.shop_for(request.user, pk)
    if capability == caps.MANAGE:
        require(request.user, capability, shop.path)
    elif capability and not _holds(request.user, capability, shop):
        raise PermissionDenied("您没有执行此操作的权限")
    return shop


def _rates(shop) -> list[tuple[int, list]]:
    """(points per yuan, [villages]) for the villages the shop serves, one entry per distinct rate."""
    by_rate: dict[int, list] = {}
    for village in shop.villages.order_by("path"):
        by_rate.setdefault(settlement_selectors.policy_for(village).points_per_yuan, []).append(village)
    return sorted(by_rate.items())


def _shelf(shop, *, include_retired=False):
    """The shop's products (with .stock and .is_low) and .costs: the points at each distinct village rate."""
    rates = _rates(shop)
    products = selectors.products(shop, include_retired=include_retired)
    for product in products:
        product.costs = [points_for_fen(product.price_fen, rate) for rate, _ in rates]
        product.price_text = yuan_text(product.price_fen)
    return products, rates


def _head_names(household_ids) -> dict[int, str]:
    return {pk: person.name for pk, person in ledger_selectors.household_heads(household_ids).items()}


# ---------------------------------------------------------------- home and products


@login_required
@require_GET
def home(request):
    """The caller's shops with what is low on stock; ``?area=CODE`` (as the dashboard's low-stock tile links it):
    the shops kept in that area (404 outside the caller's scope), listed even when there is one."""
    refuse_without(request.user, caps.VIEW)
    code = (request.GET.get("area") or "").strip()
    area = access_area(request.user, code=code, capability=caps.VIEW) if code else None
    shops = selectors.shops_for(request.user)
    if area is not None:
        shops = shops.filter(path__startswith=area.path)
    shops = list(shops)
    if len(shops) == 1 and area is None:
        return redirect("shop-detail", pk=shops[0].pk)
    low = selectors.low_stock_by_shop(shops)
    for shop in shops:
        shop.low = low.get(shop.pk, [])
    return render(request, "shop/home.html", {"shops": shops, "area": area})


@login_required
@require_GET
def detail(request, pk: int):
    shop = _shop(request, pk)
    products, rates = _shelf(shop, include_retired=True)
    return _render(request, "shop/detail.html", {
        "shop": shop, "products": [p for p in products if not p.is_retired],
        "retired": [p for p in products if p.is_retired], "rates": rates,
        "low": [p for p in products if p.is_low],
        "recent": selectors.redemptions(request.user, shop, limit=10),
    })


def _product_page(request, shop, form, product=None, status=200):
    return _render(request, "shop/product_form.html", {"shop": shop, "form": form, "product": product},
                   status=status)


@login_required
@require_http_methods(["GET", "POST"])
def product_add(request, pk: int):
    shop = _shop(request, pk, caps.MANAGE)
    if request.method == "GET":
        return _product_page(request, shop, forms.ProductForm())
    form = forms.ProductForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            product = services.add_product(actor=Actor.from_request(request), shop=shop, name=d["name"],
                                           unit=d["unit"], price_fen=forms.fen_of(d["price"]),
                                           low_stock=d["low_stock"], photo=d["photo"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已上架「{product.name}」，请录入入库")
            return redirect("shop-detail", pk=shop.pk)
    return _product_page(request, shop, form, status=400)


def _product(request, pk: int, capability: str | None = None) -> Product:
    product = selectors.product_for(request.user, pk)
    _shop(request, product.shop_id, capability)  # 403 without the right
    return product


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, pk: int):
    product = _product(request, pk, caps.MANAGE)
    shop = product.shop
    if product.is_retired:
        raise PermissionDenied("该商品已停用，不能修改")
    if request.method == "GET":
        form = forms.ProductForm(initial={"name": product.name, "unit": product.unit,
                                          "price": product.price_fen / 100, "low_stock": product.low_stock})
        return _product_page(request, shop, form, product)
    form = forms.ProductForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        changes = {"name": d["name"], "unit": d["unit"], "price_fen": forms.fen_of(d["price"]),
                   "low_stock": d["low_stock"]}
        if d["photo"]:
            changes["photo"] = d["photo"]
        changes = {k: v for k, v in changes.items() if k == "photo" or getattr(product, k) != v}
        try:
            if changes:
                services.update_product(actor=Actor.from_request(request), product=product, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存「{d['name']}」")
            return redirect("shop-product", pk=product.pk)
    return _product_page(request, shop, form, product, status=400)


@login_required
@require_POST
def product_retire(request, pk: int):
    product = _product(request, pk, caps.MANAGE)
    try:
        services.retire_product(actor=Actor.from_request(request), product=product)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"「{product.name}」已停用（历史记录保留）")
    return redirect("shop-detail", pk=product.shop_id)


@login_required
@require_GET
def product(request, pk: int):
    product = _product(request, pk)
    shop = product.shop
    costs = [(rate, villages, points_for_fen(product.price_fen, rate)) for rate, villages in _rates(shop)]
    return _render(request, "shop/product.html", {
        "shop": shop, "product": product, "stock": product.stock, "costs": costs,
        "price_text": yuan_text(product.price_fen), "movements": selectors.movements(shop, product=product)})


@login_required
@require_GET
def product_photo(request, pk: int):
    product = _product(request, pk)
    if not product.photo:
        raise Http404("没有照片")
    try:
        handle = product.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404("照片文件不存在") from exc
    content_type = mimetypes.guess_type(product.photo.name)[0] or ""
    if not content_type.startswith("image/") or content_type == "image/svg+xml":
        return FileResponse(handle, as_attachment=True, content_type="application/octet-stream")
    return FileResponse(handle, content_type=content_type)


# ---------------------------------------------------------------- stock in


def _on_shelf(shop) -> dict[int, object]:
    return {p.pk: p for p in selectors.products(shop)}


def _items_page(request, template, shop, form, rows=None, errors=(), status=200):
    products = list(_on_shelf(shop).values())
    rows = rows or [("", "")] * forms.ITEM_ROWS
    if len(rows) < forms.ITEM_ROWS:
        rows = [*rows, *[("", "")] * (forms.ITEM_ROWS - len(rows))]
    return _render(request, template, {"shop": shop, "form": form, "products": products, "rows": rows,
                                       "item_errors": errors}, status=status)


def _typed_rows(request):
    return list(zip(request.POST.getlist("product"), request.POST.getlist("quantity"), strict=False))


def _once(request, form, shop, action: str, work) -> dict | None:
    """``work`` once per the form's idempotency key (core.forms.run_form_once): the result, the first one's
    again for a retried form, or None with the refusal on ``form``. ``work`` returns what the page after it
    needs (the shop, the message); a key first used at another shop is refused."""
    done = run_form_once(request, form, action=action, work=work)
    if not done:
        return None
    if done.result.get("shop") != shop.pk:
        form.add_error(None, "该幂等键已用于其他超市，请刷新页面后重新提交")
        return None
    return done.result


def _stock_in(request, pk: int, form_class, template: str, action: str, record):
    """A stock-in form (its fields and item rows), recorded once per its key: ``record(actor, shop, data,
    items)`` writes it and returns the message for the shop page."""
    shop = _shop(request, pk, caps.MANAGE)
    if request.method == "GET":
        return _items_page(request, template, shop, form_class())
    form = form_class(request.POST)
    items, errors = forms.parse_items(request.POST, products=_on_shelf(shop))
    if form.is_valid() and not errors:
        result = _once(request, form, shop, action, lambda: {
            "shop": shop.pk, "message": record(Actor.from_request(request), shop, form.cleaned_data, items)})
        if result is not None:
            messages.success(request, result["message"])
            return redirect("shop-detail", pk=shop.pk)
    return _items_page(request, template, shop, form, _typed_rows(request), errors, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def donation_add(request, pk: int):
    def record(actor, shop, d, items):
        donation = services.record_donation(
            actor=actor, shop=shop, donor=d["donor"], donor_kind=d["donor_kind"], donated_on=d["donated_on"],
            items=items, value_fen=forms.fen_of(d["value"]), note=d["note"], is_public=d["is_public"])
        return f"已登记「{donation.donor}」的捐赠，{len(items)} 种商品已入库"

    return _stock_in(request, pk, forms.DonationForm, "shop/donation_form.html", services.DONATION_RECORD, record)


@login_required
@require_http_methods(["GET", "POST"])
def purchase_add(request, pk: int):
    def record(actor, shop, d, items):
        services.record_purchase(actor=actor, shop=shop, receipt_number=d["receipt_number"], items=items)
        return f"已登记采购（票据号 {d['receipt_number']}），{len(items)} 种商品已入库"

    return _stock_in(request, pk, forms.PurchaseForm, "shop/purchase_form.html", services.PURCHASE_RECORD, record)


@login_required
@require_http_methods(["GET", "POST"])
def stocktake(request, pk: int):
    """Two steps: type the counted quantities → see the differences that will be recorded → confirm.
    The confirmation is recorded once per the form's key: sent again, it shows the first one's result."""
    shop = _shop(request, pk, caps.MANAGE)
    products = list(selectors.products(shop))
    form = forms.StocktakeForm(request.POST or None, products=products)
    differences = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            counts = form.counts()
            differences = [(p, p.stock, counts[p.pk], counts[p.pk] - p.stock) for p in products
                           if p.pk in counts and counts[p.pk] != p.stock]
            if request.POST.get("confirm") == "1":
                def work():
                    moved = services.record_stocktake(actor=Actor.from_request(request), shop=shop, counts=counts,
                                                      reason=form.cleaned_data["reason"])
                    if not moved:  # a refusal, so that nothing is kept (not even the audit entry) under the key
                        raise ValidationError(NO_DIFFERENCES)
                    return {"shop": shop.pk, "message": f"已记录盘点差异 {len(moved)} 条"}

                result = _once(request, form, shop, services.STOCKTAKE_RECORD, work)
                if result is not None:
                    messages.success(request, result["message"])
                    return redirect("shop-detail", pk=shop.pk)
            elif not differences:
                form.add_error(None, NO_DIFFERENCES)
            else:
                status = 200
                for field in form.fields.values():  # what is confirmed is what was shown
                    field.widget.attrs["readonly"] = True
    return _render(request, "shop/stocktake.html", {
        "shop": shop, "form": form, "rows": [(p, form[f"count_{p.pk}"]) for p in products],
        "differences": differences}, status=status)


# ---------------------------------------------------------------- the counter


def _find(request, shop, q: str):
    """What the search box was given → households. A scanned card is its URL or its bare token."""
    q = (q or "").strip()
    match = CARD_URL.search(q)
    if match:
        q = match.group(1)
    return selectors.find_households(request.user, shop, q), bool(match or TOKEN.match(q))


def _household_card(request, shop, household, *, today):
    """What the cashier sees of a household: full name (staff), number, balance, whether and why."""
    village = household.village
    rate = settlement_selectors.policy_for(village).points_per_yuan
    standing = settlement_selectors.redemption_standing(household, today)
    credit = standing.credit
    products = selectors.products(shop)
    for p in products:
        p.cost = p.points_for(village)
    return {"household": household, "head": _head_names([household.pk]).get(household.pk, ""),
            "standing": standing, "credit": credit, "credit_yuan": yuan_text(fen_for(max(credit, 0), rate)),
            "rate": rate, "products": [p for p in products if p.stock > 0],
            "empty": [p for p in products if p.stock <= 0]}


def _counter_page(request, shop, *, household=None, form=None, typed=None, status=200):
    today = timezone.localdate()
    context = {"shop": shop, "q": request.GET.get("q", "").strip(), "results": None, "scanned": False}
    if household is not None:
        context.update(_household_card(request, shop, household, today=today))
        context["form"] = form or forms.RedeemForm(initial={"household": household.pk})
        typed = typed or {}
        for p in context["products"]:
            p.typed = typed.get(p.pk, 0)
        context["typed_total"] = sum(p.typed * p.cost for p in context["products"])
    elif context["q"]:
        results, scanned = _find(request, shop, context["q"])
        if len(results) == 1 and not request.htmx:
            return redirect(f"{reverse('shop-counter', args=[shop.pk])}?household={results[0].pk}")
        heads = _head_names(h.pk for h in results)
        for h in results:
            h.head_name = heads.get(h.pk, "")
        context.update(results=results, scanned=scanned)
    context["today_redemptions"] = [r for r in selectors.redemptions(request.user, shop, day=today, limit=50)
                                    if r.cashier_id == request.user.pk]
    template = "shop/_counter_results.html" if request.htmx and household is None else "shop/counter.html"
    return _render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def counter(request, pk: int):
    shop = _shop(request, pk, caps.REDEEM)
    if request.method == "GET":
        household_id = int_or_none(request.GET.get("household"))
        household = selectors.counter_household(request.user, shop, household_id) if household_id else None
        return _counter_page(request, shop, household=household)
    form = forms.RedeemForm(request.POST)
    household_id = int_or_none(request.POST.get("household"))
    if household_id is None:
        refuse(seen=False)  # no household named: as if missing
    household = selectors.counter_household(request.user, shop, household_id)
    products = list(selectors.products(shop))
    items, errors = forms.parse_quantities(request.POST, products)
    typed = dict(items)
    if request.POST.get("back") == "1":  # 返回修改 on the check screen: the counter again, nothing spent
        return _counter_page(request, shop, household=household, form=form, typed=typed)
    if form.is_valid() and not errors and request.POST.get("confirmed") != "1":
        # The first tap on 确认兑换 only shows what would happen; nothing is spent before 确定兑换.
        standing = settlement_selectors.redemption_standing(household, timezone.localdate())
        quote = selectors.quote(shop, household, items, standing=standing)
        if not quote.errors:
            return _render(request, "shop/counter_confirm.html", {
                "shop": shop, "household": household, "form": form, "quote": quote,
                "head": _head_names([household.pk]).get(household.pk, "")})
        errors = quote.errors
    elif form.is_valid() and not errors:
        key = form.cleaned_data["idempotency_key"]

        def work():
            # A retried tap is answered by run_once below; the receipt's own key is made from the form's.
            redemption = services.redeem(actor=Actor.from_request(request), shop=shop, household=household,
                                         items=items,
                                         idempotency_key=services.receipt_key(user=request.user, key=key, source="page"))
            return {"redemption": redemption.pk}

        done = run_form_once(request, form, action="shop.redemption.counter", work=work)
        if done:
            url = reverse("shop-redemption", args=[done.result["redemption"]])
            return redirect(url + ("?again=1" if done.replayed else "?done=1"))
    for error in errors:
        form.add_error(None, error)
    return _counter_page(request, shop, household=household, form=form, typed=typed, status=400)


@require_GET
def card_scan(request, token: str):
    """Where a phone's camera lands after reading a card (the address printed cards carry).

    A signed-in cashier who may redeem for the card's household: the counter of the caller's shop for it.
    Anyone else (a resident with no account, staff who may not redeem there): the household's 我的积分 page
    (boards/my_points.py), which counts the request with the rate limiter and answers an unknown or revoked
    token with 404. Nothing is looked up here for them, so this address tells nothing about a token.
    """
    if request.user.is_authenticated and selectors.card_household(token) is not None:
        for shop in selectors.shops_for(request.user, caps.REDEEM):
            found = selectors.find_households(request.user, shop, token)
            if found:
                return redirect(f"{reverse('shop-counter', args=[shop.pk])}?household={found[0].pk}")
    response = redirect("points-my-points", token=token)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of the Referer
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# ---------------------------------------------------------------- receipts and voids


def _receipt_context(request, redemption):
    lines = list(redemption.lines.all())
    for line in lines:
        line.unit_points = line.points // line.quantity
    head = _head_names([redemption.household_id]).get(redemption.household_id, "")
    return {"shop": redemption.shop, "redemption": redemption, "lines": lines, "head": head,
            "masked_head": mask_name(head), "yuan": yuan_text(redemption.fen),
            "balance_after": selectors.balance_after(redemption)}


def _may_void(request, redemption) -> bool:
    return (redemption.voided_at is None and scope_of(request.user).can(caps.VOID, redemption.path)
            and timezone.localtime(redemption.created_at).date() == timezone.localdate())


@login_required
@require_GET
def redemption(request, pk: int):
    redemption = selectors.redemption_for(request.user, pk)
    context = _receipt_context(request, redemption)
    context.update(again=request.GET.get("again") == "1", done=request.GET.get("done") == "1",
                   may_void=_may_void(request, redemption))
    return _render(request, "shop/redemption.html", context)


@login_required
@require_GET
def redemption_pdf(request, pk: int, paper: str):
    redemption = selectors.redemption_for(request.user, pk)
    context = _receipt_context(request, redemption)
    doc = receipts.receipt_document(redemption, context["lines"], head_name=context["head"], paper=paper,
                                    balance_after=context["balance_after"])
    return pdf_response(doc, f"兑换小票-{redemption.number}{'-A4' if paper == 'a4' else ''}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def redemption_void(request, pk: int):
    redemption = selectors.redemption_for(request.user, pk)
    require(request.user, caps.VOID, redemption.path)
    form = forms.ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.void_redemption(actor=Actor.from_request(request), redemption=redemption,
                                         reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"兑换单 {redemption.number} 已作废：积分已退回，商品已回库")
                return redirect("shop-redemption", pk=redemption.pk)
    context = _receipt_context(request, redemption)
    context.update(form=form, may_void=_may_void(request, redemption))
    return _render(request, "shop/void.html", context, status=status)


# ---------------------------------------------------------------- household cards


def _grids(request, shop):
    villages = shop.villages.all()
    return list(visible(request.user, Area.objects.filter(level=Level.GRID, parent__in=villages), caps.VIEW)
                .select_related("parent").order_by("path"))


def _grid(request, shop, grids):
    grid_id = int_or_none(request.GET.get("grid") or request.POST.get("grid"))
    if grid_id is None:
        return grids[0] if grids else None
    grid = next((g for g in grids if g.pk == grid_id), None)
    if grid is None:
        refuse(seen=False)  # not a grid of this shop's villages that the caller sees
    return grid


def _grid_households(grid):
    households = list(Household.objects.filter(grid=grid, is_active=True).order_by("number").prefetch_related(
        Prefetch("shop_cards", queryset=HouseholdCard.objects.filter(revoked_at__isnull=True), to_attr="active")))
    heads = _head_names(h.pk for h in households)
    for h in households:
        h.head_name = heads.get(h.pk, "")
        h.card = h.active[0] if h.active else None
    return households


@login_required
@require_GET
def cards(request, pk: int):
    shop = _shop(request, pk)
    grids = _grids(request, shop)
    grid = _grid(request, shop, grids)
    households = _grid_households(grid) if grid else []
    return _render(request, "shop/cards.html", {
        "shop": shop, "grids": grids, "grid": grid, "households": households,
        "without": sum(1 for h in households if h.card is None), "reason_form": forms.ReasonForm()})


def _cards_url(shop, grid) -> str:
    return f"{reverse('shop-cards', args=[shop.pk])}?grid={grid.pk}"


@login_required
@require_POST
def card_issue(request, pk: int):
    """Issue (or reissue: the old card is revoked as 补办) one household's card, or every missing one of a grid."""
    shop = _shop(request, pk, caps.MANAGE)
    grids = _grids(request, shop)
    actor = Actor.from_request(request)
    household_id = int_or_none(request.POST.get("household"))
    if household_id is None:
        grid = _grid(request, shop, grids)
        if grid is None:
            refuse(seen=False)
        now = timezone.now()
        cards = services.issue_grid_cards(actor=actor, grid=grid, now=now)
        messages.success(request, f"已为{grid.name}新发卡 {sum(1 for c in cards if c.issued_at == now)} 张，"
                                  f"本网格现有有效户卡 {len(cards)} 张")
        return redirect(_cards_url(shop, grid))
    household = selectors.counter_household(request.user, shop, household_id)
    require(request.user, caps.MANAGE, household.path)
    services.issue_card(actor=actor, household=household)
    messages.success(request, f"已为 {household.number} 发放新卡（原卡如有已作废）")
    return redirect(_cards_url(shop, household.grid))


@login_required
@require_POST
def card_revoke(request, pk: int, card: int):
    shop = _shop(request, pk, caps.MANAGE)
    found = access_scoped(HouseholdCard.objects.select_related("household__grid"), pk=card, revoked_at__isnull=True)
    household = selectors.counter_household(request.user, shop, found.household_id)
    require(request.user, caps.MANAGE, household.path)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "挂失须填写原因")
    else:
        try:
            services.revoke_card(actor=Actor.from_request(request), card=found, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"{household.number} 的卡已挂失，可补办新卡")
    return redirect(_cards_url(shop, household.grid))


@login_required
@require_GET
def card_sheet(request, pk: int):
    shop = _shop(request, pk, caps.MANAGE)
    grid = _grid(request, shop, _grids(request, shop))
    if grid is None:
        refuse(seen=False)
    faces = [receipts.CardFace(number=card.household.number, head_name=card.head.name if card.head else "",
                               qr_data=request.build_absolute_uri(reverse("shop-card-scan", args=[card.token])))
             for card in selectors.grid_cards(request.user, grid)]
    village = grid.parent.name
    doc = receipts.card_sheet(f"{village} {grid.name} 爱心超市积分卡", f"{village} · {grid.name}", faces)
    return pdf_response(doc, f"积分卡-{village}-{grid.name}.pdf")


# ---------------------------------------------------------------- exchange day


def _period(request):
    form = forms.PeriodForm(request.GET or None)
    start, end = quarter_bounds(*quarter_of(timezone.localdate()))
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
        if start > end:
            form.add_error(None, "开始日期不能晚于结束日期")
    return form, start, end


def _period_text(start: date, end: date) -> str:
    year, quarter = quarter_of(start)
    if (start, end) == quarter_bounds(year, quarter):
        return f"{quarter_label(year, quarter)}（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）"
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


def _report_tables(report) -> list[tuple]:
    """The report as tables: (heading, column titles, widths in mm for the PDF, rows)."""
    heads = _head_names(r.household_id for r in report["redemptions"])
    points: dict[int, int] = {}
    for r in report["redemptions"]:
        for line in r.lines.all():
            points[line.product_id] = points.get(line.product_id, 0) + line.points
    return [
        ("兑换明细", ["兑换单号", "时间", "户号", "户主", "积分", "价值", "商品"], [40, 22, 20, 18, 14, 20, 52],
         [[r.number, timezone.localtime(r.created_at).strftime("%m-%d %H:%M"), r.household.number,
           heads.get(r.household_id, ""), r.points, yuan_text(r.fen),
           "、".join(f"{line.product.name}×{line.quantity}" for line in r.lines.all())]
          for r in report["redemptions"]]),
        ("发放商品", ["商品", "单位", "数量", "积分", "价值"], [62, 22, 30, 34, 38],
         [[row["product"].name, row["product"].unit, row["quantity"], points.get(row["product"].pk, 0),
           yuan_text(row["fen"])] for row in report["items_out"]]),
        ("现有库存", ["商品", "单位", "库存"], [100, 40, 46],
         [[p.name + ("（已停用）" if p.is_retired else ""), p.unit, p.stock] for p in report["stock_left"]]),
        ("收到捐赠", ["日期", "捐赠方", "物品", "价值"], [26, 56, 74, 30],
         [[d.donated_on.isoformat(), d.donor, _items_text(d), yuan_text(d.value_fen)] for d in report["donations"]]),
    ]


def _items_text(donation) -> str:
    return "、".join(f"{m.product.name}{m.quantity}{m.product.unit}" for m in donation.movements.all())


@login_required
@require_GET
def exchange_day(request, pk: int, fmt: str = "html"):
    shop = _shop(request, pk)
    form, start, end = _period(request)
    status = 400 if form.errors else 200
    report = selectors.exchange_day(shop, start, end)
    tables = _report_tables(report)
    period = _period_text(start, end)
    summary = {"households": report["households"], "redemptions": len(report["redemptions"]),
               "points": report["points"], "yuan": yuan_text(report["fen"]), "voided": report["voided"],
               "donations": len(report["donations"]), "donation_yuan": yuan_text(report["donation_fen"])}
    if fmt == "xlsx" and not form.errors:
        rows = [["兑换户数", summary["households"]], ["兑换笔数", summary["redemptions"]],
                ["消耗积分", summary["points"]], ["折合金额（元）", report["fen"] / 100],
                ["作废笔数", summary["voided"]], ["收到捐赠（笔）", summary["donations"]]]
        more = [Sheet(heading, titles, rows) for heading, titles, _, rows in tables]
        return xlsx_response(f"兑换会-{shop.name}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx", ["项目", period], rows,
                             title="汇总", more=more)
    if fmt == "pdf" and not form.errors:
        doc = receipts.exchange_day_document(shop.name, period, summary, tables)
        return pdf_response(doc, f"兑换会-{shop.name}-{start:%Y%m%d}-{end:%Y%m%d}.pdf")
    return _render(request, "shop/exchange_day.html", {
        "shop": shop, "form": form, "start": start, "end": end, "period": period, "report": summary,
        "tables": tables, "query": f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"}, status=status)


# ---------------------------------------------------------------- the public donations board


@require_GET
def public_donations(request, pk: int):
    """Public: published donations of an active shop (donor, items, date). No login, no personal data."""
    shop = access_scoped(Shop.objects.all(), pk=pk, is_active=True)  # public: every active shop
    donations = list(selectors.public_donations(shop))
    for donation in donations:
        donation.value_text = yuan_text(donation.value_fen)
    return render(request, "shop/public_donations.html", {"shop": shop, "donations": donations})
