"""Open311 GeoReport v2: every response validated against the schemas in ../shared/open311/georeport-v2, the
XML form carrying the same content as the JSON, public reads free of personal data, API keys scoped to an
area, errors as GeoReport error arrays, and the `georeport` client from PyPI reading the endpoint."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
import xmltodict
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from georeport import GeoReport

from grassroots.audit.models import AuditEntry
from grassroots.core.testing import client_for
from grassroots.demands import services
from grassroots.demands.models import Category, Demand
from grassroots.demands.open311 import services as open311_services
from grassroots.demands.open311.models import Open311Client
from grassroots.rules import tracking

pytestmark = pytest.mark.django_db

V2 = "/open311/v2"
LEAVES = {"farm_inputs", "livestock_health", "finance", "employment", "medical", "elderly_care", "social_assistance",
          "education", "roads", "water", "power", "heating_housing", "telecom", "environment", "disputes", "policy",
          "grassland", "produce_sales", "social_insurance", "medical_insurance", "unpaid_wages", "property_management",
          "household_registration", "market_regulation", "wish_goods", "wish_help"}
XML_ROOTS = {"services": ("services", "service"), "requests": ("service_requests", "request"),
             "errors": ("errors", "error")}


def get_json(client, url, schemas, schema, expect=200, **params):
    response = client.get(url, params)
    assert response.status_code == expect, response.content.decode()
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    schemas.validate(schema, document)
    return document


def as_strings(value):
    """The JSON document as XML carries it: every scalar a string, null an empty element, lists unwrapped."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {k: as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_strings(v) for v in value]
    return str(value)


WRAPPERS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def unwrap(value):
    """xmltodict's {"values": {"value": [...]}} back to the JSON shape {"values": [...]}."""
    if isinstance(value, dict):
        return {k: [unwrap(i) for i in ((v or {}).get(WRAPPERS[k]) or [])] if k in WRAPPERS else unwrap(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def xml_document(body: bytes, root: str):
    return unwrap(xmltodict.parse(body, force_list=set(WRAPPERS.values()) | {"service", "request", "error"})[root])


def xml_list(body: bytes, root: str, item: str) -> list:
    return unwrap((xmltodict.parse(body, force_list={item, *WRAPPERS.values()})[root] or {}).get(item, []))


def assert_xml_matches(client, url, document, kind, status=200, **params):
    """The .xml twin of a .json URL says the same thing (and so passes the same schema)."""
    response = client.get(url.replace(".json", ".xml"), params)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root, item = XML_ROOTS[kind]
    assert xml_list(response.content, root, item) == as_strings(document)


def post(client, data, fmt="json", idempotency_key=None):
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    return client.post(f"{V2}/requests.{fmt}", data, headers=headers)


def filing(key, **extra):
    return {"api_key": key, "service_code": "farm_inputs", "address_id": "150426100223",
            "description": "我们嘎查好几户的化肥还没着落，供销社能不能送一批尿素过来", **extra}


# --- discovery, services, service definitions -------------------------------------------------------------


def test_discovery(client, schemas):
    document = get_json(client, f"{V2}/discovery.json", schemas, "discovery")
    endpoint = document["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert get_json(client, "/open311/discovery.json", schemas, "discovery") == document
    xml = xml_document(client.get(f"{V2}/discovery.xml").content, "discovery")
    assert xml == as_strings(document)
    schemas.validate("discovery", xml)  # all its values are strings already


def test_services_are_the_active_leaf_categories(client, schemas, catalogue, system_actor):
    services = get_json(client, f"{V2}/services.json", schemas, "services.json")
    assert {s["service_code"] for s in services} == LEAVES
    seeds = next(s for s in services if s["service_code"] == "farm_inputs")
    assert seeds == {"service_code": "farm_inputs", "service_name": "种子化肥与饲草料", "description": "1个工作日内响应，7个工作日内办结",
                     "metadata": True, "type": "realtime", "keywords": None, "group": "生产发展"}
    assert_xml_matches(client, f"{V2}/services.json", services, "services")

    catalogue["categories"]["telecom"].is_active = False
    catalogue["categories"]["telecom"].save()
    assert "telecom" not in {s["service_code"] for s in client.get(f"{V2}/services.json").json()}


def test_service_definition(client, schemas, catalogue):
    definition = get_json(client, f"{V2}/services/farm_inputs.json", schemas, "service-definition.json")
    assert definition["service_code"] == "farm_inputs"
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert [v["key"] for v in attributes["kind"]["values"]] == ["demand", "wish", "complaint", "suggestion"]
    assert [v["key"] for v in attributes["urgent"]["values"]] == ["false", "true"]
    xml = xml_document(client.get(f"{V2}/services/farm_inputs.xml").content, "service_definition")
    assert xml == as_strings(definition)


@pytest.mark.parametrize("code", ["nope", "production"])  # unknown, and a group rather than a leaf
def test_unknown_service_definition_is_404(client, schemas, catalogue, code):
    errors = get_json(client, f"{V2}/services/{code}.json", schemas, "errors", expect=404)
    assert errors[0]["code"] == 404
    assert_xml_matches(client, f"{V2}/services/{code}.json", errors, "errors", status=404)


# --- reading requests --------------------------------------------------------------------------------------


def test_requests_list_is_valid_and_shows_no_personal_data(client, schemas, demands):
    body = client.get(f"{V2}/requests.json")
    documents = get_json(client, f"{V2}/requests.json", schemas, "requests.json")
    assert [d["service_request_id"] for d in documents] == [
        str(demands[k].pk) for k in ("road", "wish", "water", "seeds")]
    seeds = next(d for d in documents if d["service_request_id"] == str(demands["seeds"].pk))
    assert seeds["status"] == "open"
    assert seeds["service_code"] == "farm_inputs"
    assert seeds["agency_responsible"] == "旗农牧局"  # routed by the responsibility list
    assert seeds["address"] == "赛沁塔拉嘎查" and seeds["address_id"] == "150426100223"  # the village, not the grid
    assert seeds["description"] is None and seeds["lat"] is None and seeds["long"] is None
    assert seeds["expected_datetime"] is not None
    road = next(d for d in documents if d["service_request_id"] == str(demands["road"].pk))
    assert road["status"] == "closed" and road["status_notes"] == "已关闭" and road["expected_datetime"] is None
    text = body.content.decode()
    for secret in ("乌云毕力格", "乌***格", "13904761234", "4761234", "一组1号", "低保", "42.9375", "尿素",
                   demands["seeds"].tracking_code):
        assert secret not in text
    for document in documents:
        datetime.fromisoformat(document["requested_datetime"])
    assert_xml_matches(client, f"{V2}/requests.json", documents, "requests")


def test_requests_filters(client, schemas, demands):
    def ids(**params):
        return {d["service_request_id"] for d in get_json(client, f"{V2}/requests.json", schemas, "requests.json",
                                                          **params)}

    pk = {k: str(d.pk) for k, d in demands.items()}
    assert ids(status="closed") == {pk["road"]}
    assert ids(status="open") == {pk["seeds"], pk["water"], pk["wish"]}
    assert ids(status="open,closed") == set(pk.values())
    assert ids(service_code="water,roads") == {pk["water"], pk["road"]}
    assert ids(service_code="water", status="closed") == set()
    assert ids(service_request_id=f"{pk['wish']},{pk['seeds']},999999", status="closed") == {pk["wish"], pk["seeds"]}
    now = timezone.now()
    assert ids(start_date=(now - timedelta(days=1)).isoformat(), end_date=(now + timedelta(hours=1)).isoformat()) \
        == set(pk.values())
    assert ids(start_date=(now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")) == set()
    assert ids(end_date=(now - timedelta(days=1)).date().isoformat()) == set()


@pytest.mark.parametrize("params", [
    {"status": "pending"},
    {"start_date": "yesterday"},
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},  # more than 90 days
    {"start_date": "2026-02-01", "end_date": "2026-01-01"},
    {"service_request_id": "12,abc"},
])
def test_bad_query_is_400(client, schemas, params):
    errors = get_json(client, f"{V2}/requests.json", schemas, "errors", expect=400, **params)
    assert errors[0]["code"] == 400


def test_one_request(client, schemas, demands):
    url = f"{V2}/requests/{demands['water'].pk}.json"
    documents = get_json(client, url, schemas, "requests.json")
    assert len(documents) == 1
    water = documents[0]
    schemas.validate("request.json", water)
    assert water["service_code"] == "water" and water["agency_responsible"] == "旗水利局"
    assert water["address"] == "官井子村"
    assert_xml_matches(client, url, documents, "requests")


@pytest.mark.parametrize("pk", ["999999", "abc", "1" * 30])
def test_missing_request_is_404(client, schemas, demands, pk):
    errors = get_json(client, f"{V2}/requests/{pk}.json", schemas, "errors", expect=404)
    assert errors[0]["code"] == 404
    assert_xml_matches(client, f"{V2}/requests/{pk}.json", errors, "errors", status=404)


def test_a_key_for_the_area_reads_its_requests_in_full(client, schemas, demands, village_key):
    documents = get_json(client, f"{V2}/requests.json", schemas, "requests.json", api_key=village_key)
    by_id = {d["service_request_id"]: d for d in documents}
    seeds = by_id[str(demands["seeds"].pk)]  # in 赛沁塔拉嘎查
    assert seeds["description"] == demands["seeds"].text  # the whole description, not a summary
    assert "乌云毕力格" in seeds["description"] and "低保" in seeds["description"]
    assert seeds["address"] == "赛沁塔拉嘎查一组1号，赛沁塔拉嘎查" and seeds["address_id"] == "150426100223"
    assert (seeds["lat"], seeds["long"]) == (42.937512, 119.012345)
    assert seeds["media_url"] is None  # filed by a grid worker: no media_url was sent
    water = by_id[str(demands["water"].pk)]  # in 官井子村: not this key's area
    assert water["description"] is None and water["lat"] is None and water["address"] == "官井子村"
    assert "13904761234" not in json.dumps(documents, ensure_ascii=False)
    assert_xml_matches(client, f"{V2}/requests.json", documents, "requests", api_key=village_key)


def test_a_bad_key_on_a_read_is_403(client, schemas, demands):
    errors = get_json(client, f"{V2}/requests.json", schemas, "errors", expect=403, api_key="not-a-key")
    assert errors[0]["code"] == 403


def test_signed_in_users_read_exactly_what_the_public_reads(client, demands, insider, reader, outsider):
    """No session widens what Open311 shows: insider, read-only member and outsider get the public answer."""
    public = client.get(f"{V2}/requests.json").json()
    for user in (insider, reader, outsider):
        assert client_for(user).get(f"{V2}/requests.json").json() == public
        assert client_for(user).get(f"{V2}/requests/{demands['seeds'].pk}.json").json()[0]["description"] is None


def test_listing_uses_a_fixed_number_of_queries(client, demands, region, system_actor, django_assert_max_num_queries):
    for i in range(20):
        services.create_demand(actor=system_actor, kind="demand", text=f"第{i}件：路灯坏了", area=region["官井子村1"],
                               channel="hotline", category=Category.objects.get(code="roads"))
    with django_assert_max_num_queries(2):
        assert len(client.get(f"{V2}/requests.json").json()) == 24


# --- filing requests ---------------------------------------------------------------------------------------


def test_post_files_a_routed_demand_and_answers_its_id(client, schemas, catalogue, county_key):
    response = post(client, filing(county_key, lat="42.93", long="119.01", address_string="一组",
                                   first_name="毕力格", last_name="乌云", phone="13904761234",
                                   email="x@example.com", media_url="http://example.com/a.jpg"))
    assert response.status_code == 201, response.content.decode()
    answer = response.json()
    schemas.validate("request-response", answer)
    demand = Demand.objects.get(pk=int(answer[0]["service_request_id"]))
    assert "token" not in answer[0]  # service_request_id given, so no token (the spec: one or the other)
    assert answer[0]["tracking_code"] == tracking.display(demand.tracking_code)  # extension
    assert tracking.display(demand.tracking_code) in answer[0]["service_notice"]
    assert demand.channel == Demand.Channel.OPEN311 and demand.kind == "demand" and not demand.urgent
    assert demand.category.code == "farm_inputs" and demand.area.code == "150426100223"
    assert demand.lead_unit.code == "agriculture_bureau"
    assert {u.code for u in demand.supporting_units.all()} == {"supply_coop"}
    assert demand.contact_name == "乌云毕力格" and demand.contact_phone == "13904761234"
    assert str(demand.latitude) == "42.930000" and str(demand.longitude) == "119.010000"
    assert demand.address == "一组"
    assert demand.events.filter(kind="routed").exists()


    entry = AuditEntry.objects.get(action="demands.create", object_id=str(demand.pk))
    assert entry.actor_name == "Open311:翁牛特旗12345热线"

    # extension: tokens/{tracking code} resolves the code the resident is told, typed with or without the dash
    token = get_json(client, f"{V2}/tokens/{demand.tracking_code}.json", schemas, "token-response")
    assert token == [{"token": demand.tracking_code, "service_request_id": str(demand.pk)}]
    assert_xml_matches(client, f"{V2}/tokens/{demand.tracking_code}.json", token, "requests")
    assert client.get(f"{V2}/tokens/{answer[0]['tracking_code']}.json").json() == token
    read = get_json(client, f"{V2}/requests/{demand.pk}.json", schemas, "requests.json")[0]
    assert read["status"] == "open" and read["agency_responsible"] == "旗农牧局" and read["lat"] is None
    assert read["media_url"] is None and read["description"] is None  # the public: no text, place or media
    full = get_json(client, f"{V2}/requests/{demand.pk}.json", schemas, "requests.json", api_key=county_key)[0]
    assert (full["lat"], full["long"]) == (42.93, 119.01) and full["media_url"] == "http://example.com/a.jpg"
    assert full["description"] == filing(county_key)["description"] and full["address"] == "一组，赛沁塔拉嘎查"


def test_post_in_xml(client, schemas, catalogue, county_key):
    response = post(client, filing(county_key), fmt="xml")
    assert response.status_code == 201
    answer = xml_list(response.content, "service_requests", "request")
    schemas.validate("request-response", answer)
    assert "token" not in answer[0]
    assert Demand.objects.filter(pk=int(answer[0]["service_request_id"]),
                                 tracking_code=tracking.normalize(answer[0]["tracking_code"])).exists()


def test_post_accepts_lon_as_well_as_long(client, catalogue, county_key):
    response = post(client, filing(county_key, lat="43.5", lon="118.25"))
    assert response.status_code == 201
    demand = Demand.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert (float(demand.latitude), float(demand.longitude)) == (43.5, 118.25)


def test_post_attributes_kind_and_urgent(client, catalogue, county_key):
    wish = post(client, filing(county_key, service_code="elderly_care", description="老人想要一台收音机",
                               **{"attribute[kind]": "wish"}))
    urgent = post(client, filing(county_key, service_code="water", description="井上的水泵烧了全村等着吃水",
                                 **{"attribute[urgent]": "true"}))
    wish = Demand.objects.get(pk=int(wish.json()[0]["service_request_id"]))
    urgent = Demand.objects.get(pk=int(urgent.json()[0]["service_request_id"]))
    assert wish.kind == "wish" and wish.lead_unit is None  # waits on the board for a claim
    assert urgent.urgent and urgent.priority == 0 and urgent.lead_unit.code == "water_bureau"


def test_a_village_key_files_in_its_village_without_address_id(client, catalogue, village_key, region):
    data = filing(village_key, address_string="嘎查委员会东边的水井")
    del data["address_id"]
    response = post(client, data)
    assert response.status_code == 201
    assert Demand.objects.get(pk=int(response.json()[0]["service_request_id"])).area == region["赛沁塔拉嘎查"]
    grid = post(client, filing(village_key, address_id=region["赛沁塔拉嘎查2"].code))
    assert grid.status_code == 201


def test_post_is_idempotent_with_a_key(client, catalogue, county_key):
    first = post(client, filing(county_key), idempotency_key="phone-42-1")
    again = post(client, filing(county_key), idempotency_key="phone-42-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Demand.objects.count() == 1
    assert post(client, filing(county_key), idempotency_key="phone-42-2").json() != first.json()
    # The same key with other fields is refused in Chinese and files nothing.
    other = post(client, filing(county_key, description="另一件事：村口路灯不亮"), idempotency_key="phone-42-1")
    assert other.status_code == 400  # the spec: "basically 400 for any other error"
    assert other.json()[0]["code"] == 400 and "该幂等键已用于内容不同的请求" in other.json()[0]["description"]
    assert Demand.objects.count() == 2


def test_post_needs_no_csrf_token(catalogue, county_key):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, filing(county_key)).status_code == 201


@pytest.mark.parametrize("change, status", [
    ({"api_key": ""}, 403),
    ({"api_key": "wrong"}, 403),
    ({"api_key": "x" * 500}, 403),
    ({"address_id": "150426104204"}, 403),  # 官井子村: beyond a 赛沁塔拉嘎查 key
    ({"service_code": "no_such_category"}, 404),  # the spec: 404 - service_code ... was not found
    ({"service_code": "production"}, 404),  # a group, not a service
    ({"service_code": ""}, 400),  # the spec: 400 - service_code ... was not provided
    ({"description": "草" * 4001}, 400),  # the spec: limited to 4,000 characters
    ({"description": "草" * 100_000}, 400),
    ({"address_id": ""}, 400),  # no location at all, even for a village's key
    ({"media_url": "javascript:alert(1)"}, 400),
    ({"media_url": "not a url"}, 400),
    ({"lat": "91", "long": "119"}, 400),
    ({"lat": "abc", "long": "119"}, 400),
    ({"lat": "nan", "long": "119"}, 400),
    ({"lat": "42.9"}, 400),
    ({"attribute[kind]": "gift"}, 400),
    ({"attribute[urgent]": "maybe"}, 400),
    ({"phone": "12345"}, 400),
    ({"address_id": "150426100000"}, 400),  # a township: demands belong to a village or a grid
    ({"address_id": "999999999999"}, 400),
])
def test_bad_posts_are_error_arrays(client, schemas, catalogue, village_key, change, status):
    response = post(client, {**filing(village_key), **change})
    assert response.status_code == status, response.content.decode()
    errors = response.json()
    schemas.validate("errors", errors)
    assert errors[0]["code"] == status
    assert Demand.objects.count() == 0


def test_a_county_key_must_say_where(client, schemas, catalogue, county_key):
    data = filing(county_key)
    del data["address_id"]
    response = post(client, data, fmt="xml")
    assert response.status_code == 400
    errors = xml_list(response.content, "errors", "error")
    assert errors[0]["code"] == "400" and "address_id" in errors[0]["description"]
    schemas.validate("errors", [{**e, "code": int(e["code"])} for e in errors])
    # lat/long alone is a full location, but a county's key cannot tell from it which village: 400, naming the way
    alone = post(client, {**data, "lat": "42.93", "long": "119.01"})
    assert alone.status_code == 400 and "address_id" in alone.json()[0]["description"]
    # an address_string naming no village of the key's area likewise
    nowhere = post(client, {**data, "address_string": "村口大槐树下"})
    assert nowhere.status_code == 400 and "address_id" in nowhere.json()[0]["description"]
    assert Demand.objects.count() == 0


def test_a_revoked_key_is_refused(client, catalogue, county_key, system_actor):
    assert post(client, filing(county_key)).status_code == 201
    open311_services.deactivate_client(actor=system_actor, client=Open311Client.objects.get())
    assert post(client, filing(county_key)).status_code == 403


def test_a_signed_in_user_still_needs_a_key(catalogue, insider):
    response = post(client_for(insider), filing(""))
    assert response.status_code == 403


# --- tokens, methods, unknown routes -----------------------------------------------------------------------


def test_unknown_and_malformed_tokens_answer_alike(client, schemas, demands):
    well_formed_missing = tracking.generate()
    answers = [client.get(f"{V2}/tokens/{t}.json") for t in (well_formed_missing, "ABCDEFGHJK", "x")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    schemas.validate("errors", answers[0].json())


def test_token_look_ups_are_rate_limited(client, settings, demands):
    settings.RATE_LIMITS = {"demands:track": (3, 600)}
    code = demands["seeds"].tracking_code
    assert [client.get(f"{V2}/tokens/{code}.json").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = client.get(f"{V2}/tokens/{code}.json")
    assert refused.json()[0]["code"] == 429 and int(refused["Retry-After"]) >= 1


@pytest.mark.parametrize("method, url", [("delete", "requests.json"), ("put", "services.json"),
                                         ("post", "services/water.json"), ("post", "discovery.json")])
def test_wrong_method_is_405(client, schemas, catalogue, method, url):
    response = getattr(client, method)(f"{V2}/{url}")
    assert response.status_code == 405
    schemas.validate("errors", response.json())
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("url", ["/open311/v2/requests.csv", "/open311/v3/services.json", "/open311/v2/nothing.xml"])
def test_unknown_route_is_a_404_error_array(client, schemas, url):
    response = client.get(url)
    assert response.status_code == 404
    body = response.json() if url.endswith(".json") or url.endswith(".csv") else xml_list(response.content, "errors",
                                                                                          "error")
    assert str(body[0]["code"]) == "404"


# --- the georeport client from PyPI ------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_client_lists_services_and_reads_a_request(georeport_http, demands, output_format):
    client = GeoReport("http://testserver/open311/v2/", jurisdiction="150426", output_format=output_format)
    services = client.get_service_list()
    assert {s["service_code"] for s in services} == LEAVES

    definition = client.get_service_definition("water")
    assert definition["service_code"] == "water"

    pk = str(demands["water"].pk)
    one = client.get_service_request(pk)
    if output_format == "xml":
        one = one[0] if isinstance(one, list) else one
    assert one["service_request_id"] == pk
    assert one["service_code"] == "water" and one["status"] == "open"

    closed = client.get_service_requests(status="closed")
    closed = [closed] if isinstance(closed, dict) else closed  # xmltodict gives one request as a dict
    assert [r["service_request_id"] for r in closed] == [str(demands["road"].pk)]
    assert all(status == 200 for _, _, status in georeport_http.calls)
    assert all(path.startswith("/open311/v2/") and "jurisdiction_id=150426" in path
               for _, path, _ in georeport_http.calls)


# --- API keys -----------------------------------------------------------------------------------------------


def test_keys_are_stored_as_digests_and_audited(region, system_actor):
    client, key = open311_services.create_client(actor=system_actor, name="热线", area=region["翁牛特旗"])
    assert len(key) >= 40 and client.key_prefix == key[:8]
    assert key not in client.key_digest and open311_services.authenticate(key) == client
    assert open311_services.authenticate(key + "x") is None and open311_services.authenticate("") is None
    assert AuditEntry.objects.filter(action="open311.client.create", object_id=str(client.pk)).exists()
    open311_services.deactivate_client(actor=system_actor, client=client)
    assert open311_services.authenticate(key) is None
    assert AuditEntry.objects.filter(action="open311.client.deactivate", object_id=str(client.pk)).count() == 1


def test_a_key_never_begins_with_a_dash_so_its_prefix_can_be_typed(region, system_actor, monkeypatch):
    drawn = iter(["-" + "a" * 42, "b" * 43])
    monkeypatch.setattr(open311_services.secrets, "token_urlsafe", lambda n: next(drawn))
    client, key = open311_services.create_client(actor=system_actor, name="热线", area=region["翁牛特旗"])
    assert key == "b" * 43 and client.key_prefix == "bbbbbbbb"
    call_command("open311_client", "deactivate", client.key_prefix, stdout=StringIO())
    client.refresh_from_db()
    assert not client.is_active


def test_management_command(region):
    out = StringIO()
    call_command("open311_client", "create", "--name", "翁牛特旗12345热线", "--area", "150426000000", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    client = Open311Client.objects.get()
    assert client.key_prefix == key[:8] and client.area.code == "150426000000"
    out = StringIO()
    call_command("open311_client", "list", stdout=out)
    assert "翁牛特旗12345热线" in out.getvalue() and key not in out.getvalue()
    call_command("open311_client", "deactivate", client.key_prefix, stdout=StringIO())
    client.refresh_from_db()
    assert not client.is_active
    with pytest.raises(CommandError):
        call_command("open311_client", "create", "--name", "x", "--area", "000000", stdout=StringIO())


def test_xml_drops_characters_xml_cannot_carry(client, region, catalogue, village_key, system_actor):
    demand = services.create_demand(actor=system_actor, kind="demand", text="路坏了\x01\x1b还没修", area=region["赛沁塔拉嘎查"],
                                    channel="hotline", category=Category.objects.get(code="roads"))
    response = client.get(f"{V2}/requests/{demand.pk}.xml", {"api_key": village_key})
    assert xml_list(response.content, "service_requests", "request")[0]["description"] == "路坏了还没修"


def test_head_is_allowed_where_get_is(client, catalogue):
    assert client.head(f"{V2}/services.json").status_code == 200
