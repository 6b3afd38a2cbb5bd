"""Basic abuse protection for the public pages: a fixed-window counter per client address in Django's cache.

With several server processes the cache must be shared (a file-based or database cache in CACHES) for the
limit to hold across them; with the default local-memory cache each process counts on its own.
"""

import time

from django.conf import settings
from django.core.cache import cache

from grassroots.audit.context import client_ip

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
    ip = client_ip(request) or "unknown"
    bucket = int(time.time() // window)
    key = f"demands:rl:{scope}:{ip}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count <= allowed
