"""Account writes: log-in (with lock-out and its log), accounts and role assignments."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from grassroots.access.backends import find_account
from grassroots.access.models import RoleAssignment, User
from grassroots.access.scope import authorise
from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.audit.services import record
from grassroots.rules.lockout import locked_until
from grassroots.rules.mobile import MobileError, normalise_mobile
from grassroots.rules.roles import MANAGE_ACCOUNTS


class LoginRefused(Exception):
    pass


def _account_key(identifier: str, user: User | None) -> str:
    return user.username if user is not None else (identifier or "").strip().lower()[:80]


def _area_path_of(user: User | None) -> str:
    if user is None:
        return ""
    return user.assignments.order_by("area__path").values_list("area__path", flat=True).first() or ""


def lock_state(key: str, *, now=None):
    now = now or timezone.now()
    recent = AuditEntry.objects.filter(
        object_type="account", object_id=key, at__gte=now - timedelta(days=1),
        action__in=["login.failure", "login.success"],
    ).values_list("action", "at")
    failures = [at for action, at in recent if action == "login.failure"]
    successes = [at for action, at in recent if action == "login.success"]
    return locked_until(
        failures, now=now, last_success=max(successes, default=None),
        max_failures=settings.LOGIN_LOCKOUT_FAILURES, lockout=timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES),
    )


def log_in(*, request, identifier: str, password: str) -> User:
    """Check the credentials, refuse a locked account, log the attempt either way."""
    from django.contrib.auth import authenticate

    account = find_account(identifier)
    key = _account_key(identifier, account)
    actor = Actor.from_request(request)
    until = lock_state(key)
    if until is not None:
        with transaction.atomic():
            record(actor=actor, action="login.locked", object_type="account", object_id=key,
                   area_path=_area_path_of(account), data={"identifier": identifier[:80]})
        minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
        raise LoginRefused(f"连续登录失败次数过多，账号已锁定，请{minutes}分钟后再试")
    user = authenticate(request, username=identifier, password=password)
    with transaction.atomic():
        if user is None:
            record(actor=actor, action="login.failure", object_type="account", object_id=key,
                   area_path=_area_path_of(account), data={"identifier": identifier[:80]})
        else:
            login(request, user)
            record(actor=Actor.from_request(request), action="login.success", object_type="account",
                   object_id=key, area_path=_area_path_of(user))
    if user is None:
        raise LoginRefused("用户名或密码不正确")
    return user


@transaction.atomic
def create_account(*, actor: Actor, username: str, password: str, display_name: str = "", mobile: str = "",
                   is_superuser: bool = False, roles: list[tuple[str, object]] = ()) -> User:
    if not roles and not actor.is_system:
        raise ValidationError({"roles": "须为账号分配至少一个角色"})
    for _, area in roles:
        authorise(actor, MANAGE_ACCOUNTS, area.path)
    if is_superuser and not actor.is_system:
        raise ValidationError("只能在命令行创建超级管理员")
    try:
        mobile = normalise_mobile(mobile)
    except MobileError as e:
        raise ValidationError({"mobile": str(e)}) from None
    if mobile and User.objects.filter(mobile=mobile).exists():
        raise ValidationError({"mobile": "该手机号已被其他账号使用"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "用户名已存在"})
    user = User(username=username, display_name=display_name, mobile=mobile or None,
                is_superuser=is_superuser, is_staff=is_superuser)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    for role, area in roles:
        RoleAssignment.objects.create(user=user, role=role, area=area)
    record(actor=actor, action="account.create", obj=user, area_path=roles[0][1].path if roles else "",
           data={"username": username, "roles": [[r, a.code] for r, a in roles]})
    return user


@transaction.atomic
def assign_role(*, actor: Actor, user: User, role: str, area) -> RoleAssignment:
    authorise(actor, MANAGE_ACCOUNTS, area.path)
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, area=area)
    record(actor=actor, action="account.assign_role", obj=user, area_path=area.path,
           data={"role": role, "area": area.code})
    return assignment


@transaction.atomic
def change_password(*, actor: Actor, user: User, password: str) -> None:
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=actor, action="account.change_password", obj=user, area_path=_area_path_of(user))
