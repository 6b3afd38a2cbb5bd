import ipaddress
from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from grassroots.audit.models import AuditEntry


def search_audit(*, area_paths: list[str], text: str = "", action: str = "", since: date | None = None,
                 until: date | None = None) -> QuerySet[AuditEntry]:
    """Audit entries within the caller's areas (entries with no area are the account's own)."""
    scope = Q()
    for path in area_paths:
        scope |= Q(area_path__startswith=path)
    entries = AuditEntry.objects.filter(scope) if area_paths else AuditEntry.objects.none()
    if text:
        match = Q(actor_name__icontains=text) | Q(object_id=text)
        if _is_ip(text):
            match |= Q(ip=text)
        entries = entries.filter(match)
    if action:
        entries = entries.filter(action__startswith=action)
    tz = timezone.get_current_timezone()
    if since:
        entries = entries.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        entries = entries.filter(at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return entries.order_by("-at", "-id")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
