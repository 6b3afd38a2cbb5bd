"""Two app nodes and a worker on one PostgreSQL database, and the traffic a county's clients send them: shared by
tests/live/test_two_nodes.py (which asserts) and bench/bench_two_nodes.py (which prints rates).

- The database has the two roles of docs/deploy.md step 1: an owner, who owns the schema and runs
  `grassroots migrate` (MIGRATE_DATABASE_URL), and an application role that owns nothing and may only read and
  write rows. Everything else, the demo data included, runs as the application role.
- Clients: grid workers recording claims through the JSON API, a cashier redeeming at the shop's counter through
  the JSON API, residents filing demands on the public page (each from an address of their own, X-Real-IP as the
  county's nginx sets it). Every create carries an idempotency key. A request the client sees fail (refused,
  reset, closed without an answer; a 503) is sent again with the same key to the next node, as a client behind a
  load balancer would; a node that failed is left out from then on (nginx's ``max_fails``).
- ``tally`` reads back from the database what every acknowledged request should have left: exactly one row per
  key acknowledged, none for a key refused, none that no client was told about.
"""

import http.client
import itertools
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlparse, urlunparse

import psycopg
import requests

GRASSROOTS = [sys.executable, "-m", "grassroots.cli"]
VILLAGE = "150426100223"  # 赛沁塔拉嘎查: the demo's shop, catalogue and grid workers
GRID = f"{VILLAGE}001"
PASSWORD = "Demo#2026"
FLOOD_ADDRESS = "203.0.113.77"
TIMEOUT = 30  # seconds a client waits for one answer before it counts the request failed
# The create number of the test's own single sends (an answer lost, a write killed): a household and product of its own.
RESERVED = -1


def _pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


# ------------------------------------------------------------------------------------------ the database


@dataclass
class Database:
    """A database of its own on the server of ``admin_url``, owned by ``<tag>_owner``, used by ``<tag>_app``."""

    admin_url: str
    name: str
    owner: str
    app: str

    def url(self, role: str, password: str) -> str:
        parts = urlparse(self.admin_url)
        host = f"{parts.hostname}:{parts.port or 5432}"
        return urlunparse(parts._replace(scheme="postgres", netloc=f"{role}:{password}@{host}", path=f"/{self.name}"))

    @property
    def owner_url(self) -> str:
        return self.url(self.owner, "owner-pw")

    @property
    def app_url(self) -> str:
        return self.url(self.app, "app-pw")

    @property
    def super_url(self) -> str:
        """The administrator's connection to this database: the test's own checks and set-up only."""
        return _pg(urlunparse(urlparse(self.admin_url)._replace(path=f"/{self.name}")))

    @property
    def _maintenance_url(self) -> str:
        return _pg(urlunparse(urlparse(self.admin_url)._replace(path="/postgres")))

    def create(self) -> "Database":
        """docs/deploy.md step 1, word for word but for the names."""
        self.drop()
        with psycopg.connect(self._maintenance_url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {self.owner} LOGIN PASSWORD 'owner-pw'")
            conn.execute(f"CREATE ROLE {self.app} LOGIN PASSWORD 'app-pw'")
            conn.execute(f"CREATE DATABASE {self.name} OWNER {self.owner}")
        with psycopg.connect(self.super_url, autocommit=True) as conn:
            for sql in ("REVOKE ALL ON SCHEMA public FROM PUBLIC",
                        f"ALTER SCHEMA public OWNER TO {self.owner}",
                        f"GRANT USAGE ON SCHEMA public TO {self.app}",
                        f"ALTER DEFAULT PRIVILEGES FOR ROLE {self.owner} IN SCHEMA public "
                        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {self.app}",
                        f"ALTER DEFAULT PRIVILEGES FOR ROLE {self.owner} IN SCHEMA public "
                        f"GRANT USAGE, SELECT ON SEQUENCES TO {self.app}"):
                conn.execute(sql)
        return self

    def drop(self) -> None:
        with psycopg.connect(self._maintenance_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            for role in (self.owner, self.app):
                conn.execute(f"DROP ROLE IF EXISTS {role}")

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.super_url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()


def prepare(db: Database, env: dict, *, households: int) -> None:
    """Migrate as the owner, then load the demo as the application role (its own `migrate` finds nothing to do)."""
    subprocess.run([*GRASSROOTS, "migrate", "--verbosity", "0"], check=True,
                   env={**env, "MIGRATE_DATABASE_URL": db.owner_url})
    subprocess.run([*GRASSROOTS, "demo", "--no-serve", "--households", str(households)], check=True,
                   env={**env, "DATABASE_URL": db.app_url}, stdout=subprocess.DEVNULL)


@dataclass
class Facts:
    """What the clients need to know of the demo, read once from the database."""

    rule_id: int
    people: list[int]
    shop_id: int
    products: list[int]
    households: list[int]  # households of the shop's village with a redeemable balance


def read_facts(db: Database) -> Facts:
    [(rule_id,)] = db.query(
        "SELECT r.id FROM points_rule r JOIN points_ruleset s ON s.id = r.rule_set_id "
        "JOIN areas_area a ON a.id = s.area_id WHERE a.code = %s AND NOT s.is_template AND r.code = 'A01'",
        [VILLAGE])
    people = [pk for (pk,) in db.query(
        "SELECT p.id FROM areas_person p JOIN areas_household h ON h.id = p.household_id "
        "JOIN areas_area g ON g.id = h.grid_id WHERE g.code = %s AND p.is_active ORDER BY p.id", [GRID])]
    [(shop_id,)] = db.query("SELECT s.id FROM shop_shop s JOIN areas_area a ON a.id = s.area_id WHERE a.code = %s",
                            [VILLAGE])
    products = [pk for (pk,) in db.query(
        "SELECT id FROM shop_product WHERE shop_id = %s AND NOT is_retired ORDER BY price_fen, id", [shop_id])]
    households = [pk for (pk,) in db.query(
        "SELECT e.household_id FROM points_ledgerentry e JOIN areas_area a ON a.id = e.village_id "
        "WHERE a.code = %s AND e.account = 'credit' GROUP BY e.household_id HAVING sum(e.points) > 0 "
        "ORDER BY e.household_id", [VILLAGE])]
    return Facts(rule_id, people, shop_id, products, households)


# ------------------------------------------------------------------------------------------ clients


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def log_in(base: str, username: str) -> requests.Session:
    """The log-in page as a browser uses it. The session lives in the shared database: it holds on every node."""
    session = requests.Session()
    token = csrf_token(session.get(f"{base}/login/", timeout=TIMEOUT).text)
    reply = session.post(f"{base}/login/", {"identifier": username, "password": PASSWORD,
                                            "csrfmiddlewaretoken": token}, allow_redirects=False, timeout=TIMEOUT)
    assert reply.status_code == 302 and "sessionid" in session.cookies, f"log-in of {username}: {reply.status_code}"
    return session


def _api_headers(session: requests.Session, key: str) -> dict:
    return {"Idempotency-Key": key, "X-CSRFToken": session.cookies["csrftoken"]}


@dataclass
class Outcome:
    """What the client was finally told about one request (``status``), and what failed on the way."""

    kind: str
    key: str
    status: int
    node: str
    body: dict | None = None
    failures: list[str] = field(default_factory=list)  # "<node> <error>" of each try that failed
    replayed: bool = False
    at: float = field(default_factory=time.monotonic)  # when the answer came


class Traffic:
    """Clients sending creates to ``nodes`` (base URLs) until ``stop`` is set, each retrying a failed request
    with the same key on the next node that has not failed."""

    def __init__(self, nodes: list[str], facts: Facts, sessions: dict[str, requests.Session], *, tag: str = "tn"):
        self.nodes = list(nodes)
        self.facts = facts
        self.sessions = sessions  # "claims" → a grid worker's, "redeem" → the cashier's
        self.tag = tag
        self.down: set[str] = set()
        self.outcomes: list[Outcome] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._addresses = itertools.count(1)  # each resident files from an address of their own

    # -- one request ------------------------------------------------------------------------------------

    def send(self, kind: str, key: str, n: int, *, start: int = 0, session=None, address: str = "") -> Outcome:
        """Send one request until some node answers it (503 counts as no answer); record and return the outcome."""
        failures: list[str] = []
        attempt = start
        deadline = time.monotonic() + 120
        while True:
            with self._lock:
                up = [node for node in self.nodes if node not in self.down]
            if not up or time.monotonic() > deadline:
                raise AssertionError(f"{kind} {key}: no node answered; failures {failures}")
            node = up[attempt % len(up)]
            attempt += 1
            try:
                reply = getattr(self, f"_{kind}")(node, key, n, session=session, address=address)
            except (requests.ConnectionError, requests.Timeout) as exc:
                failures.append(f"{node} {type(exc).__name__}")
                with self._lock:
                    self.down.add(node)
                continue
            if reply.status_code == 503:  # the database said "later": the same key again
                failures.append(f"{node} 503")
                time.sleep(float(reply.headers.get("Retry-After", "1")) / 5)
                continue
            body = None
            if reply.headers.get("Content-Type", "").startswith("application/json"):
                body = reply.json()
            outcome = Outcome(kind, key, reply.status_code, node, body, failures,
                              reply.headers.get("Idempotent-Replayed") == "true")
            with self._lock:
                self.outcomes.append(outcome)
            return outcome

    def _api(self, kind: str, n: int) -> tuple[requests.Session, str, dict]:
        """The session, path and body of API create number ``n`` of ``kind``."""
        f = self.facts
        if kind == "claim":
            # People and days vary, as in bench_claims_api: a (person, day) that comes round again is another deed.
            return self.sessions["claims"], "/api/points/claims/", {
                "person_ids": [f.people[n % len(f.people)]], "rule_id": f.rule_id, "quantity": 1,
                "deed_date": (date.today() - timedelta(days=n % 60)).isoformat(), "note": "", "allow_duplicate": True}
        # The clients' redemptions run the other households' credit and the other products' stock out (409s, as a
        # counter would meet them); create number RESERVED (the test's own single sends) keeps a household and a
        # product of its own, so that it succeeds however long the traffic ran before it.
        if n == RESERVED:
            household, product = f.households[0], f.products[0]
        else:
            household = f.households[1 + n % (len(f.households) - 1)]
            product = f.products[1 + n % min(2, len(f.products) - 1)]
        return self.sessions["redeem"], f"/api/shop/shops/{f.shop_id}/redemptions/", {
            "household_id": household, "items": [{"product_id": product, "quantity": 1}]}

    def _body(self, kind: str, key: str, n: int) -> tuple[requests.Session, str, dict]:
        session, path, body = self._api(kind, n)
        if kind == "claim":
            body["note"] = key  # a claim carries its key, so that the count can find it
        return session, path, body

    def _claim(self, node, key, n, **_):
        session, path, body = self._body("claim", key, n)
        return session.post(node + path, json=body, headers=_api_headers(session, key), timeout=TIMEOUT)

    def _redeem(self, node, key, n, **_):
        session, path, body = self._body("redeem", key, n)
        return session.post(node + path, json=body, headers=_api_headers(session, key), timeout=TIMEOUT)

    def send_unanswered(self, kind: str, key: str, n: int, node: str) -> http.client.HTTPConnection:
        """Send API create ``n`` of ``kind`` to ``node`` and read nothing: the caller drops the connection when it
        likes, as a phone whose signal went after the request left. (Not recorded: ``send`` the key again.)"""
        session, path, body = self._body(kind, key, n)
        parts = urlparse(node)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        conn.request("POST", path, body=json.dumps(body), headers={
            **_api_headers(session, key), "Content-Type": "application/json",
            "Cookie": "; ".join(f"{name}={value}" for name, value in session.cookies.items())})
        return conn

    def _file(self, node, key, n, *, session=None, address="", **_):
        """A resident on the public page: the form (for its CSRF token), then the filing."""
        session = session or requests.Session()
        headers = {"X-Real-IP": address}
        form = session.get(f"{node}/d/{VILLAGE}/", headers=headers, timeout=TIMEOUT)
        if form.status_code != 200:
            return form
        return session.post(f"{node}/d/{VILLAGE}/", data={
            "csrfmiddlewaretoken": csrf_token(form.text), "kind": "demand", "address": "村东头",
            "text": f"村东头的路灯坏了，晚上看不清路。编号 {key} 。", "contact_name": "", "contact_phone": "",
            "idempotency_key": key, "website": ""}, headers={**headers, "Referer": f"{node}/d/{VILLAGE}/"},
            allow_redirects=False, timeout=TIMEOUT)

    # -- clients ----------------------------------------------------------------------------------------

    def start(self, kinds: dict[str, int]) -> None:
        """``kinds``: how many concurrent clients of each kind ("claim", "redeem", "file")."""
        for kind, count in kinds.items():
            for index in range(count):
                thread = threading.Thread(target=self._client, args=(kind, index), daemon=True,
                                          name=f"{kind}-{index}")
                thread.start()
                self._threads.append(thread)

    def _client(self, kind: str, index: int) -> None:
        n = 0
        try:
            while not self.stop.is_set():
                key = f"{self.tag}-{kind}-{index}-{n}"
                address = ""
                if kind == "file":
                    with self._lock:
                        a = next(self._addresses)
                    address = f"10.{a // 62500 % 250}.{a // 250 % 250}.{a % 250 + 1}"
                self.send(kind, key, n * 7 + index, start=n + index, address=address)
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self._errors.append(exc)

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT * 4)
        if self._errors:
            raise self._errors[0]

    def flood(self, count: int) -> list[Outcome]:
        """``count`` filings from one address, two at a time, alternately on each node."""
        outcomes: list[Outcome | None] = [None] * count

        def file(n: int):
            outcomes[n] = self.send("file", f"{self.tag}-flood-{n}", n, start=n, address=FLOOD_ADDRESS)

        threads = [threading.Thread(target=lambda half=half: [file(n) for n in range(half, count, 2)])
                   for half in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    def acknowledged(self, kind: str | None = None) -> int:
        with self._lock:
            return sum(1 for o in self.outcomes if (kind is None or o.kind == kind) and o.status in (201, 302, 409))

    def wait_for(self, per_kind: int, kinds, *, timeout: float = 120) -> None:
        """Until each of ``kinds`` has ``per_kind`` more acknowledged answers than now (a count, not a time)."""
        goal = {kind: self.acknowledged(kind) + per_kind for kind in kinds}
        deadline = time.monotonic() + timeout
        while any(self.acknowledged(kind) < goal[kind] for kind in kinds):
            if self._errors:
                raise self._errors[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {per_kind} answers of each of {kinds}: "
                                     f"{ {k: self.acknowledged(k) for k in kinds} }")
            time.sleep(0.05)


# ------------------------------------------------------------------------------------------ the count


@dataclass
class Tally:
    """Per kind: keys acknowledged, keys refused, and what the database holds for them."""

    acknowledged: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    lost: Counter = field(default_factory=Counter)  # acknowledged, but no row
    doubled: Counter = field(default_factory=Counter)  # more than one row for one key
    unexpected: Counter = field(default_factory=Counter)  # a row for a key refused, or for no key a client sent
    retried: Counter = field(default_factory=Counter)  # requests that failed at least once before their answer
    replayed: Counter = field(default_factory=Counter)  # answered by replaying the first answer

    def clean(self) -> bool:
        return not (+self.lost or +self.doubled or +self.unexpected)


def tally(db: Database, outcomes: list[Outcome], *, tag: str, redemptions: tuple[int, int | None]) -> Tally:
    """Compare what the clients were told about the keys of ``tag`` with the rows. ``redemptions``: the highest
    redemption id before that traffic, and after it (None: up to now)."""
    t = Tally()
    keys: dict[str, dict[str, int]] = {"claim": {}, "redeem": {}, "file": {}}
    outcomes = [o for o in outcomes if o.key.startswith(f"{tag}-")]
    for o in outcomes:
        ok = o.status in (201, 302)
        keys[o.kind][o.key] = o.status
        (t.acknowledged if ok else t.refused)[o.kind] += 1
        t.retried[o.kind] += bool(o.failures)
        t.replayed[o.kind] += o.replayed

    claims = dict(db.query("SELECT note, count(*) FROM points_claim WHERE note LIKE %s GROUP BY note", [f"{tag}-%"]))
    demands = dict(db.query(
        "SELECT substring(text from %s), count(*) FROM demands_demand WHERE text LIKE %s GROUP BY 1",
        [f"编号 ({re.escape(tag)}-[^ ]+) 。", f"%编号 {tag}-%"]))
    for kind, rows in (("claim", claims), ("file", demands)):
        for key, status in keys[kind].items():
            found = rows.get(key, 0)
            if status in (201, 302):
                t.lost[kind] += found == 0
                t.doubled[kind] += found > 1
            else:
                t.unexpected[kind] += found > 0
        t.unexpected[kind] += sum(1 for key in rows if key not in keys[kind])

    # A receipt names its redemption: each acknowledged key's id exists, and no other redemption was written.
    ids = Counter(o.body["id"] for o in outcomes if o.kind == "redeem" and o.status == 201)
    after, upto = redemptions
    written = {pk for (pk,) in db.query("SELECT id FROM shop_redemption WHERE id > %s AND id <= %s",
                                        [after, 2**63 - 1 if upto is None else upto])}
    t.lost["redeem"] += len(set(ids) - written)
    t.doubled["redeem"] += sum(1 for n in ids.values() if n > 1)
    t.unexpected["redeem"] += len(written - set(ids))
    return t


def overdrafts(db: Database) -> list[tuple]:
    """Households whose redeemable credit or products whose stock went below zero (none may)."""
    return db.query(
        "SELECT 'household', household_id, sum(points) FROM points_ledgerentry WHERE account = 'credit' "
        "GROUP BY household_id HAVING sum(points) < 0 "
        "UNION ALL SELECT 'product', product_id, sum(quantity) FROM shop_stockmovement "
        "GROUP BY product_id HAVING sum(quantity) < 0")


def describe(t: Tally) -> str:
    kinds = ("claim", "redeem", "file")
    return json.dumps({k: {"acknowledged": t.acknowledged[k], "refused": t.refused[k], "retried": t.retried[k],
                           "replayed": t.replayed[k], "lost": t.lost[k], "doubled": t.doubled[k],
                           "unexpected": t.unexpected[k]} for k in kinds}, ensure_ascii=False)
