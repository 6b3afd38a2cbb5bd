"""Pages of 季评议·兑换, 年总结, the village policy, credit consent and the credit look-up.

Each page and POST is tried by an insider (secretary or committee member), a read-only member
(party group leader or cashier) and an outsider (官井子村's secretary: 404).
"""

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from grassroots.areas import services as areas
from grassroots.audit.models import AuditEntry
from grassroots.core.testing import client_for
from grassroots.core.tests.pdftext import pdf_text
from grassroots.ledger import selectors as ledger_selectors
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import Account, LedgerEntry
from grassroots.points.testing import APRIL, actor, at, give, settle
from grassroots.rules.idnumber import make_id_number
from grassroots.rules.settlement import quarter_of
from grassroots.settlement import services as settlement_services
from grassroots.settlement.models import CreditConsent, Settlement, SettlementStatus
from grassroots.settlement.selectors import policy_for

ID_NUMBER = make_id_number("150426", date(1968, 3, 5), 11)  # 乌云毕力格's, as the households fixture makes it


def credit_of(home):
    return ledger_selectors.balance(home).credit


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def seed_004(homes):
    """Seed 004's example: 235 points in the first quarter (and 50 in the second, not counted)."""
    give(homes["SQ-0001"], 200, date(2026, 2, 1))
    give(homes["SQ-0001"], 35, date(2026, 3, 31))
    give(homes["SQ-0001"], 50, date(2026, 4, 1))
    give(homes["SQ-0002"], 60, date(2026, 2, 1))  # below the threshold: no line
    return homes


# ---------------------------------------------------------------- the list and computing a quarter


def test_list_is_scoped_and_offers_computing_to_the_committees(village, seed_004, secretary, as_secretary,
                                                                as_cashier, as_outsider):
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1, now=APRIL)
    detail = reverse("points-settlement", args=[draft.pk])
    page = as_secretary.get(reverse("points-settlements"))
    assert page.status_code == 200 and detail in text(page) and "计算一个季度" in text(page)
    last_year, last_quarter = (lambda y, q: (y, q - 1) if q > 1 else (y - 1, 4))(*quarter_of(timezone.localdate()))
    form = page.context["form"]
    assert (form.initial["year"], form.initial["quarter"]) == (last_year, last_quarter)
    read_only = as_cashier.get(reverse("points-settlements"))
    assert read_only.status_code == 200 and detail in text(read_only) and "计算一个季度" not in text(read_only)
    stranger = as_outsider.get(reverse("points-settlements"))
    assert stranger.status_code == 200 and detail not in text(stranger)
    assert as_outsider.get(detail).status_code == 404
    assert as_cashier.get(detail).status_code == 200


def test_compute_then_publish_through_the_pages_gives_credit_once(village, seed_004, committee, as_committee):
    home = seed_004["SQ-0001"]
    computed = as_committee.post(reverse("points-settlements"), {
        "village": village.pk, "year": 2026, "quarter": 1, "idempotency_key": "c1"})
    settlement = Settlement.objects.get()
    assert computed.status_code == 302 and computed["Location"] == reverse("points-settlement", args=[settlement.pk])
    assert settlement.status == SettlementStatus.DRAFT and credit_of(home) == 0

    page = as_committee.get(reverse("points-settlement", args=[settlement.pk]))
    body = text(page)
    assert "本季度积分达到 80 分" in body and "5 分兑换 1 元" in body and "当季度不能兑换" in body
    assert "乌云毕力格" in body and "235" in body and "47元" in body
    assert "王建国" not in body and "本季度有积分但未达到门槛的共 1 户" in body

    confirm = as_committee.get(reverse("points-settlement-publish", args=[settlement.pk]))
    assert confirm.status_code == 200 and "1 户可兑换，合计 235 分" in text(confirm) and "47元" in text(confirm)
    publish = reverse("points-settlement-publish", args=[settlement.pk])
    first = as_committee.post(publish, {"idempotency_key": "p1"})
    again = as_committee.post(publish, {"idempotency_key": "p1"})  # the double tap
    assert first.status_code == again.status_code == 302
    assert credit_of(home) == 235
    assert LedgerEntry.objects.filter(account=Account.CREDIT).count() == 1
    other_tab = as_committee.post(publish, {"idempotency_key": "p2"})
    assert other_tab.status_code == 400 and "已公布，不能再公布" in text(other_tab)
    assert credit_of(home) == 235 and LedgerEntry.objects.filter(account=Account.CREDIT).count() == 1


def test_computing_twice_opens_the_same_result(village, seed_004, as_secretary):
    for key in ("a", "b"):
        response = as_secretary.post(reverse("points-settlements"), {
            "village": village.pk, "year": 2026, "quarter": 1, "idempotency_key": key}, follow=True)
        assert response.status_code == 200
    assert Settlement.objects.count() == 1
    assert "已有评议结果，未重复计算" in text(response)


def test_an_unfinished_quarter_is_refused_on_the_quarter_field(village, homes, as_secretary):
    year, quarter = quarter_of(timezone.localdate())
    response = as_secretary.post(reverse("points-settlements"), {
        "village": village.pk, "year": year, "quarter": quarter, "idempotency_key": "x"})
    assert response.status_code == 400
    assert "尚未结束" in " ".join(response.context["form"].errors["quarter"])
    assert not Settlement.objects.exists()


def test_compute_refused_to_read_only_member_and_outsider(village, homes, as_cashier, as_reader, as_outsider):
    data = {"village": village.pk, "year": 2026, "quarter": 1}
    assert as_cashier.post(reverse("points-settlements"), data).status_code == 403
    assert as_reader.post(reverse("points-settlements"), data).status_code == 403
    assert as_outsider.post(reverse("points-settlements"), data).status_code == 404
    assert not Settlement.objects.exists()


def test_settlement_actions_need_settle(village, seed_004, secretary, as_cashier, as_outsider):
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1, now=APRIL)
    for name in ("points-settlement-recompute", "points-settlement-publish", "points-settlement-correct"):
        url = reverse(name, args=[draft.pk])
        assert as_cashier.post(url, {"reason": "复核发现错误"}).status_code == 403
        assert as_outsider.post(url, {"reason": "复核发现错误"}).status_code == 404
    assert as_cashier.get(reverse("points-settlement-publish", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == SettlementStatus.DRAFT and credit_of(seed_004["SQ-0001"]) == 0


def test_recompute_picks_up_late_entries(village, seed_004, secretary, as_secretary):
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1, now=APRIL)
    give(seed_004["SQ-0002"], 30, date(2026, 3, 20))  # 90 now: over the threshold
    response = as_secretary.post(reverse("points-settlement-recompute", args=[draft.pk]), {"idempotency_key": "r"},
                                 follow=True)
    assert "2户可兑换，合计325分" in text(response)
    assert "王建国" in text(response)


# ---------------------------------------------------------------- corrections


def test_correction_needs_a_reason_and_shows_old_and_new_credit(village, homes, secretary, as_secretary):
    wrong = give(homes["SQ-0001"], 100, date(2026, 2, 1))
    give(homes["SQ-0002"], 90, date(2026, 2, 1))
    published = settle(village, secretary)
    correct = reverse("points-settlement-correct", args=[published.pk])
    refused = as_secretary.post(correct, {"reason": "", "idempotency_key": "k0"})
    assert refused.status_code == 400 and "请写明更正理由" in text(refused)
    assert Settlement.objects.count() == 1

    ledger_services.reverse_entry(actor=actor(secretary), entry=wrong, reason="重复记录", now=at(2026, 4, 5))
    made = as_secretary.post(correct, {"reason": "复核发现重复记录", "idempotency_key": "k1"})
    draft = Settlement.objects.get(supersedes=published)
    assert made.status_code == 302 and made["Location"] == reverse("points-settlement", args=[draft.pk])
    page = text(as_secretary.get(made["Location"]))
    assert "与第1版相比（1 户有变化）" in page and "<strong>100 → 0</strong>" in page and "90 → 90" in page
    assert "复核发现重复记录" in page
    assert credit_of(homes["SQ-0001"]) == 100  # nothing changes before publication
    assert as_secretary.post(reverse("points-settlement-publish", args=[draft.pk]),
                             {"idempotency_key": "p"}).status_code == 302
    assert credit_of(homes["SQ-0001"]) == 0 and credit_of(homes["SQ-0002"]) == 90


# ---------------------------------------------------------------- the public page and the export


def test_public_page_masks_names_and_shows_47_yuan(village, seed_004, secretary):
    published = settle(village, secretary)
    response = Client().get(reverse("points-public-settlement", args=[published.token]))
    body = text(response)
    assert response.status_code == 200
    assert "乌***格" in body and "235分 · 47元" in body and "2026年第一季度" in body and "第1版" in body
    assert "乌云毕力格" not in body and "张秀兰" not in body
    assert "13904761234" not in body and "低保" not in body and ID_NUMBER not in body
    assert "户号 SQ-0002" not in body  # below the threshold: not on the list


def test_a_corrected_public_page_links_to_the_newer_revision(village, seed_004, secretary):
    published = settle(village, secretary)
    give(seed_004["SQ-0002"], 30, date(2026, 3, 30))
    draft = settlement_services.correct_settlement(actor=actor(secretary), settlement=published, reason="补记迟到的积分")
    newer = settlement_services.publish_settlement(actor=actor(secretary), settlement=draft, now=at(2026, 4, 8))
    old_page = text(Client().get(reverse("points-public-settlement", args=[published.token])))
    assert "本结果已更正" in old_page and reverse("points-public-settlement", args=[newer.token]) in old_page
    new_page = text(Client().get(reverse("points-public-settlement", args=[newer.token])))
    assert "第2版（更正）" in new_page and "王*国" in new_page and "王建国" not in new_page
    assert Client().get(reverse("points-public-settlement", args=["nosuchtoken"])).status_code == 404


def test_a_draft_is_not_public(village, seed_004, secretary):
    draft = settlement_services.compute_settlement(actor=actor(secretary), village=village, year=2026, quarter=1, now=APRIL)
    assert Client().get(reverse("points-public-settlement", args=[draft.token])).status_code == 404


def _workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_settlement_excel_has_the_rows(village, seed_004, secretary, as_secretary, as_cashier, as_outsider):
    published = settle(village, secretary)
    url = reverse("points-settlement-xlsx", args=[published.pk])
    response = as_secretary.get(url)
    assert response.status_code == 200
    rows = list(_workbook(response).active.iter_rows(values_only=True))
    assert rows[0] == ("户号", "户主", "本季度积分", "否决项目", "可兑换", "可兑换积分", "折合金额（元）")
    assert rows[1:] == [("SQ-0001", "乌云毕力格", 235, None, "是", 235, 47)]
    assert as_cashier.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404


# ---------------------------------------------------------------- 年总结


@pytest.fixture
def year_2026(village, homes, secretary, rules):
    settlement_services.update_policy(actor=actor(secretary), village=village,
                           honours=[{"name": "最美家庭", "top": 1, "min": 200}])
    give(homes["SQ-0001"], 250, date(2026, 3, 1))
    give(homes["SQ-0002"], 250, date(2026, 6, 1))
    give(homes["SQ-0003"], 450, date(2026, 6, 1))
    give(homes["SQ-0003"], -100, date(2026, 7, 1), rule=rules["V01"])  # 350 with a veto
    give(homes["SQ-0004"], 120, date(2026, 9, 1))
    return homes


def test_annual_page_ranks_ties_honours_and_priority(village, year_2026, as_secretary, as_reader, as_outsider):
    url = reverse("points-annual", args=[village.pk, 2026])
    page = as_secretary.get(url)
    assert page.status_code == 200
    rows = {r.household.number: r for r in page.context["rows"]}
    assert (rows["SQ-0001"].village_rank, rows["SQ-0001"].tied, rows["SQ-0001"].honours) == (2, True, ["最美家庭"])
    body = text(page)
    assert "并列" in body and "最美家庭" in body and "3星级" in body and "良好" in body and "较差" in body
    priority = [(r.household.number, r.priority_rank, r.priority_tied) for r in page.context["priority"]]
    assert priority == [("SQ-0001", 1, True), ("SQ-0002", 1, True), ("SQ-0004", 3, False), ("SQ-0005", 4, False)]
    assert "同等条件下优先推荐" in body
    assert as_reader.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404
    assert as_secretary.get(reverse("points-annual", args=[village.pk, timezone.localdate().year + 1])).status_code \
        == 404


def test_annual_excel_pdf_and_certificates(village, year_2026, as_secretary, as_reader, as_outsider):
    excel = as_secretary.get(reverse("points-annual-xlsx", args=[village.pk, 2026]))
    book = _workbook(excel)
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert summary[0][:4] == ("村内排名", "户号", "户主", "年度积分")
    assert summary[1][:4] == ("1", "SQ-0003", "李春梅", 350)
    assert summary[2][:4] == ("2（并列）", "SQ-0001", "乌云毕力格", 250) and summary[2][7] == "最美家庭"
    assert [r[1] for r in book.worksheets[1].iter_rows(values_only=True)][1:] == [
        "SQ-0001", "SQ-0002", "SQ-0004", "SQ-0005"]

    pdf = as_secretary.get(reverse("points-annual-pdf", args=[village.pk, 2026]))
    assert pdf["Content-Type"] == "application/pdf"
    words = pdf_text(pdf.content)
    assert "赛沁塔拉嘎查2026年度积分总结" in words and "同等条件下优先推荐" in words and "乌云毕力格" in words

    certificates = as_secretary.get(reverse("points-annual-certificates", args=[village.pk, 2026]))
    reader = PdfReader(io.BytesIO(certificates.content))
    # SQ-0001 and SQ-0002 (最美家庭, 3 stars) and SQ-0004 (1 star); SQ-0003 has a veto, SQ-0005 nothing
    assert len(reader.pages) == 3
    assert all(p.mediabox.width > p.mediabox.height for p in reader.pages)  # A4 landscape
    words = pdf_text(certificates.content)
    assert "荣誉证书" in words and "赛沁塔拉嘎查2026年度" in words and "乌云毕力格家庭" in words
    assert "最美家庭、3星级文明户" in words and "1星级文明户" in words and "李春梅" not in words
    assert ID_NUMBER not in words
    for name in ("points-annual-xlsx", "points-annual-pdf", "points-annual-certificates"):
        assert as_reader.get(reverse(name, args=[village.pk, 2026])).status_code == 200
        assert as_outsider.get(reverse(name, args=[village.pk, 2026])).status_code == 404


def test_annual_pdf_keeps_a_tied_rank_on_one_line(village, homes, region, system_actor, as_secretary):
    """Eleven households: nine on distinct scores, then two on 50 points, who share 10th place. The PDF
    prints "10（并列）" whole in the rank columns, not "10（并" over "列）"."""
    more = [areas.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查1"], number=f"SQ-01{n:02d}",
                                   address=f"赛沁塔拉嘎查{n}号") for n in range(6)]
    ranked = [homes[f"SQ-000{n}"] for n in range(1, 6)] + more
    for n, home in enumerate(ranked[:9]):
        give(home, 200 - 10 * n, date(2026, 3, 1))
    for home in ranked[9:]:
        give(home, 50, date(2026, 3, 1))
    rows = as_secretary.get(reverse("points-annual", args=[village.pk, 2026])).context["rows"]
    assert [(r.village_rank, r.tied) for r in rows][-2:] == [(10, True), (10, True)]
    words = pdf_text(as_secretary.get(reverse("points-annual-pdf", args=[village.pk, 2026])).content)
    lines = words.split("\n")  # pypdf gives a table row as one line, and each line a wrapped cell makes
    assert not any(line.endswith(("（并", "（并列")) for line in lines)
    tied = [line for line in lines if line.startswith("10（并列）SQ-01")]
    # The summary (village and township rank: twice a row) and the priority list (once a row)
    assert sorted(line.count("10（并列）") for line in tied) == [1, 1, 2, 2]


# ---------------------------------------------------------------- 年末结转


def test_year_close_says_what_it_will_do_and_needs_a_confirmation(village, homes, secretary, as_secretary,
                                                                   as_reader, as_outsider):
    give(homes["SQ-0001"], 120, date(2025, 11, 1))
    settle(village, secretary, year=2025, quarter=4, now=at(2026, 1, 5))
    page = text(as_secretary.get(reverse("points-annual", args=[village.pk, 2025])))
    assert "年终清零" in page and "1 户未兑换的共 120 分" in page
    assert "办理年末结转" not in text(as_reader.get(reverse("points-annual", args=[village.pk, 2025])))
    url = reverse("points-year-close", args=[village.pk, 2025])
    unconfirmed = as_secretary.post(url, {})
    assert unconfirmed.status_code == 400 and "请勾选确认" in text(unconfirmed)
    assert credit_of(homes["SQ-0001"]) == 120
    assert as_reader.post(url, {"confirm": "on"}).status_code == 403
    assert as_outsider.post(url, {"confirm": "on"}).status_code == 404
    assert credit_of(homes["SQ-0001"]) == 120
    done = as_secretary.post(url, {"confirm": "on"}, follow=True)
    assert "1户未兑换的120分已清零" in text(done) and credit_of(homes["SQ-0001"]) == 0
    assert ledger_selectors.balance(homes["SQ-0001"]).score == 120


def test_year_close_refused_before_the_fourth_quarter_is_published(village, homes, secretary, as_secretary):
    give(homes["SQ-0001"], 120, date(2025, 2, 1))
    settle(village, secretary, year=2025, quarter=1, now=at(2025, 4, 5))
    response = as_secretary.post(reverse("points-year-close", args=[village.pk, 2025]), {"confirm": "on"})
    assert response.status_code == 400 and "第四季度" in text(response)
    assert credit_of(homes["SQ-0001"]) == 120


# ---------------------------------------------------------------- the village's policy


def _policy_data(**changes):
    data = {"threshold": "100", "points_per_yuan": "10", "year_end": "carry_over", "veto_scope": "year",
            "star_5": "500", "star_4": "400", "star_3": "300", "star_2": "", "star_1": "",
            "honour_0_name": "最美家庭", "honour_0_top": "3", "honour_0_min": "240",
            "honour_1_name": "好婆婆", "honour_1_top": "", "honour_1_min": "",
            "honour_2_name": "", "honour_2_top": "", "honour_2_min": "",
            "credit_excellent": "350", "credit_good": "250", "credit_fair": "150"}
    data.update(changes)
    return data


def test_policy_form_saves_rows_as_the_policy(village, as_secretary):
    url = reverse("points-policy", args=[village.pk])
    form_page = text(as_secretary.get(url))
    assert 'name="honour_0_name"' in form_page and 'value="最美家庭"' in form_page
    assert as_secretary.post(url, _policy_data()).status_code == 302
    policy = policy_for(village)
    assert (policy.threshold, policy.points_per_yuan, policy.year_end, policy.veto_scope) == (
        100, 10, "carry_over", "year")
    assert policy.star_bands == [{"stars": 5, "min": 500}, {"stars": 4, "min": 400}, {"stars": 3, "min": 300}]
    assert policy.honours == [{"name": "最美家庭", "min": 240, "top": 3}, {"name": "好婆婆", "min": 0}]
    assert policy.credit_bands == [{"band": "优秀", "min": 350}, {"band": "良好", "min": 250},
                                   {"band": "一般", "min": 150}]


def test_policy_errors_are_named_by_field_and_nothing_is_saved(village, as_secretary):
    url = reverse("points-policy", args=[village.pk])
    response = as_secretary.post(url, _policy_data(threshold="0", points_per_yuan="abc", credit_excellent="200",
                                                   credit_good="250", honour_2_top="2"))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["threshold"] == ["兑换门槛须为1到100000之间的整数"]
    assert form.errors["points_per_yuan"] == ["兑换比例须为1到1000之间的整数（几分兑换1元）"]
    assert form.errors["honour_2_name"] == ["第3项荣誉：请填写名称，或清空这一行"]
    assert form.group_errors["credit_bands"] == ["信用等级分数线须为 优秀 > 良好 > 一般"]
    body = text(response)
    for message in ("兑换门槛须为1到100000之间的整数", "第3项荣誉：请填写名称", "信用等级分数线须为 优秀 &gt; 良好 &gt; 一般"):
        assert message in body
    # Each message stands beside its own inputs.
    assert body.index('name="threshold"') < body.index("兑换门槛须为") < body.index('name="points_per_yuan"')
    assert body.index('id="credit-bands"') < body.index("信用等级分数线须为")
    policy = policy_for(village)
    assert (policy.threshold, policy.points_per_yuan, policy.year_end) == (80, 5, "lapse")


def test_policy_is_read_only_for_members_without_manage_rules(village, as_committee, as_reader, as_outsider):
    url = reverse("points-policy", args=[village.pk])
    for client in (as_committee, as_reader):
        page = client.get(url)
        assert page.status_code == 200 and "本季度积分达到 80 分" in text(page) and 'name="threshold"' not in text(page)
        assert client.post(url, _policy_data()).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(url, _policy_data()).status_code == 404
    assert policy_for(village).threshold == 80


# ---------------------------------------------------------------- credit consent and the look-up


def test_consent_is_recorded_and_revoked_on_the_household(homes, coop, as_secretary, as_reader, as_outsider):
    home = homes["SQ-0001"]
    url = reverse("points-consents", args=[home.pk])
    page = as_secretary.get(url)
    assert page.status_code == 200 and "翁牛特旗农村信用合作联社" in text(page) and "记录一份授权" in text(page)
    signed, expires = timezone.localdate() - timedelta(days=3), timezone.localdate() + timedelta(days=365)
    data = {"institution": coop.pk, "signed_by": "乌云毕力格", "signed_on": signed, "expires_on": expires}
    assert as_reader.post(url, data).status_code == 403
    assert as_outsider.post(url, data).status_code == 404
    assert as_outsider.get(url).status_code == 404
    assert not CreditConsent.objects.exists()
    assert as_secretary.post(url, data).status_code == 302
    consent = CreditConsent.objects.get()
    assert (consent.institution, consent.signed_by, consent.expires_on) == (coop, "乌云毕力格", expires)
    listed = as_reader.get(url)
    assert listed.status_code == 200 and '<span class="tag ok">有效</span>' in text(listed)
    assert "记录一份授权" not in text(listed)

    revoke = reverse("points-consent-revoke", args=[consent.pk])
    assert as_reader.post(revoke).status_code == 403
    assert as_outsider.post(revoke).status_code == 404
    assert as_secretary.post(revoke).status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_consent_errors_name_the_field_and_save_nothing(homes, coop, as_secretary):
    url = reverse("points-consents", args=[homes["SQ-0001"].pk])
    response = as_secretary.post(url, {"institution": coop.pk, "signed_by": "单国强", "signed_on": "2026-11-01",
                                       "expires_on": "2026-10-01"})
    assert response.status_code == 400 and response.context["form"].errors["signed_by"] == ["签字人须为本户在册成员"]
    response = as_secretary.post(url, {"institution": coop.pk, "signed_by": "张秀兰", "signed_on": "2026-11-01",
                                       "expires_on": "2026-10-01"})
    assert response.status_code == 400 and response.context["form"].errors["expires_on"] == ["有效期须晚于签字日期"]
    assert not CreditConsent.objects.exists()


def test_credit_look_up_answers_an_unknown_household_like_one_without_consent(village, homes, coop, officer):
    """Issue #11 item 8: the unknown number used to get an extra hint, and no audit entry."""
    staff = client_for(officer)
    url = reverse("points-credit-lookup")
    ask = {"village": "赛沁塔拉嘎查", "year": "2026"}
    exists = staff.post(url, {**ask, "number": "SQ-0001"})  # lives there, no consent
    unknown = staff.post(url, {**ask, "number": "SQ-9999"})  # no such household
    assert exists.status_code == unknown.status_code == 403
    assert exists.context["refused"] == unknown.context["refused"] == "该户未授权贵单位查询信用等级，或授权已过期、已撤回"

    # The whole page differs only by the number typed back into the form (and the CSRF token).
    def page(response, number):
        return text(response).replace(number, "NUMBER").replace(str(response.context["csrf_token"]), "TOKEN")

    assert page(exists, "SQ-0001") == page(unknown, "SQ-9999")
    refused = AuditEntry.objects.filter(action="points.credit.refused").order_by("id")
    assert [(e.actor_id, e.area_path, e.data["year"]) for e in refused] == [(officer.pk, homes["SQ-0001"].path, 2026),
                                                                            (officer.pk, village.path, 2026)]
    assert refused[1].data["number"] == "SQ-9999"


def test_credit_look_up_refused_without_consent_and_allowed_with_it(village, homes, coop, officer, secretary,
                                                                    as_reader):
    give(homes["SQ-0001"], 330, date(2026, 3, 1))
    staff = client_for(officer)
    url = reverse("points-credit-lookup")
    assert staff.get(url).status_code == 200
    ask = {"village": "赛沁塔拉嘎查", "number": "SQ-0001", "year": "2026"}
    refused = staff.post(url, ask)
    assert refused.status_code == 403 and "该户未授权贵单位查询信用等级" in text(refused)
    assert "330" not in text(refused)

    today = timezone.localdate()
    settlement_services.record_consent(actor=actor(secretary), household=homes["SQ-0001"], institution=coop,
                            signed_by="乌云毕力格", signed_on=today - timedelta(days=3),
                            expires_on=today + timedelta(days=365))
    found = staff.post(url, {**ask, "village": village.code})
    body = text(found)
    assert found.status_code == 200 and "优秀" in body and "330 分" in body and "4星级" in body
    assert "乌***格" in body and "乌云毕力格" not in body and "13904761234" not in body
    assert AuditEntry.objects.filter(action="points.credit.refused").count() == 1
    assert AuditEntry.objects.filter(action="points.credit.look_up").count() == 1

    unknown = staff.post(url, {**ask, "number": "SQ-9999"})
    assert unknown.status_code == 403 and "未授权" in text(unknown)
    no_village = staff.post(url, {**ask, "village": "没有这个村"})
    assert no_village.status_code == 400 and "未找到该嘎查村" in text(no_village)
    assert as_reader.get(url).status_code == 403  # not an institution's staff
    assert as_reader.post(url, ask).status_code == 403
