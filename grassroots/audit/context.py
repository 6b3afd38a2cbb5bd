"""Where a change comes from: the user, their address and their device."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model


@dataclass(frozen=True)
class Actor:
    user: object | None
    name: str
    ip: str | None = None
    user_agent: str = ""
    is_system: bool = False  # a command or a scheduled job, not a person at a screen: not scoped

    @classmethod
    def from_request(cls, request) -> "Actor":
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        return cls(
            user=user,
            name=user.get_username() if user else "匿名",
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )

    def as_task(self) -> dict:
        """Plain values for a task of the queue (core/tasks.py); ``from_task`` makes the actor again."""
        return {"user_id": getattr(self.user, "pk", None), "name": self.name, "ip": self.ip,
                "user_agent": self.user_agent, "is_system": self.is_system}

    @classmethod
    def from_task(cls, values: dict) -> "Actor":
        user_id = values.get("user_id")
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        return cls(user=user, name=values["name"], ip=values.get("ip"), user_agent=values.get("user_agent", ""),
                   is_system=values.get("is_system", False))

    @classmethod
    def system(cls, name: str, user=None) -> "Actor":
        """A change made by a command or a scheduled job rather than a person at a screen."""
        return cls(user=user, name=name if user is None else user.get_username(), ip=None, user_agent=name,
                   is_system=True)


def client_ip(request) -> str | None:
    # Only behind the reverse proxy of docs/deploy.md, which sets X-Real-IP, is that header honest.
    if getattr(settings, "TRUST_X_REAL_IP", False) and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"]
    return request.META.get("REMOTE_ADDR") or None
