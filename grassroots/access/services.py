"""Account writes: log-in (with lock-out and its log), accounts and role assignments."""

import secrets
from dataclasses import replace

from django.contrib.auth import login, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from grassroots.access.models import ApiToken, RoleAssignment, User
from grassroots.access.scope import authorise, authorise_organisation, scope_of
from grassroots.access.selectors import (
    LOGIN_FAILURE,
    LOGIN_SUCCESS,
    address_state,
    check_password,
    find_account,
    hash_of,
    lock_state,
)
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.refusals import Refusal
from grassroots.party import capabilities as party_caps
from grassroots.party.models import Organisation
from grassroots.rules.mobile import MobileError, normalise_mobile
from grassroots.rules.roles import MANAGE_ACCOUNTS, Role

# Audit actions (``app.noun.verb``). The log-in and account values predate the pattern and stay as they are:
# the lock-out rule, the audit search and the tests read them by value. LOGIN_FAILURE and LOGIN_SUCCESS are
# defined beside the lock-out that reads them (access.selectors).
LOGIN_THROTTLED = "login.throttled"
LOGIN_LOCKED = "login.locked"
LOGIN_REFUSED = "login.refused"
ACCOUNT_CREATE = "account.create"
ACCOUNT_ASSIGN_ROLE = "account.assign_role"
ACCOUNT_CHANGE_PASSWORD = "account.change_password"
TOKEN_ISSUE = "access.token.issue"
TOKEN_REVOKE = "access.token.revoke"


class LoginRefused(Exception):
    """A refused log-in, with the message for the person; ``retry_after`` (seconds) when the account or the
    address is locked out for a while rather than the password being wrong."""

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def _account_key(identifier: str, user: User | None) -> str:
    return user.username if user is not None else (identifier or "").strip().lower()[:80]


def _area_path_of(user: User | None) -> str:
    if user is None:
        return ""
    return user.assignments.order_by("area__path").values_list("area__path", flat=True).first() or ""


def _minutes_left(until) -> int:
    return max(1, int((until - timezone.now()).total_seconds() // 60) + 1)


def _seconds_left(until) -> int:
    return max(1, int((until - timezone.now()).total_seconds()) + 1)


def _note(actor: Actor, action: str, key: str, account: User | None, entrance: str, **data) -> None:
    with transaction.atomic():
        record(actor=actor, action=action, object_type="account", object_id=key, area_path=_area_path_of(account),
               data={"entrance": entrance, **data})


BACKEND = "grassroots.access.backends.UsernameOrMobileBackend"


def sign_in(*, request, identifier: str, password: str, entrance: str = "page", staff_only: bool = False) -> User:
    """The one check of a username (or mobile) and password, for every way in.

    The log-in page, the admin's log-in form, a bare ``authenticate()`` and (later) the API's token
    sign-in all call this, so they share the per-address throttle, the account lock-out, the password
    check and the audit entries (``login.throttled``, ``login.locked``, ``login.failure``,
    ``login.refused``, ``login.success``; ``data.entrance`` says which door). Returns the user (with
    ``user.backend`` set, ready for ``django.contrib.auth.login``) or raises ``LoginRefused`` with a
    message for the person. It does not start a session: the caller does, or issues its token.

    ``staff_only``: the admin's door; an account that is not staff is refused after a right password.
    """
    identifier = (identifier or "")[:150]
    account = find_account(identifier)
    key = _account_key(identifier, account)
    actor = Actor.from_request(request) if request is not None else Actor(user=None, name="匿名")
    typed = {"identifier": identifier[:80]}

    blocked = address_state(actor.ip)
    if blocked is not None:
        _note(actor, LOGIN_THROTTLED, key, account, entrance, **typed)
        raise LoginRefused(f"该网络地址登录失败次数过多，已暂停登录，请{_minutes_left(blocked)}分钟后再试",
                           retry_after=_seconds_left(blocked))
    until = lock_state(key)
    if until is not None:
        _note(actor, LOGIN_LOCKED, key, account, entrance, **typed)
        raise LoginRefused(f"连续登录失败次数过多，账号已锁定，请{_minutes_left(until)}分钟后再试",
                           retry_after=_seconds_left(until))
    user = check_password(account, password)
    if user is None:
        _note(actor, LOGIN_FAILURE, key, account, entrance, **typed)
        raise LoginRefused("用户名或密码不正确")
    if staff_only and not user.is_staff:
        _note(actor, LOGIN_REFUSED, key, account, entrance, reason="not_staff")
        raise LoginRefused("该账号不能进入管理后台")
    _note(replace(actor, user=user, name=user.get_username()), LOGIN_SUCCESS, key, user, entrance)
    user.backend = BACKEND
    return user


def log_in(*, request, identifier: str, password: str) -> User:
    """The log-in page: ``sign_in`` and a session."""
    user = sign_in(request=request, identifier=identifier, password=password, entrance="page")
    login(request, user)
    return user


@transaction.atomic
def create_account(*, actor: Actor, username: str, password: str, display_name: str = "", mobile: str = "",
                   is_superuser: bool = False, is_staff: bool = False,
                   roles: list[tuple[str, object]] = ()) -> User:
    """A new account with its roles. ``is_superuser`` and ``is_staff`` (the admin site open to it) only from
    a command (``grassroots createadmin``, the demo); the audit entry says so."""
    if not roles and not actor.is_system:
        raise ValidationError({"roles": "须为账号分配至少一个角色"})
    for role, where in roles:
        _authorise_grant(actor, role, where)
    if is_superuser and not actor.is_system:
        raise ValidationError("只能在命令行创建超级管理员")
    if is_staff and not actor.is_system:
        raise ValidationError("只能在命令行创建可进入管理后台的账号")
    try:
        mobile = normalise_mobile(mobile)
    except MobileError as e:
        raise ValidationError({"mobile": str(e)}) from None
    if mobile and User.objects.filter(mobile=mobile).exists():
        raise ValidationError({"mobile": "该手机号已被其他账号使用"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "用户名已存在"})
    user = User(username=username, display_name=display_name, mobile=mobile or None,
                is_superuser=is_superuser, is_staff=is_superuser or is_staff)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    for role, where in roles:
        RoleAssignment.objects.create(user=user, role=role, **_held_on(where))
    data = {"username": username, "roles": [[r, _code(w)] for r, w in roles]}
    if is_staff:
        data["is_staff"] = True
    record(actor=actor, action=ACCOUNT_CREATE, obj=user, area_path=_path(roles[0][1]) if roles else "", data=data)
    return user


# A role is held on an area, or (an organisation secretary's) on a party organisation, which the organisation
# department grants (party/capabilities.py MANAGE).
def _authorise_grant(actor: Actor, role: str, where) -> None:
    if isinstance(where, Organisation) != (role == Role.ORGANISATION_SECRETARY):
        raise ValidationError({"roles": "党组织书记的角色须授予在党组织上，其他角色须授予在区域上"})
    if isinstance(where, Organisation):
        authorise_organisation(actor, party_caps.MANAGE, where, seen_with=party_caps.VIEW)
    else:
        authorise(actor, MANAGE_ACCOUNTS, where.path)


def _held_on(where) -> dict:
    return {"area": where.area, "organisation": where} if isinstance(where, Organisation) else {"area": where}


def _code(where) -> str:
    return (where.code or f"o{where.pk}") if isinstance(where, Organisation) else where.code


def _path(where) -> str:
    return where.area_path if isinstance(where, Organisation) else where.path


@transaction.atomic
def assign_role(*, actor: Actor, user: User, role: str, area) -> RoleAssignment:
    """Grant ``role`` on ``area`` (an Area, or a party Organisation for an organisation secretary)."""
    _authorise_grant(actor, role, area)
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, **_held_on(area))
    record(actor=actor, action=ACCOUNT_ASSIGN_ROLE, obj=user, area_path=_path(area),
           data={"role": role, "area": _code(area)})
    return assignment


@transaction.atomic
def change_password(*, actor: Actor, user: User, password: str) -> None:
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=actor, action=ACCOUNT_CHANGE_PASSWORD, obj=user, area_path=_area_path_of(user))



# ---------------------------------------------------------------------------------------------
# API tokens (personal access tokens; docs/api.md "Signing in")
# ---------------------------------------------------------------------------------------------

TOKEN_PREFIX = "gr_"  # says what the string is when it turns up in a log or a paste
MAX_LIVE_TOKENS = 20  # per account: a phone, a tablet, a few back ends; more means tokens are being leaked


def sign_in_for_token(*, request, identifier: str, password: str, device_name: str) -> tuple[ApiToken, str]:
    """The API's sign-in: ``sign_in`` (same throttle, lock-out, password check and audit as the page, with
    ``entrance="api"``), then a new token for this device. Returns the token and its secret, shown once."""
    user = sign_in(request=request, identifier=identifier, password=password, entrance="api")
    return issue_token(actor=replace(Actor.from_request(request), user=user, name=user.get_username()),
                       user=user, name=device_name)


@transaction.atomic
def issue_token(*, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token of ``user`` named for its device; the secret is returned once and only its hash kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"device_name": "请填写设备名称，如“张三的手机”，便于日后在账号页识别和吊销"})
    if len(name) > 60:
        raise ValidationError({"device_name": "设备名称最多 60 个字符"})
    if actor.user != user and not (actor.is_system or (actor.user and actor.user.is_superuser)):
        raise PermissionDenied("只能为自己的账号创建令牌")
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if live.count() >= MAX_LIVE_TOKENS:
        raise Refusal({"device_name": f"该账号已有 {MAX_LIVE_TOKENS} 个有效令牌，请先在账号页吊销不用的设备"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:10], secret_hash=hash_of(secret))
    record(actor=actor, action=TOKEN_ISSUE, obj=user, area_path=_area_path_of(user),
           data={"token": token.pk, "name": name, "prefix": token.prefix})
    return token, secret


def _manages_account(manager: User | None, account: User) -> bool:
    if manager is None or not manager.is_active:
        return False
    scope = scope_of(manager)
    return scope.everything or any(scope.can(MANAGE_ACCOUNTS, assignment.area.path)
                                   for assignment in account.assignments.select_related("area"))


@transaction.atomic
def revoke_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke ``token``: its holder, or in the back office whoever manages the account (a superuser, or one
    holding account management over an area where the account holds a role). The next request with it answers
    401."""
    if actor.user != token.user and not (actor.is_system or _manages_account(actor.user, token.user)):
        raise PermissionDenied("只能吊销自己的令牌，或您所管理账号的令牌")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise Refusal("该令牌已吊销")
    token.revoked_at = timezone.now()
    token.revoked_by = actor.user
    token.save(update_fields=["revoked_at", "revoked_by"])
    record(actor=actor, action=TOKEN_REVOKE, obj=token.user, area_path=_area_path_of(token.user),
           data={"token": token.pk, "name": token.name, "prefix": token.prefix})
    return token
