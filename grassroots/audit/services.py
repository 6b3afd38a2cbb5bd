from django.db import transaction

from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry


def record(*, actor: Actor, action: str, obj=None, object_type: str = "", object_id: str = "",
           area_path: str = "", data: dict | None = None) -> AuditEntry:
    """Append one audit entry. Call inside the transaction of the change it describes."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        area_path = area_path or getattr(obj, "path", "") or ""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    return AuditEntry.objects.create(
        actor=actor.user,
        actor_name=actor.name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        area_path=area_path,
        ip=actor.ip,
        user_agent=actor.user_agent,
        data=data or {},
    )
