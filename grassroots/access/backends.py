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


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_account(username)
        if user is None:
            # Spend the same time as a real check, so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
