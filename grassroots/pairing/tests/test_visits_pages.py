"""The visit pages: the phone form (retried uploads log once, rows named in errors, photos stripped of EXIF), the
pair page, the visit page and the household page — who may open each, what each shows, solved demands."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from grassroots.audit.context import Actor
from grassroots.core.testing import client_for
from grassroots.demands import services as demands
from grassroots.demands.models import Category, Demand
from grassroots.pairing.models import Problem, Visit, VisitPhoto
from grassroots.pairing.services import log_visit
from grassroots.points.testing import GPS_IFD, MAKE, phone_jpeg


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def recently(hours: int = 1) -> str:
    return (timezone.localtime() - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def form_post(key: str = "visit-key-1", **extra) -> dict:
    return {"kind": "home", "visited_at": recently(), "address": "赛沁塔拉嘎查一组1号", "notes": "老两口身体还好",
            "help_0_kind": "policy", "help_0_detail": "讲解医保缴费政策",
            "problem_0_text": "春播缺玉米种子和化肥", "problem_0_category": str(Category.objects.get(code="seeds").pk),
            "idempotency_key": key, **extra}


@pytest.fixture
def visit(pairing_world):
    """A visit on the cadre's pair with one problem (seeds → 旗农牧局) and one photo."""
    made = log_visit(actor=Actor(user=pairing_world.cadre, name="yucai"), pair=pairing_world.pair,
                     visited_at=timezone.now() - timedelta(hours=2), notes="家里缺种子",
                     photos=[SimpleUploadedFile("a.jpg", phone_jpeg(), content_type="image/jpeg")],
                     problems=[{"text": "春播缺玉米种子", "category": Category.objects.get(code="seeds")}])
    return made


def test_the_cadre_logs_a_visit_and_a_retry_makes_nothing_twice(pairing_world, as_cadre):
    url = f"/pairing/pairs/{pairing_world.pair.pk}/visit/"
    page = as_cadre.get(url)
    assert page.status_code == 200 and "入户走访" in page.content.decode() and 'name="idempotency_key"' in page.content.decode()
    first = as_cadre.post(url, form_post())
    assert first.status_code == 302
    visit = Visit.objects.get()
    assert first["Location"] == f"/pairing/visits/{visit.pk}/"
    again = as_cadre.post(url, form_post())  # the phone retried the same upload
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Visit.objects.count() == 1 and Demand.objects.count() == 1
    demand = Problem.objects.get().demand
    assert demand.lead_unit.name == "旗农牧局" and demand.channel == Demand.Channel.PAIRING_CADRE
    shown = as_cadre.get(first["Location"]).content.decode()
    assert "春播缺玉米种子和化肥" in shown and "旗农牧局" in shown and "已受理" in shown and demand.tracking_code in shown
    assert "讲解医保缴费政策" in shown


def test_agri_in_wudan_goes_to_the_townships_centre(pairing_world, as_cadre):
    agri = Category.objects.get(code="agri")
    response = as_cadre.post(f"/pairing/pairs/{pairing_world.pair.pk}/visit/",
                             form_post(problem_0_category=str(agri.pk), problem_0_text="草场灌溉设备坏了"))
    assert response.status_code == 302
    assert Demand.objects.get().lead_unit.name == "乌丹镇农业服务中心"


def test_errors_name_the_row_and_nothing_is_saved(pairing_world, as_cadre):
    url = f"/pairing/pairs/{pairing_world.pair.pk}/visit/"
    jobs = Category.objects.get(code="jobs")
    response = as_cadre.post(url, form_post(problem_1_category=str(jobs.pk), help_2_amount="100"))
    assert response.status_code == 400
    shown = response.content.decode()
    assert "第2个问题：内容不能为空" in shown and "第3条帮扶：请选择帮扶类型" in shown and "第3条帮扶：内容不能为空" in shown
    late = as_cadre.post(url, form_post(visited_at=(timezone.localtime() - timedelta(days=70)).strftime("%Y-%m-%dT%H:%M")))
    assert late.status_code == 400 and "只能补录60天内的走访" in late.content.decode()
    assert not Visit.objects.exists() and not Demand.objects.exists()


def test_photos_are_stored_without_exif_and_served_privately(pairing_world, as_cadre, as_reader, as_outsider,
                                                               as_insider):
    upload = SimpleUploadedFile("IMG_0001.jpg", phone_jpeg(), content_type="image/jpeg")
    response = as_cadre.post(f"/pairing/pairs/{pairing_world.pair.pk}/visit/", form_post(photos=[upload]))
    assert response.status_code == 302
    photo = VisitPhoto.objects.get()
    with photo.image.open("rb") as f:
        data = f.read()
    assert b"Xiaomi" not in data
    with Image.open(io.BytesIO(data)) as stored:
        stored.load()
        assert not stored.getexif().get_ifd(GPS_IFD) and MAKE not in stored.getexif()
    url = f"/pairing/visits/{photo.visit_id}/photos/{photo.pk}/"
    served = as_cadre.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == data
    assert as_reader.get(url).status_code == 200  # the village's leaders oversee the visits
    assert as_outsider.get(url).status_code == 404 and as_insider.get(url).status_code == 404
    assert as_cadre.get(f"/pairing/visits/{photo.visit_id}/photos/{photo.pk + 1}/").status_code == 404


def test_once_the_unit_resolves_it_every_page_shows_it_solved(pairing_world, visit, handler, as_cadre, homes):
    demand = visit.problems.get().demand
    bureau = Actor(user=handler, name=handler.username)
    demands.handle(actor=bureau, demand=demand, action=demands.Action.ACCEPT)
    assert "办理中" in as_cadre.get(f"/pairing/visits/{visit.pk}/").content.decode()
    demands.handle(actor=bureau, demand=demand, action=demands.Action.RESOLVE, note="种子已送到家")
    for url in (f"/pairing/visits/{visit.pk}/", f"/pairing/pairs/{pairing_world.pair.pk}/",
                f"/pairing/households/{homes['SQ-0001'].pk}/"):
        shown = as_cadre.get(url).content.decode()
        assert "已办结待评价" in shown and "已受理" not in shown, url


def test_the_pair_page_shows_the_windows_of_the_year(pairing_world, as_cadre):
    when = timezone.make_aware(timezone.datetime(2026, 2, 10, 10, 0))
    Visit.objects.create(pair=pairing_world.pair, kind="home", visited_at=when, visited_on=when.date(),
                         path=pairing_world.pair.path)  # an old visit, as if logged then
    shown = as_cadre.get(f"/pairing/pairs/{pairing_world.pair.pk}/?day=2026-03-25").content.decode()
    assert "1月：漏访" in shown and "2月：已走访" in shown and "3月：待走访" in shown and "4月：未开始" in shown
    assert f'href="/pairing/pairs/{pairing_world.pair.pk}/visit/"' in shown


def test_the_link_to_a_demand_only_for_those_who_may_open_it(pairing_world, visit, as_cadre, as_secretary):
    demand = visit.problems.get().demand
    link = f'href="/demands/{demand.pk}/"'
    assert link not in as_cadre.get(f"/pairing/visits/{visit.pk}/").content.decode()  # no role: the code only
    assert demand.tracking_code in as_cadre.get(f"/pairing/visits/{visit.pk}/").content.decode()
    assert link in as_secretary.get(f"/pairing/visits/{visit.pk}/").content.decode()


def test_who_opens_which_page(pairing_world, visit, homes, secretary, reader, outsider, insider):
    cadre, staff, other = pairing_world.cadre, pairing_world.unit_staff, pairing_world.other_cadre
    pair, unit_pair = pairing_world.pair, pairing_world.unit_pair
    photo = visit.photos.get()
    unit_visit = log_visit(actor=Actor(user=staff, name="wdnyzx"), pair=unit_pair,
                           visited_at=timezone.now() - timedelta(hours=3))
    pages = {
        "pair": f"/pairing/pairs/{pair.pk}/", "new": f"/pairing/pairs/{pair.pk}/visit/",
        "visit": f"/pairing/visits/{visit.pk}/", "photo": f"/pairing/visits/{visit.pk}/photos/{photo.pk}/",
        "household": f"/pairing/households/{homes['SQ-0001'].pk}/",
        "unit_pair": f"/pairing/pairs/{unit_pair.pk}/", "unit_new": f"/pairing/pairs/{unit_pair.pk}/visit/",
        "unit_visit": f"/pairing/visits/{unit_visit.pk}/",
    }
    expected = {
        cadre: dict(pair=200, new=200, visit=200, photo=200, household=200, unit_pair=404, unit_new=404,
                    unit_visit=404),
        staff: dict(pair=404, new=404, visit=404, photo=404, household=404, unit_pair=200, unit_new=200,
                    unit_visit=200),
        other: dict(pair=404, new=404, visit=404, photo=404, household=404, unit_pair=404, unit_new=404,
                    unit_visit=404),
        secretary: dict(pair=200, new=200, visit=200, photo=200, household=200, unit_pair=200, unit_new=200,
                        unit_visit=200),
        reader: dict(pair=200, new=403, visit=200, photo=200, household=200, unit_pair=200, unit_new=403,
                     unit_visit=200),
        outsider: {name: 404 for name in pages},
        insider: {name: 404 for name in pages},  # a grid worker of grid 1: not their pairs, not their notes
    }
    for user, answers in expected.items():
        client = client_for(user)
        got = {name: client.get(url).status_code for name, url in pages.items()}
        assert got == answers, user.username
        post = client.post(pages["new"], form_post(key=f"who-{user.username}"))
        assert post.status_code == (302 if answers["new"] == 200 else answers["new"]), user.username
    anonymous = Client()
    for url in pages.values():
        assert anonymous.get(url).status_code == 302  # to the log-in page
    assert Visit.objects.filter(pair=pair).count() == 3  # the fixture's, the cadre's and the secretary's


def test_a_cadre_cannot_open_an_unpaired_household(pairing_world, homes, as_cadre):
    assert as_cadre.get(f"/pairing/households/{homes['SQ-0004'].pk}/").status_code == 404
    assert as_cadre.get(f"/pairing/households/{homes['SQ-0002'].pk}/").status_code == 404
    assert as_cadre.get(f"/pairing/households/{homes['SQ-0001'].pk}/?day=2025-12-31").status_code == 404


def test_the_household_page_shows_names_but_sensitive_tags_only_to_those_who_may(pairing_world, homes, as_cadre,
                                                                                 as_secretary):
    url = f"/pairing/households/{homes['SQ-0001'].pk}/"
    for_cadre = as_cadre.get(url).content.decode()
    assert "乌云毕力格" in for_cadre and "赛沁塔拉嘎查一组1号" in for_cadre and "于财" in for_cadre
    assert "低保" not in for_cadre and "牧户" in for_cadre
    head = homes["SQ-0001"].head
    assert head.id_number_masked not in for_cadre
    for_secretary = as_secretary.get(url).content.decode()
    assert "低保" in for_secretary and head.id_number_masked not in for_secretary


def test_the_pair_page_takes_a_fixed_number_of_queries(pairing_world, as_cadre, django_assert_max_num_queries):
    seeds = Category.objects.get(code="seeds")
    actor = Actor(user=pairing_world.cadre, name="yucai")
    pair_url = f"/pairing/pairs/{pairing_world.pair.pk}/"
    household_url = f"/pairing/households/{pairing_world.pair.household_id}/"

    def log(n):
        log_visit(actor=actor, pair=pairing_world.pair, visited_at=timezone.now() - timedelta(days=n, hours=1),
                  helps=[{"kind": "policy", "detail": f"政策宣讲{n}"}],
                  problems=[{"text": f"问题{n}", "category": seeds}, {"text": f"另一个问题{n}", "category": None}])

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as seen:
            assert as_cadre.get(url).status_code == 200
        return len(seen)

    log(0)
    as_cadre.get(pair_url)  # the session, once
    one = {url: queries(url) for url in (pair_url, household_url)}
    for n in range(1, 6):
        log(n)
    with django_assert_max_num_queries(one[pair_url]):
        response = as_cadre.get(pair_url)
    assert response.content.decode().count('data-testid="visit"') == 6
    assert queries(household_url) == one[household_url]
