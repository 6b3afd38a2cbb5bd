from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """A create that a phone or counter may retry is done once per (user, key), or, for a caller who is no
    account (the public page, an Open311 client), once per (owner, key).

    The stored result is replayed to a retry, so a weak signal never records twice (core/idempotency.py).
    """

    key = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True,
                             blank=True)
    owner = models.CharField(max_length=80, blank=True, default="",
                             help_text="who holds the key when no account does, e.g. open311:3 or public")
    action = models.CharField(max_length=80)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
            models.UniqueConstraint(fields=["owner", "key"], condition=models.Q(user__isnull=True),
                                    name="idempotency_key_once_per_owner"),
            models.CheckConstraint(condition=models.Q(user__isnull=False) | ~models.Q(owner=""),
                                   name="idempotency_key_has_a_holder"),
        ]

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
