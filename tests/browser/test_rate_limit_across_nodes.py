"""The public demand form's limit (5 filings per address per 10 minutes) holds however many processes serve
it: two app servers of two workers each, on one database, are sent 14 filings from one address in turn."""

import re

import pytest
import requests

from tests.servers import app_server

VILLAGE = "150426100223"  # 赛沁塔拉嘎查 in the demo


@pytest.fixture
def two_nodes(live_env, tmp_path):
    # Behind the county's nginx both nodes take the client address from X-Real-IP.
    env = {**live_env, "TRUST_X_REAL_IP": "1"}
    with app_server(env, tmp_path / "node1.log") as first, app_server(env, tmp_path / "node2.log") as second:
        yield [first, second]


def _file_demand(session, base, n, address):
    headers = {"X-Real-IP": address}
    form = session.get(f"{base}/d/{VILLAGE}/", headers=headers, timeout=20)
    if form.status_code == 429:
        return 429
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    data = {"csrfmiddlewaretoken": token, "kind": "demand", "text": f"第{n}次：村东头的路灯坏了，晚上看不清路",
            "address": "村东头", "contact_name": "", "contact_phone": "", "idempotency_key": f"node-test-{n}",
            "website": ""}
    reply = session.post(f"{base}/d/{VILLAGE}/", data=data, headers={**headers, "Referer": f"{base}/d/{VILLAGE}/"},
                         allow_redirects=False, timeout=20)
    return reply.status_code


def test_the_public_filing_limit_holds_across_two_app_nodes(two_nodes):
    session = requests.Session()
    address = "203.0.113.77"
    statuses = [_file_demand(session, two_nodes[n % 2], n, address) for n in range(14)]
    assert statuses.count(302) == 5, statuses  # five filings accepted, whichever node took them
    assert set(statuses[5:]) == {429}, statuses
    # Another address is not held back by the first one's filings.
    assert _file_demand(requests.Session(), two_nodes[1], 99, "203.0.113.78") == 302
