"""Limits of the public demand pages, counted by the one limiter (`core.ratelimit`), shared by every process."""

from django.conf import settings

from grassroots.core import ratelimit

# (requests, seconds) per client address; settings.DEMANDS_RATE_LIMITS overrides any of them.
DEFAULT_LIMITS = {
    "intake": (5, 600),  # five demands every ten minutes from one address
    "track": (60, 600),  # look-ups of tracking codes
    "rate": (10, 600),  # ratings
}


def limit_for(scope: str) -> tuple[int, int]:
    return {**DEFAULT_LIMITS, **getattr(settings, "DEMANDS_RATE_LIMITS", {})}[scope]


def hit(request, scope: str) -> bool:
    """Count one request; False when the address has used up its allowance for this window."""
    allowed, window = limit_for(scope)
    return ratelimit.hit(request, scope=f"demands:{scope}", allowed=allowed, window=window).allowed
