"""Every page that shows resident data: insider sees it, read-only member cannot write, outsider 404."""

import pytest

from grassroots.access.services import create_account
from grassroots.areas import services
from grassroots.areas.models import Person
from grassroots.core.protect import unseal
from grassroots.core.testing import PASSWORD, client_for


def test_anonymous_is_sent_to_login(client, households):
    for url in ("/", "/households/?q=wyblg", f"/households/{households['inside'].pk}/", "/area/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_grid_worker_finds_household_by_pinyin_initials(as_insider, households):
    response = as_insider.get("/households/?q=wyblg")
    body = response.content.decode()
    assert "SQ-0001" in body and "乌云毕力格" in body


@pytest.mark.parametrize("query", ["乌云", "wuyun", "SQ-0001", "zxl"])
def test_search_by_name_pinyin_number(as_insider, households, query):
    assert "SQ-0001" in as_insider.get("/households/", {"q": query}).content.decode()


def test_search_never_crosses_scope(as_outsider, as_insider, households):
    assert "SQ-0001" not in as_outsider.get("/households/?q=wyblg").content.decode()
    assert "GJ-0001" not in as_insider.get("/households/?q=sgq").content.decode()
    assert "GJ-0001" in as_outsider.get("/households/?q=sgq").content.decode()


def test_htmx_search_returns_only_the_results_fragment(as_insider, households):
    response = as_insider.get("/households/?q=wyblg", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "SQ-0001" in body and "<html" not in body


def test_household_page_insider_reader_outsider(as_insider, as_reader, as_outsider, households):
    url = f"/households/{households['inside'].pk}/"
    insider_page = as_insider.get(url).content.decode()
    assert "乌云毕力格" in insider_page and "张秀兰" in insider_page
    assert "13904761234" in insider_page  # the grid worker keeps the register: full mobile
    assert "低保" in insider_page  # and sees sensitive circumstances
    reader_page = as_reader.get(url).content.decode()
    assert "乌云毕力格" in reader_page
    assert "139****1234" in reader_page and "13904761234" not in reader_page
    assert "低保" not in reader_page and "牧户" in reader_page
    assert as_outsider.get(url).status_code == 404
    assert as_insider.get("/households/999999/").status_code == 404


def test_id_numbers_are_only_ever_shown_masked(as_insider, households):
    person = Person.objects.get(name="乌云毕力格")
    body = as_insider.get(f"/households/{households['inside'].pk}/").content.decode()
    assert unseal(person.id_number_sealed) not in body
    assert person.id_number_masked in body


def test_home_shows_the_callers_area(as_insider, as_outsider, households):
    assert "第1网格" in as_insider.get("/").content.decode()
    assert "官井子村" in as_outsider.get("/").content.decode()


def test_area_switcher_stays_inside_scope(as_reader, region, households):
    grid = region["赛沁塔拉嘎查2"]
    assert as_reader.post("/area/", {"code": grid.code}).status_code == 302
    assert "第2网格" in as_reader.get("/").content.decode()
    assert as_reader.get(f"/area/?code={region['官井子村'].code}").status_code == 404
    assert as_reader.post("/area/", {"code": region["官井子村"].code}).status_code == 404


def test_a_wider_role_reaches_the_whole_subtree(region, households, system_actor):
    township = create_account(actor=system_actor, username="wudan", password=PASSWORD,
                              roles=[("township_staff", region["乌丹镇"])])
    client = client_for(township)
    assert client.get(f"/households/{households['inside'].pk}/").status_code == 200
    assert client.get(f"/households/{households['outside'].pk}/").status_code == 404


def test_pages_fit_a_phone(as_insider, households):
    body = as_insider.get("/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in body


def test_grid_worker_home_lists_the_households_of_their_grid(as_insider, households, region, system_actor):
    services.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-0200", address="二组")
    body = as_insider.get("/").content.decode()
    assert "SQ-0001" in body and "SQ-0200" not in body


def test_township_home_counts_households_per_village(region, households, system_actor):
    staff = create_account(actor=system_actor, username="wudan2", password=PASSWORD,
                           roles=[("township_staff", region["乌丹镇"])])
    body = client_for(staff).get("/").content.decode()
    assert "赛沁塔拉嘎查" in body and "1 户" in body and "官井子村" not in body


def test_english_is_available(as_insider, households):
    as_insider.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = as_insider.get("/").content.decode()
    assert "Find household" in body and "查户" not in body
    as_insider.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "查户" in as_insider.get("/").content.decode()
