from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what, when and from where. Written in the same transaction as the change.

    Append-only: a database trigger refuses UPDATE and DELETE (see migration 0002).
    """

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False,
        verbose_name="账号",
    )
    actor_name = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=80)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=80, blank=True)
    area_path = models.CharField("区域", max_length=255, blank=True)
    ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    user_agent = models.CharField("终端", max_length=300, blank=True)
    data = models.JSONField("内容", default=dict, blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx"),
            models.Index(fields=["action", "at"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计记录不可删除")
