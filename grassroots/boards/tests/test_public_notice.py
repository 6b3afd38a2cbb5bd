"""The public board: a notice with masked names, its objection form and the ledger check page, for anyone."""


from datetime import timedelta

from django.db import connection
from django.utils import timezone

from grassroots.claims.models import Notice, Objection
from grassroots.ledger.models import LedgerEntry
from grassroots.points.api_testing import MOBILE
from grassroots.rules.points import short_hash

# ---------------------------------------------------------------- the public board


def test_public_notice_shows_masked_lines_only(anonymous, notice, people):
    response = anonymous.get(f"/board/notices/{notice.token}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "乌***格" in page and "张*兰" in page and "SQ-0001" in page and "人居环境整治义务劳动" in page
    assert "+10分" in page and "公示中" in page and "还剩 5 天" in page and "提出异议" in page
    for secret in ("乌云毕力格", "张秀兰", MOBILE, people["乌云毕力格"].id_number_masked, "低保", "牧户"):
        assert secret not in page, secret


def test_public_notice_unknown_token(anonymous, db):
    assert anonymous.get("/board/notices/nope-nope/").status_code == 404
    assert anonymous.get("/board/notices/nope-nope/check/").status_code == 404


def test_anyone_may_object_during_the_period_and_the_contact_stays_private(anonymous, notice):
    line = notice.lines.order_by("id").first()
    response = anonymous.post(f"/board/notices/{notice.token}/", {
        "line": line.pk, "reason": "他那天在外地放牧", "contact_name": "巴特尔", "contact_phone": "13800001111"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.line, objection.contact_phone, objection.ip) == (line, "13800001111", "127.0.0.1")
    page = anonymous.get(f"/board/notices/{notice.token}/").content.decode()
    assert "有异议，复议中" in page and "13800001111" not in page and "巴特尔" not in page
    assert "他那天在外地放牧" not in page


def test_objection_form_checks(anonymous, notice):
    line = notice.lines.first()
    response = anonymous.post(f"/board/notices/{notice.token}/", {"line": line.pk, "reason": "短"})
    assert response.status_code == 400 and "请写明异议理由（至少4个字）" in response.content.decode()
    response = anonymous.post(f"/board/notices/{notice.token}/", {"line": line.pk, "reason": "这个分记错了",
                                                                 "contact_phone": "call me"})
    assert response.status_code == 400 and "联系电话格式不正确" in response.content.decode()
    other = anonymous.post(f"/board/notices/{notice.token}/", {"line": 999999, "reason": "这个分记错了"})
    assert other.status_code == 404
    assert Objection.objects.count() == 0


def test_the_honeypot_records_nothing(anonymous, notice):
    response = anonymous.post(f"/board/notices/{notice.token}/", {
        "line": notice.lines.first().pk, "reason": "buy cheap watches", "website": "http://spam.example"})
    assert response.status_code == 302 and Objection.objects.count() == 0


def test_objections_are_rate_limited_per_address(anonymous, notice, settings):
    settings.RATE_LIMITS = {"points:objection": (3, 600)}
    line = notice.lines.first()
    statuses = [anonymous.post(f"/board/notices/{notice.token}/", {"line": line.pk, "reason": f"第{i}次提出异议"},
                               REMOTE_ADDR="10.1.2.3").status_code for i in range(4)]
    assert statuses == [302] * 3 + [429]
    assert Objection.objects.count() == 3
    assert "提交过于频繁" in anonymous.post(f"/board/notices/{notice.token}/", {"line": line.pk, "reason": "再提一次"},
                                          REMOTE_ADDR="10.1.2.3").content.decode()
    other = anonymous.post(f"/board/notices/{notice.token}/", {"line": line.pk, "reason": "另一个地址提的"},
                           REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302


def test_objection_after_the_period_is_refused_clearly(anonymous, notice):
    Notice.objects.filter(pk=notice.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    page = anonymous.get(f"/board/notices/{notice.token}/").content.decode()
    assert "提交异议" not in page and "公示期满，待入账" in page
    response = anonymous.post(f"/board/notices/{notice.token}/", {"line": notice.lines.first().pk,
                                                                 "reason": "晚了也想提异议"})
    content = response.content.decode()
    assert response.status_code == 400 and "公示期已于" in content and "不能再提出异议" in content
    assert Objection.objects.count() == 0


def test_after_posting_the_notice_shows_the_chain_head_and_a_qr_code(anonymous, posted):
    page = anonymous.get(f"/board/notices/{posted.token}/").content.decode()
    assert short_hash(posted.chain_hash) in page and "<svg" in page and 'class="qr"' in page
    assert f"/board/notices/{posted.token}/check/" in page and "已入账" in page and "提交异议" not in page
    assert "乌云毕力格" not in page


def test_check_page_is_rate_limited_per_address(anonymous, posted, settings):
    settings.RATE_LIMITS = {"points:check": (2, 600)}
    url = f"/board/notices/{posted.token}/check/"
    assert [anonymous.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_check_page_before_posting(anonymous, notice):
    page = anonymous.get(f"/board/notices/{notice.token}/check/").content.decode()
    assert "尚未入账" in page


def test_check_page_confirms_the_posted_lines(anonymous, posted):
    response = anonymous.get(f"/board/notices/{posted.token}/check/")
    page = response.content.decode()
    assert response.status_code == 200 and "✓ 本次公示的2条记录都已记入积分账本，没有被改动过" in page
    short = short_hash(posted.chain_hash)
    assert f"这份积分账本自第1条到第2条没有被改动过；公示单上的校验码 {short} 仍在账本中" in page
    assert "哈希" not in page and "链头" not in page
    assert "张*兰" in page and "张秀兰" not in page and MOBILE not in page
    page = anonymous.get(f"/board/notices/{posted.token}/check/", {"hash": short_hash(posted.chain_hash).upper()})
    assert "✓ 与账本一致" in page.content.decode()
    page = anonymous.get(f"/board/notices/{posted.token}/check/", {"hash": "0123456789ab"})
    assert "✗ 与账本不一致" in page.content.decode()


def test_check_page_reports_a_row_altered_by_hand(anonymous, posted):
    entry = LedgerEntry.objects.get(seq=2, village=posted.village)
    with connection.cursor() as cursor:  # someone with a SQL prompt: the trigger dropped or skipped first
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER points_ledgerentry_no_update")
        else:
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(f"UPDATE points_ledgerentry SET points = 1000 WHERE id = {entry.pk}")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    page = anonymous.get(f"/board/notices/{posted.token}/check/").content.decode()
    assert "积分账本第 2 条记录被改动过" in page and "✓ 本次公示" not in page
