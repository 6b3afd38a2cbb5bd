"""Fixtures of the Open311 tests: the bundled catalogue (categories.csv, units.csv) as the responsibility list
of 翁牛特旗, API keys, a few demands, the GeoReport v2 JSON schemas, and the `georeport` client talking to
Django's test client through a requests adapter (no server, so the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.apps import apps
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from grassroots.demands import services
from grassroots.demands.models import Category

REPO = Path(__file__).resolve().parents[4]
SCHEMA_DIR = REPO.parent / "shared" / "open311" / "georeport-v2"
DATA = REPO / "grassroots" / "demands" / "data"
BASE = "http://testserver/open311/v2"

# The GeoReport v2 error array and discovery document have no file in the schema folder; these follow the
# spec's text (wiki.open311.org/GeoReport_v2: "Errors", "Service Discovery").
ERRORS_SCHEMA = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["code", "description"], "additionalProperties": False,
              "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}},
}
DISCOVERY_SCHEMA = {
    "type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string", "format": "date-time"},
        "contact": {"type": "string"}, "key_service": {"type": "string"},
        "endpoints": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
            "properties": {"specification": {"type": "string"}, "url": {"type": "string"},
                           "changeset": {"type": "string", "format": "date-time"},
                           "type": {"enum": ["production", "test"]},
                           "formats": {"type": "array", "items": {"enum": ["application/json", "text/xml"]}}}}},
    },
}


class Schemas:
    """Validators for every GeoReport v2 document, from ../shared/open311/georeport-v2."""

    def __init__(self, folder: Path):
        if not folder.is_dir():
            pytest.fail(f"GeoReport v2 schemas not found at {folder} (../shared beside the repository)")
        documents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}
        self.registry = Registry().with_resources(
            (name, Resource.from_contents(doc, default_specification=DRAFT4)) for name, doc in documents.items())
        self.documents = documents
        definitions = documents["swagger.json"]["definitions"]
        self.inline = {
            "request-response": {"type": "array", "minItems": 1, "items": definitions["RequestResponse"]},
            "token-response": {"type": "array", "minItems": 1, "items": definitions["TokenResponse"]},
            "errors": ERRORS_SCHEMA,
            "discovery": DISCOVERY_SCHEMA,
        }

    def validate(self, name: str, instance) -> None:
        schema = self.inline[name] if name in self.inline else self.documents[name]
        Draft4Validator(schema, registry=self.registry, format_checker=FormatChecker()).validate(instance)


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    return Schemas(SCHEMA_DIR)


@pytest.fixture(autouse=True, scope="session")
def _open311_installed():
    if not apps.is_installed("grassroots.demands.open311"):
        pytest.fail("add \"grassroots.demands.open311\" to INSTALLED_APPS in grassroots/settings.py")


def _rows(name):
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def catalogue(region, system_actor):
    """units.csv and categories.csv loaded the way the demo loads them: units at the banner, the category
    tree, and the banner's responsibility list (lead + supporting units) from the categories' columns."""

    banner = region["翁牛特旗"]
    units = {r["code"]: services.create_unit(actor=system_actor, code=r["code"], name=r["name"], area=banner,
                                             kind=r["kind"]) for r in _rows("units.csv")}
    categories = {}
    for order, r in enumerate(_rows("categories.csv")):
        categories[r["code"]] = services.create_category(
            actor=system_actor, code=r["code"], name=r["name"], parent=categories.get(r["parent_code"]),
            sort_order=order)
        if r["lead_unit_code"]:
            services.set_responsibility(
                actor=system_actor, category=categories[r["code"]], area=banner, lead_unit=units[r["lead_unit_code"]],
                supporting_units=[units[c] for c in r["supporting_unit_codes"].split(";") if c],
                item_number=f"{order:03d}")
    return {"units": units, "categories": categories}


@pytest.fixture
def county_key(region, system_actor):
    """An API key for the whole banner (a 12345 hotline system)."""
    from grassroots.demands.open311 import services

    client, key = services.create_client(actor=system_actor, name="翁牛特旗12345热线", area=region["翁牛特旗"])
    return key


@pytest.fixture
def village_key(region, system_actor):
    """An API key for 赛沁塔拉嘎查 only: files there without address_id, nowhere else."""
    from grassroots.demands.open311 import services

    client, key = services.create_client(actor=system_actor, name="赛沁塔拉嘎查便民服务站", area=region["赛沁塔拉嘎查"])
    return key


@pytest.fixture
def demands(region, catalogue, system_actor):
    """Four demands: open (farm inputs, with a resident's contact and coordinates), urgent water, a wish,
    and one resolved and rated (closed)."""

    def make(text, category, area="赛沁塔拉嘎查1", **kwargs):
        return services.create_demand(actor=system_actor, kind=kwargs.pop("kind", "demand"), text=text,
                                      area=region[area], channel="grid_worker",
                                      category=Category.objects.get(code=category), **kwargs)

    seeds = make("春耕要开始了，我家的化肥还没着落，乌云毕力格家是低保户，请供销社送两袋尿素", "farm_inputs",
                 contact_name="乌云毕力格", contact_phone="13904761234", address="赛沁塔拉嘎查一组1号",
                 latitude=Decimal("42.937512"), longitude=Decimal("119.012345"))
    water = make("自来水停了三天了，老人吃水困难", "water", area="官井子村1", urgent=True)
    wish = make("孤寡老人想要一床厚棉被过冬", "elderly_care", kind="wish")
    road = make("村口那段土路一下雨就成泥塘", "roads")
    services.handle(actor=system_actor, demand=road, action="resolve", note="已铺砂石")
    road.refresh_from_db()
    services.rate(actor=system_actor, demand=road, rating=5)
    road.refresh_from_db()
    return {"seeds": seeds, "water": water, "wish": wish, "road": road}


class DjangoAdapter(requests.adapters.BaseAdapter):
    """A requests transport that hands each request to Django's test client (same thread, same transaction)."""

    def __init__(self, client):
        super().__init__()
        self.client = client
        self.calls = []

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        answer = self.client.generic(request.method, path, data=body,
                                     content_type=request.headers.get("Content-Type") or "application/octet-stream")
        self.calls.append((request.method, path, answer.status_code))
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def georeport_http(monkeypatch, client):
    """Route the HTTP calls of `requests` (which the georeport client makes) for http://testserver/ to Django."""
    adapter = DjangoAdapter(client)
    original = requests.Session.get_adapter

    def get_adapter(self, url):
        return adapter if url.startswith("http://testserver/") else original(self, url)

    monkeypatch.setattr(requests.Session, "get_adapter", get_adapter)
    return adapter
