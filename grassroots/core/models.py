from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """A create that a phone or counter may retry is done once per (user, key).

    The stored result is replayed to a retry, so a weak signal never records twice.
    """

    key = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=80)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.action}:{self.key}"
