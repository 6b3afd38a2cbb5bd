"""Recording claims through the JSON API with 2 concurrent clients, next to the same framework's empty route.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/grassroots \\
        .venv/bin/python bench/bench_claims_api.py --seconds 20 --max-requests 3000

1. Drops and creates a fresh database (default ``grassroots_bench_api``), migrates it and loads the demo
   (翁牛特旗, 6,000 households, one account per role; ``grassroots.demo.load_demo``), the seed-004
   catalogue of 赛沁塔拉嘎查, and a second grid worker on the village's grid 2.
2. Starts the real server as a separate process: ``python -m grassroots.cli serve --workers 2`` (gunicorn,
   sync workers, persistent database connections), on loopback, access log to var/.
3. Logs in two grid workers (the login page, CSRF cookie and token, session cookie), one per grid.
4. Phases, each with 2 concurrent client processes (http.client, one connection each, reconnecting when
   the server closes it; a bounded loop: ``--seconds`` or ``--max-requests`` each, whichever comes
   first), in this order, so that the limit is measured in the same run as the figure:
   a. warm-up (not reported);
   b. empty route: GET /api/points/public/today/ — a Ninja route with no authentication and no database
      work, sent without cookies (a session cookie alone makes Django load and save the session);
   c. the empty route sent with the session cookie: Django then reads the session (one SELECT; the idle
      clock is renewed, one UPDATE, at most once a minute: access/middleware.py IdleSessionMiddleware);
   d. authenticated read: GET /api/points/claims/?limit=1 with the session — the session as in c, the
      user and roles, the page of claims, its areas and recorders, the review stages, possible duplicates
      (8 statements in all; pinned by claims/tests/test_api_queries.py);
   e. claims: POST /api/points/claims/ with a unique Idempotency-Key, one person a claim, rule A01
      (义务劳动, no cap), people and deed dates varied;
   f. the empty route again, to bracket the claims phase.
5. Prints requests/s and p50/p99 latency per phase, claims/s and authenticated reads/s with their ratios to
   the empty route; checks that the database holds exactly one claim per 201 and no more.

The figures only mean something against the limit measured in the same run (PERFORMANCE.md).
"""

import argparse
import http.client
import json
import math
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import fresh_database, server_facts  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "Demo#2026"
SAIQIN = "150426100223"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))]


# ------------------------------------------------------------------------------------------- set-up


def prepare(households: int) -> dict:
    """Demo data, the village catalogue, a second grid worker; the people of each grid."""
    from grassroots.access.services import create_account
    from grassroots.areas.models import Area, Person
    from grassroots.audit.context import Actor
    from grassroots.demo import load_demo
    from grassroots.points.demo import load_seed_rules

    t0 = time.perf_counter()
    load_demo(households=households, progress=lambda *_: None)
    actor = Actor.system("bench_claims_api")
    village = Area.objects.get(code=SAIQIN)
    catalogue = load_seed_rules(actor=actor, village=village, county=village.parent.parent)
    grid2 = Area.objects.get(code=f"{SAIQIN}002")
    create_account(actor=actor, username="wangge2", password=PASSWORD, display_name="网格员 乌兰",
                   roles=[("grid_worker", grid2)])
    people = {}
    for username, code in (("wangge", f"{SAIQIN}001"), ("wangge2", f"{SAIQIN}002")):
        people[username] = list(Person.objects.filter(path__startswith=Area.objects.get(code=code).path,
                                                      is_active=True, household__isnull=False)
                                .values_list("id", flat=True).order_by("id"))
    rule_id = catalogue.rules.get(code="A01").pk
    return {"people": people, "rule_id": rule_id, "seconds": time.perf_counter() - t0}


def start_server(port: int, workers: int, env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - the server writes to it until it stops
    proc = subprocess.Popen([sys.executable, "-m", "grassroots.cli", "serve", "--host", HOST, "--port", str(port),
                             "--workers", str(workers)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server stopped (exit {proc.returncode}); see {log_path}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/points/public/today/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    sys.exit(f"the server did not answer within 120 s; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server this bench started (its own process group: gunicorn's master and workers)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def log_in(port: int, username: str) -> dict:
    """The login page as a browser uses it: CSRF cookie and token, then the session cookie."""
    cookies = SimpleCookie()
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    page = response.read().decode()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"csrfmiddlewaretoken": token, "identifier": username, "password": PASSWORD})
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    conn.request("POST", "/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken'].value}",
        "Referer": f"http://{HOST}:{port}/login/"})
    response = conn.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    if response.status != 302 or "sessionid" not in cookies:
        sys.exit(f"login of {username} failed: HTTP {response.status}")
    return {"sessionid": cookies["sessionid"].value, "csrftoken": cookies["csrftoken"].value}


# ------------------------------------------------------------------------------------------- clients


def client_loop(job: dict) -> dict:
    """One client: a bounded loop of requests on one keep-alive connection (re-opened when closed)."""
    port, kind, seconds, max_requests = job["port"], job["kind"], job["seconds"], job["max_requests"]
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {}
    if job.get("session"):
        s = job["session"]
        headers = {"Cookie": f"sessionid={s['sessionid']}; csrftoken={s['csrftoken']}", "X-CSRFToken": s["csrftoken"],
                   "Referer": f"http://{HOST}:{port}/"}
    people, rule_id = job.get("people") or [], job.get("rule_id")
    today = date.fromisoformat(job["today"]) if job.get("today") else date.today()
    latencies, statuses = [], {}
    reconnects = 0
    started = time.perf_counter()
    i = 0
    while i < max_requests and time.perf_counter() - started < seconds:
        if kind == "claims":
            # A (person, day) pair comes round again: recorded as another deed, not refused with a quick 409.
            body = json.dumps({"person_ids": [people[(i * 7 + job["offset"]) % len(people)]], "rule_id": rule_id,
                               "quantity": 1 + i % 3, "deed_date": (today - timedelta(days=i % 60)).isoformat(),
                               "note": f"bench {job['name']} {i}", "allow_duplicate": True})
            method, url = "POST", "/api/points/claims/"
            extra = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
        elif kind == "empty_session":
            method, url, body, extra = "GET", "/api/points/public/today/", None, {}
        elif kind == "auth_get":
            method, url, body, extra = "GET", "/api/points/claims/?limit=1", None, {}
        else:
            method, url, body, extra = "GET", "/api/points/public/today/", None, {}
        t0 = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn.request(method, url, body=body, headers={**headers, **extra})
                response = conn.getresponse()
                response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                reconnects += 1
                if attempt == 2:
                    raise
        latencies.append(time.perf_counter() - t0)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.will_close:
            conn.close()  # gunicorn's sync workers close after each response; the next request reconnects
        i += 1
    conn.close()
    return {"latencies": latencies, "statuses": statuses, "seconds": time.perf_counter() - started,
            "reconnects": reconnects}


def run_phase(pool, jobs: list[dict]) -> dict:
    t0 = time.perf_counter()
    results = pool.map(client_loop, jobs)
    wall = time.perf_counter() - t0
    latencies = sorted(x for r in results for x in r["latencies"])
    statuses: dict[int, int] = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    seconds = max(r["seconds"] for r in results)
    return {"requests": len(latencies), "seconds": seconds, "wall": wall, "statuses": statuses,
            "p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000,
            "rate": len(latencies) / seconds, "per_client": [len(r["latencies"]) for r in results]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="time limit of the claims phase, per client")
    parser.add_argument("--max-requests", type=int, default=3000, help="request limit of each phase, per client")
    parser.add_argument("--empty-seconds", type=float, default=10, help="time limit of the other phases")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--households", type=int, default=6000, help="demo households (翁牛特旗)")
    parser.add_argument("--db", default="grassroots_bench_api", help="name of the database to (re)create")
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    bench_url = fresh_database(url, args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    facts = server_facts(connection.connection)
    setup = prepare(args.households)
    connection.close()
    print(f"database {args.db} on PostgreSQL {facts['server']}; fsync={facts['fsync']} "
          f"synchronous_commit={facts['synchronous_commit']}; demo set-up {setup['seconds']:.0f} s; "
          f"{len(setup['people']['wangge'])} + {len(setup['people']['wangge2'])} people on the two grids; "
          f"{os.cpu_count()} cores shared by server, PostgreSQL and clients", flush=True)

    port = free_port()
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    env = {**os.environ, "DATABASE_URL": bench_url, "ALLOWED_HOSTS": HOST, "LOG_LEVEL": "WARNING",
           "SECRET_KEY": os.environ.get("SECRET_KEY") or uuid.uuid4().hex * 2}
    server = start_server(port, args.workers, env, var / "bench_claims_api_server.log")
    try:
        sessions = {u: log_in(port, u) for u in ("wangge", "wangge2")}
        today = timezone.localdate().isoformat()
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(2) as pool:
            def jobs(kind, seconds, max_requests, with_session=False):
                return [{"port": port, "kind": kind, "seconds": seconds, "max_requests": max_requests,
                         "name": u, "offset": n, "today": today, "rule_id": setup["rule_id"],
                         "people": setup["people"][u], "session": sessions[u] if with_session else None}
                        for n, u in enumerate(("wangge", "wangge2"))]

            run_phase(pool, jobs("empty", 3, 300))
            run_phase(pool, jobs("claims", 3, 30, with_session=True))
            phases = {}
            phases["empty"] = run_phase(pool, jobs("empty", args.empty_seconds, args.max_requests))
            print(f"  empty route: {phases['empty']['rate']:,.0f} req/s", flush=True)
            phases["empty_session"] = run_phase(pool, jobs("empty_session", args.empty_seconds, args.max_requests,
                                                           True))
            print(f"  empty route with the session cookie: {phases['empty_session']['rate']:,.0f} req/s", flush=True)
            phases["auth_get"] = run_phase(pool, jobs("auth_get", args.empty_seconds, args.max_requests, True))
            print(f"  authenticated read: {phases['auth_get']['rate']:,.0f} req/s", flush=True)
            from grassroots.claims.models import Claim

            before = Claim.objects.count()
            connection.close()
            load_before = os.getloadavg()[0]
            phases["claims"] = run_phase(pool, jobs("claims", args.seconds, args.max_requests, True))
            load_claims = os.getloadavg()[0]
            print(f"  claims: {phases['claims']['rate']:,.0f} req/s", flush=True)
            phases["empty_after"] = run_phase(pool, jobs("empty", args.empty_seconds, args.max_requests))
            created = Claim.objects.count() - before
            connection.close()
    finally:
        stop_server(server)

    c = phases["claims"]
    ok = c["statuses"].get(201, 0)
    claims_rate = ok / c["seconds"]
    empty_rate = (phases["empty"]["rate"] + phases["empty_after"]["rate"]) / 2
    print()
    print(f"2 concurrent clients (processes, http.client), gunicorn sync × {args.workers} workers, loopback; "
          f"bounded loops: ≤ {args.max_requests:,} requests or ≤ {args.seconds:g} s (claims) / "
          f"{args.empty_seconds:g} s (others) per client; load average {load_before:.1f} before the claims phase, "
          f"{load_claims:.1f} after it")
    print()
    width = 62
    print(f"{'':{width}} {'requests':>9} {'seconds':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}  statuses")
    labels = {
        "empty": "empty route GET /api/points/public/today/ (no DB)",
        "empty_session": "  the same with the session cookie (session saved)",
        "auth_get": "authenticated GET /api/points/claims/?limit=1",
        "claims": "POST /api/points/claims/ (1 claim, Idempotency-Key)",
        "empty_after": "empty route again, after the claims",
    }
    for key, label in labels.items():
        p = phases[key]
        print(f"{label:{width}} {p['requests']:9,} {p['seconds']:8.1f} {p['rate']:8,.0f} {p['p50']:7.1f} "
              f"{p['p99']:7.1f}  {dict(sorted(p['statuses'].items()))}")
    print()
    print(f"claims/s = {claims_rate:,.0f} (p50 {c['p50']:.1f} ms, p99 {c['p99']:.1f} ms) = {claims_rate / empty_rate:.2f} "
          f"of the empty-route rate ({empty_rate:,.0f} req/s, mean of before and after) and "
          f"{claims_rate / phases['auth_get']['rate']:.2f} of the authenticated read")
    reads = phases["auth_get"]
    print(f"authenticated reads/s = {reads['rate']:,.0f} (p50 {reads['p50']:.1f} ms, p99 {reads['p99']:.1f} ms) = "
          f"{reads['rate'] / empty_rate:.2f} of the empty-route rate")
    print(f"database check: {created:,} claims written for {ok:,} answers 201 "
          f"({'one each' if created == ok else 'MISMATCH'})")


if __name__ == "__main__":
    main()
