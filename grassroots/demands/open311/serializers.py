"""GeoReport v2 documents: categories, demands and errors as the dicts of the spec, rendered as JSON or XML.

What a request shows the public is what the public tracking page shows, minus what only the holder of the
tracking code may read: the status, the category, the unit in charge, the dates and the village. Never the
text (it names people and their troubles: 低保, illness), the resident, a phone number, the exact address, the
coordinates (they point at a household) or the media. A client whose API key covers the demand's area reads
the request in full, as the spec has it: the whole description (mobiles and ID numbers masked, however spelt),
the address as filed, lat and long, and the media_url its POST sent. Never the resident's name or phone
number (the spec returns neither).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse

from grassroots.areas.models import Level
from grassroots.demands.models import Category, Demand
from grassroots.demands.services import OPEN311_MAX_TEXT
from grassroots.rules import sla, tracking
from grassroots.rules.masking import mask_numbers

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-06-11T00:00:00+08:00"  # when this endpoint's behaviour last changed
UNCLASSIFIED = "unclassified"  # the service_code of a demand filed without a category
UNCLASSIFIED_NAME = "未分类"
MAX_DESCRIPTION = OPEN311_MAX_TEXT  # the spec: "free form text limited to 4,000 characters"

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
FORMATS = ("json", "xml")

# Characters XML 1.0 cannot carry (a resident's text may hold them); dropped from XML output.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# The element that wraps each item of a list, in XML.
_ITEM_TAG = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
             "services": "service", "service_requests": "request", "errors": "error"}


def iso(moment: datetime | None) -> str | None:
    """W3C date-time in local time with its offset: 2026-03-05T10:00:00+08:00."""
    if moment is None:
        return None
    return moment.astimezone(sla.LOCAL).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------------------
# Services (categories)
# ---------------------------------------------------------------------------------------------------------

def service_categories() -> list[Category]:
    """The active leaves of the category tree, parents attached: what a request can be filed under."""
    rows = list(Category.objects.filter(is_active=True).order_by("sort_order", "code"))
    by_pk = {c.pk: c for c in rows}
    parents = {c.parent_id for c in rows if c.parent_id}
    leaves = [c for c in rows if c.pk not in parents and (c.parent_id is None or c.parent_id in by_pk)]
    for c in leaves:
        c.chain = _chain(c, by_pk)
    return leaves


def _chain(category: Category, by_pk: Mapping[int, Category]) -> list[Category]:
    chain, seen = [], set()
    while category is not None and category.pk not in seen:
        chain.append(category)
        seen.add(category.pk)
        category = by_pk.get(category.parent_id)
    return chain


def service(category: Category) -> dict:
    days = sla.effective_days((c.respond_working_days, c.resolve_working_days) for c in category.chain)
    group = category.chain[1].name if len(category.chain) > 1 else None
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{days.respond_working_days}个工作日内响应，{days.resolve_working_days}个工作日内办结",
        "metadata": True,
        "type": "realtime",
        "keywords": None,
        "group": group,
    }


BOOLEAN_VALUES = {"true": True, "1": True, "是": True, "false": False, "0": False, "否": False}


def service_definition(category: Category) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "不填为“需求”",
                "order": 1,
                "description": "类型：需求、微心愿（由党员和单位认领）、投诉或建议",
                "values": [{"key": key, "name": str(label)} for key, label in Demand.Kind.choices],
            },
            {
                "variable": True,
                "code": "urgent",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "不填为“否”",
                "order": 2,
                "description": "急难愁盼：紧急、困难、忧虑或期盼已久的事，优先办理",
                "values": [{"key": "false", "name": "否"}, {"key": "true", "name": "是"}],
            },
        ],
    }


# ---------------------------------------------------------------------------------------------------------
# Requests (demands)
# ---------------------------------------------------------------------------------------------------------

def status(demand: Demand) -> str:
    """open while someone still has to act; closed once resolved (awaiting the rating), rated or closed."""
    return "open" if demand.status in Demand.OPEN_STATUSES else "closed"


def _village(demand: Demand):
    area = demand.area
    return area.parent if area.level == Level.GRID and area.parent_id else area


def request(demand: Demand, *, in_full: bool = False) -> dict:
    """One demand as a GeoReport request (select_related category, lead_unit, area, area__parent and
    open311_filing). ``in_full`` for a key holder whose area covers it: description, exact address, lat/long
    and media_url where known; null otherwise."""
    notes = demand.get_status_display()
    if demand.escalation_level:
        notes += f" · {demand.get_escalation_level_display()}"
    village = _village(demand)
    closed = status(demand) == "closed"
    document = {
        "service_request_id": str(demand.pk),
        "status": status(demand),
        "status_notes": notes,
        "service_name": demand.category.name if demand.category_id else UNCLASSIFIED_NAME,
        "service_code": demand.category.code if demand.category_id else UNCLASSIFIED,
        "description": None,
        "agency_responsible": demand.lead_unit.name if demand.lead_unit_id else None,
        "service_notice": None,
        "requested_datetime": iso(demand.created_at),
        "updated_datetime": iso((demand.closed_at or demand.resolved_at or demand.updated_at) if closed
                                else demand.updated_at),
        "expected_datetime": iso(demand.resolve_due) if not closed else None,
        "address": village.name,
        "address_id": village.code,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    if in_full:
        document["description"] = mask_numbers(demand.text)[:MAX_DESCRIPTION] or None
        if demand.address:  # most specific to most general, as the spec asks
            document["address"] = f"{demand.address}，{village.name}"
        if demand.latitude is not None and demand.longitude is not None:
            document["lat"], document["long"] = float(demand.latitude), float(demand.longitude)
        document["media_url"] = _media_url(demand)
    return document


def _media_url(demand: Demand) -> str | None:
    try:
        filing = demand.open311_filing
    except ObjectDoesNotExist:
        return None
    return filing.media_url or None


def created(demand: Demand) -> dict:
    """The answer to a POST. Every service is "realtime", so the id is known at once and, as the spec says of
    service_request_id and token, "This should not be returned if token is returned": the id, no token. The
    tracking code (what the resident is told, to follow the request and rate it) is an extension: in the
    notice, and as ``tracking_code``."""
    code = tracking.display(demand.tracking_code)
    unit = f"，由{demand.lead_unit.name}办理" if demand.lead_unit_id else ""
    return {
        "service_request_id": str(demand.pk),
        "service_notice": f"已受理{unit}。受理编号 {code}，群众可凭此编号查询办理进度并评价。",
        "tracking_code": code,
    }


def token(code: str, demand: Demand) -> dict:
    return {"token": code, "service_request_id": str(demand.pk)}


def discovery(base_url: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": "连心 · 基层治理平台：接口问题请联系所在旗县区的平台管理员",
        "key_service": "向所在旗县区的平台管理员申请 API 密钥：管理后台 → Open311 接入方 → 新增（密钥只显示一次）",
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": base_url,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    }


def error(code: int, description: str) -> dict:
    return {"code": code, "description": description}


# ---------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------

def _append(parent: Element, tag: str, value) -> None:
    element = SubElement(parent, tag)
    if value is None:
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list | tuple):
        for item in value:
            _append(element, _ITEM_TAG[tag], item)
    else:
        element.text = _NOT_XML.sub("", str(value))


def to_xml(root: str, document) -> bytes:
    """A list becomes <root><item>…</item>…</root> (services/service, service_requests/request …); a dict
    becomes <root> with one child per key. None is an empty element, booleans are true/false."""
    element = Element(root)
    if isinstance(document, Mapping):
        for key, value in document.items():
            _append(element, key, value)
    else:
        for item in document:
            _append(element, _ITEM_TAG[root], item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(element, encoding="utf-8", xml_declaration=False)


def render(document, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, document)
    else:
        body = json.dumps(document, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))
    response["Access-Control-Allow-Origin"] = "*"  # public reads; a POST needs its API key anyway
    return response


def render_errors(errors: Iterable[dict], fmt: str, *, status: int) -> HttpResponse:
    return render(list(errors), fmt if fmt in FORMATS else "json", root="errors", status=status)
