"""The roll-ups are the raw records added up: after a day of changes the refresh's figures equal a recount, and
the dashboard reads them (insider, read-only member and outsider)."""

from grassroots.dashboards.models import AreaDay
from grassroots.dashboards.testing import refresh, rollups_match_raw


def test_a_refresh_counts_what_was_recorded_today_for_the_village_and_every_area_above(posted, region):
    refresh()
    assert rollups_match_raw() == []
    village, township, county = (region[n] for n in ("赛沁塔拉嘎查", "乌丹镇", "翁牛特旗"))
    rows = {r.area_id: r.figures for r in AreaDay.objects.filter(span=AreaDay.Span.DAY)}
    assert rows[village.pk]["points.recorded"] == 2
    assert rows[township.pk]["points.recorded"] == rows[county.pk]["points.recorded"] == 2
    assert "points.recorded" not in rows.get(region["官井子村"].pk, {})  # (it has rows of other sections' states)


def test_the_dashboard_shows_the_figures_to_the_area_and_to_staff_above_and_hides_it_from_outsiders(
        posted, region, as_secretary, as_reader, as_outsider, as_county_staff):
    refresh()
    village = region["赛沁塔拉嘎查"]
    page = as_county_staff.get(f"/dashboard/{region['翁牛特旗'].code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "乌丹镇" in html and "广德公镇" in html  # both townships, one tap down
    for client in (as_secretary, as_reader):
        assert client.get(f"/dashboard/{village.code}/").status_code == 200
    assert as_outsider.get(f"/dashboard/{village.code}/").status_code == 404
    assert as_secretary.get(f"/dashboard/{region['乌丹镇'].code}/").status_code == 404  # not above one's own area
