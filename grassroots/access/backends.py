from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from grassroots.access.models import User
from grassroots.rules.mobile import MobileError, normalise_mobile


def find_account(identifier: str) -> User | None:
    """The active account whose username or mobile is ``identifier``."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    query = Q(username=identifier)
    try:
        mobile = normalise_mobile(identifier)
    except MobileError:
        mobile = ""
    if mobile:
        query |= Q(mobile=mobile)
    return User.objects.filter(query).first()


def check_password(user: User | None, password: str) -> User | None:
    """``user`` if ``password`` is theirs and the account may log in, else None. Only ``sign_in`` calls this."""
    if user is None:
        # Spend the same time as a real check, so timing does not reveal which accounts exist.
        User().set_password(password)
        return None
    if user.check_password(password) and user.is_active:
        return user
    return None


class UsernameOrMobileBackend(ModelBackend):
    """``authenticate()`` goes through ``access.services.sign_in``: whatever calls it (a stock Django
    log-in form, a third-party view) gets the same throttle, lock-out and audit entries as the log-in page."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from grassroots.access.services import LoginRefused, sign_in

        if username is None or password is None:
            return None
        try:
            return sign_in(request=request, identifier=username, password=password, entrance="authenticate")
        except LoginRefused:
            return None
