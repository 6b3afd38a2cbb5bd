"""云支部 pages: the cloud branches (/pairing/cloud/), one meeting's relays (/pairing/cloud/meetings/<pk>/) and the
relay form (.../relay/<pair>/): who has and has not been reached, scoped for insiders, readers and outsiders,
with a constant number of queries."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from grassroots.core.testing import client_for
from grassroots.members.testing import actor_for
from grassroots.pairing import selectors, services
from grassroots.pairing.models import Relay
from grassroots.pairing.tests.cloud_world import add_mobile, build_cloud_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_private_uploads")]
CLOUD = reverse("pairing-cloud")
AT = timezone.make_aware(datetime(2026, 5, 12, 20, 30))


@pytest.fixture
def _private_uploads(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"


@pytest.fixture
def cloud(region, party_world, system_actor):
    return build_cloud_world(actor=system_actor, region=region, party_world=party_world)


@pytest.fixture
def relayed(cloud, secretary):
    """其其格 relayed and confirmed, 那日苏 relayed (not confirmed), 额尔敦 (no pair) not relayed."""
    done = {name: services.relay_meeting(actor=actor_for(secretary), meeting=cloud.meeting, pair=cloud.pairs[name],
                                         note="学习全会精神", relayed_at=AT) for name in ("其其格", "那日苏")}
    services.confirm_relay(token=selectors.relay_token(done["其其格"]), now=AT.replace(hour=22))
    return done


def meeting_url(cloud):
    return reverse("pairing-cloud-meeting", args=[cloud.meeting.pk])


def relay_url(cloud, name):
    return reverse("pairing-relay-new", args=[cloud.meeting.pk, cloud.pairs[name].pk])


def row(page: str, member) -> str:
    start = page.index(f'data-member="{member.pk}"')
    return page[start:page.index("</tr>", start)]


def test_the_meeting_page_shows_who_has_and_has_not_been_reached(cloud, relayed, as_secretary):
    page = as_secretary.get(meeting_url(cloud)).content.decode()
    qiqige, naris, erdun = (cloud.members[n] for n in ("其其格", "那日苏", "额尔敦"))
    assert "已确认" in row(page, qiqige) and "乌云毕力格" in row(page, qiqige) and "2026-05-12 22:30" in row(page, qiqige)
    assert "已传达未确认" in row(page, naris) and "巴特尔" in row(page, naris)
    assert "未传达" in row(page, erdun) and "未结对" in row(page, erdun) and "传达</a>" not in row(page, erdun)
    # back before the meeting (图雅) or gone after it (宝音): not in its audience
    assert "图雅" not in page and "宝音" not in page
    assert '未传达 <strong data-state="not_relayed">1</strong>' in page
    assert '已确认 <strong data-state="confirmed">1</strong>' in page


def test_the_secretary_relays_from_the_page_once_and_gets_the_link_to_send(cloud, as_secretary, client):
    page = as_secretary.get(meeting_url(cloud)).content.decode()
    assert f'href="{relay_url(cloud, "其其格")}"' in row(page, cloud.members["其其格"])
    form = as_secretary.get(relay_url(cloud, "其其格")).content.decode()
    assert "向其其格传达会议" in form and "学习贯彻全会精神" in form
    data = {"note": "请在线学习全会精神", "link": "https://www.12371.cn/", "idempotency_key": "k-relay-1"}
    assert as_secretary.post(relay_url(cloud, "其其格"), {**data, "note": ""}).status_code == 422
    assert as_secretary.post(relay_url(cloud, "其其格"), data).status_code == 302
    assert as_secretary.post(relay_url(cloud, "其其格"), data).status_code in (200, 302)
    assert Relay.objects.filter(meeting=cloud.meeting).count() == 1
    made = Relay.objects.get()
    shown = as_secretary.get(relay_url(cloud, "其其格")).content.decode()
    link = reverse("pairing-relay-confirm", args=[selectors.relay_token(made)])
    assert link in shown and "保存并生成确认链接" not in shown
    with freeze_time(made.relayed_at):
        assert "请在线学习全会精神" in client.get(link).content.decode()


def test_the_cloud_page_lists_the_branch_its_members_and_the_meeting_counts(cloud, relayed, as_secretary):
    page = as_secretary.get(CLOUD, {"day": "2026-05-20"}).content.decode()
    assert "赛沁塔拉嘎查流动党员云支部" in page
    for name in ("其其格", "那日苏", "额尔敦"):
        assert name in page
    assert "图雅" not in page and "宝音" not in page  # back by then / not yet away
    assert "学习贯彻全会精神" in page
    branch = selectors.cloud_branches(cloud.branch_secretary, day=date(2026, 5, 20))[0]
    tally = branch.meetings[0]
    assert (tally.audience, tally.not_relayed, tally.unconfirmed, tally.confirmed) == (3, 1, 1, 1)
    assert {s.member.name: (s.pair.visitor_member.name if s.pair else None) for s in branch.mobiles} == {
        "其其格": "乌云毕力格", "那日苏": "巴特尔", "额尔敦": None}
    # as of a day before 那日苏's pair began
    earlier = selectors.cloud_branches(cloud.branch_secretary, day=date(2026, 2, 15))[0]
    assert {s.member.name: (s.pair.visitor_member.name if s.pair else None) for s in earlier.mobiles} == {
        "其其格": "乌云毕力格", "那日苏": None, "额尔敦": None, "图雅": "乌云毕力格"}
    assert earlier.meetings == []


def test_a_reader_looks_without_relaying(cloud, relayed, as_reader):
    assert "赛沁塔拉嘎查流动党员云支部" in as_reader.get(CLOUD).content.decode()
    page = as_reader.get(meeting_url(cloud)).content.decode()
    assert "其其格" in page and "传达</a>" not in page and "确认链接</a>" not in page
    assert as_reader.get(relay_url(cloud, "那日苏")).status_code == 403
    assert as_reader.post(relay_url(cloud, "那日苏"), {"note": "x", "idempotency_key": "k-r"}).status_code == 403


def test_outsiders_and_grid_workers_see_nothing(cloud, relayed, as_outsider, as_insider, client):
    assert "赛沁塔拉嘎查流动党员云支部" not in as_outsider.get(CLOUD).content.decode()
    assert as_outsider.get(meeting_url(cloud)).status_code == 404
    assert as_outsider.get(relay_url(cloud, "其其格")).status_code == 404
    assert as_outsider.post(relay_url(cloud, "其其格"), {"note": "x"}).status_code == 404
    assert as_insider.get(CLOUD).status_code == 404  # no party registers at all
    assert as_insider.get(meeting_url(cloud)).status_code == 404
    assert as_insider.get(relay_url(cloud, "其其格")).status_code == 404
    assert client.get(CLOUD).status_code == 302  # to the login page


def test_the_cloud_branch_secretary_sees_and_relays_its_own_members(cloud, party_world, system_actor, as_secretary):
    as_branch = client_for(cloud.branch_secretary)
    page = as_branch.get(meeting_url(cloud)).content.decode()
    assert all(name in page for name in ("其其格", "那日苏", "额尔敦"))
    assert f'href="{relay_url(cloud, "那日苏")}"' in page
    data = {"note": "请在线学习", "idempotency_key": "k-branch-1"}
    assert as_branch.post(relay_url(cloud, "那日苏"), data).status_code == 302
    assert Relay.objects.get().relayed_by == cloud.branch_secretary
    # a member of the home branch away in no cloud branch is not theirs to see
    add_mobile(system_actor, party_world, None, "斯琴", date(2026, 3, 1), partner="巴特尔")
    page = as_branch.get(meeting_url(cloud)).content.decode()
    assert "斯琴" not in page
    assert "斯琴" in as_secretary.get(meeting_url(cloud)).content.decode()


def test_the_pages_make_the_same_number_of_queries_for_more_rows(cloud, relayed, party_world, system_actor,
                                                                 as_secretary):
    def queries(url, params=None) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert as_secretary.get(url, params or {}).status_code == 200
        return len(captured)

    as_secretary.get(CLOUD)
    few = (queries(CLOUD, {"day": "2026-05-20"}), queries(meeting_url(cloud)))
    for n in range(4):
        _, _, pair = add_mobile(system_actor, party_world, cloud.branch, f"外出{n}", date(2026, 4, 1), partner="巴特尔")
        services.relay_meeting(actor=system_actor, meeting=cloud.meeting, pair=pair, note="学习", relayed_at=AT)
    more = (queries(CLOUD, {"day": "2026-05-20"}), queries(meeting_url(cloud)))
    assert more == few
    assert "外出3" in as_secretary.get(meeting_url(cloud)).content.decode()
