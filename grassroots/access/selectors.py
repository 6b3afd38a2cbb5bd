"""Reads of accounts: which account an identifier names, whether a password is its own, and whether an
account or an address is locked out (a rule over the log-in audit entries)."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from grassroots.access.models import ApiToken, User
from grassroots.audit.models import AuditEntry
from grassroots.rules.lockout import address_blocked_until, locked_until
from grassroots.rules.mobile import MobileError, normalise_mobile

# The audit actions the lock-out reads (written by access.services.sign_in).
LOGIN_FAILURE = "login.failure"
LOGIN_SUCCESS = "login.success"


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


def lock_state(key: str, *, now=None):
    now = now or timezone.now()
    recent = AuditEntry.objects.filter(
        object_type="account", object_id=key, at__gte=now - timedelta(days=1),
        action__in=[LOGIN_FAILURE, LOGIN_SUCCESS],
    ).values_list("action", "at")
    failures = [at for action, at in recent if action == LOGIN_FAILURE]
    successes = [at for action, at in recent if action == LOGIN_SUCCESS]
    return locked_until(
        failures, now=now, last_success=max(successes, default=None),
        max_failures=settings.LOGIN_LOCKOUT_FAILURES, lockout=timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES),
    )


def address_state(ip: str | None, *, now=None):
    """When the client address ``ip`` may try again, or None: failed log-ins from it over any accounts."""
    if not ip:
        return None
    now = now or timezone.now()
    failures = AuditEntry.objects.filter(
        action=LOGIN_FAILURE, at__gte=now - timedelta(days=1), ip=ip,
    ).values_list("at", flat=True)
    return address_blocked_until(
        failures, now=now,
        max_failures=settings.LOGIN_ADDRESS_FAILURES,
        window=timedelta(minutes=settings.LOGIN_ADDRESS_WINDOW_MINUTES),
        block=timedelta(minutes=settings.LOGIN_ADDRESS_BLOCK_MINUTES),
    )


def hash_of(secret: str) -> str:
    """The stored form of an API token's secret: only its SHA-256 is kept."""
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for_token(secret: str, *, now=None):
    """The active account an API token's secret belongs to, with the token; (None, None) for an unknown,
    revoked or deactivated one. ``last_used_at`` is written at most once a minute per token."""
    token = (ApiToken.objects.select_related("user")
             .filter(secret_hash=hash_of(secret), revoked_at__isnull=True, user__is_active=True).first())
    if token is None:
        return None, None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
