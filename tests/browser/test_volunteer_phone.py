"""A volunteer on a cheap 360 px phone signs up for an activity, checks in and checks out; the team's leader then
confirms the hours in the verification queue, and the volunteer's 我的志愿服务 counts them. At every step nothing
on the page is wider than the phone and the buttons are at least 44 px high.

The browser runs at the real time and cannot be frozen, so the activity is made to start in 30 minutes (sign-up is
open until the start; check-in opens an hour before it), and before the leader's step it is moved into the past as
the clock would move it (hours are confirmed once an activity has ended). Last, the queue's job runs (as the worker
would) and the confirmed hours wait as a points claim in 赛沁塔拉嘎查's review queue, with the activity as evidence."""

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
PREAMBLE = """
import django, os
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'grassroots.settings')
django.setup()
"""

# The station, a team led by 包文明 (account e2elead, no role on any area) with 刘桂香 (account e2evol) in it, and an
# activity starting in 30 minutes with two places — set up as the station's staff would.
WORLD = PREAMBLE + f"""
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from grassroots.access.services import create_account
from grassroots.areas import services as areas
from grassroots.areas.models import Area, Household, Person
from grassroots.audit.context import Actor
from grassroots.demo import DEMO_PASSWORD
from grassroots.volunteers import services
from grassroots.volunteers.models import Site, Team, Volunteer
actor = Actor.system('e2e')
village = Area.objects.get(code='{SAIQIN}')
station = Site.objects.filter(area=village, level='station').first() or services.create_site(
    actor=actor, area=village, name='赛沁塔拉嘎查新时代文明实践站')
# 刘桂香 lives in the village (her confirmed hours earn points there); 包文明 registered himself.
home = Household.objects.filter(path__startswith=village.path, is_active=True).order_by('id').first()
resident = Person.objects.filter(household=home, name='刘桂香').first() or areas.add_person(
    actor=actor, household=home, name='刘桂香', relation='other', gender='F')
people = {{}}
for username, name, person in (('e2elead', '包文明', None), ('e2evol', '刘桂香', resident)):
    user = get_user_model().objects.filter(username=username).first() or create_account(
        actor=actor, username=username, password=DEMO_PASSWORD, display_name=name, roles=[])
    people[username] = Volunteer.objects.filter(user=user).first() or services.register_volunteer(
        actor=actor, name=name, area=village, consent=True, user=user, person=person)
team = Team.objects.filter(name='赛沁塔拉嘎查e2e服务队').first() or services.create_team(
    actor=actor, name='赛沁塔拉嘎查e2e服务队', site=station, leader=people['e2elead'])
if not team.members.filter(volunteer=people['e2evol'], left_on__isnull=True).exists():
    services.join_team(actor=actor, team=team, volunteer=people['e2evol'])
starts = timezone.now() + timedelta(minutes=30)
activity = services.create_activity(actor=actor, team=team, title='帮独居老人打扫院子', place='赛沁塔拉嘎查二组',
                                    starts_at=starts, ends_at=starts + timedelta(hours=1), slots=2,
                                    needs='带上扫帚和手套')
print(activity.pk, team.pk)
"""

# The clock moves on: the activity took place from two hours ago until a minute ago. Its sign-ups' service day
# moves with it (near midnight "in 30 minutes" is tomorrow's date, and a claim may not be dated in the future).
ENDED = PREAMBLE + """
import sys
from datetime import timedelta
from django.utils import timezone
from grassroots.volunteers.models import Activity, SignUp
now = timezone.now()
starts = now - timedelta(hours=2)
Activity.objects.filter(pk=int(sys.argv[1])).update(starts_at=starts, ends_at=now - timedelta(minutes=1))
SignUp.objects.filter(activity_id=int(sys.argv[1])).update(served_on=timezone.localtime(starts).date())
"""

# The queue's job for confirmed hours (the worker runs it after the confirmation commits, and hourly as a sweep).
PROPOSE = PREAMBLE + """
from grassroots.volunteers.tasks import propose_hours_claims
print(propose_hours_claims())
"""


def run(script: str, env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", script, *args], env=env, check=True, capture_output=True,
                          text=True).stdout


def fits(phone, name: str) -> None:
    """At 360 px: no horizontal scrolling, nothing wider than the phone, buttons ≥ 44 px (also at 200 % text)."""
    check(phone)
    reads_on_the_phone(phone, f"volunteers-{name}")


def test_a_volunteer_signs_up_checks_in_and_out_and_the_leader_confirms(live_app, live_env, phone):
    base = live_app
    activity, team = (int(n) for n in run(WORLD, live_env).split()[-2:])
    url = f"{base}/volunteers/activities/{activity}/"

    # 1. The volunteer opens the activity on her phone: what, where, what to bring, two places left.
    log_in(phone, base, "e2evol")
    phone.goto(url)
    expect(phone.get_by_role("heading", name="帮独居老人打扫院子")).to_be_visible()
    expect(phone.get_by_text("赛沁塔拉嘎查二组")).to_be_visible()
    expect(phone.get_by_test_id("places")).to_have_text(re.compile("剩余2个"))
    fits(phone, "activity")

    # 2. 报名: a big button; she sees her place.
    sign_up = phone.get_by_role("button", name="报名", exact=True)
    assert sign_up.bounding_box()["height"] >= 44
    sign_up.click()
    expect(phone.get_by_text("报名成功")).to_be_visible()
    expect(phone.locator(".vol-status")).to_have_text("已报名")
    expect(phone.get_by_test_id("places")).to_have_text(re.compile("剩余1个"))
    fits(phone, "signed-up")

    # 3. 签到 (open from an hour before the start), then 签退: the hours wait for the leader.
    phone.get_by_role("button", name="签到", exact=True).click()
    expect(phone.locator(".vol-status")).to_have_text(re.compile(r"已签到（\d\d:\d\d）"))
    expect(phone.get_by_role("button", name="取消报名")).to_have_count(0)
    fits(phone, "checked-in")
    phone.get_by_role("button", name="签退", exact=True).click()
    expect(phone.get_by_text("已签退，服务时长待队长确认")).to_be_visible()
    expect(phone.get_by_text(re.compile("待队长确认；确认后计入累计时长"))).to_be_visible()
    fits(phone, "checked-out")

    phone.goto(f"{base}/volunteers/me/")
    expect(phone.get_by_test_id("confirmed-total")).to_have_text("0 小时")
    fits(phone, "me-before")

    # 4. The activity is over; the leader opens the queue, sets 1.5 hours and confirms her rows in one tap.
    run(ENDED, live_env, str(activity))
    log_in(phone, base, "e2elead")
    phone.goto(f"{base}/volunteers/activities/?when=past")
    expect(phone.get_by_test_id("activity-row").filter(has_text="帮独居老人打扫院子")).to_contain_text("已报1/2")
    fits(phone, "activities")
    phone.goto(f"{base}/volunteers/teams/{team}/activities/new/")
    expect(phone.get_by_role("button", name="发布活动")).to_be_visible()
    fits(phone, "activity-new")
    phone.goto(f"{base}/volunteers/activities/{activity}/")
    expect(phone.get_by_test_id("roster-row").filter(has_text="刘桂香")).to_contain_text("已报名")
    fits(phone, "roster")
    phone.goto(f"{base}/volunteers/hours/")
    group = phone.get_by_test_id("volunteer-group").filter(has_text="刘桂香")
    expect(group).to_be_visible()
    expect(group.get_by_test_id("queue-row")).to_have_count(1)
    expect(group.get_by_test_id("queue-row")).to_contain_text("帮独居老人打扫院子")
    fits(phone, "hours-queue")
    group.get_by_label(re.compile("时长（小时）")).fill("1.5")
    group.get_by_role("button", name=re.compile("确认刘桂香的全部")).click()
    expect(phone.get_by_text("已确认1条服务记录，共1.5小时")).to_be_visible()
    expect(phone.get_by_test_id("volunteer-group").filter(has_text="刘桂香")).to_have_count(0)
    fits(phone, "hours-confirmed")

    # 5. Her own page now counts the confirmed hours, and no longer as pending.
    log_in(phone, base, "e2evol")
    phone.goto(f"{base}/volunteers/me/")
    expect(phone.get_by_test_id("confirmed-total")).to_have_text("1.5 小时")
    expect(phone.get_by_test_id("pending-total")).to_have_text("0 小时")
    expect(phone.get_by_test_id("past-row").filter(has_text="帮独居老人打扫院子")).to_contain_text("已确认")
    fits(phone, "me-after")

    # 6. The queue proposes the hours as a points claim: 1.5 h is one whole hour (+5) under the village's 志愿服务
    # rule, waiting at the first stage of 赛沁塔拉嘎查's review, with the activity as its evidence.
    assert "'proposed': 1" in run(PROPOSE, live_env)
    log_in(phone, base, "xiaozu")
    phone.goto(f"{base}/points/review/")
    evidence = phone.get_by_test_id("volunteer-evidence").filter(has_text="帮独居老人打扫院子")
    expect(evidence).to_have_count(1)
    expect(phone.locator("body")).to_contain_text("刘桂香")
    fits(phone, "review-queue")
