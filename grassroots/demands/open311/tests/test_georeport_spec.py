"""Open311 GeoReport v2 to the letter (issue #18 item 4): each behaviour against the sentence of the spec
(wiki.open311.org/GeoReport_v2) it follows, quoted in the test's docstring, in JSON and in XML."""

from __future__ import annotations

import re
from datetime import UTC

import pytest

from grassroots.demands.models import Demand
from grassroots.demands.open311 import views
from grassroots.demands.open311.models import Open311Filing
from grassroots.demands.open311.tests.test_open311 import V2, as_strings, filing, post, xml_list
from grassroots.rules import tracking

pytestmark = pytest.mark.django_db

SAICHIN = "150426100223"  # 赛沁塔拉嘎查


def created_id(response) -> int:
    assert response.status_code == 201, response.content.decode()
    return int(response.json()[0]["service_request_id"])


def both_formats(client, url, **params) -> tuple[list, list]:
    """The requests at ``url`` as JSON and as XML (every XML value a string)."""
    as_json = client.get(f"{url}.json", params)
    as_xml = client.get(f"{url}.xml", params)
    assert as_json.status_code == as_xml.status_code == 200
    return as_json.json(), xml_list(as_xml.content, "service_requests", "request")


def without(data: dict, *names: str) -> dict:
    return {k: v for k, v in data.items() if k not in names}


# --- 1. an unknown service_code --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["no_such_service", "production"])  # unknown; a group, not a service
def test_an_unknown_service_code_on_post_is_404(client, schemas, catalogue, county_key, fmt, code):
    """POST Service Request, Possible Errors: "404 - service_code or jurisdiction_id was not found (specified in
    error response)"; Errors: "Multiple errors codes and descriptions can be returned in the body (the response
    is an array)"."""
    response = post(client, filing(county_key, service_code=code), fmt=fmt)
    assert response.status_code == 404
    errors = response.json() if fmt == "json" else [
        {**e, "code": int(e["code"])} for e in xml_list(response.content, "errors", "error")]
    schemas.validate("errors", errors)
    assert errors[0]["code"] == 404 and "service_code" in errors[0]["description"]
    assert Demand.objects.count() == 0


def test_a_missing_service_code_on_post_is_400(client, schemas, catalogue, county_key):
    """POST Service Request, Possible Errors: "400 - service_code or jurisdiction_id was not provided (specified
    in error response)"."""
    response = post(client, without(filing(county_key), "service_code"))
    assert response.status_code == 400
    schemas.validate("errors", response.json())
    assert "service_code" in response.json()[0]["description"]


# --- 2. service_request_id, not token --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_answers_the_id_and_no_token(client, schemas, catalogue, county_key, fmt):
    """POST Service Request, Response: service_request_id "This should not be returned if token is returned";
    token "This should not be returned if service_request_id is returned". GET Service List: type "realtime:
    The service request ID will be returned immediately after the service request is submitted" (every
    service here is realtime)."""
    assert {s["type"] for s in client.get(f"{V2}/services.json").json()} == {"realtime"}
    response = post(client, filing(county_key), fmt=fmt)
    assert response.status_code == 201
    answer = response.json() if fmt == "json" else xml_list(response.content, "service_requests", "request")
    schemas.validate("request-response", answer)
    assert len(answer) == 1 and "token" not in answer[0]
    demand = Demand.objects.get(pk=int(answer[0]["service_request_id"]))
    assert answer[0]["service_notice"]  # "Information about the action expected …"
    assert answer[0]["tracking_code"] == tracking.display(demand.tracking_code)  # extension (docs/open311.md)


# --- 3. a location: lat & long, or address_string, or address_id -----------------------------------------


@pytest.mark.parametrize("location", [
    {"lat": "42.937", "long": "119.012"},
    {"address_string": "一组水井旁"},
    {"address_id": SAICHIN},
])
def test_any_one_full_location_is_enough(client, catalogue, village_key, region, location):
    """POST Service Request, Required Arguments: location parameter, "A full location parameter must be
    submitted." — "One of lat & long or address_string or address_id"."""
    data = {**without(filing(village_key), "address_id"), **location}
    demand = Demand.objects.get(pk=created_id(post(client, data)))
    assert demand.area == region["赛沁塔拉嘎查"]
    assert demand.address == location.get("address_string", "")
    assert (demand.latitude is None) == ("lat" not in location)


def test_a_county_key_is_placed_by_the_village_its_address_string_names(client, catalogue, county_key, region):
    """address_string: "This is required if no lat/long or address_id are provided. This should be written from
    most specific to most general geographic unit" — a county's key names the village in it."""
    data = {**without(filing(county_key), "address_id"), "address_string": "三组东头，赛沁塔拉嘎查，乌丹镇"}
    demand = Demand.objects.get(pk=created_id(post(client, data)))
    assert demand.area == region["赛沁塔拉嘎查"] and demand.address == "三组东头，赛沁塔拉嘎查，乌丹镇"


@pytest.mark.parametrize("key", ["village_key", "county_key"])
def test_no_location_at_all_is_refused_even_for_a_village_key(client, schemas, catalogue, key, request):
    """"A full location parameter must be submitted." The spec lists it among the Required Arguments, so a key
    held for one village gets no exception: 400 ("basically 400 for any other error where the request can not be
    fulfilled as expected")."""
    response = post(client, without(filing(request.getfixturevalue(key)), "address_id"))
    assert response.status_code == 400
    schemas.validate("errors", response.json())
    description = response.json()[0]["description"]
    assert all(name in description for name in ("lat", "long", "address_string", "address_id"))
    assert Demand.objects.count() == 0


@pytest.mark.parametrize("half", [{"lat": "42.9"}, {"long": "119.0"}])
def test_lat_without_long_is_not_a_location(client, catalogue, village_key, half):
    """lat / long: "lat & long both need to be sent even though they are sent as two separate parameters.\""""
    response = post(client, {**without(filing(village_key), "address_id"), **half})
    assert response.status_code == 400
    assert "lat" in response.json()[0]["description"]


# --- 4. description: optional, up to 4,000 characters -----------------------------------------------------


def test_description_is_optional(client, catalogue, village_key):
    """POST Service Request: description is among the Optional Arguments; "Optional" means that "the response
    should be the same whether a parameter is passed and is empty or is not passed at all"."""
    absent = post(client, without(filing(village_key), "description"))
    empty = post(client, filing(village_key, description=""))
    assert absent.status_code == empty.status_code == 201
    for response in (absent, empty):
        demand = Demand.objects.get(pk=created_id(response))
        assert demand.text == "" and demand.channel == Demand.Channel.OPEN311
        read = client.get(f"{V2}/requests/{demand.pk}.json", {"api_key": village_key}).json()[0]
        assert read["description"] is None


def test_description_takes_4000_characters_and_not_one_more(client, schemas, catalogue, village_key):
    """description: "This may contain line breaks, but not html or code. Otherwise, this is free form text
    limited to 4,000 characters.\""""
    text = "第一行\n" + "草" * 3996
    assert len(text) == 4000
    demand = Demand.objects.get(pk=created_id(post(client, filing(village_key, description=text))))
    assert demand.text == text
    too_long = post(client, filing(village_key, description=text + "草"))
    assert too_long.status_code == 400
    schemas.validate("errors", too_long.json())
    assert "description" in too_long.json()[0]["description"] and "4000" in too_long.json()[0]["description"]


# --- 5, 6. a key holder reads the description, lat, long and media_url -----------------------------------


def test_a_key_holder_reads_the_whole_description_lat_long_and_media_url(client, schemas, catalogue, village_key):
    """GET Service Request(s), Response: description "A full description of the request or report submitted.";
    lat "latitude using the (WGS84) projection."; long "longitude using the (WGS84) projection."; media_url "A URL
    to media associated with the request, eg an image." — returned where known, to the key holder whose area
    covers the request (the public reads none of them: the text names people, the point finds a household)."""
    text = "嘎查东头的机井水泵烧了，三十多户人畜饮水都靠它。\n已经停了两天，请水利局尽快派人来修。"
    assert len(text) > 40
    pk = created_id(post(client, filing(village_key, description=text, lat="42.937512", long="119.012345",
                                        address_string="东头机井", media_url="https://example.com/pump.jpg")))
    as_json, as_xml = both_formats(client, f"{V2}/requests/{pk}", api_key=village_key)
    schemas.validate("requests.json", as_json)
    request = as_json[0]
    assert request["description"] == text
    assert request["lat"] == 42.937512 and request["long"] == 119.012345
    assert request["media_url"] == "https://example.com/pump.jpg"
    assert request["address"] == "东头机井，赛沁塔拉嘎查" and request["address_id"] == SAICHIN
    assert as_xml == as_strings(as_json)
    listed = {r["service_request_id"]: r for r in client.get(f"{V2}/requests.json", {"api_key": village_key}).json()}
    assert listed[str(pk)] == request
    assert Open311Filing.objects.get(demand_id=pk).media_url == "https://example.com/pump.jpg"

    public_json, public_xml = both_formats(client, f"{V2}/requests/{pk}")
    public = public_json[0]
    assert public["description"] is public["lat"] is public["long"] is public["media_url"] is None
    assert public["address"] == "赛沁塔拉嘎查"
    assert public_xml == as_strings(public_json)


# --- 7. times -------------------------------------------------------------------------------------------------

W3C_CST = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


def test_every_time_is_w3c_with_its_offset(client, schemas, demands):
    """Date/time format: "All date/time fields must be formatted in a common subset of ISO 8601 as per the w3
    note. Timezone information (either Z meaning UTC, or an HH:MM offset from UTC) must be included." Here
    always China Standard Time, +08:00, in JSON and in XML alike."""
    as_json, as_xml = both_formats(client, f"{V2}/requests")
    assert len(as_json) == 4
    for document in (*as_json, *as_xml):
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert document[name] is None or W3C_CST.match(document[name]), (name, document[name])
        assert W3C_CST.match(document["requested_datetime"]) and W3C_CST.match(document["updated_datetime"])
    assert any(d["expected_datetime"] for d in as_json)
    discovery = client.get(f"{V2}/discovery.json").json()
    assert W3C_CST.match(discovery["changeset"]) and W3C_CST.match(discovery["endpoints"][0]["changeset"])


def test_start_and_end_dates_in_utc_are_read_as_the_same_instant(client, demands):
    """GET Service Requests, start_date / end_date: "Must use w3 format, eg 2010-01-01T00:00:00Z." Z and +08:00
    name the same instant."""
    requested = client.get(f"{V2}/requests/{demands['water'].pk}.json").json()[0]["requested_datetime"]
    utc = demands["water"].created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert requested.endswith("+08:00") and utc.endswith("Z")
    for start in (requested, utc):
        ids = {r["service_request_id"] for r in client.get(f"{V2}/requests.json", {"start_date": start}).json()}
        assert str(demands["water"].pk) in ids


# --- errors ---------------------------------------------------------------------------------------------------


def test_a_missing_or_bad_key_is_403_as_an_error_list(client, schemas, catalogue):
    """Errors: "403 - Missing or Invalid API Key (specify in error message)"; each error has a code ("In most
    cases, this should match the HTTP status code returned in the HTTP header") and a description ("meant to be
    seen by the user")."""
    for data in (without(filing(""), "api_key"), filing("not-a-key")):
        for fmt in ("json", "xml"):
            response = post(client, data, fmt=fmt)
            assert response.status_code == 403
            errors = response.json() if fmt == "json" else [
                {**e, "code": int(e["code"])} for e in xml_list(response.content, "errors", "error")]
            schemas.validate("errors", errors)
            assert errors[0]["code"] == 403 and "api" in errors[0]["description"].lower()


def test_a_listing_stops_at_the_first_1000_requests_newest_first(client, demands, monkeypatch):
    """GET Service Requests, Response Volume: "Default query limit is a span of 90 days or first 1000 requests
    returned, whichever is smallest." (The cap is lowered here to see it work without filing 1,001 demands.)"""
    assert views.MAX_RESULTS == 1000
    monkeypatch.setattr(views, "MAX_RESULTS", 2)
    listed = [r["service_request_id"] for r in client.get(f"{V2}/requests.json").json()]
    assert listed == [str(demands["road"].pk), str(demands["wish"].pk)]


# --- text the database cannot keep ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_nul_in_a_posted_field_is_400_naming_it(client, schemas, catalogue, village_key, fmt):
    """Errors: "400 - ... (specified in error response)": a NUL character cannot be kept (PostgreSQL refuses it),
    so the request is refused as any other bad argument, naming it, and nothing is filed."""
    response = post(client, filing(village_key, description="化肥\x00没着落"), fmt=fmt)
    assert response.status_code == 400
    errors = response.json() if fmt == "json" else [
        {**e, "code": int(e["code"])} for e in xml_list(response.content, "errors", "error")]
    schemas.validate("errors", errors)
    assert errors[0]["code"] == 400 and errors[0]["description"].startswith("description：含有空字符")
    assert Demand.objects.count() == 0


def test_a_nul_in_a_query_or_path_is_an_open311_error(client, schemas, catalogue):
    listed = client.get(f"{V2}/requests.json?service_code=%00")
    assert listed.status_code == 400 and "service_code" in listed.json()[0]["description"]
    one = client.get(f"{V2}/requests/1%00.json")
    assert one.status_code == 404
    schemas.validate("errors", one.json())
