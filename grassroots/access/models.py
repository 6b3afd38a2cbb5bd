from django.contrib.auth.models import AbstractUser
from django.db import models

from grassroots.rules.roles import ROLE_LABELS, Role

RoleChoices = models.TextChoices("RoleChoices", [(r.name, (r.value, ROLE_LABELS[r])) for r in Role])


class User(AbstractUser):
    """An account. Logs in with its username or its mobile number."""

    mobile = models.CharField("手机号", max_length=11, null=True, blank=True, unique=True)
    display_name = models.CharField("姓名", max_length=50, blank=True)
    person = models.ForeignKey(
        "areas.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts", verbose_name="人员"
    )

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A role held on an area; it reaches the area's whole subtree. An organisation secretary's role is held on
    a party organisation (``organisation``, whose area is ``area``) and reaches that organisation's subtree of the
    organisation tree instead (party/models.py says how the two trees share one path space)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments", verbose_name="账号")
    role = models.CharField("角色", max_length=32, choices=RoleChoices.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="assignments", verbose_name="区域")
    organisation = models.ForeignKey("party.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="assignments", verbose_name="党组织")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], condition=models.Q(organisation__isnull=True),
                                    name="role_once_per_area"),
            models.UniqueConstraint(fields=["user", "role", "organisation"],
                                    condition=models.Q(organisation__isnull=False), name="role_once_per_organisation"),
            models.CheckConstraint(condition=models.Q(organisation__isnull=True)
                                   & ~models.Q(role="organisation_secretary")
                                   | models.Q(organisation__isnull=False, role="organisation_secretary"), name="role_organisation_for_secretary"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area}"


class ApiToken(models.Model):
    """A personal access token of the JSON API: one per account and device, sent as ``Authorization: Bearer``.

    Only the SHA-256 of the secret is kept; ``prefix`` (its first characters) names it on the account page.
    It carries exactly its account's roles (it *is* the account on the API), and stops working on the next
    request once revoked or the account is deactivated."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="账号")
    name = models.CharField("设备名称", max_length=60)
    prefix = models.CharField("前缀", max_length=12)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="吊销人")

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_live")]

    def __str__(self) -> str:
        return f"{self.user} · {self.name} · {self.prefix}…"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
