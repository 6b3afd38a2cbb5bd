from django.contrib.auth.backends import ModelBackend

from grassroots.access.services import LoginRefused, sign_in


class UsernameOrMobileBackend(ModelBackend):
    """``authenticate()`` goes through ``access.services.sign_in``: whatever calls it (a stock Django
    log-in form, a third-party view) gets the same throttle, lock-out and audit entries as the log-in page.
    (Finding the account and checking its password are ``access.selectors``.)"""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            return sign_in(request=request, identifier=username, password=password, entrance="authenticate")
        except LoginRefused:
            return None
