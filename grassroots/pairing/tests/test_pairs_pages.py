"""The pairs pages: the home page, the register (as of a day, scoped, sensitive tags only for those who may see
them, a constant number of queries), its export, setting up and ending a pair, the hand-out, the import, the
village's choice and the public grid board's masked cadre names. Each with an insider (the village secretary), a
read-only member (403 on writes) and an outsider (404), and the cadre who sees only their own pairs."""

import io
from datetime import UTC, date, datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from grassroots.core.excel import read_xlsx, xlsx_bytes
from grassroots.core.testing import client_for
from grassroots.pairing.models import Pair, VillageOption, Visit
from grassroots.pairing.services import PAIR_COLUMNS, create_pair
from grassroots.rules import pairing as rules

DAY = "2026-06-15"
VILLAGE = "150426100223"  # 赛沁塔拉嘎查
OTHER = "150426104204"  # 官井子村


def visit(pair, day: date):
    return Visit.objects.create(pair=pair, visited_at=datetime(day.year, day.month, day.day, 2, tzinfo=UTC),
                                visited_on=day, path=pair.path)


# ------------------------------------------------------------------------------------------- home


def test_home_counts_pairs_by_kind_for_those_who_oversee_them(pairing_world, as_secretary, as_reader):
    page = as_secretary.get("/pairing/", {"day": DAY})
    assert page.status_code == 200
    text = page.content.decode()
    assert "干部包联户" in text and "批量分配" in text and "导入结对名单" in text
    counts = {k["kind"].code: k["count"] for k in page.context["kinds"]}
    assert counts[rules.CADRE_HOUSEHOLD] == 2 and counts[rules.UNIT_AREA] == 1
    read_only = as_reader.get("/pairing/").content.decode()
    assert "干部包联户" in read_only and "批量分配" not in read_only


def test_home_sends_a_cadre_to_their_own_pairs_and_shows_nothing_to_others(pairing_world, as_cadre, as_unit_staff,
                                                                           as_insider, as_outsider, anonymous):
    assert as_cadre.get("/pairing/").url == "/pairing/my/"
    assert as_unit_staff.get("/pairing/").url == "/pairing/my/"
    assert as_insider.get("/pairing/").status_code == 404  # a grid worker: no pairing.VIEW, no pairs of their own
    outsider = as_outsider.get("/pairing/", {"day": DAY})  # sees their own village's (none)
    assert outsider.status_code == 200 and all(k["count"] == 0 for k in outsider.context["kinds"])
    assert anonymous.get("/pairing/").status_code == 302


# ------------------------------------------------------------------------------------------- register


def test_the_register_shows_pairs_in_force_with_their_window(pairing_world, as_secretary):
    visit(pairing_world.pair, date(2026, 6, 3))
    page = as_secretary.get("/pairing/pairs/", {"kind": rules.CADRE_HOUSEHOLD, "day": "2026-06-25"})
    assert page.status_code == 200
    rows = {r.pair.pk: r for r in page.context["rows"]}
    assert set(rows) == {pairing_world.pair.pk, pairing_world.other_pair.pk}
    assert rows[pairing_world.pair.pk].status == rules.DONE
    assert rows[pairing_world.other_pair.pk].status == rules.DUE  # June's window is due from the 21st
    assert as_secretary.get("/pairing/pairs/", {"kind": rules.CADRE_HOUSEHOLD, "day": DAY}).context["rows"][1].status \
        == rules.OPEN
    text = page.content.decode()
    assert "于财" in text and "乌云毕力格" in text and 'class="table cards"' in text and 'data-label="走访情况"' in text
    assert as_secretary.get("/pairing/pairs/", {"day": "2025-12-31"}).context["page"].paginator.count == 0


def test_the_register_shows_sensitive_tags_and_whole_mobiles_only_to_those_who_may(pairing_world, as_secretary,
                                                                                   as_reader):
    secretary = as_secretary.get("/pairing/pairs/", {"kind": rules.CADRE_HOUSEHOLD, "day": DAY}).content.decode()
    assert "低保" in secretary and "13904761234" in secretary
    reader = as_reader.get("/pairing/pairs/", {"kind": rules.CADRE_HOUSEHOLD, "day": DAY}).content.decode()
    assert "乌云毕力格" in reader and "低保" not in reader and "13904761234" not in reader
    assert "150426196803051" not in secretary + reader  # never an ID number


def test_the_register_is_scoped(pairing_world, as_outsider, as_cadre, as_insider):
    assert as_outsider.get("/pairing/pairs/", {"area": VILLAGE}).status_code == 404
    assert "乌云毕力格" not in as_outsider.get("/pairing/pairs/", {"day": DAY}).content.decode()
    assert as_cadre.get("/pairing/pairs/").status_code == 404  # their own pairs are on pairing-my
    assert as_insider.get("/pairing/pairs/").status_code == 404


def test_the_register_takes_a_constant_number_of_queries(pairing_world, homes, secretary, system_actor,
                                                         django_assert_max_num_queries):
    for number in ("SQ-0002", "SQ-0003", "SQ-0005"):
        pair = create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=pairing_world.cadre,
                           target=homes[number], started_on=date(2026, 1, 1))
        visit(pair, date(2026, 5, 30))
        visit(pair, date(2026, 6, 2))
    client = client_for(secretary)
    client.get("/pairing/pairs/", {"day": DAY})  # warm the session
    with django_assert_max_num_queries(12):
        page = client.get("/pairing/pairs/", {"day": DAY})
    assert len(page.context["rows"]) == 6


def test_the_export_is_for_exporters_as_of_the_day(pairing_world, as_secretary, as_reader, as_outsider):
    response = as_secretary.get("/pairing/pairs.xlsx", {"day": DAY, "kind": rules.CADRE_HOUSEHOLD})
    assert response.status_code == 200
    with read_xlsx(io.BytesIO(b"".join(response.streaming_content))) as sheet:
        header = sheet.header()
        rows = [r for _, r in sheet.rows(max_columns=len(header))]
    assert "走访情况" in header and {r[1] for r in rows} == {"于财", "于海"}
    assert as_reader.get("/pairing/pairs.xlsx").status_code == 403
    assert as_outsider.get("/pairing/pairs.xlsx", {"area": VILLAGE}).status_code == 404


# ------------------------------------------------------------------------------------------- set up, end


def test_setting_up_a_pair_on_the_phone_form(pairing_world, as_secretary, homes):
    assert as_secretary.get("/pairing/pairs/new/").status_code == 200
    form = as_secretary.get("/pairing/pairs/new/", {"kind": rules.CADRE_HOUSEHOLD}).context["form"]
    data = {"kind": rules.CADRE_HOUSEHOLD, "visitor": "yucai", "target": "SQ-0002", "started_on": "2026-03-01",
            "purpose": "政策宣讲", "idempotency_key": form.initial["idempotency_key"]}
    assert as_secretary.post("/pairing/pairs/new/", data).status_code == 302
    assert as_secretary.post("/pairing/pairs/new/", data).status_code == 302  # sent twice: made once
    assert Pair.objects.filter(household=homes["SQ-0002"]).count() == 1
    bad = as_secretary.post("/pairing/pairs/new/", {**data, "target": "SQ-9999", "idempotency_key": "k2"})
    assert bad.status_code == 400 and "SQ-9999" in bad.content.decode()


def test_setting_up_is_refused_to_readers_and_outsiders(pairing_world, as_reader, as_outsider, as_cadre, homes):
    data = {"kind": rules.CADRE_HOUSEHOLD, "visitor": "yucai", "target": "SQ-0002", "started_on": "2026-03-01",
            "idempotency_key": "k1"}
    assert as_reader.get("/pairing/pairs/new/").status_code == 403
    assert as_reader.post("/pairing/pairs/new/", data).status_code == 403
    assert as_cadre.get("/pairing/pairs/new/").status_code == 404
    refused = as_outsider.post("/pairing/pairs/new/", data)  # their own page, but SQ-0002 is not in their village
    assert refused.status_code == 400 and "不在官井子村" in refused.content.decode()
    assert not Pair.objects.filter(household=homes["SQ-0002"]).exists()


def test_ending_a_pair_on_its_page(pairing_world, as_secretary, as_reader, as_outsider, as_cadre):
    url = f"/pairing/pairs/{pairing_world.pair.pk}/end/"
    data = {"ended_on": "2026-06-01", "reason": "干部调动", "idempotency_key": "end-1"}
    assert as_reader.get(url).status_code == 403
    assert as_reader.post(url, data).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_cadre.get(url).status_code == 404
    assert as_secretary.get(url).status_code == 200
    assert as_secretary.post(url, {**data, "reason": ""}).status_code == 400
    assert as_secretary.post(url, data).status_code == 302
    assert as_secretary.post(url, data).status_code == 302  # a retry replays
    assert Pair.objects.get(pk=pairing_world.pair.pk).ended_on == date(2026, 6, 1)


# ------------------------------------------------------------------------------------------- hand-out


def test_the_hand_out_previews_then_confirms(pairing_world, as_secretary, homes):
    page = as_secretary.get("/pairing/assign/", {"area": VILLAGE})
    assert page.status_code == 200
    offered = {u.username for u in page.context["form"].fields["cadres"].queryset}
    assert {"yucai", "yuhai", "secretary"} <= offered
    data = {"area": VILLAGE, "cadres": [pairing_world.cadre.pk], "per_cadre": "2", "started_on": "2026-03-01",
            "idempotency_key": page.context["form"].initial["idempotency_key"]}
    preview = as_secretary.post("/pairing/assign/", data)
    assert preview.status_code == 200 and preview.context["preview"]["made"] == 2
    assert Pair.objects.filter(visitor_user=pairing_world.cadre).count() == 1  # nothing written yet
    done = as_secretary.post("/pairing/assign/", {**data, "confirm": "1"})
    assert done.status_code == 200 and done.context["result"]["made"] == 2
    text = done.content.decode()
    assert "SQ-0002" in text and "SQ-0003" in text and "未分配的户还有 1 户" in text
    again = as_secretary.post("/pairing/assign/", {**data, "confirm": "1"})  # the same form again: once
    assert again.context["result"]["made"] == 2
    assert Pair.objects.filter(visitor_user=pairing_world.cadre).count() == 3


def test_the_hand_out_is_refused_to_readers_and_outsiders(pairing_world, as_reader, as_outsider, as_cadre):
    assert as_reader.get("/pairing/assign/").status_code == 403
    assert as_outsider.get("/pairing/assign/", {"area": VILLAGE}).status_code == 404
    assert as_outsider.post("/pairing/assign/", {"area": VILLAGE, "cadres": [pairing_world.cadre.pk],
                                                 "per_cadre": "2", "started_on": "2026-03-01", "confirm": "1",
                                                 "idempotency_key": "x"}).status_code == 404
    assert as_cadre.get("/pairing/assign/").status_code == 404
    assert Pair.objects.filter(visitor_user=pairing_world.cadre).count() == 1


# ------------------------------------------------------------------------------------------- import


def xlsx(rows):
    return SimpleUploadedFile("pairs.xlsx", xlsx_bytes([c.header for c in PAIR_COLUMNS], rows))


def test_the_import_page(pairing_world, as_secretary, homes):
    assert as_secretary.get("/pairing/import/").status_code == 200
    template = as_secretary.get("/pairing/import/", {"template": "1"})
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = as_secretary.post("/pairing/import/", {"file": xlsx([
        ["干部包联户", "yucai", "SQ-0002", "2026-02-01", "", ""],
        ["干部包联户", "nobody", "SQ-0003", "2026-02-01", "", ""]])})
    assert bad.status_code == 400
    assert "第3行" in bad.content.decode() and "nobody" in bad.content.decode()
    assert not Pair.objects.filter(household=homes["SQ-0002"]).exists()
    good = as_secretary.post("/pairing/import/", {"file": xlsx([["干部包联户", "yucai", "SQ-0002", "2026-02-01", "", ""]])})
    assert good.status_code == 302
    assert Pair.objects.filter(household=homes["SQ-0002"]).exists()


def test_the_import_is_refused_to_readers_and_outsiders(pairing_world, as_reader, as_outsider, as_cadre, homes):
    assert as_reader.get("/pairing/import/").status_code == 403
    assert as_reader.post("/pairing/import/", {"file": xlsx([["干部包联户", "yucai", "SQ-0002", "2026-02-01"]])}
                          ).status_code == 403
    assert as_outsider.get("/pairing/import/", {"area": VILLAGE}).status_code == 404
    assert as_cadre.get("/pairing/import/").status_code == 404
    assert not Pair.objects.filter(household=homes["SQ-0002"]).exists()


# ------------------------------------------------------------------------------------------- the public board


def test_the_village_chooses_and_the_public_board_shows_the_masked_cadre_only(pairing_world, as_secretary,
                                                                              as_reader, as_outsider, region):
    grid = region["赛沁塔拉嘎查1"]
    board = Client().get(f"/board/grids/{grid.code}/").content.decode()
    assert "包联干部" not in board  # not chosen yet
    url = f"/pairing/options/{VILLAGE}/"
    assert as_reader.get(url).status_code == 403
    assert as_reader.post(url, {"show_cadre_publicly": "on"}).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(url, {"show_cadre_publicly": "on"}).status_code == 404
    assert as_secretary.get(url).status_code == 200
    assert as_secretary.post(url, {"show_cadre_publicly": "on"}).status_code == 302
    assert VillageOption.objects.get(village=region["赛沁塔拉嘎查"]).show_cadre_publicly
    board = Client().get(f"/board/grids/{grid.code}/").content.decode()
    assert "包联干部：" in board and "于*" in board
    assert "于财" not in board and "低保" not in board and "13904761234" not in board
    other_grid = Client().get(f"/board/grids/{region['赛沁塔拉嘎查2'].code}/").content.decode()
    assert "SQ-0004</span> 包联干部：<span class=\"masked\">于*" in other_grid and "于海" not in other_grid
    assert as_secretary.post(url, {}).status_code == 302
    assert "包联干部：" not in Client().get(f"/board/grids/{grid.code}/").content.decode()
