"""What the register's API tests share: the demo region's codes, JSON posts and patches, reading 422s."""

import json
from datetime import date

from grassroots.rules.idnumber import make_id_number

GRID1 = "150426100223001"  # 赛沁塔拉嘎查 grid 1: the insider's grid
GRID2 = "150426100223002"  # same village, another grid
VILLAGE = "150426100223"  # 赛沁塔拉嘎查
OTHER_VILLAGE = "150426104204"  # 官井子村
OTHER_GRID = "150426104204001"
HEAD_ID_NUMBER = make_id_number("150426", date(1968, 3, 5), 11)


def post(client, url, body, key=None, **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def field_named(response, field) -> bool:
    """The 422 names ``field``, whether in our {"errors": {...}} shape or Ninja's list of errors."""
    body = response.json()
    if "errors" in body:
        return field in body["errors"]
    return any(field in [str(p) for p in e.get("loc", ())] for e in body["detail"])
