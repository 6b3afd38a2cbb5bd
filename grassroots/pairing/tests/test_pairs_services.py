"""Pairs: ending one, handing households out in bulk (priority first, the paired skipped), importing pair lists
(all or nothing, every bad cell named by row and column)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from grassroots.access.services import create_account
from grassroots.areas import services as areas
from grassroots.areas.models import Tag
from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.core.excel import xlsx_bytes
from grassroots.core.table_import import Rejected
from grassroots.core.testing import PASSWORD
from grassroots.members.models import Member
from grassroots.pairing import selectors
from grassroots.pairing.models import Pair, Visit
from grassroots.pairing.services import PAIR_COLUMNS, assign_households, end_pair, import_pairs
from grassroots.rules import pairing as rules

TODAY = date(2026, 6, 15)


def as_actor(user):
    return Actor(user=user, name=user.username)


def tag(home, *codes):
    head = home.members.get(relation="head")
    head.tags.add(*Tag.objects.filter(code__in=codes))


# ------------------------------------------------------------------------------------------- end


def test_ending_a_pair_keeps_it_in_the_register_of_earlier_days(pairing_world, secretary):
    pair = end_pair(actor=as_actor(secretary), pair=pairing_world.pair, ended_on=date(2026, 6, 1),
                    reason="户主外出务工", today=TODAY)
    assert (pair.ended_on, pair.end_reason) == (date(2026, 6, 1), "户主外出务工")
    assert pair in selectors.register_pairs(secretary, day=date(2026, 5, 31))
    assert pair not in selectors.register_pairs(secretary, day=date(2026, 6, 1))
    entry = AuditEntry.objects.get(action="pairing.pair.end")
    assert entry.data["reason"] == "户主外出务工"


@pytest.mark.parametrize(("ended_on", "reason", "message"), [
    (date(2026, 1, 1), "调整", "须晚于该日"),
    (date(2026, 8, 1), "调整", "不能晚于 2026-07-16"),
    (date(2026, 6, 1), "  ", "请填写结束原因"),
])
def test_an_end_must_be_after_the_start_not_far_ahead_and_say_why(pairing_world, secretary, ended_on, reason,
                                                                   message):
    with pytest.raises(ValidationError, match=message):
        end_pair(actor=as_actor(secretary), pair=pairing_world.pair, ended_on=ended_on, reason=reason, today=TODAY)
    assert Pair.objects.get(pk=pairing_world.pair.pk).ended_on is None


def test_a_pair_cannot_end_before_a_visit_made_on_it_nor_twice(pairing_world, secretary):
    Visit.objects.create(pair=pairing_world.pair, visited_at="2026-05-20T10:00:00+08:00",
                         visited_on=date(2026, 5, 20), path=pairing_world.pair.path)
    with pytest.raises(ValidationError, match="2026-05-20 还有走访记录"):
        end_pair(actor=as_actor(secretary), pair=pairing_world.pair, ended_on=date(2026, 5, 1), reason="调整",
                 today=TODAY)
    end_pair(actor=as_actor(secretary), pair=pairing_world.pair, ended_on=date(2026, 6, 1), reason="调整", today=TODAY)
    with pytest.raises(ValidationError, match="已于 2026-06-01 结束"):
        end_pair(actor=as_actor(secretary), pair=pairing_world.pair, ended_on=date(2026, 6, 2), reason="调整",
                 today=TODAY)


def test_only_managers_of_the_area_end_pairs(pairing_world, reader, outsider):
    with pytest.raises(PermissionDenied):
        end_pair(actor=as_actor(reader), pair=pairing_world.pair, ended_on=date(2026, 6, 1), reason="调整",
                 today=TODAY)
    with pytest.raises(Http404):
        end_pair(actor=as_actor(outsider), pair=pairing_world.pair, ended_on=date(2026, 6, 1), reason="调整",
                 today=TODAY)
    with pytest.raises(Http404):  # the cadre is the pair's visitor, not its manager
        end_pair(actor=as_actor(pairing_world.cadre), pair=pairing_world.pair, ended_on=date(2026, 6, 1),
                 reason="调整", today=TODAY)
    assert Pair.objects.get(pk=pairing_world.pair.pk).ended_on is None


# ------------------------------------------------------------------------------------------- bulk assignment


@pytest.fixture
def hand_out(pairing_world, homes, region, system_actor):
    """赛沁塔拉嘎查's unpaired households, hand-tagged: SQ-0003 独居老人 + 脱贫户 (two tags), SQ-0006 低保, SQ-0005 残疾,
    SQ-0002 none. SQ-0001 (低保, 于财's) and SQ-0004 (于海's) are paired already."""
    six = areas.create_household(actor=system_actor, grid=region["赛沁塔拉嘎查2"], number="SQ-0006",
                                 address="赛沁塔拉嘎查6号")
    areas.add_person(actor=system_actor, household=six, name="白音", relation="head", gender="M",
                     birth_date=date(1950, 1, 1))
    tag(homes["SQ-0003"], "elderly_alone", "poverty_alleviated")
    tag(six, "subsistence")
    tag(homes["SQ-0005"], "disabled")
    jia = create_account(actor=system_actor, username="jia", password=PASSWORD, display_name="甲干部", roles=[])
    yi = create_account(actor=system_actor, username="yi", password=PASSWORD, display_name="乙干部", roles=[])
    return {**homes, "SQ-0006": six, "jia": jia, "yi": yi}


def numbers(user):
    return sorted(Pair.objects.filter(visitor_user=user).values_list("household__number", flat=True))


def test_the_hand_out_deals_priority_households_first_round_robin(hand_out, secretary, region):
    summary = assign_households(actor=as_actor(secretary), area=region["赛沁塔拉嘎查"],
                                cadres=[hand_out["jia"], hand_out["yi"]], per_cadre=1,
                                started_on=date(2026, 3, 1), purpose="政策宣讲")
    # Hand-checked: SQ-0003 has two priority tags (first), then 低保 SQ-0006, 残疾 SQ-0005, untagged SQ-0002.
    assert numbers(hand_out["jia"]) == ["SQ-0003"]
    assert numbers(hand_out["yi"]) == ["SQ-0006"]
    assert (summary["made"], summary["left"], summary["priority_left"]) == (2, 2, 1)
    assert summary["left_numbers"] == ["SQ-0002", "SQ-0005"]
    assert [c["households"][0]["number"] for c in summary["cadres"]] == ["SQ-0003", "SQ-0006"]
    entries = AuditEntry.objects.filter(action="pairing.pair.assign")
    assert entries.count() == 1 and entries.get().data["made"] == 2


def test_already_paired_households_are_skipped(hand_out, secretary, region):
    summary = assign_households(actor=as_actor(secretary), area=region["赛沁塔拉嘎查"],
                                cadres=[hand_out["jia"], hand_out["yi"]], per_cadre=10, started_on=date(2026, 3, 1))
    given = numbers(hand_out["jia"]) + numbers(hand_out["yi"])
    assert sorted(given) == ["SQ-0002", "SQ-0003", "SQ-0005", "SQ-0006"]  # not SQ-0001 nor SQ-0004
    assert summary["left"] == 0
    again = assign_households(actor=as_actor(secretary), area=region["赛沁塔拉嘎查"], cadres=[hand_out["jia"]],
                              per_cadre=10, started_on=date(2026, 4, 1))
    assert again["made"] == 0


def test_a_household_whose_pair_ended_is_handed_out_again(hand_out, secretary, region):
    end_pair(actor=as_actor(secretary), pair=Pair.objects.get(household=hand_out["SQ-0001"]),
             ended_on=date(2026, 2, 1), reason="干部调动", today=TODAY)
    assign_households(actor=as_actor(secretary), area=region["赛沁塔拉嘎查1"], cadres=[hand_out["jia"]], per_cadre=2,
                      started_on=date(2026, 3, 1))
    assert numbers(hand_out["jia"]) == ["SQ-0001", "SQ-0003"]  # grid 1's two priority households, 0002 left


def test_the_hand_out_is_refused_outside_and_to_readers(hand_out, reader, outsider, region):
    with pytest.raises(PermissionDenied):
        assign_households(actor=as_actor(reader), area=region["赛沁塔拉嘎查"], cadres=[hand_out["jia"]], per_cadre=1,
                          started_on=date(2026, 3, 1))
    with pytest.raises(Http404):
        assign_households(actor=as_actor(outsider), area=region["赛沁塔拉嘎查"], cadres=[hand_out["jia"]],
                          per_cadre=1, started_on=date(2026, 3, 1))
    with pytest.raises(ValidationError, match="不是嘎查村社区或网格"):
        assign_households(actor=Actor.system("t"), area=region["乌丹镇"], cadres=[hand_out["jia"]], per_cadre=1,
                          started_on=date(2026, 3, 1))
    with pytest.raises(ValidationError, match="1到100"):
        assign_households(actor=Actor.system("t"), area=region["赛沁塔拉嘎查"], cadres=[hand_out["jia"]],
                          per_cadre=0, started_on=date(2026, 3, 1))
    assert not Pair.objects.filter(visitor_user=hand_out["jia"]).exists()


# ------------------------------------------------------------------------------------------- import

HEADERS = [c.header for c in PAIR_COLUMNS]


def upload(rows) -> SimpleUploadedFile:
    return SimpleUploadedFile("pairs.xlsx", xlsx_bytes(HEADERS, rows))


def test_an_import_writes_every_kind_of_side(pairing_world, secretary, region):
    summary = import_pairs(actor=as_actor(secretary), within=region["赛沁塔拉嘎查"], upload=upload([
        ["干部包联户", "yucai", "赛沁塔拉嘎查/SQ-0002", "2026-02-01", "", "就业帮扶"],
        ["干部包联户", "yuhai", "SQ-0003", "2026-02-01", "2026-05-01", ""],
        ["单位包联村（社区、小区）", "wd-nyzx", region["赛沁塔拉嘎查1"].code, "2026-01-01", "", "网格服务"],
    ]))
    assert summary == {"pairs": 3, "skipped": 0}
    assert Pair.objects.get(visitor_user=pairing_world.cadre, household__number="SQ-0002").purpose == "就业帮扶"
    assert Pair.objects.get(visitor_user=pairing_world.other_cadre, household__number="SQ-0003").ended_on == date(2026, 5, 1)
    assert Pair.objects.filter(visitor_unit=pairing_world.unit, area=region["赛沁塔拉嘎查1"]).exists()
    assert AuditEntry.objects.filter(action="pairing.pair.import").count() == 1


def test_the_same_file_twice_changes_nothing(pairing_world, secretary, region):
    rows = [["干部包联户", "yucai", "SQ-0002", "2026-02-01", "", ""]]
    import_pairs(actor=as_actor(secretary), within=region["赛沁塔拉嘎查"], upload=upload(rows))
    assert import_pairs(actor=as_actor(secretary), within=region["赛沁塔拉嘎查"], upload=upload(rows)) == {
        "pairs": 0, "skipped": 1}
    assert Pair.objects.filter(household__number="SQ-0002").count() == 1


def test_one_bad_row_and_nothing_is_written_every_problem_named_by_row_and_column(pairing_world, secretary,
                                                                                   region):
    before = Pair.objects.count()
    with pytest.raises(Rejected) as caught:
        import_pairs(actor=as_actor(secretary), within=region["赛沁塔拉嘎查"], upload=upload([
            ["干部包联户", "yucai", "SQ-0002", "2026-02-01", "", ""],            # row 2: fine
            ["干部结对", "yucai", "SQ-0003", "2026-02-01", "", ""],              # row 3: no such kind
            ["干部包联户", "nobody", "SQ-0003", "2026-02-01", "", ""],           # row 4: no such account
            ["干部包联户", "yuhai", "GJ-0001", "2026-02-01", "", ""],            # row 5: another village's
            ["干部包联户", "yuhai", "SQ-0005", "2026-02-01", "2026-01-01", ""],  # row 6: ends before it starts
            ["干部包联户", "yucai", "SQ-0001", "2026-02-01", "", ""],            # row 7: already paired, open
            ["干部包联户", "yucai", "SQ-0002", "2026-03-01", "", ""],            # row 8: repeats row 2
            ["干部包联户", "yuhai", "SQ-0003", "三月一日", "", ""],               # row 9: not a date
        ]))
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {(3, "结对类型"), (4, "结对一方"), (5, "结对对象"), (6, "结束日期"), (7, "结对对象"),
                     (8, "结对对象"), (9, "开始日期")}
    messages = {(e.row, e.column): e.message for e in caught.value.errors}
    assert "nobody" in messages[(4, "结对一方")] and "第2行" in messages[(8, "结对对象")]
    assert "已有进行中" in messages[(7, "结对对象")]
    assert Pair.objects.count() == before


def test_an_import_is_refused_outside_and_to_readers(pairing_world, reader, outsider, region):
    rows = [["干部包联户", "yucai", "SQ-0002", "2026-02-01", "", ""]]
    with pytest.raises(PermissionDenied):
        import_pairs(actor=as_actor(reader), within=region["赛沁塔拉嘎查"], upload=upload(rows))
    with pytest.raises(Http404):
        import_pairs(actor=as_actor(outsider), within=region["赛沁塔拉嘎查"], upload=upload(rows))
    with pytest.raises(Rejected):  # in their own village, another village's household is not found
        import_pairs(actor=as_actor(outsider), within=region["官井子村"], upload=upload(rows))
    assert not Pair.objects.filter(household__number="SQ-0002").exists()


def test_member_sides_are_named_by_name_or_name_and_mobile(party_world, pairing_world, secretary, region):
    member = Member.objects.filter(memberships__organisation__area_path__startswith=region["赛沁塔拉嘎查"].path,
                                   left_on__isnull=True).first()
    assert member is not None
    sides = selectors.Sides(region["赛沁塔拉嘎查"])
    rule = rules.KINDS[rules.MEMBER_HOUSEHOLD]
    found, problem = sides.visitor(rule, member.name, day=date(2026, 3, 1))
    assert found == member and problem is None
    Member.objects.filter(pk=member.pk).update(mobile="13900000001")
    Member.objects.create(name=member.name, gender=member.gender, joined_on=date(2020, 1, 1), mobile="13900000002")
    sides = selectors.Sides(region["赛沁塔拉嘎查"])
    found, problem = sides.visitor(rule, member.name, day=date(2026, 3, 1))
    assert found is None and "姓名/手机号" in problem
    found, problem = sides.visitor(rule, f"{member.name}/13900000001", day=date(2026, 3, 1))
    assert found == member and problem is None
    found, problem = sides.visitor(rules.KINDS[rules.MEMBER_HOUSEHOLD], "查无此人", day=date(2026, 3, 1))
    assert found is None and "不在党员名册" in problem
