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


class RateCounter(models.Model):
    """Hits of one (scope, client) in its current fixed window, shared by every process and node.

    Counted by one atomic upsert in `core.ratelimit`, so concurrent requests through different
    workers or machines never both take the last allowance.
    """

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
