"""Small pieces the sections share: a local-day range a timestamp index answers, and a tile's list link."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


def local_days(field: str, first: date, last: date) -> Q:
    """``field`` within the local days ``first`` … ``last``: a range an index on ``field`` answers (a flow then
    groups by ``TruncDate`` in the same zone)."""
    zone = timezone.get_current_timezone()
    return Q(**{f"{field}__gte": datetime.combine(first, time.min, tzinfo=zone),
                f"{field}__lt": datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)})


def area_list(url_name: str, *, dates: tuple[str, str] | None = None, **query: str):
    """A tile's ``list_url``: the page ``url_name`` for the tile's area (``?area=<code>``), with ``query`` and, when
    ``dates`` names the page's two date parameters, the period's first and last day."""

    def list_url(area, period) -> str:
        params = {"area": area.code, **query}
        if dates:
            params[dates[0]], params[dates[1]] = f"{period.start:%Y-%m-%d}", f"{period.end:%Y-%m-%d}"
        return f"{reverse(url_name)}?{urlencode(params)}"

    return list_url
