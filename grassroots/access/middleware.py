import logging
import time

from django.contrib.sessions.middleware import SessionMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from grassroots.access.scope import visible
from grassroots.areas.models import Area
from grassroots.areas.selectors import root_areas

logger = logging.getLogger(__name__)

SESSION_KEY = "current_area_code"


def _current_area(request):
    """The area the caller is working in: chosen with the area switcher, else their outermost one."""
    user = request.user
    if not user.is_authenticated:
        return None
    code = request.session.get(SESSION_KEY)
    if code:
        area = visible(user, Area.objects.filter(code=code)).first()
        if area is not None:
            return area
    return root_areas(user).first()


class CurrentAreaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.current_area = SimpleLazyObject(lambda: _current_area(request))
        return self.get_response(request)


class IdleSessionMiddleware(SessionMiddleware):
    """Django's session middleware with two changes (replaces SESSION_SAVE_EVERY_REQUEST):

    * the idle clock (SESSION_COOKIE_AGE, 30 minutes) is renewed by activity, but the session row is
      written at most once every REFRESH_SECONDS, not on every request;
    * saving the session never turns the view's response into an error: by then the view has committed
      (a redemption at the counter, say), and a cashier told "400 Bad Request" would ring the sale up
      twice. A failed save is logged and the view's answer goes out as it is.
    """

    REFRESH_SECONDS = 60
    TOUCHED = "_touched"

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None:
            try:
                self._touch(session)
            except Exception:  # reading the session failed (the database went away): the view's answer stands
                logger.exception("session could not be read after %s %s", request.method, request.path)
                return response
        try:
            return super().process_response(request, response)
        except Exception:
            logger.exception("session could not be saved after %s %s (status %s); answering the view's response",
                             request.method, request.path, response.status_code)
            patch_vary_headers(response, ("Cookie",))
            return response

    def _touch(self, session) -> None:
        """Mark a live session for saving when its idle clock was last renewed a minute ago or more."""
        if session.is_empty() or not list(session.keys()):
            return  # nobody to keep logged in (no cookie, or one of a session that has expired)
        now = int(time.time())
        touched = session.get(self.TOUCHED)
        if (session.modified or not isinstance(touched, int) or now - touched >= self.REFRESH_SECONDS
                or touched > now):
            session[self.TOUCHED] = now  # saved by SessionMiddleware, which renews the expiry


def start_idle_clock(sender, request, user, **kwargs):
    """A log-in writes the session anyway: start the idle clock there, so that the requests of the next
    minute write nothing (connected to ``user_logged_in`` in AccessConfig.ready)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[IdleSessionMiddleware.TOUCHED] = int(time.time())
