"""A ledger entry's page (its origin), reversal, and the household page's entries."""




from grassroots.claims import services as claims_services
from grassroots.ledger.models import LedgerEntry
from grassroots.points.api_testing import anonymous_actor
from grassroots.points.testing import actor

# ---------------------------------------------------------------- the ledger: origin, reversal, household


def test_entry_origin_in_one_click(as_secretary, as_insider, as_cashier, as_outsider, posted, insider):
    entry = LedgerEntry.objects.filter(person__name="张秀兰").get()
    page = as_secretary.get(f"/points/entries/{entry.pk}/").content.decode()
    for text in ("A01 人居环境整治义务劳动", "第1版", "赛沁塔拉嘎查村民代表大会", "网格员打分", "insider", "党小组初审",
                 "“两委”联席复审", "党员（村民代表）大会审议", "reader", "committee", "secretary",
                 f"/board/notices/{posted.token}/", "冲正本条"):
        assert text in page, text
    assert as_insider.get(f"/points/entries/{entry.pk}/").status_code == 200
    page = as_cashier.get(f"/points/entries/{entry.pk}/").content.decode()
    assert "党小组初审" in page and "冲正本条" not in page
    assert as_outsider.get(f"/points/entries/{entry.pk}/").status_code == 404


def test_entry_origin_shows_objections_and_their_decisions(as_secretary, notice, committee, secretary):
    line = notice.lines.order_by("id").first()
    objection = claims_services.raise_objection(actor=anonymous_actor(), line=line, reason="分数记多了吧")
    claims_services.decide_objection(actor=actor(committee), objection=objection, uphold=False, reason="有签到表为证")
    claims_services.post_due_notices(actor=actor(secretary), now=notice.closes_at)
    entry = LedgerEntry.objects.get(claim_id=line.claim_id)
    page = as_secretary.get(f"/points/entries/{entry.pk}/").content.decode()
    assert "分数记多了吧" in page and "异议不成立" in page and "有签到表为证" in page


def test_reverse_an_entry(as_secretary, as_cashier, as_committee, as_outsider, posted):
    entry = LedgerEntry.objects.filter(person__name="张秀兰").get()
    url = f"/points/entries/{entry.pk}/reverse/"
    assert as_cashier.post(url, {"reason": "重复记分"}).status_code == 403
    assert as_committee.post(url, {"reason": "重复记分"}).status_code == 403
    assert as_outsider.post(url, {"reason": "重复记分"}).status_code == 404
    response = as_secretary.post(url, {"reason": ""})
    assert response.status_code == 400 and "冲正须写明理由" in response.content.decode()
    response = as_secretary.post(url, {"reason": "重复记分", "idempotency_key": "rev-1"})
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert response.status_code == 302 and response["Location"] == f"/points/entries/{reversal.pk}/"
    assert as_secretary.post(url, {"reason": "重复记分", "idempotency_key": "rev-1"}).status_code == 302
    assert LedgerEntry.objects.filter(reverses=entry).count() == 1
    page = as_secretary.get(f"/points/entries/{reversal.pk}/").content.decode()
    assert "冲正" in page and "重复记分" in page and f"/points/entries/{entry.pk}/" in page
    assert "已冲正" in as_secretary.get(f"/points/entries/{entry.pk}/").content.decode()


def test_household_entries(as_insider, as_cashier, as_outsider, posted, households):
    url = f"/points/households/{households['inside'].pk}/"
    page = as_insider.get(url).content.decode()
    entries = LedgerEntry.objects.filter(household=households["inside"])
    assert entries.count() == 2
    for entry in entries:
        assert f"/points/entries/{entry.pk}/" in page
    assert as_cashier.get(url).status_code == 200
    assert as_outsider.get(url).status_code == 404


def test_withdrawn_line_on_the_public_page(anonymous, objection, committee):
    claims_services.decide_objection(actor=actor(committee), objection=objection, uphold=True, reason="属实")
    page = anonymous.get(f"/board/notices/{objection.line.notice.token}/").content.decode()
    assert "异议成立，已撤销" in page
