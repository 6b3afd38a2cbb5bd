"""The paired village member of a mobile member is a Pair of kind member_mobile: the data migration that turned
members.MobileMember.paired_with into dated pairs, the members pages and API that read the partner from the pair
in force, and the demo step that pairs the demo county's mobile members."""

import importlib
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from grassroots.audit.context import Actor
from grassroots.members import selectors as members_selectors
from grassroots.members import services as members
from grassroots.members.models import Member as CurrentMember
from grassroots.members.testing import actor_for
from grassroots.pairing.demo_cloud import pair_mobile_members
from grassroots.pairing.models import Pair
from grassroots.pairing.services import create_pair
from grassroots.rules.pairing import MEMBER_MOBILE

BEFORE = [("members", "0003_membership_covering_index"), ("pairing", "0001_initial")]
migration = importlib.import_module("grassroots.pairing.migrations.0002_cloud_pairs")


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_each_paired_with_into_a_dated_pair():
    """Back to the state before (members 0003, pairing 0001), spells with paired_with written through the
    historical models, then forward to the latest: every paired spell is a dated pair. (The rows are written
    without the services: nothing audited, so the transactional test's flush works on SQLite too.)"""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Area, Organisation = old.get_model("areas", "Area"), old.get_model("party", "Organisation")
    Member, Membership = old.get_model("members", "Member"), old.get_model("members", "Membership")
    Spell = old.get_model("members", "MobileMember")
    county = Area.objects.create(code="150426", name="翁牛特旗", level="county", path="150426/")
    villages = {name: Area.objects.create(code=code, name=name, level="village", parent=county,
                                          path=f"150426/{code}/")
                for name, code in (("赛沁塔拉嘎查", "150426100201"), ("官井子村", "150426100202"))}
    orgs = {}
    for n, (name, village) in enumerate((("赛沁塔拉嘎查党支部", "赛沁塔拉嘎查"), ("官井子村党支部", "官井子村")), start=1):
        area = villages[village]
        orgs[village] = Organisation.objects.create(name=name, kind="branch", area=area, path=f"{area.path}o{n}/",
                                                    area_path=area.path, founded_on=date(1960, 1, 1))
    cloud = Organisation.objects.create(name="云支部", kind="branch", area=county, path="150426/o9/",
                                        area_path=county.path, founded_on=date(2020, 1, 1), is_cloud_branch=True)

    def member(name, village, started_on, ended_on=None):
        made = Member.objects.create(name=name, gender="M", joined_on=date(1990, 1, 1))
        Membership.objects.create(member=made, organisation=orgs[village], started_on=started_on, ended_on=ended_on,
                                  end_reason="transfer" if ended_on else "")
        return made

    head, batu = member("乌云毕力格", "赛沁塔拉嘎查", date(2010, 1, 1)), member("巴特尔", "赛沁塔拉嘎查", date(2010, 1, 1))
    liu = member("刘建国", "赛沁塔拉嘎查", date(2001, 1, 1), ended_on=date(2022, 1, 1))  # moved to 官井子村 in 2022
    Membership.objects.create(member=liu, organisation=orgs["官井子村"], started_on=date(2022, 1, 1))
    gao = member("高志远", "官井子村", date(2008, 1, 1))
    Spell.objects.create(member=head, place="呼和浩特市", since=date(2025, 3, 1), paired_with=batu, cloud_branch=cloud)
    # away (and paired) while still in 赛沁塔拉嘎查: the pair is scoped there, as it was then
    Spell.objects.create(member=liu, place="包头市", since=date(2020, 1, 1), returned_on=date(2021, 6, 1),
                         paired_with=batu)
    # away before their membership began: scoped by their latest membership
    Spell.objects.create(member=gao, place="北京", since=date(2000, 1, 1), paired_with=liu)
    Spell.objects.create(member=batu, place="赤峰", since=date(2026, 4, 1))  # nobody paired: no pair
    migration.pairs_from_mobile_spells(old, None)  # run once by hand: the migration's own run adds nothing more

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    pairs = {p.member.name: p for p in Pair.objects.select_related("member", "visitor_member")}
    assert set(pairs) == {"乌云毕力格", "刘建国", "高志远"}
    p = pairs["乌云毕力格"]
    assert (p.kind, p.visitor_member.name, p.started_on, p.ended_on) == (MEMBER_MOBILE, "巴特尔", date(2025, 3, 1), None)
    assert (p.visitor_key, p.target_key, p.path) == (f"m{batu.pk}", f"m{head.pk}", villages["赛沁塔拉嘎查"].path)
    assert p.organisation_id == cloud.pk
    assert (pairs["刘建国"].ended_on, pairs["刘建国"].path) == (date(2021, 6, 1), villages["赛沁塔拉嘎查"].path)
    assert pairs["高志远"].path == villages["官井子村"].path and pairs["高志远"].visitor_member.name == "刘建国"
    # the members registers read the partner from the pair in force: today for an open spell, on the last day
    # of a spell that ended
    current = {m.name: m for m in CurrentMember.objects.all()}
    assert [s.partner.name for s in members_selectors.history(current["乌云毕力格"]).mobile_spells] == ["巴特尔"]
    assert [s.partner.name for s in members_selectors.history(current["刘建国"]).mobile_spells] == ["巴特尔"]
    assert [s.partner for s in members_selectors.history(current["巴特尔"]).mobile_spells] == [None]


@pytest.mark.django_db
def test_the_member_page_and_api_show_the_partner_from_the_pair(party_world, secretary, as_secretary):
    head, batu = party_world.members["乌云毕力格"], party_world.members["巴特尔"]
    spell = members.register_mobile(actor=actor_for(secretary), member=head, place="呼和浩特市",
                                    since=date(2025, 3, 1))
    page = as_secretary.get(reverse("members-member", args=[head.pk])).content.decode()
    assert "设置结对党员" in page and f"?kind=member_mobile&amp;target={head.pk}" in page
    assert as_secretary.get(f"/api/party/members/{head.pk}/").json()["mobile_spells"][0]["paired_with"] is None
    create_pair(actor=actor_for(secretary), kind=MEMBER_MOBILE, visitor=batu, target=head, started_on=spell.since)
    assert "结对：巴特尔" in as_secretary.get(reverse("members-member", args=[head.pk])).content.decode()
    assert as_secretary.get(f"/api/party/members/{head.pk}/").json()["mobile_spells"][0]["paired_with"] == "巴特尔"


@pytest.mark.django_db
def test_the_demo_pairs_every_mobile_member_once(party_world, system_actor):
    head, batu = party_world.members["乌云毕力格"], party_world.members["巴特尔"]
    members.register_mobile(actor=system_actor, member=head, place="呼和浩特市", since=date(2025, 3, 1))
    members.register_mobile(actor=system_actor, member=party_world.members["刘建国"], place="包头市",
                            since=date(2025, 3, 1))  # nobody else in 官井子村's branch: left unpaired
    actor = Actor.system("demo")
    assert pair_mobile_members(actor=actor) == 1
    assert pair_mobile_members(actor=actor) == 0
    pair = Pair.objects.get()
    assert (pair.kind, pair.visitor_member, pair.member, pair.started_on) == (MEMBER_MOBILE, batu, head,
                                                                             date(2025, 3, 1))
