"""长辈模式 (elder-friendly mode): a display preference kept in a cookie, so it works without JavaScript,
without an account (public pages too) and across visits. The templates read the cookie to put
``class="elder"`` on <html> (no flash: the server sends the page already in that mode)."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

ELDER_COOKIE = "elder"  # the templates read request.COOKIES.elder: keep the two in step
ELDER_MAX_AGE = 5 * 365 * 24 * 3600


def _safe_next(request) -> str:
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
            return candidate
    return "/"


@csrf_exempt  # a display preference: forging it can only make the text larger, and a token would make pages differ
@require_POST
def elder_mode(request):
    """Turn 长辈模式 on (``elder=1``) or off (anything else) and go back to the page the switch was on."""
    response = HttpResponseRedirect(_safe_next(request))
    if request.POST.get("elder") == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=ELDER_MAX_AGE, samesite="Lax", httponly=True,
                            secure=request.is_secure())
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
