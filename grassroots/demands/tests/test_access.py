"""Insider / read-only / outsider on every page and route of demands.

As everywhere: outside the caller's areas (and units) a thing does not exist (404); seen but not theirs to
change, it is refused (403).
"""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from grassroots.audit.context import Actor
from grassroots.core.testing import client_for
from grassroots.demands import services
from grassroots.demands.models import Demand, DemandPhoto, Unit, WishClaim
from grassroots.demands.testing import at, png_bytes


@pytest.fixture
def demand(make_demand):
    return make_demand(category="seeds", contact_name="乌云毕力格", contact_phone="13904761234")


@pytest.fixture
def wish(make_demand):
    return make_demand("想要一副老花镜", kind="wish", category="wish-life")


def status(client, method, url, data=None):
    return getattr(client, method)(url, data or {}).status_code


def test_anonymous_is_sent_to_log_in(demand):
    client = Client()
    for url in ["/demands/", "/demands/new/", "/demands/overdue/", "/demands/units/", "/demands/wishes/",
                "/demands/numbers/", "/demands/responsibilities/", f"/demands/{demand.pk}/",
                "/demands/units/wnt-nmj/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url in [f"/demands/{demand.pk}/route/", f"/demands/{demand.pk}/handle/", f"/demands/{demand.pk}/claim/",
                f"/demands/{demand.pk}/callback/", "/demands/suggest/", "/demands/claims/1/release/"]:
        assert client.post(url).status_code == 302, url


@pytest.mark.parametrize("page", ["demands-list", "demands-overdue", "demands-wishes", "demands-numbers",
                                  "demands-responsibilities"])
def test_area_pages(page, region, demand, as_insider, as_reader, as_outsider, as_county_admin):
    url = reverse(page)
    grid, village = region["赛沁塔拉嘎查1"].code, region["赛沁塔拉嘎查"].code
    assert as_insider.get(url, {"area": grid}).status_code == 200
    assert as_insider.get(url).status_code == 200  # opens on the caller's own area
    assert as_insider.get(url, {"area": village}).status_code == 404  # above the grid worker's grid
    assert as_reader.get(url, {"area": village}).status_code == 200
    assert as_outsider.get(url, {"area": village}).status_code == 404
    assert as_outsider.get(url, {"area": "000000000000"}).status_code == 404
    assert as_county_admin.get(url, {"area": region["翁牛特旗"].code}).status_code == 200


def test_the_list_shows_only_ones_own(region, demand, make_demand, as_reader, as_outsider):
    elsewhere = make_demand("官井子村的路面塌了", area="官井子村1", category="roads")
    mine = as_reader.get("/demands/").content.decode()
    theirs = as_outsider.get("/demands/").content.decode()
    assert demand.summary in mine and elsewhere.summary not in mine
    assert elsewhere.summary in theirs and demand.summary not in theirs


def test_numbers_export(region, demand, as_secretary, as_reader, as_outsider):
    village = region["赛沁塔拉嘎查"].code
    response = as_secretary.get("/demands/numbers/", {"area": village, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert as_reader.get("/demands/numbers/", {"area": village, "format": "xlsx"}).status_code == 403
    assert as_outsider.get("/demands/numbers/", {"area": village, "format": "xlsx"}).status_code == 404


def test_detail(demand, as_insider, as_reader, as_outsider, handler, other_handler, stranger_handler):
    url = f"/demands/{demand.pk}/"
    insider_page = as_insider.get(url)
    assert insider_page.status_code == 200 and "13904761234" in insider_page.content.decode()
    reader_page = as_reader.get(url)
    assert reader_page.status_code == 200
    assert "13904761234" not in reader_page.content.decode() and "乌***格" in reader_page.content.decode()
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.get("/demands/999999/").status_code == 404
    assert client_for(handler).get(url).status_code == 200  # lead unit
    assert client_for(other_handler).get(url).status_code == 200  # supporting unit
    assert client_for(stranger_handler).get(url).status_code == 404


def test_new(region, categories, as_insider, as_reader, as_outsider, cashier):
    data = {"kind": "demand", "text": "缺化肥", "area": region["赛沁塔拉嘎查1"].pk, "channel": "hotline",
            "idempotency_key": "a1"}
    assert as_insider.get("/demands/new/").status_code == 200
    assert as_reader.get("/demands/new/").status_code == 403
    assert client_for(cashier).get("/demands/new/").status_code == 403
    assert as_outsider.get("/demands/new/").status_code == 200  # may record in their own village…
    assert as_outsider.post("/demands/new/", data).status_code == 404  # …not in this one
    assert as_reader.post("/demands/new/", data).status_code == 403
    assert as_insider.post("/demands/new/", data).status_code == 302
    assert Demand.objects.count() == 1


def test_new_for_a_person(households, categories, as_insider, as_outsider):
    person = households["inside"].members.first()
    page = as_insider.get("/demands/new/", {"person": person.pk})
    assert page.status_code == 200 and person.name in page.content.decode()
    assert as_outsider.get("/demands/new/", {"person": person.pk}).status_code == 404


def test_suggest(as_insider, as_reader, cashier, outsider):
    assert as_insider.post("/demands/suggest/", {"text": "缺种子"}).status_code == 200
    assert as_reader.post("/demands/suggest/", {"text": "缺种子"}).status_code == 403
    assert client_for(cashier).post("/demands/suggest/", {"text": "缺种子"}).status_code == 403


def test_route(demand, units, as_secretary, as_insider, as_reader, as_outsider, as_handler):
    url = f"/demands/{demand.pk}/route/"
    data = {"lead_unit": units["jyzx"].pk, "reason": "转就业服务中心"}
    assert as_reader.post(url, data).status_code == 403
    assert as_insider.post(url, data).status_code == 403  # grid workers record, they do not dispatch
    assert as_handler.post(url, data).status_code == 403  # the unit handles, it does not dispatch
    assert as_outsider.post(url, data).status_code == 404
    assert as_secretary.post(url, {"lead_unit": units["jyzx"].pk, "reason": ""}).status_code == 400
    assert as_secretary.post(url, data).status_code == 302
    demand.refresh_from_db()
    assert demand.lead_unit == units["jyzx"]


def test_route_to_a_unit_outside_the_demands_areas_is_refused(demand, units, region, as_secretary, system_actor):
    far = Unit.objects.create(code="gjz-hzs", name="官井子村合作社", area=region["官井子村"],
                              path=region["官井子村"].path, kind="cooperative")
    response = as_secretary.post(f"/demands/{demand.pk}/route/", {"lead_unit": far.pk, "reason": "试试"})
    assert response.status_code == 400 and "主办单位：所选单位不存在" in response.content.decode()


def test_handle(demand, as_handler, other_handler, stranger_handler, as_reader, as_outsider, as_secretary):
    url = f"/demands/{demand.pk}/handle/"
    assert as_reader.post(url, {"action": "accept"}).status_code == 403
    assert as_secretary.post(url, {"action": "accept"}).status_code == 403
    assert as_outsider.post(url, {"action": "accept"}).status_code == 404
    assert client_for(stranger_handler).post(url, {"action": "accept"}).status_code == 404
    supporting = client_for(other_handler)
    assert supporting.post(url, {"action": "accept"}).status_code == 403
    assert supporting.post(url, {"action": "note", "note": "供销社已备货"}).status_code == 302
    assert as_handler.post(url, {"action": "accept"}).status_code == 302
    assert as_handler.post(url, {"action": "resolve", "note": ""}).status_code == 400  # a result is required
    assert as_handler.post(url, {"action": "resolve", "note": "已送达"}).status_code == 302
    assert as_handler.post(url, {"action": "note", "note": "再补一句"}).status_code == 400  # closed to changes
    demand.refresh_from_db()
    assert demand.status == "resolved"


def test_callback(demand, system_actor, as_insider, as_reader, as_outsider):
    services.handle(actor=system_actor, demand=demand, action="resolve", note="已送达")
    url = f"/demands/{demand.pk}/callback/"
    assert as_reader.post(url, {"rating": 5}).status_code == 403
    assert as_outsider.post(url, {"rating": 5}).status_code == 404
    assert as_insider.post(url, {"rating": 7}).status_code == 400
    assert as_insider.post(url, {"rating": 4}).status_code == 302
    demand.refresh_from_db()
    assert demand.status == "closed" and demand.feedbacks.get().source == "callback"


def test_photo(demand, as_insider, as_reader, as_outsider, stranger_handler):
    photo = DemandPhoto.objects.create(demand=demand, image=ContentFile(png_bytes(), name="x.png"), extension="png",
                                       content_type="image/png", width=8, height=8, size=10, sha256="0" * 64)
    url = f"/demands/{demand.pk}/photos/{photo.pk}/"
    assert as_insider.get(url).status_code == 200
    assert as_reader.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404
    assert client_for(stranger_handler).get(url).status_code == 404
    assert as_insider.get(f"/demands/{demand.pk}/photos/{photo.pk + 1}/").status_code == 404
    assert Client().get(f"/media/{photo.image.name}").status_code == 404  # never served without a check


def test_claim(wish, units, as_insider, as_outsider, as_county_admin, handler, stranger_handler, cashier):
    url = f"/demands/{wish.pk}/claim/"
    assert as_county_admin.post(url).status_code == 403  # sees the wish, claims nothing
    assert as_outsider.post(url).status_code == 404
    assert client_for(cashier).post(url).status_code == 404
    assert client_for(stranger_handler).post(url, {"unit": units["gdg-nyzx"].pk}).status_code == 404
    assert client_for(handler).post(url, {"unit": units["gxs"].pk}).status_code == 404  # not their unit
    assert client_for(handler).post(url, {"unit": units["nmj"].pk}).status_code == 302
    claim = WishClaim.objects.get()
    assert claim.unit == units["nmj"] and claim.status == "held"
    assert client_for(handler).get(f"/demands/{wish.pk}/").status_code == 200  # the claimant follows it
    assert as_insider.post(url).status_code == 302  # already claimed: a message, no second claim
    assert WishClaim.objects.count() == 1


def test_release_and_fulfil(wish, insider, as_insider, as_reader, as_outsider):
    claim = services.claim_wish(actor=Actor.system("t", user=insider), demand=wish)
    for action, data in (("release", {}), ("fulfil", {"note": "送到了"})):
        url = f"/demands/claims/{claim.pk}/{action}/"
        assert as_reader.post(url, data).status_code == 403
        assert as_outsider.post(url, data).status_code == 404
        assert as_outsider.post(f"/demands/claims/{claim.pk + 99}/{action}/", data).status_code == 404
    assert as_insider.post(f"/demands/claims/{claim.pk}/fulfil/", {"note": ""}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == "held"  # an empty note is refused with a message
    assert as_insider.post(f"/demands/claims/{claim.pk}/fulfil/", {"note": "送到了"}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == "fulfilled"


def test_units_and_queues(demand, units, handler, stranger_handler, township, as_reader, as_outsider,
                          as_county_admin, cashier):
    mine = client_for(handler)
    page = mine.get("/demands/units/")
    assert page.status_code == 200 and "旗农牧局" in page.content.decode()
    queue = mine.get("/demands/units/wnt-nmj/")
    assert queue.status_code == 200 and demand.summary in queue.content.decode()
    assert client_for(stranger_handler).get("/demands/units/wnt-nmj/").status_code == 404
    assert as_outsider.get("/demands/units/wnt-nmj/").status_code == 404
    assert as_reader.get("/demands/units/wnt-nmj/").status_code == 404  # a village does not oversee the banner
    assert client_for(township).get("/demands/units/wd-nyzx/").status_code == 200  # read-only oversight
    assert client_for(township).get("/demands/units/wnt-nmj/").status_code == 404
    assert as_county_admin.get("/demands/units/wnt-nmj/").status_code == 200
    assert mine.get("/demands/units/nope/").status_code == 404
    assert client_for(cashier).get("/demands/units/").status_code == 403
    # A unit member with no role on any area is sent from the list to their units.
    assert mine.get("/demands/").status_code == 302


def test_overdue_list_of_a_township(region, make_demand, township, as_outsider):
    late = make_demand("去年报的水井还没修", now=at(2026, 1, 5))
    make_demand("刚报的", category="jobs")
    page = client_for(township).get("/demands/overdue/", {"area": region["乌丹镇"].code})
    assert page.status_code == 200 and late.summary in page.content.decode()
    assert "刚报的" not in page.content.decode()
    assert as_outsider.get("/demands/overdue/", {"area": region["乌丹镇"].code}).status_code == 404
