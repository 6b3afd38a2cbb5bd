from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from grassroots.access import selectors as access_selectors
from grassroots.access import services
from grassroots.access.forms import LoginForm
from grassroots.access.middleware import SESSION_KEY
from grassroots.access.models import ApiToken
from grassroots.access.scope import scope_of
from grassroots.areas import selectors
from grassroots.audit.context import Actor
from grassroots.rules.roles import VIEW_RESIDENTS


def login_view(request):
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.log_in(request=request, identifier=form.cleaned_data["identifier"],
                            password=form.cleaned_data["password"])
        except services.LoginRefused as refused:
            error = str(refused)
        else:
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "home"
            return redirect(target or "home")
    return render(request, "access/login.html", {"form": form, "error": error}, status=401 if error else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@login_required
def area_switch(request):
    """Choose the area to work in: the caller's own areas and, below them, any sub-area."""
    code = request.GET.get("code") or request.POST.get("code")
    if request.method == "POST" and code:
        area = selectors.area_for(request.user, code)
        request.session[SESSION_KEY] = area.code
        # The home's 记录积分 of another of one's grids: work there and go straight on (a path of this site only).
        target = request.POST.get("next", "")
        if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
        return redirect("home")
    base = selectors.area_for(request.user, code) if code else None
    choices = selectors.children_with_counts(request.user, base) if base else selectors.root_areas(request.user)
    trail = list(base.ancestors()) if base else []
    scope = scope_of(request.user)
    for area in trail:
        area.opens = scope.can(VIEW_RESIDENTS, area.path)  # the areas above one's own are named, not linked
    return render(request, "access/area_switch.html", {"base": base, "choices": choices, "trail": trail})


def _account_page(request, *, secret: str = "", created=None, error: str = "", device_name: str = "", status=200):
    tokens = list(access_selectors.tokens_of(request.user))
    return render(request, "access/account.html", {
        "tokens": tokens, "live": [t for t in tokens if t.active], "revoked": [t for t in tokens if not t.active],
        "secret": secret, "created": created, "error": error, "device_name": device_name,
        "max_tokens": services.MAX_LIVE_TOKENS,
    }, status=status)


@login_required
def account(request):
    """我的账号: the caller's API tokens (devices), a new one for a device (its secret shown once, on the answer to
    the POST and never again) and a revoke button for each (docs/api.md "Signing in")."""
    if request.method != "POST":
        return _account_page(request)
    device_name = request.POST.get("device_name", "")
    try:
        token, secret = services.issue_token(actor=Actor.from_request(request), user=request.user,
                                             name=device_name)
    except ValidationError as e:
        return _account_page(request, error="；".join(e.messages), device_name=device_name[:60], status=422)
    return _account_page(request, secret=secret, created=token)


@login_required
@require_POST
def account_token_revoke(request, token_id: int):
    """Revoke one of the caller's own tokens; another account's token is 404 like a missing one."""
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    try:
        services.revoke_token(actor=Actor.from_request(request), token=token)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"已吊销令牌“{token.name}”：持有它的设备下一次请求即被拒绝")
    return redirect("account")
