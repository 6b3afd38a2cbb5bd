"""云支部 relays (pairing.services.relay_meeting / confirm_relay): once per meeting and pair, who may relay, and
the mobile member's confirmation through a signed link with no account."""

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from PIL import Image

from grassroots.access.services import create_account
from grassroots.audit.models import AuditEntry
from grassroots.core.storage import PrivateStorage
from grassroots.core.testing import PASSWORD, client_for
from grassroots.members.testing import actor_for
from grassroots.pairing import selectors, services
from grassroots.pairing.models import Relay
from grassroots.pairing.tests.cloud_world import build_cloud_world

pytestmark = pytest.mark.django_db
AT = timezone.make_aware(datetime(2026, 5, 12, 20, 30))


@pytest.fixture
def cloud(region, party_world, system_actor):
    return build_cloud_world(actor=system_actor, region=region, party_world=party_world)


def relay(cloud, user, name="其其格", **extra):
    fields = {"note": "5月10日主题党日：学习全会精神，请按时在线学习并交纳党费。", "relayed_at": AT, **extra}
    return services.relay_meeting(actor=actor_for(user), meeting=cloud.meeting, pair=cloud.pairs[name], **fields)


def test_a_meeting_is_relayed_once_per_pair_and_a_retry_answers_the_first(cloud, secretary):
    first = relay(cloud, secretary, link="https://www.12371.cn/study")
    again = relay(cloud, secretary, note="又一次")
    assert again.pk == first.pk and again.note.startswith("5月10日主题党日")
    assert Relay.objects.count() == 1
    assert AuditEntry.objects.filter(action="pairing.relay.create").count() == 1
    other = relay(cloud, secretary, name="那日苏")
    assert other.pk != first.pk and Relay.objects.count() == 2


def test_bad_relays_are_refused_with_the_field_and_the_person(cloud, secretary):
    with pytest.raises(ValidationError, match="请填写向其其格传达的会议内容"):
        relay(cloud, secretary, note="  ")
    with pytest.raises(ValidationError, match="链接格式不正确"):
        relay(cloud, secretary, link="javascript:alert(1)")
    with pytest.raises(ValidationError, match="传达时间早于会议日期"):
        relay(cloud, secretary, relayed_at=AT - timedelta(days=5))
    with pytest.raises(ValidationError, match="图雅在2026-05-10不在结对期内|不在结对期内"):
        relay(cloud, secretary, name="图雅")  # back home (and her pair ended) before the meeting
    with pytest.raises(ValidationError, match="不在结对期内"):
        relay(cloud, secretary, name="宝音")  # left after the meeting
    assert Relay.objects.count() == 0


def test_a_reader_may_not_relay_an_outsider_is_not_told_and_the_partner_may(cloud, reader, outsider, system_actor,
                                                                           party_world):
    with pytest.raises(PermissionDenied):
        relay(cloud, reader)
    with pytest.raises(Http404):
        relay(cloud, outsider)
    # 乌云毕力格's own account (no role anywhere) relays to the member paired with her
    own = create_account(actor=system_actor, username="wuyun", password=PASSWORD, display_name="乌云毕力格", roles=[])
    own.person_id = party_world.members["乌云毕力格"].person_id
    own.save(update_fields=["person"])
    assert relay(cloud, own).relayed_by == own
    # the meeting's page shows them their own mobile member only, with the way to the relay
    page = client_for(own).get(reverse("pairing-cloud-meeting", args=[cloud.meeting.pk])).content.decode()
    assert "其其格" in page and "那日苏" not in page and "额尔敦" not in page
    with pytest.raises(Http404):  # but not to 那日苏, paired with 巴特尔
        relay(cloud, own, name="那日苏")


def test_the_photo_is_re_encoded_into_private_storage(cloud, secretary, settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
    buffer = BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make: dropped on re-encoding
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG", exif=exif)
    buffer.seek(0)
    buffer.name, buffer.size = "meeting.jpg", len(buffer.getvalue())
    made = relay(cloud, secretary, photo=buffer)
    assert made.photo.name.startswith("relays/relay-") and made.photo.name.endswith(".jpg")
    assert isinstance(made.photo.storage, PrivateStorage)
    assert (tmp_path / "private" / made.photo.name).exists()
    with made.photo.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (40, 30) and 0x010F not in image.getexif()



@freeze_time("2026-05-13 09:00")
def test_the_photo_shows_to_whoever_holds_the_link_and_to_nobody_else(cloud, secretary, settings, tmp_path, client):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path / "private"
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name, buffer.size = "meeting.jpg", len(buffer.getvalue())
    made = relay(cloud, secretary, photo=buffer)
    token = selectors.relay_token(made)
    photo = reverse("pairing-relay-photo", args=[token])
    assert photo in client.get(reverse("pairing-relay-confirm", args=[token])).content.decode()
    response = client.get(photo)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert client.get(reverse("pairing-relay-photo", args=[token[:-2] + "xx"])).status_code == 404
    without = relay(cloud, secretary, name=next(n for n in cloud.pairs if n != "其其格"))
    assert client.get(reverse("pairing-relay-photo", args=[selectors.relay_token(without)])).status_code == 404


@freeze_time("2026-05-13 09:00")
def test_the_mobile_member_confirms_through_the_link_without_an_account(cloud, secretary, client):
    made = relay(cloud, secretary, link="https://www.12371.cn/study")
    url = reverse("pairing-relay-confirm", args=[selectors.relay_token(made)])
    page = client.get(url).content.decode()
    assert "学习贯彻全会精神" in page and "2026年5月10日" in page and "请按时在线学习并交纳党费" in page
    assert "其*" in page and "其其格" not in page
    assert all(name not in page for name in ("乌云毕力格", "那日苏", "额尔敦", "巴特尔"))
    assert "我已阅读" in page
    response = client.post(url)
    assert response.status_code == 302
    made.refresh_from_db()
    first = made.confirmed_at
    assert first is not None
    assert "确认阅读" in client.get(url).content.decode() and "我已阅读</button>" not in client.get(url).content.decode()
    assert client.post(url).status_code == 302  # a second confirmation is harmless
    made.refresh_from_db()
    assert made.confirmed_at == first
    assert AuditEntry.objects.filter(action="pairing.relay.confirm").count() == 1
    entry = AuditEntry.objects.get(action="pairing.relay.confirm")
    assert entry.actor is None and entry.object_id == str(made.pk)


@freeze_time("2026-05-13 09:00")
def test_a_bad_or_expired_link_is_a_chinese_404(cloud, secretary, client):
    made = relay(cloud, secretary)
    token = selectors.relay_token(made)
    with freeze_time(AT + selectors.RELAY_LINK_MAX_AGE + timedelta(hours=1)):
        response = client.get(reverse("pairing-relay-confirm", args=[token]))
        assert response.status_code == 404 and "没有找到" in response.content.decode()
    for bad in (token[:-2] + "xx", "abc", f"{made.pk}", "9999:" + token.split(":", 1)[1]):
        response = client.get(reverse("pairing-relay-confirm", args=[bad]))
        assert response.status_code == 404 and "没有找到" in response.content.decode()
        assert client.post(reverse("pairing-relay-confirm", args=[bad])).status_code == 404
    late = AT + selectors.RELAY_LINK_MAX_AGE + timedelta(minutes=1)
    with pytest.raises(Http404):
        services.confirm_relay(token=token, now=late)
    assert services.confirm_relay(token=token, now=late - timedelta(minutes=2)).confirmed_at is not None
    made.refresh_from_db()
    assert made.confirmed_at == late - timedelta(minutes=2)
