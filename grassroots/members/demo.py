"""The demo county's members: every resident the register flags as a party member is on the register of their
village's branch (a community's: their 小区's), with party dates that agree with their age and standing. Then:
members without a resident record in the unit organisations (WNT-U01..U04), a dozen transfers inside the county
over 2024–2026 (the last still pending), one out of the county and one in from outside, a secretary in every
branch, every resident flagged 流动党员 registered as mobile (cloud branch WNT-CLOUD, contacts: some not reached
for four months and more; the paired village member is a pairing.Pair set up by pairing/demo_cloud.py), and a dozen unit members reporting home (双报到) to
乌丹镇's 小区 branches (the county town's, where 乌丹镇 has none) with a service and hours. Idempotent: each step skips what is already there."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from grassroots.areas.models import Person
from grassroots.audit.context import Actor
from grassroots.core.demo import WUDAN
from grassroots.members import services
from grassroots.members.models import HomeReport, Member, Membership, MobileMember, Post, Transfer
from grassroots.members.services import admit_member
from grassroots.party.models import Organisation

TODAY = date(2026, 12, 1)


def _party_dates(person: Person) -> tuple[date, date | None]:
    n = person.pk
    if person.party_status == Person.PartyStatus.PROBATIONARY:
        return TODAY - timedelta(days=40 + n % 300), None
    born = person.birth_date or date(1970, 1, 1)
    joined = date(min(born.year + 22 + n % 18, 2024), 1 + n % 12, 1 + n % 28)
    return joined, joined + timedelta(days=365)


@transaction.atomic
def load_demo_members(*, actor: Actor) -> int:
    """Admit the flagged residents; answers how many were admitted."""
    branches = {o.area_id: o for o in Organisation.objects.filter(area_path__startswith=_county_path(),
                                                                  kind__in=["branch", "committee"],
                                                                  host="area", is_cloud_branch=False)}
    people = (Person.objects.filter(path__startswith=_county_path(), is_active=True)
              .exclude(party_status="").filter(party_member__isnull=True)
              .select_related("household").order_by("pk"))
    admitted = 0
    for person in people.iterator(chunk_size=500):
        household = person.household
        organisation = branches.get(household.grid_id) or branches.get(household.village_id) if household else None
        if organisation is None:
            continue
        joined, full = _party_dates(person)
        admit_member(actor=actor, organisation=organisation, person=person, name=person.name, gender=person.gender,
                     joined_on=joined, full_on=full, started_on=max(joined, organisation.founded_on),
                     ethnicity=person.ethnicity, mobile=person.mobile)
        admitted += 1
    admitted += _unit_members(actor)
    _transfers(actor)
    _secretaries(actor)
    _mobile_members(actor)
    _home_reports(actor)
    return admitted


UNIT_CODES = ["WNT-U01", "WNT-U02", "WNT-U03", "WNT-U04"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["建华", "丽娟", "志强", "海燕", "文军", "秀梅", "晓东", "春燕", "国庆", "玉兰", "宏伟", "桂芝", "立新",
         "雅琴", "振宇", "敏", "磊", "静", "鹏", "慧"]
ETHNICITIES = ["汉族", "蒙古族", "汉族", "满族", "汉族", "回族"]
PLACES = ["呼和浩特市赛罕区", "北京市朝阳区", "赤峰市红山区", "包头市昆都仑区", "天津市滨海新区", "通辽市科尔沁区",
          "鄂尔多斯市东胜区", "沈阳市铁西区"]
SERVICES = ["政策宣讲", "垃圾分类督导", "老年人智能手机教学", "文明交通劝导", "义诊", "法律咨询", "四点半课堂",
            "邻里矛盾调解"]


def _unit_members(actor: Actor) -> int:
    """About forty members of the county's units; they live in the county town and have no resident record."""
    units = list(Organisation.objects.filter(code__in=UNIT_CODES).order_by("code"))
    if not units or Membership.objects.filter(organisation__in=units).exists():
        return 0
    made = 0
    for u, unit in enumerate(units):
        for i in range(11 if u == 0 else 10):
            n = u * 11 + i
            born = date(1965 + n % 30, 1 + n % 12, 1 + (n * 7) % 28)
            joined = date(born.year + 23 + n % 9, 1 + (n * 5) % 12, 1 + n % 28)
            joined = min(joined, date(2025, 6, 1))
            full = joined + timedelta(days=365) if joined < date(2025, 6, 1) else None
            admit_member(actor=actor, organisation=unit, name=SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 3) % len(GIVEN)],
                         gender="F" if n % 3 == 1 else "M", birth_date=born, joined_on=joined, full_on=full,
                         started_on=max(joined, date(2012, 3, 1) + timedelta(days=37 * n)),
                         ethnicity=ETHNICITIES[n % len(ETHNICITIES)], mobile=f"139047{60000 + n * 37:05d}")
            made += 1
    return made


def _village_branches() -> list[Organisation]:
    return list(Organisation.objects.filter(kind=Organisation.Kind.BRANCH, host=Organisation.Host.AREA,
                                            is_cloud_branch=False, parent__kind=Organisation.Kind.COMMITTEE,
                                            parent__area__level="township").order_by("path"))


def _transfers(actor: Actor) -> None:
    """Twelve transfers between village branches in 2024–2026 (the last still waiting to be received), one out of
    the county and one in from outside."""
    if Transfer.objects.exists():
        return
    branches = _village_branches()
    if len(branches) < 2:
        return
    candidates = list(Membership.objects.filter(ended_on__isnull=True, organisation__in=branches,
                                                started_on__lt=date(2023, 12, 1), member__person__is_mobile_member=False)
                      .select_related("member", "organisation").order_by("member_id")[:400:33])
    for i, membership in enumerate(candidates[:12]):
        others = [b for b in branches if b.pk != membership.organisation_id]
        receiver = others[(i * 7) % len(others)]
        sent = date(2024, 1, 15) + timedelta(days=i * 80)
        transfer = services.send_transfer(actor=actor, member=membership.member, sent_on=sent, to_organisation=receiver,
                                          letter_number=f"翁组转〔{sent.year}〕{i + 1:03d}号")
        if i < 11:
            services.receive_transfer(actor=actor, transfer=transfer, received_on=sent + timedelta(days=12 + i % 9))
    leaving = (Membership.objects.filter(ended_on__isnull=True, organisation__code="WNT-U03")
               .select_related("member").order_by("member_id").first())
    if leaving is not None:
        out = services.send_transfer(actor=actor, member=leaving.member, sent_on=date(2025, 8, 20),
                                     to_outside="中共赤峰市红山区西屯街道党工委", letter_number="翁组转〔2025〕外001号")
        services.receive_transfer(actor=actor, transfer=out, received_on=date(2025, 9, 18))
    unit = Organisation.objects.filter(code="WNT-U02").first()
    if unit is not None:
        services.receive_from_outside(
            actor=actor, organisation=unit, from_outside="中共通辽市科尔沁区教育局机关委员会", sent_on=date(2025, 3, 3),
            received_on=date(2025, 3, 17), letter_number="通组转〔2025〕017号", name="韩雪梅", gender="F",
            birth_date=date(1988, 10, 9), joined_on=date(2011, 6, 20), full_on=date(2012, 6, 20),
            ethnicity="蒙古族", mobile="13904768812")


def _secretaries(actor: Actor) -> None:
    """A secretary in every branch with members: its longest-standing member."""
    held = set(Post.objects.filter(title=Post.Title.SECRETARY, ended_on__isnull=True).values_list("organisation_id",
                                                                                                  flat=True))
    first: dict[int, Membership] = {}
    for membership in (Membership.objects.filter(ended_on__isnull=True, organisation__kind=Organisation.Kind.BRANCH)
                       .select_related("member", "organisation").order_by("organisation_id", "member__joined_on",
                                                                          "member_id")):
        first.setdefault(membership.organisation_id, membership)
    for organisation_id, membership in sorted(first.items()):
        if organisation_id in held:
            continue
        services.appoint_post(actor=actor, organisation=membership.organisation, member=membership.member,
                              title=Post.Title.SECRETARY, started_on=max(membership.started_on, date(2021, 7, 1)))


def _mobile_members(actor: Actor) -> None:
    """Every resident flagged 流动党员 on the mobile register, with the cloud branch and contacts; one in four not
    reached for four months and more. (Their paired village members: pairing.demo_cloud.pair_mobile_members.)"""
    cloud = Organisation.objects.filter(code="WNT-CLOUD").first()
    members = (Member.objects.filter(person__is_mobile_member=True, left_on__isnull=True)
               .exclude(pk__in=MobileMember.objects.filter(returned_on__isnull=True).values("member_id"))
               .select_related("person").order_by("pk"))
    for member in members:
        if not Membership.objects.filter(member=member, ended_on__isnull=True).exists():
            continue
        n = member.pk
        since = TODAY - timedelta(days=200 + n % 700)
        spell = services.register_mobile(actor=actor, member=member, place=PLACES[n % len(PLACES)], since=since,
                                         contact=member.person.mobile or member.mobile, cloud_branch=cloud)
        last = TODAY - timedelta(days=130 + n % 90) if n % 4 == 0 else TODAY - timedelta(days=5 + n % 50)
        for back in (60, 30, 0):
            day = last - timedelta(days=back)
            if day >= since:
                services.record_contact(actor=actor, mobile=spell, contacted_on=day,
                                        method=["call", "wechat", "cloud"][(n + back) % 3],
                                        note="了解务工情况，提醒按时交纳党费" if back else "参加云支部主题党日")


def _xiaoqu_branches() -> list[Organisation]:
    """乌丹镇's 小区 branches; the demo's 乌丹镇 has villages only, so then those of the town's 街道 (紫城街道, the
    county seat's communities)."""
    xiaoqu = (Organisation.objects.filter(kind=Organisation.Kind.BRANCH, parent__kind=Organisation.Kind.COMMITTEE,
                                          area__level="grid", host=Organisation.Host.AREA, is_cloud_branch=False)
              .order_by("path"))
    wudan = Organisation.objects.filter(code=f"WNT-{WUDAN}").first()
    found = list(xiaoqu.filter(path__startswith=wudan.path)) if wudan else []
    return found or list(xiaoqu.filter(parent__parent__area__name__endswith="街道"))


def _home_reports(actor: Actor) -> None:
    """Twelve unit members report to 小区 branches of the county town, each with a service and hours."""
    if HomeReport.objects.exists():
        return
    xiaoqu = _xiaoqu_branches()
    unit_members = list(Membership.objects.filter(ended_on__isnull=True, organisation__code__in=UNIT_CODES)
                        .select_related("member").order_by("member_id"))
    if not xiaoqu:
        return
    for i, membership in enumerate(unit_members[::3][:12]):
        report = services.start_home_report(actor=actor, member=membership.member, organisation=xiaoqu[i % len(xiaoqu)],
                                            started_on=date(2024, 3, 1) + timedelta(days=23 * i),
                                            service=SERVICES[i % len(SERVICES)])
        services.add_home_report_hours(actor=actor, report=report, hours=Decimal(6 + (i * 5) % 31))


def _county_path() -> str:
    return Organisation.objects.get(code="WNT-0001").area_path
