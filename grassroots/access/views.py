from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from grassroots.access import services
from grassroots.access.forms import LoginForm
from grassroots.access.middleware import SESSION_KEY
from grassroots.access.scope import scope_of
from grassroots.areas import selectors
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
