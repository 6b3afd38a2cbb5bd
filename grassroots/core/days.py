"""The day a register is asked "as of": ``?day=YYYY-MM-DD`` on every party register's page, export and API list."""

from datetime import date

from django.contrib import messages
from django.utils import timezone


def asked_day(request, name: str = "day", *, say: bool = True) -> tuple[date, str]:
    """The day asked for (today when the parameter is absent) and, when it could not be read, the message that
    today is shown instead; with ``say`` the message is also put on the page (base.html shows messages)."""
    raw = (request.GET.get(name) or "").strip()
    today = timezone.localdate()
    if not raw:
        return today, ""
    try:
        return date.fromisoformat(raw), ""
    except ValueError:
        problem = f"日期“{raw[:20]}”格式不正确，已按今天显示（请写成 2026-03-01）"
        if say:
            messages.warning(request, problem)
        return today, problem
