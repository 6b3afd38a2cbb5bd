"""Parsing and checking the parameters of GeoReport v2 calls. Problems raise Open311Error (status, text), which
the views turn into a GeoReport error array."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from grassroots.areas.models import Area, Level
from grassroots.demands.models import Category, Demand
from grassroots.demands.open311.models import Open311Client
from grassroots.demands.open311.serializers import BOOLEAN_VALUES, UNCLASSIFIED
from grassroots.demands.open311.services import Filing
from grassroots.demands.services import OPEN311_MAX_TEXT
from grassroots.rules import sla

MAX_WINDOW = timedelta(days=90)  # the spec: a date range may not span more than 90 days
MAX_IDS = 100
MAX_ADDRESS = 200
MAX_DESCRIPTION = OPEN311_MAX_TEXT  # the spec: "free form text limited to 4,000 characters"
MAX_MEDIA_URL = 500
_URL = URLValidator(schemes=["http", "https"])


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _one(data, name: str) -> str:
    return (data.get(name) or "").strip()


def _number(data, name: str, low: float, high: float) -> Decimal | None:
    raw = _one(data, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} 须为数字") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise Open311Error(400, f"{name} 须在 {low:g} 到 {high:g} 之间")
    return Decimal(f"{value:.6f}")


def _attribute(data, code: str) -> str:
    return (data.get(f"attribute[{code}]") or data.get(f"attribute[{code}][]") or "").strip()


def parse_filing(data, *, client: Open311Client, service_categories: list[Category],
                 idempotency_key: str = "") -> Filing:
    """A POST's form data as a Filing, or Open311Error: 404 for a service_code that is not a service, 403 for an
    area beyond the key, 400 for anything else (the spec's statuses)."""
    code = _one(data, "service_code")
    if not code:
        raise Open311Error(400, "缺少 service_code：请先用 services.json 查到服务代码")
    category = next((c for c in service_categories if c.code == code), None)
    if category is None:
        raise Open311Error(404, f"service_code “{code[:40]}” 不存在")

    text = _one(data, "description")
    if len(text) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description 不能超过{MAX_DESCRIPTION}字（现有{len(text)}字）")

    latitude = _number(data, "lat", -90, 90)
    longitude = _number(data, "long", -180, 180) if _one(data, "long") else _number(data, "lon", -180, 180)
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, "lat 与 long 须同时提供")
    address = _one(data, "address_string")
    address_id = _one(data, "address_id")
    if latitude is None and not address and not address_id:
        raise Open311Error(400, "缺少位置：请提供 lat 与 long，或 address_string，或 address_id（三者之一）")
    area = _area(client, address_id=address_id, address=address)
    address = address[:MAX_ADDRESS]  # what a demand keeps of it

    kind = _attribute(data, "kind") or Demand.Kind.DEMAND
    if kind not in Demand.Kind.values:
        raise Open311Error(400, "attribute[kind] 须为 " + "、".join(Demand.Kind.values))
    urgent_raw = _attribute(data, "urgent").lower() or "false"
    if urgent_raw not in BOOLEAN_VALUES:
        raise Open311Error(400, "attribute[urgent] 须为 true 或 false")

    media_url = _one(data, "media_url")
    if media_url:
        try:
            if len(media_url) > MAX_MEDIA_URL:
                raise ValidationError("too long")
            _URL(media_url)
        except ValidationError:
            raise Open311Error(400, f"media_url 须为不超过{MAX_MEDIA_URL}字符的 http 或 https 网址") from None

    contact_name = (_one(data, "last_name") + _one(data, "first_name"))[:50]
    return Filing(category=category, area=area, text=text, kind=kind, urgent=BOOLEAN_VALUES[urgent_raw],
                  address=address, latitude=latitude, longitude=longitude, contact_name=contact_name,
                  contact_phone=_one(data, "phone"), media_url=media_url, idempotency_key=idempotency_key.strip())


def _area(client: Open311Client, *, address_id: str, address: str) -> Area:
    """The village or grid a request is filed in: its address_id (a village's or grid's area code); else the key's
    own village or grid; else the one village of the key's area whose name the address_string contains."""
    if address_id:
        area = Area.objects.filter(code=address_id[:20]).first()
        if area is None or area.level not in (Level.VILLAGE, Level.GRID):
            raise Open311Error(400, "address_id 须为嘎查村（社区）或网格的区划代码")
        if not area.path.startswith(client.area.path):
            raise Open311Error(403, "该 API 密钥不能在此区域提交诉求")
        return area
    if client.area.level in (Level.VILLAGE, Level.GRID):
        return client.area
    if address:
        named = [v for v in Area.objects.filter(path__startswith=client.area.path, level=Level.VILLAGE)
                 .only("pk", "name", "code", "path", "level") if v.name and v.name in address]
        longest = max((len(v.name) for v in named), default=0)
        named = [v for v in named if len(v.name) == longest]
        if len(named) == 1:
            return named[0]
    raise Open311Error(400, "无法确定诉求所在的嘎查村（社区）：请加 address_id（嘎查村或网格的区划代码），"
                            "或在 address_string 中写明嘎查村名称")


def _moment(raw: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip().replace(" ", "T", 1))
    except ValueError:
        raise Open311Error(400, f"{name} 须为 W3C 日期时间，如 2026-03-01T00:00:00+08:00") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=sla.LOCAL)
    return moment


@dataclass(frozen=True)
class Query:
    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


def parse_query(data, *, now: datetime | None = None) -> Query:
    """GET requests: service_request_id (comma list; overrides the rest), or service_code, status (open,
    closed), start_date and end_date (the last 90 days when absent; at most 90 days)."""
    raw_ids = _one(data, "service_request_id")
    if raw_ids:
        parts = [p.strip() for p in raw_ids.split(",") if p.strip()]
        if len(parts) > MAX_IDS or not all(p.isdigit() and len(p) <= 18 for p in parts):
            raise Open311Error(400, f"service_request_id 须为至多{MAX_IDS}个以逗号分隔的编号")
        return Query(ids=tuple(dict.fromkeys(int(p) for p in parts)))

    codes = tuple(c.strip() for c in _one(data, "service_code").split(",") if c.strip())
    statuses = tuple(s.strip().lower() for s in _one(data, "status").split(",") if s.strip())
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status 须为 open 或 closed（可用逗号分隔）")
    start_raw, end_raw = _one(data, "start_date"), _one(data, "end_date")
    start = _moment(start_raw, "start_date") if start_raw else None
    end = _moment(end_raw, "end_date") if end_raw else None
    if start is None and end is None:
        end = now or timezone.now()
    if start is None:
        start = end - MAX_WINDOW
    if end is None:
        end = start + MAX_WINDOW
    if end < start:
        raise Open311Error(400, "end_date 不能早于 start_date")
    if end - start > MAX_WINDOW:
        raise Open311Error(400, "start_date 到 end_date 不能超过90天")
    return Query(service_codes=codes, statuses=tuple(dict.fromkeys(statuses)), start=start, end=end)


def status_filter(statuses: tuple[str, ...]) -> list[str]:
    """Demand statuses behind GeoReport's open/closed."""
    open_ = [str(s) for s in Demand.OPEN_STATUSES]
    closed = [s for s in Demand.Status.values if s not in open_]
    return [s for want in statuses for s in (open_ if want == "open" else closed)]


def category_filter(codes: tuple[str, ...]) -> tuple[list[str], bool]:
    """(category codes, whether unclassified demands are wanted)."""
    return [c for c in codes if c != UNCLASSIFIED], UNCLASSIFIED in codes
