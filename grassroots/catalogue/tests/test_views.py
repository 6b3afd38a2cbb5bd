"""The rule catalogue pages: a village's rule set, adding and revising rules, adoptions, templates and copies."""


from datetime import timedelta

import pytest

from grassroots.catalogue import services as catalogue_services
from grassroots.catalogue.models import RuleSet, RuleVersion
from grassroots.points.api_testing import today

# ---------------------------------------------------------------- the rule catalogue


def test_catalogue_shows_versions_kinds_caps_and_the_adoption(as_secretary, catalogue, rules, system_actor):
    catalogue_services.revise_rule(actor=system_actor, rule=rules["A01"], effective_from=today() + timedelta(days=3), points=15)
    response = as_secretary.get("/points/rules/")
    assert response.status_code == 302 and response["Location"] == f"/points/rules/sets/{catalogue.pk}/"
    page = as_secretary.get(response["Location"]).content.decode()
    for text in ("赛沁塔拉嘎查村民代表大会", "赞成 41", "A02 人居环境整治义务劳动（出车）", "+50分/车次", "每月最多 200 分",
                 "须附照片", "激励项目", "否决项目", "现行 第1版", "版本记录（2）", "+15分/次", "添加积分项目"):
        assert text in page, text


def test_catalogue_read_only_and_outsider(as_cashier, as_insider, as_outsider, catalogue):
    page = as_cashier.get(f"/points/rules/sets/{catalogue.pk}/").content.decode()
    assert "人居环境整治义务劳动" in page and "添加积分项目" not in page
    assert as_insider.get("/points/rules/", follow=True).status_code == 200
    assert as_outsider.get(f"/points/rules/sets/{catalogue.pk}/").status_code == 404
    page = as_outsider.get("/points/rules/").content.decode()  # their own village has none yet
    assert "官井子村还没有积分细则" in page and "翁牛特旗积分细则模板" in page


RULE = {"code": "F01", "title": "参加“十星级文明户”评比", "kind": "incentive", "categories": ["resident", "party_member"],
        "points": 8, "unit": "per_time", "cap": "", "cap_period": "", "effective_from": "2026-02-01"}


def test_add_a_rule(as_secretary, catalogue):
    response = as_secretary.post(f"/points/rules/sets/{catalogue.pk}/add/",
                                 {**RULE, "adoption": catalogue.adoptions.get().pk, "evidence_required": "on"})
    assert response.status_code == 302
    version = RuleVersion.objects.get(rule__code="F01", rule__rule_set=catalogue)
    assert (version.points, version.categories, version.evidence_required) == (8, ["party_member", "resident"], True)
    assert version.adoption == catalogue.adoptions.get()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"points": 0}, "分值不能为0"),
        ({"code": "A01"}, "编号 A01 已存在"),
        ({"cap": 20}, "封顶分值和封顶周期须同时填写"),
        ({"categories": []}, "请选择适用人员"),
        ({"title": ""}, "请填写项目名称"),
        ({"effective_to": "2026-01-01"}, "失效日期早于生效日期"),
    ],
)
def test_a_bad_rule_is_refused_with_its_message(as_secretary, catalogue, change, message):
    response = as_secretary.post(f"/points/rules/sets/{catalogue.pk}/add/", {**RULE, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert not RuleVersion.objects.filter(rule__code="F01").exists()


def test_rule_writes_by_read_only_and_outsider(as_cashier, as_outsider, catalogue, rules):
    for client, status in ((as_cashier, 403), (as_outsider, 404)):
        assert client.post(f"/points/rules/sets/{catalogue.pk}/add/", RULE).status_code == status
        assert client.post(f"/points/rules/sets/{catalogue.pk}/adoptions/", {"meeting": "x"}).status_code == status
        assert client.get(f"/points/rules/{rules['A01'].pk}/revise/").status_code == status
        assert client.post(f"/points/rules/{rules['A01'].pk}/revise/", {}).status_code == status
    assert not RuleVersion.objects.filter(rule__code="F01").exists()


def test_revise_a_rule_from_a_date(as_secretary, rules):
    page = as_secretary.get(f"/points/rules/{rules['A03'].pk}/revise/").content.decode()
    assert "门前三包、庭院整洁" in page and "发布新版本" in page
    start = today() + timedelta(days=7)
    response = as_secretary.post(f"/points/rules/{rules['A03'].pk}/revise/", {
        "effective_from": start.isoformat(), "title": "门前三包、庭院整洁", "kind": "basic",
        "categories": ["party_member", "resident", "grid_worker"], "points": 6, "unit": "per_time", "cap": 24,
        "cap_period": "month"})
    assert response.status_code == 302
    v1, v2 = rules["A03"].versions.order_by("version")
    assert (v2.points, v2.cap, v2.effective_from) == (6, 24, start)
    assert v1.effective_to == start - timedelta(days=1)
    response = as_secretary.post(f"/points/rules/{rules['A03'].pk}/revise/", {
        "effective_from": "2026-01-01", "title": "x", "kind": "basic", "categories": ["resident"], "points": 6,
        "unit": "per_time"})
    assert response.status_code == 400 and "新版本须晚于现行版本的生效日期" in response.content.decode()


def test_record_an_adoption(as_secretary, catalogue):
    url = f"/points/rules/sets/{catalogue.pk}/adoptions/"
    data = {"meeting": "2026年第二次村民代表大会", "held_on": "2026-06-01", "votes_for": 30, "votes_against": 3,
            "votes_abstain": 1}
    assert as_secretary.post(url, data).status_code == 302
    assert catalogue.adoptions.filter(meeting="2026年第二次村民代表大会", votes_for=30).exists()
    response = as_secretary.post(url, {**data, "votes_for": 3, "votes_against": 30})
    assert response.status_code == 400 and "赞成票未过半" in response.content.decode()


def test_a_village_copies_the_county_template(as_outsider, catalogue, region):
    template = RuleSet.objects.get(is_template=True)
    response = as_outsider.post("/points/rules/copy/", {"village": region["官井子村"].code, "template": template.pk,
                                                        "effective_from": "2026-03-01"})
    assert response.status_code == 302
    copy = RuleSet.objects.get(area=region["官井子村"], is_template=False)
    assert copy.copied_from == template and copy.rules.count() == template.rules.count()
    response = as_outsider.post("/points/rules/copy/", {"village": region["官井子村"].code, "template": template.pk,
                                                        "effective_from": "2026-03-01"})
    assert response.status_code == 400 and "官井子村已有积分细则" in response.content.decode()


def test_copy_and_new_catalogue_for_another_village_or_read_only(as_cashier, as_outsider, catalogue, region):
    template = RuleSet.objects.get(is_template=True)
    data = {"village": region["赛沁塔拉嘎查"].code, "template": template.pk, "effective_from": "2026-03-01"}
    assert as_outsider.post("/points/rules/copy/", data).status_code == 404
    assert as_cashier.post("/points/rules/copy/", data).status_code == 403
    assert as_outsider.post("/points/rules/new/", {"area": region["赛沁塔拉嘎查"].code, "name": "x"}).status_code == 404
    assert as_cashier.post("/points/rules/new/", {"area": region["赛沁塔拉嘎查"].code, "name": "x"}).status_code == 403


def test_a_village_starts_an_empty_catalogue(as_outsider, region):
    response = as_outsider.post("/points/rules/new/", {"area": region["官井子村"].code, "name": "官井子村积分细则"})
    assert response.status_code == 302
    assert "还没有积分项目" in as_outsider.get(response["Location"]).content.decode()


def test_county_staff_see_and_publish_templates(as_county_admin, catalogue, region):
    page = as_county_admin.get("/points/rules/templates/").content.decode()
    assert "翁牛特旗积分细则模板" in page and "12 个项目" in page
    assert as_county_admin.get("/points/rules/").status_code == 302  # above village level: the templates
    response = as_county_admin.post("/points/rules/new/", {"area": region["翁牛特旗"].code, "name": "2027年模板"})
    assert response.status_code == 302
    assert RuleSet.objects.get(name="2027年模板").is_template
