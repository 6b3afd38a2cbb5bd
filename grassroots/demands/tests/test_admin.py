import pytest

from grassroots.access.models import User
from grassroots.core.testing import client_for, make_account
from grassroots.demands.models import Responsibility


@pytest.fixture
def staff_admin(county_admin):
    User.objects.filter(pk=county_admin.pk).update(is_staff=True)
    return client_for(User.objects.get(pk=county_admin.pk))


def test_configuration_pages(staff_admin, make_demand, as_insider):
    make_demand()
    for model in ("unit", "category", "responsibility", "demand"):
        assert staff_admin.get(f"/admin/demands/{model}/").status_code == 200, model
        assert as_insider.get(f"/admin/demands/{model}/").status_code == 302, model  # not staff: to log in


def test_a_responsibility_line_is_added_through_the_service(staff_admin, region, units, categories):
    response = staff_admin.post("/admin/demands/responsibility/add/", {
        "category": categories["jobs"].pk, "area": region["乌丹镇"].pk, "lead_unit": units["wd-nyzx"].pk,
        "supporting_units": [units["jyzx"].pk], "item_number": "101", "duty": "镇内就业"})
    assert response.status_code == 302, response.content.decode()[:2000]
    line = Responsibility.objects.get(item_number="101")
    assert line.path == region["乌丹镇"].path and list(line.supporting_units.all()) == [units["jyzx"]]


def test_a_township_cannot_configure(region, system_actor, units):
    township = make_account("wd-admin", "township_staff", region["乌丹镇"], system_actor)
    User.objects.filter(pk=township.pk).update(is_staff=True)
    client = client_for(User.objects.get(pk=township.pk))
    assert client.get("/admin/demands/responsibility/add/").status_code == 403
    assert client.get("/admin/demands/category/").status_code == 403
    assert client.get("/admin/demands/unit/").status_code == 200  # sees its own units
