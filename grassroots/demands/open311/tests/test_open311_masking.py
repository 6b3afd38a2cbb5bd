"""The description a key holder reads over Open311 masks every spelling of a mobile or ID number (issue #11
item 4), in JSON and in XML."""

import pytest
import xmltodict

from grassroots.demands import services
from grassroots.demands.models import Category

V2 = "/open311/v2"

SPELLINGS = [
    ("139-1234-5678", "139****5678"),
    ("139 1234 5678", "139****5678"),
    ("+86-139-1234-5678", "139****5678"),
    ("１３９１２３４５６７８", "139****5678"),
    ("150426800101123", "1504*******1123"),
    ("150426 19800101 1234", "1504**********1234"),
]


@pytest.mark.parametrize(("typed", "masked"), SPELLINGS)
def test_open311_description_masks_every_spelling(client, region, catalogue, village_key, system_actor, typed, masked):
    demand = services.create_demand(actor=system_actor, kind="demand", text=f"水泵坏了，联系{typed}", channel="grid_worker",
                                    area=region["赛沁塔拉嘎查1"], category=Category.objects.get(code="water"))
    url = f"{V2}/requests/{demand.pk}"
    document = client.get(f"{url}.json", {"api_key": village_key}).json()[0]
    assert document["description"] == f"水泵坏了，联系{masked}"
    xml = xmltodict.parse(client.get(f"{url}.xml", {"api_key": village_key}).content)
    assert xml["service_requests"]["request"]["description"] == f"水泵坏了，联系{masked}"
    listed = client.get(f"{V2}/requests.json", {"api_key": village_key}).content.decode()
    assert f"水泵坏了，联系{masked}" in listed and typed not in listed
