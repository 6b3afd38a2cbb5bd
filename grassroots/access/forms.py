from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.core.exceptions import ValidationError

from grassroots.access import services
from grassroots.audit.context import Actor


class LoginForm(forms.Form):
    identifier = forms.CharField(label="用户名或手机号", max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class AdminSignInForm(AdminAuthenticationForm):
    """The admin's log-in form, checked by ``access.services.sign_in`` like the log-in page: the same
    throttle, lock-out, messages and audit entries; only staff get through."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名或手机号"

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.sign_in(request=self.request, identifier=username, password=password,
                                                   entrance="admin", staff_only=True)
            except services.LoginRefused as refused:
                raise ValidationError(str(refused), code="invalid_login") from None
        return self.cleaned_data


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password": the new password is set by ``access.services.change_password``
    (the same password rules, an ``account.change_password`` audit entry)."""

    request = None  # set by the view

    def save(self, commit=True):
        services.change_password(actor=Actor.from_request(self.request), user=self.user,
                                 password=self.cleaned_data["new_password1"])
        return self.user
