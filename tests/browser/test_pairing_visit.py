"""A pairing cadre logs a visit on a 360 px phone with one problem collected; the problem is filed as a demand and
routed to 旗农牧局; the bureau's staff resolve it through the demands pages they use; the visit page then shows it
solved, and 乌丹镇's coverage page counts the visit, the problem and its solution. Nothing on the pairing pages runs
off the side of the phone (at 100 % and 200 % text), and the buttons are at least 44 px high."""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.test_members_phone import check
from tests.browser.test_points import log_in
from tests.browser.test_points_phone import reads_on_the_phone

pytestmark = pytest.mark.browser

SAIQIN = "150426100223"  # 乌丹镇赛沁塔拉嘎查

# A cadre with no role on any area, paired with one unpaired household of 赛沁塔拉嘎查 (set up as the county would).
PAIRED = f"""
import django, os
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'grassroots.settings')
django.setup()
from datetime import date
from grassroots.access.services import create_account
from grassroots.areas.models import Area, Household
from grassroots.audit.context import Actor
from grassroots.demo import DEMO_PASSWORD
from grassroots.pairing.models import Pair
from grassroots.pairing.services import create_pair
from django.contrib.auth import get_user_model
actor = Actor.system('e2e')
cadre = get_user_model().objects.filter(username='e2ecadre').first() or create_account(
    actor=actor, username='e2ecadre', password=DEMO_PASSWORD, display_name='于建华', roles=[])
pair = Pair.objects.filter(visitor_user=cadre).first()
if pair is None:
    village = Area.objects.get(code='{SAIQIN}')
    home = Household.objects.filter(path__startswith=village.path, is_active=True).order_by('number').first()
    pair = create_pair(actor=actor, kind='cadre_household', visitor=cadre, target=home, started_on=date(2026, 1, 1))
print(pair.pk, pair.household_id)
"""


def fits(phone, name: str) -> None:
    """At 360 px: no horizontal scrolling, buttons ≥ 44 px; at 100 % and 200 % text nothing runs off the side."""
    check(phone)
    reads_on_the_phone(phone, f"pairing-{name}")


@pytest.fixture(scope="session")
def paired(live_app, live_env):
    done = subprocess.run([sys.executable, "-c", PAIRED], env=live_env, check=True, capture_output=True, text=True)
    pair, household = done.stdout.split()[-2:]
    return live_app, int(pair), int(household)


def township_figures(phone, base) -> dict[str, int]:
    """乌丹镇's staff read 赛沁塔拉嘎查's coverage page: this year's visits, problems collected and solved."""
    log_in(phone, base, "wudan")
    phone.goto(f"{base}/pairing/coverage/?area={SAIQIN}")
    figures = phone.get_by_test_id("figures")
    expect(figures).to_be_visible()
    return {label: int(figures.locator(".card", has_text=label).locator(".stat").inner_text())
            for label in ("走访次数", "收集问题", "解决问题")}


def test_cadre_logs_a_visit_the_unit_resolves_the_problem(paired, phone):
    base, pair, household = paired
    text = "走访发现：牧户缺青贮玉米种子，春播前需要"
    before = township_figures(phone, base)
    fits(phone, "coverage")

    # 1. The cadre opens their pair on the phone and taps 走访.
    log_in(phone, base, "e2ecadre")
    phone.goto(f"{base}/pairing/pairs/{pair}/")
    expect(phone.get_by_role("heading", name=re.compile("走访周期"))).to_be_visible()
    fits(phone, "pair")
    phone.get_by_role("link", name="走访", exact=True).click()
    expect(phone.get_by_role("heading", name="记录走访")).to_be_visible()
    fits(phone, "visit-form")
    phone.get_by_label("电话联系").check()
    phone.get_by_label("民情日记").fill("电话询问春播准备，家里老人身体还好")
    phone.get_by_label("第1个问题：内容").fill(text)
    phone.get_by_label("第1个问题：分类").select_option(label="生产发展 · 种子化肥与饲草料")
    phone.get_by_role("button", name="保存走访").click()

    # 2. The visit page: the problem was filed and routed to the bureau.
    expect(phone.get_by_text("走访已记录")).to_be_visible()
    row = phone.get_by_test_id("problem")
    expect(row).to_contain_text(text)
    expect(row).to_contain_text("旗农牧局")
    expect(row.get_by_test_id("problem-state")).to_have_text("已受理")
    visit_url = phone.url
    fits(phone, "visit")
    phone.goto(f"{base}/pairing/households/{household}/")
    expect(phone.get_by_role("heading", name=re.compile("联系户"))).to_be_visible()
    fits(phone, "household")

    # 3. The bureau's staff find it in their queue and resolve it.
    log_in(phone, base, "nongmuju")
    phone.goto(f"{base}/demands/units/agriculture_bureau/")
    phone.get_by_role("link", name=re.compile("走访发现：牧户缺青贮玉米种子")).first.click()
    phone.get_by_role("button", name="开始办理").click()
    expect(phone.get_by_text("已保存")).to_be_visible()
    phone.get_by_label("说明 / 办理结果").fill("已协调供销社，种子送到家")
    phone.get_by_role("button", name="办结", exact=True).click()
    expect(phone.get_by_text("已办结待评价").first).to_be_visible()

    # 4. The cadre sees it solved on the visit page and on the pair page.
    log_in(phone, base, "e2ecadre")
    phone.goto(visit_url)
    expect(phone.get_by_test_id("problem").get_by_test_id("problem-state")).to_have_text("已办结待评价")
    fits(phone, "visit-solved")
    phone.goto(f"{base}/pairing/pairs/{pair}/")
    expect(phone.get_by_test_id("visit").first.get_by_test_id("problem-state")).to_have_text("已办结待评价")
    fits(phone, "pair-solved")

    # 5. 乌丹镇's coverage page counts the visit, the problem collected and the problem solved.
    after = township_figures(phone, base)
    assert after == {"走访次数": before["走访次数"] + 1, "收集问题": before["收集问题"] + 1,
                     "解决问题": before["解决问题"] + 1}
