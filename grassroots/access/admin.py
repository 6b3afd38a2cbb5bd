"""The scoped Django admin: the base every admin in the project uses, and accounts and roles.

Rules, in every ModelAdmin built on ``ScopedAdmin``:

* Only active staff who are superusers or hold a supervising role (township staff, county staff,
  system admin) see anything. Staff status alone grants nothing.
* Querysets are narrowed through ``access.scope.visible``; an object outside the caller's areas is
  404 on its change, history and delete URLs, exactly like a missing one.
* Permissions come from the capabilities of the caller's roles, not from Django's model permissions.
* Writes go through the app's service (which audits). The form calls the service while the admin
  validates it, so that a service's ValidationError appears on the form, naming the field, instead
  of failing after validation; the admin wraps the whole request in one transaction, so the write,
  its audit record and the admin's own log entry commit together. Models without a service, and
  every delete, are read-only.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.contrib.messages import SUCCESS, WARNING
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html_join

from grassroots.access import services
from grassroots.access.forms import AdminSignInForm, AuditedPasswordChangeForm
from grassroots.access.grants import CAPABILITIES
from grassroots.access.models import ApiToken, RoleAssignment, RoleChoices, User
from grassroots.access.scope import NO_SCOPE, Scope, refuse, scope_of, visible
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.rules.mobile import MobileError, normalise_mobile
from grassroots.rules.roles import (
    EDIT_RESIDENTS,
    EXPORT_RESIDENTS,
    IMPORT_RESIDENTS,
    MANAGE_ACCOUNTS,
    VIEW_AUDIT,
    VIEW_RESIDENTS,
    VIEW_SENSITIVE,
    Role,
)

admin.site.site_header = "连心 · 基层治理平台 管理后台"
admin.site.site_title = "连心管理后台"
admin.site.index_title = "管理"
# The admin's log-in goes through access.services.sign_in, like the log-in page (throttle, lock-out, audit).
admin.site.login_form = AdminSignInForm


def _password_change(request, extra_context=None):
    """The admin's "change password", written by access.services.change_password (same rules, audited)."""
    class View(PasswordChangeView):
        form_class = AuditedPasswordChangeForm

        def get_form(self, form_class=None):
            form = super().get_form(form_class)
            form.request = self.request
            return form

    request.current_app = admin.site.name
    return View.as_view(success_url=reverse("admin:password_change_done", current_app=admin.site.name),
                        extra_context={**admin.site.each_context(request), **(extra_context or {})})(request)


admin.site.password_change = _password_change

# Roles whose holders may be staff and use the admin; staff status without one of them grants nothing.
ADMIN_ROLES = frozenset({Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.SYSTEM_ADMIN})


def may_use_admin(user) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    scope = scope_of(user)
    return scope.everything or any(role in ADMIN_ROLES for role, _ in scope.assignments)


def admin_scope(request) -> Scope:
    """The caller's scope, or none at all when they may not use the admin."""
    return scope_of(request.user) if may_use_admin(request.user) else NO_SCOPE


# The capabilities that open the register, the audit log and accounts. Nobody may hand out one of
# these on an area where they do not hold it themselves. Duties that other apps add to roles
# (recording points, dispatching demands …) are not privileges over data and are not compared:
# a system admin appoints a secretary without recording points themselves.
DATA_PRIVILEGES = frozenset({VIEW_RESIDENTS, EDIT_RESIDENTS, IMPORT_RESIDENTS, EXPORT_RESIDENTS, VIEW_SENSITIVE,
                             VIEW_AUDIT, MANAGE_ACCOUNTS})


def role_within_reach(scope: Scope, role: str, area: Area) -> bool:
    """Whether the granter holds, on ``area``, every data privilege that ``role`` would give there."""
    return all(scope.can(capability, area.path) for capability in CAPABILITIES[Role(role)] & DATA_PRIVILEGES)


class ServiceForm(forms.ModelForm):
    """A ModelForm whose save is a service call, made while the form validates.

    ``call_service(actor)`` returns the saved object (or None when there is nothing to write);
    a ValidationError it raises becomes the form's errors, with fields named.
    """

    request = None  # set on the form class by ScopedAdmin.get_form
    non_field_errors_to: str | None = None  # a field to show the service's non-field errors on

    def call_service(self, actor: Actor):
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            saved = self.call_service(Actor.from_request(self.request))
        except ValidationError as e:
            self._add_service_errors(e)
            return
        if saved is not None:
            self.instance = saved

    def _add_service_errors(self, error: ValidationError) -> None:
        errors = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for field, messages in errors.items():
            if field in self.fields:
                self.add_error(field, messages)
            elif field == NON_FIELD_ERRORS and self.non_field_errors_to in self.fields:
                self.add_error(self.non_field_errors_to, messages)
            else:
                self.add_error(None, messages)

    def save(self, commit=True):
        # The service has written the object and its relations already.
        self.save_m2m = lambda: None
        return self.instance


class ScopedAdmin(admin.ModelAdmin):
    """Scoped, capability-checked, service-writing, never-deleting ModelAdmin."""

    scope_field = "path"  # the queryset field holding the area path
    view_capability: str = ""
    add_capability: str | None = None
    change_capability: str | None = None
    add_form: type[ServiceForm] | None = None
    change_form: type[ServiceForm] | None = None

    # -- which rows ---------------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not may_use_admin(request.user):
            return queryset.none()
        return visible(request.user, queryset, self.view_capability, self.scope_field)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            refuse(seen=False)  # outside the caller's areas looks the same as missing
        return obj

    def path_of(self, obj) -> str:
        value = obj
        for part in self.scope_field.split("__"):
            value = getattr(value, part)
        return value

    # -- what may be done -------------------------------------------------------------------

    def _holds(self, request, capability: str | None, obj=None) -> bool:
        if not capability:
            return False
        scope = admin_scope(request)
        if obj is None:
            return bool(scope.paths(capability))
        return scope.can(capability, self.path_of(obj))

    def has_module_permission(self, request):
        return self._holds(request, self.view_capability)

    def has_view_permission(self, request, obj=None):
        return self._holds(request, self.view_capability, obj)

    def has_add_permission(self, request):
        return self.add_form is not None and self._holds(request, self.add_capability)

    def has_change_permission(self, request, obj=None):
        return self.change_form is not None and self._holds(request, self.change_capability, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # no service deletes; corrections are new records

    # -- how it is written ----------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = self.change_form if obj is not None else self.add_form
        if form is not None:
            kwargs["form"] = form
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.request = request  # a fresh class per call: modelform_factory
        return form_class

    def save_model(self, request, obj, form, change):
        pass  # written by the service while the form validated

    def save_related(self, request, form, formsets, change):
        pass


# ---------------------------------------------------------------------------------------------
# Accounts and roles
# ---------------------------------------------------------------------------------------------


def _manageable_areas(request):
    return visible(request.user, Area.objects.all(), MANAGE_ACCOUNTS).order_by("path")


class _RoleOnAreaMixin:
    def _check_role(self, cleaned) -> None:
        role, area = cleaned.get("role"), cleaned.get("area")
        if role and area and not role_within_reach(admin_scope(self.request), role, area):
            self.add_error("role", "您不能在该区域授予此角色：它的数据权限超出您在该区域的权限")


class AccountAddForm(_RoleOnAreaMixin, ServiceForm):
    password1 = forms.CharField(label="密码", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput, strip=False)
    role = forms.ChoiceField(label="角色", choices=RoleChoices.choices)
    area = forms.ModelChoiceField(label="区域", queryset=Area.objects.none())
    non_field_errors_to = "password1"

    class Meta:
        model = User
        fields = ["username", "display_name", "mobile"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _manageable_areas(self.request)

    def clean_mobile(self):
        try:
            return normalise_mobile(self.cleaned_data.get("mobile") or "") or None
        except MobileError as e:
            raise ValidationError(str(e)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        self._check_role(cleaned)
        return cleaned

    def call_service(self, actor):
        data = self.cleaned_data
        return services.create_account(actor=actor, username=data["username"], password=data["password1"],
                                       display_name=data["display_name"], mobile=data["mobile"] or "",
                                       roles=[(data["role"], data["area"])])


class RoleAssignmentAddForm(_RoleOnAreaMixin, ServiceForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "area"]
        labels = {"user": "账号", "area": "区域"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _manageable_areas(self.request)
        self.fields["user"].queryset = visible_accounts(self.request)

    def clean(self):
        cleaned = super().clean()
        self._check_role(cleaned)
        return cleaned

    def call_service(self, actor):
        data = self.cleaned_data
        return services.assign_role(actor=actor, user=data["user"], role=data["role"], area=data["area"])


def visible_accounts(request):
    """Accounts holding a role somewhere inside the caller's account-management areas."""
    if not may_use_admin(request.user):
        return User.objects.none()
    if scope_of(request.user).everything:
        return User.objects.all()
    assignments = visible(request.user, RoleAssignment.objects.all(), MANAGE_ACCOUNTS, "area__path")
    return User.objects.filter(pk__in=assignments.values("user_id"))


@admin.register(User)
class UserAdmin(ScopedAdmin):
    view_capability = add_capability = MANAGE_ACCOUNTS
    add_form = AccountAddForm
    list_display = ["username", "display_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["username", "display_name"]
    ordering = ["username"]
    readonly_fields = ["roles_in_scope"]

    def get_queryset(self, request):
        return visible_accounts(request)

    def has_view_permission(self, request, obj=None):
        # Which accounts is decided by the queryset (an account may hold roles in several areas).
        return self._holds(request, self.view_capability)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "display_name", "mobile", "password1", "password2", "role", "area"]
        return ["username", "display_name", "mobile", "is_active", "is_staff", "is_superuser", "last_login",
                "date_joined", "roles_in_scope"]

    def get_object(self, request, object_id, from_field=None):
        account = super().get_object(request, object_id, from_field)
        account.scoped_assignments = list(
            visible(request.user, account.assignments.select_related("area"), MANAGE_ACCOUNTS, "area__path")
        )
        return account

    @admin.display(description="角色（本辖区内）")
    def roles_in_scope(self, obj):
        assignments = getattr(obj, "scoped_assignments", [])
        return format_html_join("", "<div>{} · {}</div>", ((a.get_role_display(), a.area.name) for a in assignments))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    scope_field = "area__path"
    view_capability = add_capability = MANAGE_ACCOUNTS
    add_form = RoleAssignmentAddForm
    list_display = ["user", "role", "area", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "area__name", "area__code"]
    list_select_related = ["user", "area"]
    fields = ["user", "role", "area"]


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    """The API tokens of the accounts the caller manages: read-only (the secret is never stored, its hash never
    shown), revoked through access.services.revoke_token (audited; the next request with it answers 401)."""

    view_capability = MANAGE_ACCOUNTS
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__display_name", "name", "prefix"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
    fields = readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at", "revoked_by"]
    actions = ["revoke_selected"]

    def get_queryset(self, request):
        return ApiToken.objects.filter(user__in=visible_accounts(request)).select_related("user", "revoked_by")

    def has_view_permission(self, request, obj=None):
        # Which tokens is decided by the queryset (their accounts': access.admin.visible_accounts).
        return self._holds(request, self.view_capability)

    @admin.action(description="吊销所选令牌")
    def revoke_selected(self, request, queryset):
        actor = Actor.from_request(request)
        revoked, refused = 0, []
        for token in queryset:
            try:
                services.revoke_token(actor=actor, token=token)
            except (ValidationError, PermissionDenied) as e:
                refused.append(f"{token.name}（{token.prefix}…）：{'；'.join(getattr(e, 'messages', [str(e)]))}")
            else:
                revoked += 1
        if revoked:
            self.message_user(request, f"已吊销 {revoked} 个令牌：持有它们的设备下一次请求即被拒绝", SUCCESS)
        for line in refused:
            self.message_user(request, line, WARNING)
