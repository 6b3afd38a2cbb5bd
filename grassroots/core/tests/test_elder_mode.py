"""长辈模式: the switch sets a cookie and goes back where it was; the pages then carry class="elder"."""

import pytest

pytestmark = pytest.mark.django_db


def test_switch_turns_elder_mode_on_and_goes_back(client):
    response = client.post("/elder-mode/", {"elder": "1", "next": "/login/?next=/households/"})
    assert response.status_code == 302 and response["Location"] == "/login/?next=/households/"
    cookie = response.cookies["elder"]
    assert cookie.value == "1" and int(cookie["max-age"]) > 365 * 24 * 3600 and cookie["httponly"]
    page = client.get("/login/").content.decode()
    assert '<html lang="zh-Hans" class="elder">' in page
    assert ">关闭长辈模式</button>" in page


def test_switch_turns_elder_mode_off(client):
    client.cookies["elder"] = "1"
    response = client.post("/elder-mode/", {"elder": "0", "next": "/login/"})
    assert response.cookies["elder"].value == "" and response["Location"] == "/login/"
    page = client.get("/login/").content.decode()
    assert 'class="elder"' not in page and ">长辈模式</button>" in page


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_switch_never_sends_the_reader_to_another_site(client, next_url):
    response = client.post("/elder-mode/", {"elder": "1", "next": next_url})
    assert response["Location"] == "/"


def test_switch_is_a_post(client):
    assert client.get("/elder-mode/?elder=1").status_code == 405


def test_public_demand_page_has_the_switch_and_the_mode(client, region):
    client.cookies["elder"] = "1"
    page = client.get(f"/d/{region['赛沁塔拉嘎查'].code}/").content.decode()
    assert 'class="elder"' in page and ">关闭长辈模式</button>" in page


def test_switch_speaks_english_too(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert ">Large print</button>" in client.get("/login/").content.decode()
    client.cookies["elder"] = "1"
    assert ">Normal print</button>" in client.get("/login/").content.decode()
